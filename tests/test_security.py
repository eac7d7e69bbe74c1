"""ENTSOG climatic cases, equalised and uncooperative curtailment, RF on the design cases.

Hand-computed answers on the tiny network: AZ's field gives 0.5 bcm/yr = 500/365 mcm/d, of which
99 % reaches TR (P1 is 1000 km at 1 % fuel per 1000 km); RU can send up to 5 bcm/yr over P3;
TR's design demand is 6 mcm/d on the peak day and 4 mcm/d over two weeks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import INPUTS, add_georgia_behind_turkey, append_rows, edit_csv

from energy_model import units
from energy_model.analysis.indicators import curtailment_band, rf_band
from energy_model.analysis.tables import demand_by_country, unserved_by_country
from energy_model.data.loading import load_inputs
from energy_model.network.build import build_network
from energy_model.optimization.solver import solve
from energy_model.scenarios.climates import (
    FULL_RATE_FILL,
    make_climate_case,
    reference_state,
)
from energy_model.scenarios.curtailment import (
    apply_cooperative_curtailment,
    apply_uncooperative_curtailment,
)
from energy_model.scenarios.stresses import apply_stress

AZ_AT_TR = 0.99 * 500 / 365  # mcm/d of AZ gas reaching TR
MCM_D = units.to_mw(1.0, "mcm/d")  # MW per mcm/d


def short_case(data, climate, stress="none", reference=None):
    n = build_network(2030, inputs=data)
    if reference is None:
        reference = reference_state(solve(build_network(2030, inputs=data)), climate)
    make_climate_case(n, climate, data, reference)
    apply_stress(n, stress, data)
    return n


def rates(n):
    return unserved_by_country(n) / demand_by_country(n)


def test_peak_day_and_two_week_cases_have_their_window_and_design_demand(tiny):
    data = load_inputs(tiny)
    peak = short_case(data, "peak-day")
    assert list(peak.snapshots) == [pd.Timestamp("2030-02-01")]
    assert peak.loads_t.p_set["TR gas demand"].iloc[0] == pytest.approx(6 * MCM_D)
    two = short_case(data, "two-week")
    assert len(two.snapshots) == 14 and two.snapshots[0] == pd.Timestamp("2030-02-01")
    assert two.loads_t.p_set["TR gas demand"].to_numpy() == pytest.approx([4 * MCM_D] * 14)
    # the annual cap of AZ's field is lifted, its daily rate binds
    assert np.isinf(two.generators.at["AZ Field", "e_sum_max"])


def test_peak_day_russia_cut_curtails_what_az_cannot_bring(tiny):
    data = load_inputs(tiny)
    n = solve(short_case(data, "peak-day", "russia-cut"))
    assert unserved_by_country(n)["TR"] * 1000 == pytest.approx(6 - AZ_AT_TR, rel=1e-6)
    avg = build_network(2030, inputs=data)
    apply_stress(avg, "russia-cut", data)
    avg_rate = rates(solve(avg))["TR"]
    assert rates(n)["TR"] >= avg_rate  # the design day never curtails less than the year
    assert rates(n)["TR"] == pytest.approx(1 - AZ_AT_TR / 6, rel=1e-6)


def add_tr_storage(directory, working_gwh=100.0, withdrawal_gwh_d=10.0):
    append_rows(directory, "storage.csv", [dict(
        name="TRS", region="TR", working_gas=str(working_gwh), working_gas_unit="GWh",
        injection="5", injection_unit="GWh/d", withdrawal=str(withdrawal_gwh_d),
        withdrawal_unit="GWh/d", start_year="2000", status="operating", source_id="T-1",
        estimate="false")])


def test_storage_starts_at_the_average_year_level_and_withdraws_along_its_curve(tiny):
    add_tr_storage(tiny)
    data = load_inputs(tiny)
    avg = build_network(2030, inputs=data)
    e = pd.DataFrame({"TRS": np.linspace(100e3, 0.0, len(avg.snapshots))}, index=avg.snapshots)
    avg.stores_t.e = e  # a made-up solved level: the start is the end of 31 January
    ref = reference_state(avg, "peak-day")
    assert ref["e_initial"]["TRS"] == pytest.approx(e.loc["2030-01-31", "TRS"])
    ref["e_initial"]["TRS"] = 20e3  # 20 % full: below the full-rate fill of 50 %
    n = short_case(data, "peak-day", "russia-cut", reference=ref)
    assert not n.stores.at["TRS", "e_cyclic"]
    assert n.stores.at["TRS", "e_initial"] == pytest.approx(20e3)
    solve(n)
    # p <= p_nom * e_end / (theta e_nom), e_end = e0 - 24 p  =>  p = p_nom e0 / (theta e_nom + 24 p_nom)
    p_nom, e0, e_nom = 10e3 / 24, 20e3, 100e3
    expected = p_nom * e0 / (FULL_RATE_FILL * e_nom + 24 * p_nom)
    assert n.links_t.p0["TRS withdrawal"].iloc[0] == pytest.approx(expected, rel=1e-6)
    assert expected == pytest.approx(10e3 / 24 / 3)  # one third of the full rate, by hand


def georgia_with_costly_route(directory):
    """GE behind TR on a 1000 km line with a 5 EUR/MWh tariff: least cost would cut GE first."""
    add_georgia_behind_turkey(directory)
    edit_csv(directory, "pipelines.csv", lambda df: df.assign(
        length_km=np.where(df.name == "TR-GE", "1000", df.length_km)))
    edit_csv(directory, "parameters.csv", lambda df: df.assign(
        value=np.where(df.parameter == "transport_tariff_per_1000km", "5", df.value)))


def test_cooperative_curtailment_equalises_rates_despite_transport_cost(tiny):
    georgia_with_costly_route(tiny)
    data = load_inputs(tiny)
    n = short_case(data, "peak-day", "russia-cut")
    apply_cooperative_curtailment(n)
    r = rates(solve(n))
    # equal served share s in TR and GE: 6 s + 6 s / 0.99 = AZ_AT_TR
    s = AZ_AT_TR / (6 * (1 + 1 / 0.99))
    # within one 1 % band plus the 1 % fuel lost on the way to GE (valued at the band cost)
    assert abs(r["TR"] - r["GE"]) <= 0.02 + 1e-6
    assert r["TR"] == pytest.approx(1 - s, abs=0.02)
    assert r["GE"] == pytest.approx(1 - s, abs=0.02)


def test_least_cost_cuts_the_costly_route_first(tiny):
    georgia_with_costly_route(tiny)
    data = load_inputs(tiny)
    least = rates(solve(short_case(data, "peak-day", "russia-cut")))
    assert least["GE"] == pytest.approx(1.0)  # transport cost decides without the bands


def test_uncooperative_turkey_exports_nothing_while_it_curtails(tiny):
    # GE's gas is worth more (1,000 EUR/MWh): least cost would serve GE first; uncooperative
    # TR keeps everything for itself
    add_georgia_behind_turkey(tiny)
    edit_csv(tiny, "cost_of_disrupted_gas.csv", lambda df: df.assign(
        value=np.where(df.region == "GE", "1000", df.value)))
    data = load_inputs(tiny)
    least = rates(solve(short_case(data, "peak-day", "russia-cut")))
    assert least["GE"] < 0.9  # GE is served first at least cost
    n = short_case(data, "peak-day", "russia-cut")
    apply_uncooperative_curtailment(n)
    r = rates(solve(n))
    # TR curtails, so TR exports nothing: GE gets no gas at all, TR keeps all of AZ's
    assert r["GE"] == pytest.approx(1.0, abs=1e-9)
    assert r["TR"] == pytest.approx(1 - AZ_AT_TR / 6, rel=1e-6)


def test_uncooperative_case_re_solved_in_place_equals_a_rebuild(tiny):
    # build once (undisturbed), then the Russian cut in place: the big-M terms follow the
    # changed capacities, so the answer is the rebuilt case's (TR keeps AZ's gas, GE gets none)
    from energy_model.optimization.resolve import Resolver

    add_georgia_behind_turkey(tiny)
    edit_csv(tiny, "cost_of_disrupted_gas.csv", lambda df: df.assign(
        value=np.where(df.region == "GE", "1000", df.value)))
    data = load_inputs(tiny)
    n = short_case(data, "peak-day")
    apply_uncooperative_curtailment(n)
    r = Resolver(n)
    assert rates(r.n).max() == pytest.approx(0.0, abs=1e-9)
    apply_stress(r.n, "russia-cut", data)
    r.solve(assign="generators")
    fresh = short_case(data, "peak-day", "russia-cut")
    apply_uncooperative_curtailment(fresh)
    want = rates(solve(fresh))
    got = unserved_by_country(r.n) / demand_by_country(fresh)
    assert got["GE"] == pytest.approx(1.0, abs=1e-9)
    assert got.to_numpy() == pytest.approx(want.reindex(got.index).to_numpy(), abs=1e-9)
    assert r.objective == pytest.approx(fresh.objective, rel=1e-9)


def test_remaining_flexibility_on_the_peak_day_by_hand(tiny):
    from energy_model.study.experiments import remaining_flexibility

    # P3 limited to 2.19 bcm/yr = 6 mcm/d: TR gets 6 + AZ_AT_TR; doubled demand 12 leaves
    # 12 - 6 - AZ_AT_TR unserved, so RF = 1 - (6 - AZ_AT_TR) / 6 = AZ_AT_TR / 6
    edit_csv(tiny, "pipelines.csv", lambda df: df.assign(
        capacity_fwd=np.where(df.name == "P3", "2.19", df.capacity_fwd)))
    data = load_inputs(tiny)
    proto = short_case(data, "peak-day")
    rf = remaining_flexibility(proto.copy, ["TR"])
    assert rf["TR"] == pytest.approx(AZ_AT_TR / 6, rel=1e-6)
    assert rf_band(rf)["TR"] == "> 20 %"  # 22.6 %


def test_reporting_bands():
    r = pd.Series([0.0, 0.03, 0.07, 0.3, 0.6, np.nan])
    assert list(curtailment_band(r)) == ["none", "0-5 %", "5-10 %", "10-50 %", "> 50 %", ""]
    assert list(rf_band(pd.Series([0.0, 0.005, 0.03, 0.1, 1.0]))) == [
        "0 %", "0-1 %", "1-5 %", "5-20 %", "> 20 %"]


def test_study_crosses_every_stress_with_every_climate(tiny, tmp_path):
    import yaml

    from energy_model.study.cases import expand_cases
    from energy_model.study.runner import run_study
    from energy_model.study.schema import load_study

    data = load_inputs(tiny)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "c", "year": 2030, "options": {"reference": []},
                                    "stresses": ["none", "russia-cut", "slid"],
                                    "isolated": True}))
    study = load_study(path, data)
    assert study.climates == ["average", "peak-day", "two-week"]
    cases = expand_cases(study, data)
    assert len(cases) == 3 * 3 and {c.climate for c in cases if c.stress == "slid-TR"} == {
        "average", "peak-day", "two-week"}
    ds = run_study(study, tmp_path / "out", inputs=tiny, workers=1, progress=False)
    assert list(ds.climate.values) == ["average", "peak-day", "two-week"]
    assert list(ds.window_days.values) == [365.0, 1.0, 14.0]
    cut = ds.sel(option="reference", stress="russia-cut", country="TR")
    assert float(cut.disrupted_demand_daily.sel(climate="peak-day")) == pytest.approx(
        6 - AZ_AT_TR, abs=1e-3)  # bcm rounded to 6 decimals in the case record
    assert float(cut.curtailment_rate.sel(climate="two-week")) == pytest.approx(
        1 - AZ_AT_TR / 4, abs=1e-4)
    table = pd.read_csv(tmp_path / "out" / "indicators.csv")
    assert {"climate", "band"} <= set(table.columns)


@pytest.mark.slow
def test_real_data_design_day_never_curtails_less_than_the_average_year():
    data = load_inputs(INPUTS)
    avg = solve(build_network(2030, inputs=data))
    for stress in ("russia-cut", "turkstream-outage"):
        year = build_network(2030, inputs=data)
        apply_stress(year, stress, data)
        apply_cooperative_curtailment(year)
        r_year = rates(solve(year)).fillna(0.0)
        day = build_network(2030, inputs=data)
        make_climate_case(day, "peak-day", data, reference_state(avg, "peak-day"))
        apply_stress(day, stress, data)
        apply_cooperative_curtailment(day)
        r_day = rates(solve(day)).reindex(r_year.index).fillna(0.0)
        assert (r_day >= r_year - 1e-6).all(), (stress, (r_day - r_year)[r_day < r_year])


def test_survival_time_is_the_days_storage_covers_the_deficit(tiny):
    from energy_model.study.experiments import survival_time

    append_rows(tiny, "storage.csv", [dict(
        name="TRS", region="TR", working_gas="10", working_gas_unit="mcm", injection="1",
        injection_unit="mcm/d", withdrawal="5", withdrawal_unit="mcm/d", start_year="2000",
        status="operating", source_id="T-1", estimate="false")])
    data = load_inputs(tiny)
    ref = build_network(2030, inputs=data)
    full = units.to_mwh(10, "mcm")
    ref.stores_t.e = pd.DataFrame({"TRS": full}, index=ref.snapshots)  # full all year
    days = survival_time(lambda: build_network(2030, inputs=data), ref, "russia-cut", data,
                         "2030-02-01", days=30)
    # deficit d = 1000/365 - AZ_AT_TR mcm/d; the curve (full rate above 5 mcm) lets day k be
    # served while the level after it, 10 - k d, is at least d: k <= (10 - d) / d = 6.2
    d = 1000 / 365 - AZ_AT_TR
    assert days["TR"] == int((10 - d) / d) == 6


# --- supply potentials (inputs/supply_potentials.csv) -----------------------------------------

def _potential(step, annual, daily, adder):
    return dict(region="RU", year="2030", step=str(step), annual_max=str(annual),
                annual_unit="bcm/yr", daily_max=str(daily), daily_unit="mcm/d",
                price_adder_eur_per_mwh=str(adder), source_id="T-1", estimate="true",
                note="test step")


def test_supply_potential_steps_replace_the_supply_and_bind_on_the_peak_day(tiny):
    # RU: 1 mcm/d at the base price, 2 mcm/d more at +50 EUR/MWh; annual volumes generous
    append_rows(tiny, "supply_potentials.csv", [_potential(1, 5, 1.0, 0), _potential(2, 5, 2.0, 50)])
    data = load_inputs(tiny)
    n = build_network(2030, inputs=data)
    ru = n.generators[(n.generators.carrier == "gas supply") & (n.generators.origin == "RU")]
    assert sorted(ru.index) == ["RU Exports", "RU Exports step 2"]
    base = data.supply_prices.set_index(["region", "year"]).price_eur_per_mwh[("RU", 2030)]
    assert ru.marginal_cost["RU Exports step 2"] == pytest.approx(base + 50)
    assert ru.p_nom["RU Exports"] == pytest.approx(MCM_D)
    assert ru.e_sum_max["RU Exports"] == pytest.approx(units.to_mwh(5, "bcm/yr"))
    # peak day (annual caps lifted): TR gets AZ's daily rate plus the two RU steps (3 mcm/d)
    n = short_case(data, "peak-day")
    solve(n)
    uns = unserved_by_country(n)["TR"] * 1e3  # mcm over one day
    assert uns == pytest.approx(6 - AZ_AT_TR - 3.0, rel=1e-4)
    p = n.generators_t.p
    assert p["RU Exports step 2"].iloc[0] == pytest.approx(2 * MCM_D, rel=1e-6)


def test_shipped_lng_and_north_west_europe_are_bounded():
    data = load_inputs(INPUTS)
    pot = data.supply_potentials
    for region in ("LNG", "NO"):
        for year in (2024, 2026, 2030):
            rows = pot[(pot.region == region) & (pot.year == year)]
            assert len(rows), f"no supply potential for {region} {year}"
            assert rows.annual_max.sum() < 200  # bcm/yr: no longer 'deliberately not binding'
            assert rows.daily_max_mw.sum() < units.to_mw(500, "mcm/d")
    lng = pot[(pot.region == "LNG") & (pot.year == 2030)].sort_values("step")
    assert lng.price_adder_eur_per_mwh.is_monotonic_increasing  # scarcity raises the price


# --- N-1 (Reg. (EU) 2017/1938 Annex II) -----------------------------------------------------

def _storage(name, withdrawal):
    return dict(name=name, region="TR", working_gas="0.5", working_gas_unit="bcm",
                injection="1", injection_unit="mcm/d", withdrawal=str(withdrawal),
                withdrawal_unit="mcm/d", start_year="2000", status="operating",
                source_id="T-1", estimate="false")


def test_n_minus_1_annex_ii_by_hand(tiny):
    from energy_model.analysis.indicators import n_minus_1

    # storage site A (10 + 5 mcm/d expansion = 15 mcm/d, one facility) beats pipeline Q
    # (P3, 5 bcm/yr = 13.7 mcm/d); the aggregate row (20 mcm/d) is no single facility
    append_rows(tiny, "storage.csv", [_storage("Site A", 10),
                                      _storage("Site A expansion to 2028 target", 5),
                                      _storage("TR storage (aggregate)", 20)])
    data = load_inputs(tiny)
    n = build_network(2030, inputs=data)
    row = n_minus_1(n, data).loc["TR"]
    bcm = units.to_mw(1, "bcm/yr") / MCM_D  # mcm/d per bcm/yr
    # P2 can pass only what reaches T1 through P1 (2 bcm/yr x 0.99): 0.02 bcm/yr is unusable
    ep = (2 * 0.99 + 5) * bcm
    s = 35.0
    assert row.EP_mw / MCM_D == pytest.approx(ep)
    assert row.EP_unusable_mw / MCM_D == pytest.approx(0.02 * bcm)
    assert row.EP_unusable == "P2"
    assert row.S_mw / MCM_D == pytest.approx(s)
    assert (row.I_name, row.I_kind) == ("Site A", "storage")
    assert row.I_mw / MCM_D == pytest.approx(15.0)
    assert row.D_max_mw / MCM_D == pytest.approx(6.0)  # design_demand.csv, not gas_demand 5
    assert row.n_minus_1 == pytest.approx((ep + s - 15) / 6 * 100)
    assert row.n_minus_1_gross == pytest.approx((ep + 0.02 * bcm + s - 15) / 6 * 100)
    side = n_minus_1(n, data, d_eff_mw={"TR": MCM_D}).loc["TR"]
    assert side.n_minus_1_demand_side == pytest.approx((ep + s - 15) / 5 * 100)


def test_n_minus_1_counts_an_idle_route_separately(tiny):
    from energy_model.analysis.indicators import n_minus_1

    data = load_inputs(tiny)
    n = build_network(2030, inputs=data)
    n.generators.loc[n.generators.origin == "RU", "p_nom"] = 0.0  # Russian supply cut
    row = n_minus_1(n, data).loc["TR"]
    bcm = units.to_mw(1, "bcm/yr") / MCM_D
    # RU supplies nothing: P3 (5 bcm/yr) is an idle route, out of EP_m and out of I_m
    assert row.EP_mw / MCM_D == pytest.approx(2 * 0.99 * bcm)
    assert row.EP_unusable_mw / MCM_D == pytest.approx((5 + 0.02) * bcm)
    assert row.I_name == "P"
    assert row.n_minus_1 == pytest.approx(0.0, abs=1e-9)


# --- two-week Dunkelflaute (library case; electricity layer) ------------------------------------

def test_two_week_dunkelflaute_halves_wind_and_gas_plants_fill_the_gap(tiny):
    from test_power import add_power_case

    from energy_model.scenarios.climates import DUNKELFLAUTE_FACTOR

    # AZ: 100 MW demand, 1000 MW wind at CF 0.5, 200 MW cable to TR (0.98); TR: 500 MW demand,
    # 1000 MW CCGT. Average year: AZ exports 200 MW, TR's CCGT makes 500 - 196 = 304 MW.
    add_power_case(tiny, cable=True)
    data = load_inputs(tiny)
    avg = build_network(2024, inputs=data, power=True)
    solve(avg)
    ccgt = avg.links.index[avg.links.carrier == "gas CCGT"][0]
    assert avg.links_t.p1[ccgt].abs().mean() == pytest.approx(304.0, rel=1e-4)
    ref = reference_state(avg, "two-week-dunkelflaute")
    n = build_network(2024, inputs=data, power=True)
    make_climate_case(n, "two-week-dunkelflaute", data, ref)
    wind = n.generators.index[n.generators.carrier == "wind onshore"][0]
    assert n.generators_t.p_max_pu[wind].to_numpy() == pytest.approx([0.25] * 14)
    solve(n)
    # wind 250 MW: AZ exports 150 MW, TR receives 147 MW; CCGT 353 MW (above its floor of 304)
    assert DUNKELFLAUTE_FACTOR == 0.5
    assert n.links_t.p1[ccgt].abs().to_numpy() == pytest.approx([353.0] * 14, rel=1e-4)
    # the two-week case keeps the plant at its average dispatch (no switching either way)
    two = build_network(2024, inputs=data, power=True)
    make_climate_case(two, "two-week", data, reference_state(avg, "two-week"))
    solve(two)
    assert two.links_t.p1[ccgt].abs().to_numpy() == pytest.approx([304.0] * 14, rel=1e-4)


def test_two_week_dunkelflaute_needs_the_electricity_layer(tiny):
    data = load_inputs(tiny)
    n = build_network(2030, inputs=data)
    with pytest.raises(ValueError, match="electricity layer"):
        make_climate_case(n, "two-week-dunkelflaute", data, None)


@pytest.mark.slow
def test_more_entry_capacity_never_lowers_remaining_flexibility():
    """Real-data invariant (issue 10 item 7): TCP + SGC expansion at zero capex, 2030 peak day,
    russia-cut: no recipient's RF falls (tolerance: the 1 % cooperative band, pipeline fuel)."""
    from energy_model.scenarios.climates import prepare_reference
    from energy_model.study.experiments import remaining_flexibility

    data = load_inputs(INPUTS)
    recipients = ["GE", "TR", "IT", "GR", "BG", "RO", "HU", "RS", "SI", "HR", "MK", "SK", "UA",
                  "SY", "DE", "AT"]
    rf = {}
    for opts in ((), ("tcp-full", "sgc-expansion")):
        avg = build_network(2030, opts, data)
        prepare_reference(avg)
        solve(avg)
        ref = reference_state(avg, "peak-day")

        def build(opts=opts, ref=ref):
            n = build_network(2030, opts, data)
            make_climate_case(n, "peak-day", data, ref)
            apply_stress(n, "russia-cut", data)
            apply_cooperative_curtailment(n)
            return n

        rf[opts] = remaining_flexibility(build, recipients)
    more = rf[("tcp-full", "sgc-expansion")]
    assert (more >= rf[()] - 0.01).all(), (more - rf[()]).round(3).to_dict()
