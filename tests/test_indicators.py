"""Indicator formulas against hand-computed values on the tiny network."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import TINY

from energy_model import build_network, load_inputs
from energy_model.analysis.indicators import (
    curtailment_rate,
    hhi_by_origin,
    import_route_diversification,
    n_minus_1,
    origin_share,
)
from energy_model.units import to_mw


@pytest.fixture(scope="module")
def tiny_net():
    data = load_inputs(TINY)
    return build_network(2030, inputs=data), data


def test_n_minus_1_by_hand(tiny_net):
    n, data = tiny_net
    row = n_minus_1(n, data).loc["TR"]
    # entries: P2 (2 bcm/yr from the transit node, which receives only 2 x 0.99 through P1)
    # + P3 (5 bcm/yr, from Russia); largest single infrastructure: P3; D_max = the 1-in-20
    # peak day of design_demand.csv, 6 mcm/d
    expected = (to_mw(2 * 0.99, "bcm/yr") + to_mw(5, "bcm/yr") - to_mw(5, "bcm/yr")) \
        / to_mw(6, "mcm/d") * 100
    assert row.n_minus_1 == pytest.approx(expected)
    assert row.n_minus_1 == pytest.approx(90.41, abs=0.01)
    assert row.I_name == "Q"
    with_deff = n_minus_1(n, data, d_eff_mw={"TR": to_mw(1, "mcm/d")}).loc["TR"]
    assert with_deff.n_minus_1_demand_side == pytest.approx(expected * 6 / 5)


def test_import_route_diversification_by_hand(tiny_net):
    n, _ = tiny_net
    # shares of entry capacity: corridor 2/7, Russia 5/7 -> (200/7)^2 + (500/7)^2
    assert import_route_diversification(n, "TR") == pytest.approx((200 / 7) ** 2 + (500 / 7) ** 2)


def test_hhi_shares_and_curtailment_by_hand():
    d = pd.DataFrame({"country": ["TR", "TR", "GE"], "origin": ["AZ", "RU", "AZ"],
                      "bcm": [0.495, 0.505, 2.0]})
    hhi = hhi_by_origin(d)
    assert hhi["TR"] == pytest.approx(49.5 ** 2 + 50.5 ** 2)
    assert hhi["GE"] == pytest.approx(10_000)
    assert origin_share(d, "RU")["TR"] == pytest.approx(0.505)
    assert origin_share(d, "RU")["GE"] == 0.0
    cr = curtailment_rate(pd.Series({"TR": 0.1}), pd.Series({"TR": 1.0}))
    assert cr["TR"] == pytest.approx(0.1)


def test_remaining_flexibility_by_hand(tiny):
    from conftest import edit_csv

    from energy_model.study.experiments import remaining_flexibility

    # P3 can bring 1.2 bcm/yr from Russia; with AZ's 0.495 bcm, doubling TR's 1 bcm demand leaves
    # 2 - 1.2 - 0.495 = 0.305 bcm unserved: RF = 1 - 0.305 / 1 = 0.695
    edit_csv(tiny, "pipelines.csv", lambda df: df.assign(
        capacity_fwd=df.capacity_fwd.where(df.name != "P3", "1.2")))
    data = load_inputs(tiny)
    rf = remaining_flexibility(lambda: build_network(2030, inputs=data))
    assert rf["TR"] == pytest.approx(0.695, abs=1e-6)


def test_supply_source_dependence_by_hand():
    from energy_model.study.experiments import supply_source_dependence

    data = load_inputs(TINY)
    ssd = supply_source_dependence(lambda: build_network(2030, inputs=data), ["RU", "AZ"])
    assert ssd.loc["TR", "RU"] == pytest.approx(0.505, abs=1e-6)  # only AZ's 0.495 arrives
    assert ssd.loc["TR", "AZ"] == pytest.approx(0.0, abs=1e-9)    # Russia can cover it all


def test_compute_indicators_long_table(tiny_net):
    from energy_model import solve
    from energy_model.analysis.indicators import compute_indicators

    n, data = tiny_net
    table = compute_indicators(solve(n.copy()), data).set_index(["country", "indicator"])
    assert table.loc[("TR", "russian_share"), "value"] == pytest.approx(0.505)
    assert table.loc[("TR", "price"), "value"] == pytest.approx(30.0)
    assert table.loc[("TR", "curtailment_rate"), "value"] == pytest.approx(0.0)
    assert set(table.unit) >= {"%", "EUR/MWh", "fraction", "bcm"}


def test_region_sanity_russian_share_and_flexibility_under_russia_cut():
    from conftest import INPUTS

    from energy_model import solve
    from energy_model.analysis.trace import trace_deliveries
    from energy_model.scenarios.stresses import apply_stress
    from energy_model.study.experiments import remaining_flexibility

    data = load_inputs(INPUTS)
    base = solve(build_network(2024, inputs=data))
    share = origin_share(trace_deliveries(base), "RU")
    # countries on TurkStream and its Balkan extension take mostly Russian gas in 2024 ...
    assert (share[["RS", "MK", "BG", "HU"]] > 0.3).all()
    # ... countries supplied from the west and south hardly any
    assert (share[["IT", "DE"]] < 0.1).all()

    def cut():
        n = build_network(2024, inputs=data)
        apply_stress(n, "russia-cut", data)
        return n

    assert origin_share(trace_deliveries(solve(cut())), "RU").max() == 0.0
    countries = ["RS", "HU", "IT", "DE"]
    rf_base = remaining_flexibility(lambda: build_network(2024, inputs=data), countries)
    rf_cut = remaining_flexibility(cut, countries)
    assert (rf_cut <= rf_base + 1e-9).all()
    assert rf_cut.min() < 1.0  # losing Russia costs somebody flexibility


def test_shared_resolver_sweeps_equal_their_own():
    """Remaining flexibility and supply-source dependence on one shared Resolver equal each on
    a Resolver of its own; the shared Resolver's ``reset(restart=True)`` puts the case and
    HiGHS's start back."""
    from energy_model.analysis.indicators import supply_sources
    from energy_model.optimization.resolve import Resolver
    from energy_model.scenarios.curtailment import suspend_contracts
    from energy_model.study.experiments import remaining_flexibility, supply_source_dependence

    data = load_inputs(TINY)

    def build():
        return build_network(2030, inputs=data)

    sources = supply_sources(data)
    n = build()
    suspend_contracts(n)
    shared = Resolver(n)
    rf = remaining_flexibility(build, resolver=shared)
    ssd = supply_source_dependence(build, sources, resolver=shared)
    pd.testing.assert_series_equal(rf, remaining_flexibility(build))
    pd.testing.assert_frame_equal(ssd, supply_source_dependence(build, sources))
    assert shared.rebuilds == 0


