"""Options and stresses applied to the tiny network, checked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import append_rows

from energy_model import build_network, load_inputs, solve
from energy_model.scenarios.stresses import apply_stress, largest_entry
from energy_model.units import to_mw


def test_cold_spell_sets_14_days_to_the_peak_day_rate(tiny):
    append_rows(tiny, "stresses.csv", [dict(stress="cold", description="spell", probability="0",
                                            source_id="T-1", estimate="false")])
    append_rows(tiny, "stress_actions.csv", [dict(stress="cold", action="peak_days",
                                                  target="all", value="14", unit="days",
                                                  source_id="T-1", estimate="false")])
    data = load_inputs(tiny)
    n = build_network(2030, inputs=data)
    before = n.loads_t.p_set["TR gas demand"].copy()
    apply_stress(n, "cold", data)
    after = n.loads_t.p_set["TR gas demand"]
    raised = after > before + 1e-9
    assert raised.sum() == 14
    assert np.allclose(after[raised], to_mw(5, "mcm/d"))
    # 14 consecutive days
    days = np.flatnonzero(raised.to_numpy())
    assert days[-1] - days[0] == 13
    assert n.generators.at["TR unserved gas", "p_nom"] == pytest.approx(to_mw(5, "mcm/d"))


def test_slid_removes_the_largest_entry_group(tiny):
    data = load_inputs(tiny)
    n = build_network(2030, inputs=data)
    assert largest_entry(n, "TR") == "Q"  # P3 (5 bcm/yr) beats the corridor offtake P2 (2)
    apply_stress(n, "slid-TR", data)
    assert n.links.at["P3", "p_nom"] == 0.0
    assert n.links.at["P2", "p_nom"] > 0


def test_stress_suspends_contracts_and_options_raise_their_maxima(tiny):
    append_rows(tiny, "contracts.csv", [dict(
        name="RU", seller="RU", buyer="TR", delivery_points="P3", start_year="2020",
        min_annual="0.9", max_annual="1", unit="bcm/yr", kind="physical", source_id="T-1",
        estimate="false")])
    append_rows(tiny, "options.csv", [dict(option="p3-up", description="more P3",
                                           capex_meur="0", lifetime_yr="50", fom_share="0",
                                           earliest_year="2026", source_id="T-1",
                                           estimate="false")])
    append_rows(tiny, "option_assets.csv", [dict(option="p3-up", action="set_capacity",
                                                 target="P3", value="7", unit="bcm/yr",
                                                 source_id="T-1", estimate="false")])
    data = load_inputs(tiny)
    n = build_network(2030, options=["p3-up"], inputs=data)
    meter = n.generators.index[n.generators.carrier == "contract"][0]
    assert -n.generators.at[meter, "e_sum_min"] / 10.55e6 == pytest.approx(1 + 2)
    # P3 out: without the suspension its 0.9 bcm minimum would make the case infeasible; with it
    # the case solves and reports unserved gas instead
    apply_stress(n, "p3-outage", data)
    assert n.generators.at[meter, "e_sum_max"] == 0.0
    assert n.generators.at[meter, "e_sum_min"] == -np.inf
    solve(n)
    assert n.links_t.p0["P3"].sum() == 0.0


def test_cooperative_curtailment_equalises_rates(tiny):
    # TR and GE (behind TR) need 1 bcm each; only about 1 bcm reaches TR: half must be cut
    from conftest import add_georgia_behind_turkey, edit_csv

    from energy_model.analysis.tables import unserved_by_country
    from energy_model.scenarios.curtailment import apply_cooperative_curtailment

    add_georgia_behind_turkey(tiny)
    edit_csv(tiny, "gas_supply.csv", lambda df: df.assign(
        annual_max=np.where(df.region == "RU", "0.5", df.annual_max)))
    n = build_network(2030, inputs=tiny)
    apply_cooperative_curtailment(n, tranches=10)
    cut = unserved_by_country(solve(n))
    assert cut.sum() == pytest.approx(2 - 0.495 - 0.5, abs=1e-6)
    assert abs(cut["TR"] - cut["GE"]) <= 0.1 + 1e-6  # rates within one slice (10 %)
