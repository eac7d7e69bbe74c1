"""The electricity layer: hand-solved coupling with gas, lossy cables, resolutions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import append_rows, edit_csv

from energy_model import build_network, solve
from energy_model.analysis.tables import summarise_power
from energy_model.timeseries import make_snapshots, spread_annual

HOURS = 8760.0


def add_cable(tiny, cable_mw: float = 200.0) -> None:
    """A 1000 km HVDC cable AZ-TR, both directions, converter efficiency 0.98, no km losses."""
    append_rows(tiny, "power_links.csv", [dict(
        name="cable", **{"from": "AZ", "to": "TR"}, capacity_fwd=str(cable_mw),
        capacity_rev=str(cable_mw), capacity_unit="MW", length_km="1000", carrier="DC",
        start_year="2020", status="operating", source_id="T-1", estimate="false")])


def add_power_case(tiny, cable: bool) -> None:
    """AZ: 100 MW demand, 1000 MW wind at CF 0.5; TR: 500 MW demand, 1000 MW CCGT (eff 0.5)."""
    append_rows(tiny, "power_demand.csv", [
        dict(region=r, year=str(y), metric="annual", value=str(mw * HOURS / 1e6), unit="TWh/yr",
             source_id="T-1", estimate="false")
        for r, mw in (("AZ", 100.0), ("TR", 500.0)) for y in (2024, 2026, 2030)])
    append_rows(tiny, "power_technologies.csv", [
        dict(technology="gas CCGT", efficiency="0.5", vom_eur_per_mwh="0",
             co2_t_per_mwh_th="0.2", source_id="T-1", estimate="false"),
        dict(technology="wind onshore", efficiency="1", vom_eur_per_mwh="0",
             co2_t_per_mwh_th="0", source_id="T-1", estimate="false")])
    append_rows(tiny, "power_capacity.csv", [
        dict(region="AZ", technology="wind onshore", year="2024", capacity="1000",
             capacity_unit="MW", source_id="T-1", estimate="false"),
        dict(region="TR", technology="gas CCGT", year="2024", capacity="1000",
             capacity_unit="MW", source_id="T-1", estimate="false")])
    append_rows(tiny, "power_profiles.csv", [
        dict(region="AZ", technology="wind onshore", month=str(m), capacity_factor="0.5",
             source_id="T-1", estimate="false") for m in range(1, 13)])
    if cable:
        add_cable(tiny)
    # plenty of cheap gas at TR so that only the plant efficiency matters
    edit_csv(tiny, "gas_supply.csv", lambda df: df.assign(
        annual_max=np.where(df.region == "RU", "50", df.annual_max)))


def test_cable_displaces_gas_fired_generation_by_hand(tiny):
    add_power_case(tiny, cable=False)
    n0 = solve(build_network(2024, inputs=tiny, power=True))
    add_cable(tiny)
    n1 = solve(build_network(2024, inputs=tiny, power=True))
    gas0 = n0.links_t.p0["TR gas CCGT"].mean()
    gas1 = n1.links_t.p0["TR gas CCGT"].mean()
    # efficiency 0.5 on LHV is 0.45 on the gas network's GCV
    assert gas0 == pytest.approx(500 / 0.45)                 # 1111 MW of gas (GCV)
    assert gas1 == pytest.approx((500 - 200 * 0.98) / 0.45)  # cable sends 200, 196 arrive
    saved_bcm = summarise_power(n0).loc["TR", "gas_for_power_bcm"] - \
        summarise_power(n1).loc["TR", "gas_for_power_bcm"]
    assert saved_bcm == pytest.approx((gas0 - gas1) * HOURS / 10.55e6, abs=1e-5)
    # 0.2 t/MWh on LHV = 0.18 t per MWh of gas on GCV
    assert summarise_power(n1).loc["TR", "co2_mt"] == pytest.approx(gas1 * HOURS * 0.18 / 1e6,
                                                                    abs=1e-5)


def test_lossy_cable_in_both_directions_creates_no_energy(tiny):
    add_power_case(tiny, cable=True)
    # reward flows in both directions at once: a lossy pair must still lose 2 % of what it carries
    n = build_network(2024, inputs=tiny, power=True)
    fwd, rev = n.links.loc["cable"], n.links.loc["cable reverse"]
    assert fwd.p_min_pu == rev.p_min_pu == 0.0
    assert fwd.efficiency == rev.efficiency == pytest.approx(0.98)
    n.links.loc["cable reverse", "marginal_cost"] = -1.0  # reward back-and-forth flows
    n.links.loc["cable", "marginal_cost"] = -1.0
    solve(n)
    sent = n.links_t.p0[["cable", "cable reverse"]].sum().sum()
    received = -n.links_t.p1[["cable", "cable reverse"]].sum().sum()
    assert received == pytest.approx(0.98 * sent)


def test_gas_demand_reduced_by_gas_for_power(tiny):
    add_power_case(tiny, cable=False)
    append_rows(tiny, "gas_for_power.csv", [dict(region="TR", year="2024", value="0.4",
                                                 unit="bcm/yr", source_id="T-1",
                                                 estimate="false")])
    n = build_network(2024, inputs=tiny, power=True)
    w = n.snapshot_weightings.objective
    assert (n.loads_t.p_set["TR gas demand"] * w).sum() == pytest.approx(0.6 * 10.55e6)


@pytest.mark.parametrize("resolution", ["daily", "weeks", "hourly", "hourly-days"])
def test_annual_volumes_are_exact_at_every_resolution(resolution):
    w = make_snapshots(2030, resolution)
    assert w.sum() == pytest.approx(HOURS)
    shares = pd.DataFrame({"X": np.linspace(1, 2, 12) / np.linspace(1, 2, 12).sum()},
                          index=range(1, 13))
    rate = spread_annual(pd.Series({"X": 1e6}), shares, w, resolution)
    assert (rate["X"] * w).sum() == pytest.approx(1e6)
    # increasing monthly shares: more demand late in the year than early
    if resolution == "weeks":  # one week per season: Sep-Nov (month 10) against Mar-May (4)
        late, early = rate["X"][w.index.month == 10], rate["X"][w.index.month == 4]
    else:
        late, early = rate["X"][w.index.month == 12], rate["X"][w.index.month == 1]
    assert late.mean() > early.mean()


def test_hourly_days_solve_the_hourly_year_exactly_without_storage(tiny):
    # every hourly input repeats day by day within a month, so one day per month weighted by
    # its days is the same LP as the 8760 hours when no storage level can bind
    full = solve(build_network(2024, inputs=tiny, power=True, resolution="hourly"))
    days = solve(build_network(2024, inputs=tiny, power=True, resolution="hourly-days"))
    assert len(days.snapshots) == 12 * 24
    assert days.objective == pytest.approx(full.objective, rel=1e-9)
    jan = full.generators_t.p.loc["2024-01-17"].to_numpy()  # any January day
    assert days.generators_t.p.loc["2024-01-01"].to_numpy() == pytest.approx(jan, abs=1e-6)


def test_black_sea_cable_lowers_gas_for_power_in_romania_and_hungary():
    from conftest import INPUTS

    from energy_model import load_inputs

    data = load_inputs(INPUTS)
    base = summarise_power(solve(build_network(2030, inputs=data, power=True)))
    cable = summarise_power(solve(build_network(2030, ["black-sea-cable"], inputs=data)))
    big = summarise_power(solve(build_network(2030, ["black-sea-cable-4gw"], inputs=data)))
    gas = "gas_for_power_bcm"
    assert cable.at["RO", gas] < base.at["RO", gas] - 0.1
    assert cable.at["HU", gas] <= base.at["HU", gas] + 1e-6
    assert big.at["RO", gas] < cable.at["RO", gas]
    # with border tariffs HU gas costs more than RO gas, so RO-HU already runs full in the base
    # and more cable power cannot reach Hungary: HU may only not rise
    assert big.at["HU", gas] <= base.at["HU", gas] + 1e-6
    assert big[gas].sum() < cable[gas].sum() < base[gas].sum()
