"""Study files, the options x stresses runner, cache, failures and the Dask path (tiny data)."""

from __future__ import annotations

import json
import logging
import os
import signal
from pathlib import Path

import pytest
import yaml
from conftest import TINY

from energy_model import load_inputs
from energy_model.study.batch import run_option_set as real_run_option_set
from energy_model.study.cases import expand_cases
from energy_model.study.ranking import rank_options
from energy_model.study.runner import run_study
from energy_model.study.schema import Study, StudyError, load_study

STUDY = {
    "name": "tiny",
    "year": 2030,
    "options": {"reference": [], "px": ["px"]},
    "stresses": ["none", "russia-cut", "p3-outage", "slid"],
    "climates": ["average"],  # the design cases are tested in test_security.py
}


@pytest.fixture(scope="module")
def data():
    return load_inputs(TINY)


def write_study(tmp_path, **changes):
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump({**STUDY, **changes}))
    return path


def test_study_file_errors_name_the_bad_key_or_value(tmp_path, data):
    path = write_study(tmp_path, year=2031, colour="red", resolution="monthly",
                       options={"a": ["px", "no-such-option"], "b": "px"},
                       stresses=["none", "meteor"])
    with pytest.raises(StudyError) as err:
        load_study(path, data)
    text = str(err.value)
    assert "unknown key 'colour'" in text
    assert "key 'year': 2031 is not a model year" in text
    assert "options.a: unknown option 'no-such-option'" in text
    assert "options.b: give a list of option names" in text
    assert "stresses: unknown stress 'meteor'" in text
    assert "key 'resolution': 'monthly'" in text
    assert len(err.value.problems) == 6


def test_slid_expands_to_one_case_per_country(tmp_path, data):
    study = load_study(write_study(tmp_path), data)
    cases = expand_cases(study, data)
    assert {c.stress for c in cases} == {"none", "russia-cut", "p3-outage", "slid-TR"}
    assert len(cases) == 2 * 4


@pytest.fixture(scope="module")
def study_run(tmp_path_factory, data):
    out = tmp_path_factory.mktemp("study")
    study = load_study(write_study(out), data)
    ds = run_study(study, out / "results", inputs=TINY, workers=2, progress=False)
    return out / "results", ds, study


def test_small_study_end_to_end(study_run):
    out, ds, _ = study_run
    assert set(ds.dims) >= {"option", "stress", "country", "origin"}
    assert (ds.status == "ok").all()
    for f in ("results.nc", "costs.csv", "countries.csv", "deliveries.csv", "summary.md"):
        assert (out / f).exists()
    # without PX, the P3 outage leaves TR short of what AZ can deliver: 1 - 0.495 bcm
    uns = ds.unserved_gas.sel(country="TR")
    assert uns.sel(option="reference", stress="p3-outage").item() == pytest.approx(0.505)
    assert uns.sel(option="px", stress="p3-outage").item() == pytest.approx(0.0, abs=1e-9)
    assert rank_options(ds).index[0] == "px"
    assert "Rule: options are ranked" in (out / "summary.md").read_text()


def test_adding_an_option_at_zero_capex_never_raises_cost(study_run):
    _, ds, _ = study_run
    diff = ds.total_cost.sel(option="px") - ds.total_cost.sel(option="reference")
    assert (diff <= 1e-6 * ds.total_cost.sel(option="reference")).all()


def test_rerun_uses_the_cache_and_recomputes_nothing(study_run, monkeypatch):
    out, ds, study = study_run
    import energy_model.study.batch as batch

    def boom(specs):  # any solve now would fail the test
        raise AssertionError("case recomputed")

    monkeypatch.setattr(batch, "run_option_set", boom)
    again = run_study(study, out, inputs=TINY, workers=1, progress=False)
    assert (again.total_cost == ds.total_cost).all()


