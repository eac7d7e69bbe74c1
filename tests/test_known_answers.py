"""Small networks whose optimum is computed by hand."""

from __future__ import annotations

import numpy as np
import pypsa
import pytest
from conftest import add_georgia_behind_turkey, append_rows, edit_csv

from energy_model import build_network, solve, trace_deliveries
from energy_model.analysis.tables import contract_deliveries, tabulate_flows, unserved_by_country
from energy_model.network.topology import check_no_energy_creation
from energy_model.optimization.solver import SolveError, bus_imbalance
from energy_model.units import GCV_MWH_PER_BCM as BCM

YEAR = 2024


def solved(directory) -> pypsa.Network:
    return solve(build_network(YEAR, inputs=directory))


def test_cheap_supply_first_then_marginal_supplier_sets_price(tiny):
    # demand 1 bcm in TR; AZ field 0.5 bcm at 10 EUR/MWh over 1000 km with 1 % fuel;
    # Russia at 30 EUR/MWh supplies the rest: 1 - 0.5 * 0.99 = 0.505 bcm
    n = solved(tiny)
    assert n.objective == pytest.approx((0.5 * 10 + 0.505 * 30) * BCM, rel=1e-9)
    flows = tabulate_flows(n).set_index("name").flow_bcm
    assert flows["P1"] == pytest.approx(0.5)
    assert flows["P2"] == pytest.approx(0.495)
    assert flows["P3"] == pytest.approx(0.505)
    price = n.buses_t.marginal_price
    assert np.allclose(price["TR"], 30.0)
    assert np.allclose(price["AZ"], 30.0 * 0.99)  # delivered value net of fuel
    d = trace_deliveries(n).set_index(["country", "origin"]).bcm
    assert d[("TR", "AZ")] == pytest.approx(0.495)
    assert d[("TR", "RU")] == pytest.approx(0.505)


def test_unserved_gas_priced_at_cost_of_disrupted_gas(tiny):
    edit_csv(tiny, "gas_supply.csv", lambda df: df.assign(
        annual_max=np.where(df.region == "RU", "0.2", df.annual_max)))
    n = solved(tiny)
    assert unserved_by_country(n)["TR"] == pytest.approx(1 - 0.495 - 0.2)
    assert np.allclose(n.buses_t.marginal_price["TR"], 600.0)


def test_contract_minimum_and_maximum(tiny):
    append_rows(tiny, "contracts.csv", [
        dict(name="RU min", seller="RU", buyer="TR", delivery_points="P3", start_year="2020",
             min_annual="0.8", max_annual="5", unit="bcm/yr", kind="physical", source_id="T-1",
             estimate="false"),
    ])
    n = solved(tiny)
    flows = tabulate_flows(n).set_index("name").flow_bcm
    assert flows["P3"] == pytest.approx(0.8)
    assert flows["P2"] == pytest.approx(0.2)
    assert n.objective == pytest.approx((0.2 / 0.99 * 10 + 0.8 * 30) * BCM, rel=1e-9)
    contract = contract_deliveries(n).iloc[0]
    assert contract.volume_bcm == pytest.approx(0.8)
    assert (contract.min_bcm, contract.max_bcm) == pytest.approx((0.8, 5.0))


def test_contract_maximum_caps_cheap_supply(tiny):
    append_rows(tiny, "contracts.csv", [
        dict(name="AZ cap", seller="AZ", buyer="TR", delivery_points="P2", start_year="2020",
             min_annual="0", max_annual="0.3", unit="bcm/yr", kind="physical", source_id="T-1",
             estimate="false"),
    ])
    flows = tabulate_flows(solved(tiny)).set_index("name").flow_bcm
    assert flows["P2"] == pytest.approx(0.3)
    assert flows["P3"] == pytest.approx(0.7)


