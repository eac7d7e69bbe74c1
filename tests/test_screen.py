"""Combined disruptions (``a+b``) and the N-2 screening on the tiny network."""

from __future__ import annotations

import pytest
import yaml
from conftest import add_georgia_behind_turkey

from energy_model.data.loading import load_inputs
from energy_model.study.schema import Study, StudyError, load_study

STUDY = {"name": "screen", "year": 2030, "options": {"reference": [], "px": ["px"]},
         "stresses": ["none"], "climates": ["peak-day", "two-week"], "isolated": True}


def test_combined_stress_names_are_validated_like_any_stress(tiny):
    data = load_inputs(tiny)
    path = tiny / "s.yaml"
    ok = {**STUDY, "stresses": ["none", "russia-cut+p3-outage"]}
    path.write_text(yaml.safe_dump(ok))
    assert load_study(path, data).stresses == ["none", "russia-cut+p3-outage"]
    for bad, words in (("russia-cut+meteor", "unknown stress 'meteor'"),
                       ("russia-cut+russia-cut", "same stress twice"),
                       ("none+russia-cut", "cannot be part of a combined disruption"),
                       ("slid+russia-cut", "cannot be part of a combined disruption"),
                       ("slid-XX+russia-cut", "names no country")):
        path.write_text(yaml.safe_dump({**STUDY, "stresses": [bad]}))
        with pytest.raises(StudyError, match=words):
            load_study(path, data)


def test_combined_stress_applies_every_part(tiny):
    from energy_model.network.build import build_network
    from energy_model.scenarios.stresses import apply_stress

    data = load_inputs(tiny)
    n = build_network(2030, [], data)
    apply_stress(n, "russia-cut+p3-outage", data)
    ru = n.generators[(n.generators.carrier == "gas supply") & (n.generators.origin == "RU")]
    assert (ru.p_nom == 0).all()  # russia-cut
    assert n.links.loc["P3", "p_nom"] == 0  # p3-outage


def test_screening_in_place_equals_one_case_at_a_time(tiny):
    # every contingency re-solved in place on the kept models (both rules) must give what a
    # fresh build of that combined case gives (study.case.run_case)
    from energy_model.provenance import hash_inputs
    from energy_model.study.case import clear_caches, run_case
    from energy_model.study.schema import Case
    from energy_model.study.screen import run_screen, screen_contingencies, summarise_countries
    from energy_model.study.spec import case_spec

    add_georgia_behind_turkey(tiny)
    data = load_inputs(tiny)
    study = Study.model_validate(STUDY)
    table = run_screen(study, tiny, workers=1)
    assert set(table.stress) == set(screen_contingencies(data))
    assert "russia-cut+p3-outage" in set(table.stress)
    assert table.attrs["cases"] == 3 * 2 * 2 * 2
    assert table.attrs["missing"] == []  # every case answered
    assert len(table.drop_duplicates(["option", "climate", "rule", "stress"])) == 3 * 2 * 2 * 2
    assert table.attrs["from_scratch"] == 0  # every contingency of the tiny study in place
    clear_caches()
    for label, names in study.options.items():
        for climate in STUDY["climates"]:
            spec = case_spec(Case(label, tuple(names), "russia-cut+p3-outage", climate),
                             study.settings(False), tiny, hash_inputs(tiny))
            want = run_case(spec)
            days = want["window_days"]
            for rule, key in (("cooperative", "unserved_gas_bcm"),
                              ("isolated", "unserved_gas_isolated_bcm")):
                got = table[(table.option == label) & (table.climate == climate)
                            & (table.rule == rule) & (table.stress == "russia-cut+p3-outage")]
                got = got.set_index("country").unserved_mcm_d
                total = sum(want[key].values()) * 1000.0 / days
                assert got.sum() == pytest.approx(total, abs=1e-3), (label, climate, rule)
                if rule == "isolated":  # a unique split: GE behind TR gets nothing
                    for c, v in want[key].items():
                        assert got[c] == pytest.approx(v * 1000.0 / days, abs=1e-3)
    summary = summarise_countries(table)
    ge = summary[(summary.option == "reference") & (summary.country == "GE")].iloc[0]
    assert ge.double_contingencies_curtailing == 1
    assert ge.worst_rate == pytest.approx(1.0, abs=1e-6)  # isolated: GE loses all