def test_a_failed_case_is_reported_and_the_others_finish(tmp_path, data, monkeypatch):
    import energy_model.scenarios.stresses as stresses

    real = stresses.apply_stress

    def flaky(n, stress, data):  # fails in place and again when solved from scratch
        if stress == "russia-cut" and n.meta["options"] == ["px"]:
            raise RuntimeError("solver exploded")
        return real(n, stress, data)

    monkeypatch.setattr(stresses, "apply_stress", flaky)
    study = load_study(write_study(tmp_path, stresses=["none", "russia-cut"]), data)
    level = logging.getLogger("energy_model").level
    ds = run_study(study, tmp_path / "out", inputs=TINY, workers=1, progress=False)
    assert logging.getLogger("energy_model").level == level  # library code sets no level
    assert ds.status.sel(option="px", stress="russia-cut").item() == "failed"
    assert int((ds.status == "ok").sum()) == 3
    assert "px / russia-cut" in (tmp_path / "out" / "summary.md").read_text()
    cached = list((tmp_path / "out" / "cache").glob("*.json"))
    assert len(cached) == 3  # the failed case is not cached, so a re-run retries it
    assert all(json.loads(p.read_text())["result"]["status"] == "ok" for p in cached)


def test_the_same_study_runs_on_a_dask_cluster(tmp_path, data, study_run):
    distributed = pytest.importorskip("distributed")
    _, local, _ = study_run
    study = load_study(write_study(tmp_path), data)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        ds = run_study(study, tmp_path / "dask", inputs=TINY, scheduler=cluster.scheduler_address,
                       progress=False)
    assert (ds.status == "ok").all()
    assert ds.total_cost.values == pytest.approx(local.total_cost.values)


def test_tcp_and_sgc_never_raise_unserved_gas_under_russia_cut(tmp_path):
    from conftest import INPUTS

    real = load_inputs(INPUTS)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({
        "name": "invariant", "year": 2030, "power": False,
        "options": {"reference": [], "tcp+sgc": ["tcp-full", "sgc-expansion"]}, "assume_built": True,
        "stresses": ["none", "russia-cut"], "climates": ["average", "peak-day"]}))
    ds = run_study(load_study(path, real), tmp_path / "out", inputs=INPUTS, workers=2,
                   progress=False)
    assert (ds.status == "ok").all()
    uns = ds.unserved_gas.sum("country")
    assert (uns.sel(option="tcp+sgc", stress="russia-cut")
            <= uns.sel(option="reference", stress="russia-cut") + 1e-6).all()  # every climate
    # more capacity at zero capex never raises the operating cost
    assert (ds.total_cost.sel(option="tcp+sgc") <= ds.total_cost.sel(option="reference")
            * (1 + 1e-9)).all()


def test_study_writes_indicators_and_cba(study_run):
    import pandas as pd

    out, _, _ = study_run
    ind = pd.read_csv(out / "indicators.csv")
    assert list(ind.columns) == ["option", "climate", "stress", "country", "indicator", "value",
                                 "unit", "band"]
    assert {"n_minus_1", "curtailment_rate", "disrupted_demand", "ird", "hhi_origin",
            "russian_share", "price"} <= set(ind.indicator)
    cr = ind.set_index(["option", "climate", "stress", "country", "indicator"]).value
    assert cr[("reference", "average", "p3-outage", "TR", "curtailment_rate")] == \
        pytest.approx(0.505)
    cba = pd.read_csv(out / "cba.csv")
    cba = cba[cba.discount_rate == 0.04].set_index("option")
    assert cba.at["px", "method"] == "PINT"
    assert cba.at["px", "capex_eur"] == pytest.approx(100e6)
    assert {"enpv_eur", "bcr", "benefit_security", "pv_security_eur"} <= set(cba.columns)
    assert (out / "cba_by_year.csv").exists()


def test_cba_discounting_by_hand():
    from energy_model.finance import annuity_factor

    # 7 % over 2 years: 1/1.07 + 1/1.07^2
    assert annuity_factor(0.07, 2) == pytest.approx(1 / 1.07 + 1 / 1.07 ** 2)