def test_indicators_sweep_assesses_remaining_flexibility_on_the_design_cases(tiny):
    """The sweep's remaining flexibility is ENTSOG's, on the peak day and two weeks, equal to
    the same design case built and assessed on its own (as a study's case is), and not the
    average year's."""
    from conftest import edit_csv

    from energy_model.optimization.solver import solve
    from energy_model.scenarios.climates import make_climate_case, reference_state
    from energy_model.study.experiments import remaining_flexibility, tabulate_year_indicators

    # P3 at 2 bcm/yr: TR can double its demand over the year, not on the design days
    edit_csv(tiny, "pipelines.csv", lambda df: df.assign(
        capacity_fwd=df.capacity_fwd.where(df.name != "P3", "2.0")))
    data = load_inputs(tiny)
    table = tabulate_year_indicators(2030, data)
    assert "remaining_flexibility" not in set(table.indicator)  # no annual variant
    annual = remaining_flexibility(lambda: build_network(2030, inputs=data))["TR"]
    year = solve(build_network(2030, inputs=data))
    got = {}
    for climate in ("peak-day", "two-week"):
        start = reference_state(year, climate)

        def build(climate=climate, start=start):
            n = build_network(2030, inputs=data)
            make_climate_case(n, climate, data, start)
            return n

        want = remaining_flexibility(build)
        rows = table[table.indicator == f"remaining_flexibility_{climate}"].set_index("country")
        assert sorted(rows.index) == sorted(want.index)
        assert rows.value.reindex(want.index).to_numpy() == pytest.approx(want.to_numpy(),
                                                                          abs=1e-9)
        got[climate] = rows.value["TR"]
    # the peak day is the harder case, and neither is the year's answer
    assert 0.0 < got["peak-day"] < got["two-week"] < annual
    # the supply-source sweep (run beside the design cases, on another thread) is the sweep's
    # answer on its own
    from energy_model.analysis.indicators import supply_sources
    from energy_model.study.experiments import supply_source_dependence

    own = supply_source_dependence(lambda: build_network(2030, inputs=data),
                                   supply_sources(data))
    for source in own.columns:
        rows = table[table.indicator == f"supply_source_dependence_{source}"].set_index("country")
        assert rows.value.reindex(own.index).to_numpy() == pytest.approx(
            own[source].to_numpy(), abs=1e-9)