def test_storage_covers_seasonal_demand(tiny):
    # winter-heavy demand (2/3 in Jan-Jun), flat supply of exactly the annual volume
    def shape(df):
        days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
        w = np.where(np.arange(12) < 6, 2.0, 1.0) * days
        return df.assign(share=[str(float(x)) for x in w / w.sum()])

    edit_csv(tiny, "gas_demand_shape.csv", shape)
    edit_csv(tiny, "gas_supply.csv", lambda df: df.assign(
        annual_max=np.where(df.region == "AZ", "1.0101010101010102", "0")))
    n0 = solved(tiny)
    load = n0.loads_t.p_set["TR gas demand"].to_numpy()
    supply = n0.generators.at["AZ Field", "p_nom"] * 0.99
    by_hand = np.clip(load - supply, 0, None).sum() * 24 / BCM
    assert by_hand > 0.05
    assert unserved_by_country(n0)["TR"] == pytest.approx(by_hand, rel=1e-6)

    append_rows(tiny, "storage.csv", [dict(
        name="S", region="TR", working_gas="1", working_gas_unit="bcm", injection="10",
        injection_unit="mcm/d", withdrawal="10", withdrawal_unit="mcm/d", start_year="2000",
        status="operating", source_id="T-1", estimate="false")])
    n1 = solved(tiny)
    assert unserved_by_country(n1)["TR"] == pytest.approx(0.0, abs=1e-9)
    injected = n1.links_t.p0["S injection"].sum() * 24 / BCM
    assert injected == pytest.approx(by_hand, rel=1e-6)


def test_tracing_mixes_proportionally_through_a_hub(tiny):
    # AZ 0.5 bcm and RU (the rest) meet in TR; TR and GE consume 1 bcm each with the same daily
    # profile -> each gets half of the AZ gas: 0.25 bcm
    add_georgia_behind_turkey(tiny)
    edit_csv(tiny, "parameters.csv", lambda df: df.assign(
        value=np.where(df.parameter == "compressor_fuel_per_1000km", "0", df.value)))
    edit_csv(tiny, "gas_supply.csv", lambda df: df.assign(
        annual_max=np.where(df.region == "RU", "3", df.annual_max)))
    d = trace_deliveries(solved(tiny)).set_index(["country", "origin"]).bcm
    assert d[("TR", "AZ")] == pytest.approx(0.25)
    assert d[("TR", "RU")] == pytest.approx(0.75)
    assert d[("GE", "AZ")] == pytest.approx(0.25)
    assert d[("GE", "RU")] == pytest.approx(0.75)
    assert d.sum() == pytest.approx(2.0)


def test_reverse_direction_is_a_second_one_way_link(tiny):
    edit_csv(tiny, "pipelines.csv", lambda df: df.assign(
        capacity_rev=np.where(df.name == "P1", "1", df.capacity_rev)))
    n = build_network(YEAR, inputs=tiny)
    fwd, rev = n.links.loc["P1"], n.links.loc["P1 reverse"]
    assert (fwd.bus0, fwd.bus1, rev.bus0, rev.bus1) == ("AZ", "T1", "T1", "AZ")
    assert fwd.p_min_pu == rev.p_min_pu == 0.0
    assert rev.efficiency == fwd.efficiency == pytest.approx(0.99)
    n.links.loc["P1", "p_min_pu"] = -1.0
    with pytest.raises(ValueError, match="can create energy"):
        check_no_energy_creation(n)


def test_energy_balance_check_catches_a_broken_solution(tiny):
    n = solved(tiny)
    assert bus_imbalance(n).abs().max().max() < 1e-6
    n.loads_t.p.iloc[0, 0] += 5.0
    with pytest.raises(SolveError, match="energy balance"):
        from energy_model.optimization.solver import check_energy_balance

        check_energy_balance(n)


def test_planned_asset_only_as_option(tiny):
    n = build_network(2030, inputs=tiny)
    assert "PX" not in n.links.index
    with pytest.raises(KeyError, match="unknown option"):
        build_network(2030, options=["no-such-option"], inputs=tiny)


def test_infeasible_contract_raises_and_names_the_cause(tiny):
    append_rows(tiny, "contracts.csv", [dict(
        name="impossible", seller="AZ", buyer="TR", delivery_points="P2", start_year="2020",
        min_annual="0.9", max_annual="1", unit="bcm/yr", kind="physical", source_id="T-1",
        estimate="false")])
    with pytest.raises(SolveError, match="infeasible"):
        solved(tiny)


def test_calibration_table_compares_model_with_published(tiny):
    from energy_model.analysis.calibration import compare_exports

    n = solved(tiny)
    table = compare_exports(n, str(tiny)).set_index("item")
    assert table.loc["P3 flow", "model_bcm"] == pytest.approx(0.505)
    assert bool(table.loc["P3 flow", "within_tolerance"])