def test_cba_security_benefit_by_hand(tmp_path, data):
    from energy_model.study.cba import appraise

    study = load_study(write_study(tmp_path, stresses=["none", "p3-outage"]), data)
    ds = run_study(study, tmp_path / "o", inputs=TINY, workers=1, progress=False)
    cba = appraise(ds, data)
    row = cba[cba.discount_rate == 0.04].set_index("option").loc["px"]
    # p3-outage (weight 0.1): without PX 0.505 bcm unserved at 600 EUR/MWh, with PX none;
    # `none` weight 0.9: PX changes nothing
    assert row.benefit_security == pytest.approx(0.1 * 0.505 * 10.55e6 * 600, rel=1e-6)
    assert row.benefit_total == pytest.approx(
        0.1 * float(ds.total_cost.sel(option="reference", stress="p3-outage", climate="average")
                    - ds.total_cost.sel(option="px", stress="p3-outage", climate="average")),
        rel=1e-9)


def test_cooperative_and_isolated_curtailment_by_hand(tiny):
    from conftest import add_georgia_behind_turkey

    # GE sits behind TR. Without P3 only AZ's 0.495 bcm reaches TR for 2 bcm of demand.
    add_georgia_behind_turkey(tiny)
    data = load_inputs(tiny)
    path = tiny / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "iso", "year": 2030, "isolated": True,
                                    "options": {"reference": []},
                                    "stresses": ["none", "p3-outage"],
                                    "climates": ["average"]}))
    ds = run_study(load_study(path, data), tiny / "out", inputs=tiny, workers=1,
                   progress=False)
    case = ds.sel(option="reference", stress="p3-outage", climate="average")
    coop = case.curtailment_rate
    iso = case.curtailment_rate_isolated
    assert float(case.unserved_gas.sum()) == pytest.approx(2 - 0.495, abs=1e-6)
    assert abs(float(coop.sel(country="TR") - coop.sel(country="GE"))) <= 0.1 + 1e-6
    # isolated: TR keeps AZ's gas for itself, GE loses all
    assert float(iso.sel(country="TR")) == pytest.approx(0.505, abs=1e-6)
    assert float(iso.sel(country="GE")) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("isolated_average", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_build_once_solve_many_equals_one_case_at_a_time(tiny, isolated_average):
    # the batch re-solves every stress in place (the uncooperative MILP included); each case
    # must be what a fresh build of that case alone gives
    from conftest import add_georgia_behind_turkey

    from energy_model.scenarios.constraints import COOPERATIVE_BANDS
    from energy_model.study.batch import run_option_set
    from energy_model.study.case import clear_caches, run_case

    add_georgia_behind_turkey(tiny)
    load_inputs(tiny)  # the edited data are valid
    climates = ["average"] if isolated_average else ["average", "peak-day", "two-week"]
    specs = _specs(tiny, ("px",), climates, ["none", "russia-cut", "p3-outage"], isolated=True)
    batch = run_option_set(specs)
    clear_caches()
    alone = [run_case(spec) for spec in specs]
    for spec, got, want in zip(specs, batch, alone, strict=True):
        label = spec.label()
        assert got["status"] == want["status"] == "ok", label
        assert got["total_cost_eur"] == pytest.approx(want["total_cost_eur"], rel=1e-9), label
        assert got["n_minus_1"] == pytest.approx(want["n_minus_1"], abs=1e-6), label
        for key in ("unserved_gas_bcm", "unserved_gas_isolated_bcm"):
            assert (key in got) == (key in want), (label, key)
            if key not in want:
                continue
            assert sum(got[key].values()) == pytest.approx(sum(want[key].values()), abs=1e-6)
            for c, v in want[key].items():  # equal sharing holds to one band (1 % of demand)
                band = want["gas_demand_bcm"][c] / COOPERATIVE_BANDS
                assert got[key][c] == pytest.approx(v, abs=band + 1e-6), (label, key, c)
    assert any(sum(r.get("unserved_gas_isolated_bcm", {}).values()) > 1e-4 for r in batch)


def test_batch_keeps_remaining_flexibility_when_the_study_asks_for_it(tiny):
    from energy_model.study.batch import run_option_set
    from energy_model.study.case import clear_caches, run_case

    specs = _specs(tiny, (), ["average", "peak-day"], ["none", "russia-cut"],
                   remaining_flexibility=True)
    batch = run_option_set(specs)
    clear_caches()
    for spec, got in zip(specs, batch, strict=True):
        want = run_case(spec)["remaining_flexibility"]
        assert got["remaining_flexibility"] == pytest.approx(want, abs=1e-6), spec.label()
    assert batch[0]["remaining_flexibility"]["TR"] > 0.0  # the undisturbed year has room


def _specs(inputs, options: tuple[str, ...], climates: list[str], stresses: list[str],
           **settings) -> list:
    """Return the case specifications of one option set over ``climates`` x ``stresses``."""
    from energy_model.provenance import hash_inputs
    from energy_model.study.schema import Case, Study
    from energy_model.study.spec import case_spec

    study = Study.model_validate({**STUDY, "stresses": stresses, "climates": climates,
                                  **settings})
    h = hash_inputs(inputs)
    return [case_spec(Case("x", options, s, c), study.settings(False), inputs, h)
            for c in climates for s in stresses]


# --- a study survives failing cases; progress per case ------------------------------------------

def _fail_every_case(monkeypatch, options=None):
    import energy_model.scenarios.stresses as stresses

    def broken(n, stress, data):  # fails in place and again when solved from scratch
        if options is None or n.meta["options"] == options:
            raise RuntimeError("solver exploded")
        raise AssertionError("unreachable")

    real = stresses.apply_stress
    monkeypatch.setattr(stresses, "apply_stress", broken if options is None else (
        lambda n, stress, data: broken(n, stress, data) if n.meta["options"] == options
        else real(n, stress, data)))


def test_a_study_whose_every_case_fails_writes_its_results_and_exits_1(tmp_path, monkeypatch):
    # on d4b6e21 `run` crashed in summary.py (exit 3) and wrote no results at all
    from energy_model.cli import main

    _fail_every_case(monkeypatch)
    path = write_study(tmp_path, stresses=["none", "p3-outage"])
    out = tmp_path / "out"
    code = main(["-q", "run", str(path), "--out", str(out), "--inputs", str(TINY),
                 "--workers", "1"])
    assert code == 1
    for f in ("results.nc", "summary.md", "costs.csv", "indicators.csv"):
        assert (out / f).exists(), f
    text = (out / "summary.md").read_text()
    assert "- px / p3-outage: RuntimeError: solver exploded" in text
    assert "- reference / none: RuntimeError: solver exploded" in text


def test_an_option_set_whose_every_case_fails_leaves_the_others(tmp_path, data, monkeypatch):
    _fail_every_case(monkeypatch, options=["px"])
    study = load_study(write_study(tmp_path, stresses=["none", "p3-outage"]), data)
    ds = run_study(study, tmp_path / "out", inputs=TINY, workers=1, progress=False)
    assert (ds.status.sel(option="px") == "failed").all()
    assert (ds.status.sel(option="reference") == "ok").all()
    assert ds.unserved_gas.sel(option="reference", stress="p3-outage", country="TR").item() \
        == pytest.approx(0.505)
    assert "px / none: RuntimeError: solver exploded" in (tmp_path / "out" / "summary.md") \
        .read_text()


def test_a_solver_time_limit_fails_with_its_reason(tiny):
    # on d4b6e21 HiGHS's time limit came back as "ok" and failed as an energy imbalance
    from energy_model.network.build import build_network
    from energy_model.optimization.solver import SolveError, solve

    n = build_network(2030, (), load_inputs(tiny))
    with pytest.raises(SolveError, match="time_limit"):
        solve(n, solver_options={"time_limit": 0.0})


def _die_once(specs):
    """A task that kills its worker process the first time it runs the ``px`` option set."""
    marker = Path(os.environ["ENERGY_MODEL_TEST_MARKER"])
    if specs[0].case.option == "px" and not marker.exists():
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return real_run_option_set(specs)


def _die_always(specs):
    """A task that kills its worker process whenever it runs the ``px`` option set."""
    if specs[0].case.option == "px":
        os.kill(os.getpid(), signal.SIGKILL)
    return real_run_option_set(specs)


def test_a_killed_worker_process_is_reported_and_its_cases_run_again(tmp_path, data, study_run,
                                                                     monkeypatch, caplog):
    # on d4b6e21 every case of the killed worker's pool failed with BrokenProcessPool
    import energy_model.study.batch as batch

    _, local, _ = study_run
    monkeypatch.setenv("ENERGY_MODEL_TEST_MARKER", str(tmp_path / "killed"))
    monkeypatch.setattr(batch, "run_option_set", _die_once)
    study = load_study(write_study(tmp_path), data)
    with caplog.at_level(logging.WARNING, logger="energy_model"):
        ds = run_study(study, tmp_path / "out", inputs=TINY, workers=2, progress=False)
    assert (tmp_path / "killed").exists()
    assert "a worker process died" in caplog.text
    assert (ds.status == "ok").all()
    assert ds.total_cost.values == pytest.approx(local.total_cost.values)


def test_a_task_that_always_kills_its_worker_fails_alone(tmp_path, data, monkeypatch):
    import energy_model.study.batch as batch

    monkeypatch.setattr(batch, "run_option_set", _die_always)
    study = load_study(write_study(tmp_path, stresses=["none"]), data)
    ds = run_study(study, tmp_path / "out", inputs=TINY, workers=2, progress=False)
    assert ds.status.sel(option="reference").item() == "ok"
    assert ds.status.sel(option="px").item() == "failed"
    assert "worker process died" in (tmp_path / "out" / "summary.md").read_text()


def test_the_progress_bar_advances_per_case_as_cases_finish(tmp_path, data, monkeypatch):
    # on d4b6e21 the bar moved only when a whole option set (21 cases in the main study) ended
    import tqdm.auto

    import energy_model.study.batch as batch

    events: list[str] = []

    class Bar:
        def __init__(self, *args, **kwargs):
            assert kwargs["smoothing"] == 0.0  # the rate is the mean over the cases so far
            self.n = kwargs.get("initial", 0)

        def update(self, k=1):
            events.extend(["case"] * k)

        def close(self):
            pass

    def task(specs):
        events.append("task starts")
        out = real_run_option_set(specs)
        events.append("task ends")
        return out

    monkeypatch.setattr(tqdm.auto, "tqdm", Bar)
    monkeypatch.setattr(batch, "run_option_set", task)
    study = load_study(write_study(tmp_path, stresses=["none", "russia-cut", "p3-outage"]), data)
    run_study(study, tmp_path / "out", inputs=TINY, workers=1, progress=True)
    assert events.count("case") == 6
    first = events[: events.index("task ends")]
    assert first.count("case") == 3  # each case of the first task counted before it ended


def test_pool_reports_each_case_from_worker_processes():
    from energy_model.study.pool import execute

    seen: list[str] = []
    results = dict(execute({"a": "a", "b": "b"}, _three_cases, workers=2, scheduler=None,
                           on_case=seen.append))
    assert results == {"a": "a", "b": "b"}
    assert sorted(seen) == ["a-0", "a-1", "a-2", "b-0", "b-1", "b-2"]


def _three_cases(arg: str) -> str:
    from energy_model.study.pool import report_case_done

    for i in range(3):
        report_case_done(f"{arg}-{i}")
    return arg


def test_run_study_reads_the_shipped_inputs_by_default(tmp_path, monkeypatch):
    # on d4b6e21 the default was 'inputs' relative to the working directory
    import energy_model.study.run as run
    from energy_model.data.names import SHIPPED_INPUTS

    seen = []
    monkeypatch.setattr(run, "_run_study", lambda study, out, stage, inputs, *a: seen.append(
        inputs))
    monkeypatch.chdir(tmp_path)
    run_study(Study.model_validate(STUDY), tmp_path / "out", progress=False)
    assert seen == [SHIPPED_INPUTS]
