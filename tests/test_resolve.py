"""Build once, solve many: an in-place re-solve gives the same answer as a cold rebuild."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from energy_model import build_network, solve
from energy_model.analysis.tables import tabulate_flows, unserved_by_country
from energy_model.optimization.resolve import RebuildRequiredError, Resolver
from energy_model.scenarios.curtailment import apply_cooperative_curtailment, refresh_unserved
from energy_model.scenarios.stresses import apply_stress
from energy_model.units import GCV_MWH_PER_BCM as BCM

YEAR = 2024


def cold(tiny, change) -> float:
    n = build_network(YEAR, inputs=tiny)
    change(n)
    return solve(n).objective


def double_tr_demand(n):
    n.loads_t.p_set["TR gas demand"] *= 2.0
    refresh_unserved(n)


def p3_half(n):
    n.links.loc["P3", "p_nom"] = 300.0  # MW: below Russia's 0.505 bcm/yr (about 610 MW)


def lng_price(n):
    g = n.generators.index[n.generators.origin == "RU"]
    n.generators.loc[g, "marginal_cost"] *= 3.0


@pytest.mark.parametrize("warm", [True, False])
@pytest.mark.parametrize("change", [double_tr_demand, p3_half, lng_price])
def test_resolve_equals_cold_rebuild(tiny, change, warm):
    r = Resolver(build_network(YEAR, inputs=tiny))
    base = r.objective
    change(r.n)
    assert r.solve(warm=warm) == pytest.approx(cold(tiny, change), rel=1e-9)
    assert r.objective != pytest.approx(base, rel=1e-6)


def test_demand_step_by_hand(tiny):
    # TR demand 1 -> 2 bcm: AZ 0.5 bcm (0.495 arrives), Russia the rest at 30 EUR/MWh
    r = Resolver(build_network(YEAR, inputs=tiny))
    double_tr_demand(r.n)
    r.solve()
    assert r.objective == pytest.approx((0.5 * 10 + (2 - 0.495) * 30) * BCM, rel=1e-9)
    assert unserved_by_country(r.n).sum() == pytest.approx(0.0, abs=1e-9)


def test_supply_cut_then_restore_returns_to_the_base(tiny):
    from energy_model.data.loading import load_inputs

    data = load_inputs(tiny)
    r = Resolver(build_network(YEAR, inputs=data))
    base = r.objective
    apply_stress(r.n, "russia-cut", data)
    r.solve()
    n = build_network(YEAR, inputs=data)
    apply_stress(n, "russia-cut", data)
    assert r.objective == pytest.approx(solve(n).objective, rel=1e-9)
    assert unserved_by_country(r.n)["TR"] == pytest.approx(1 - 0.495, rel=1e-6)
    fresh = Resolver(build_network(YEAR, inputs=data))
    assert fresh.objective == pytest.approx(base, rel=1e-12)


def test_results_are_written_back(tiny):
    r = Resolver(build_network(YEAR, inputs=tiny))
    p3_half(r.n)
    r.solve()
    flows = tabulate_flows(r.n).set_index("name").flow_bcm
    n = build_network(YEAR, inputs=tiny)
    p3_half(n)
    want = tabulate_flows(solve(n)).set_index("name").flow_bcm
    assert np.allclose(flows.to_numpy(), want.reindex(flows.index).to_numpy(), atol=1e-6)


def test_cooperative_bands_follow_the_demand(tiny):
    def coop_double(n):
        apply_cooperative_curtailment(n)
        n.generators.loc[n.generators.origin == "RU", "p_nom"] = 0.0
        double_tr_demand(n)

    n = build_network(YEAR, inputs=tiny)
    apply_cooperative_curtailment(n)
    n.generators.loc[n.generators.origin == "RU", "p_nom"] = 0.0
    r = Resolver(n)
    double_tr_demand(r.n)
    assert r.solve() == pytest.approx(cold(tiny, coop_double), rel=1e-9)


def weights_x3(n):
    n.snapshot_weightings["objective"] *= 3.0  # the reported bug: dropped in place on d4b6e21


def all_weights_x2(n):
    n.snapshot_weightings.loc[:, :] = n.snapshot_weightings.to_numpy() * 2.0


def p3_efficiency(n):
    n.links.loc["P3", "efficiency"] = 0.5  # a coefficient of the nodal balance


def azeri_field_profile(n):
    n.generators_t.p_max_pu["AZ Field"] = np.linspace(0.2, 1.0, len(n.snapshots))


def new_supply(n):
    n.add("Generator", "TR LNG", bus="TR", carrier="gas supply", p_nom=500.0,
          marginal_cost=20.0)


def new_annual_cap(n):
    n.generators.loc["TR unserved gas", "e_sum_min"] = 1.0e5  # MWh: a row the model lacks


# each kind of model input: bounds, a time series, costs, weights, coefficients, structure
KINDS = {"bounds": p3_half, "profile": azeri_field_profile, "costs": lng_price,
         "demand": double_tr_demand, "objective weights": weights_x3,
         "all weights": all_weights_x2, "coefficient": p3_efficiency,
         "component added": new_supply, "row added": new_annual_cap}
IN_PLACE = {"bounds", "profile", "costs", "demand", "objective weights", "all weights",
            "coefficient"}
"""The kinds linopy applies to the kept HiGHS model; the others rebuild it."""


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_of_change_equals_a_cold_rebuild(tiny, kind):
    change = KINDS[kind]
    r = Resolver(build_network(YEAR, inputs=tiny))
    base = r.objective
    change(r.n)
    got = r.solve()
    want = cold(tiny, change)
    assert got == pytest.approx(want, rel=1e-9)
    assert r.n.objective == pytest.approx(want, rel=1e-9)
    assert want != pytest.approx(base, rel=1e-6)  # the change matters
    assert (r.in_place, r.rebuilds) == ((1, 0) if kind in IN_PLACE else (0, 1))
    r.reset()  # and back: the original case again, in place or rebuilt
    assert r.solve() == pytest.approx(base, rel=1e-9)


def test_weights_then_costs_in_place(tiny):
    # a fast-path change after a rebuilt model works relative to the new model
    def both(n):
        weights_x3(n)
        lng_price(n)

    r = Resolver(build_network(YEAR, inputs=tiny))
    weights_x3(r.n)
    r.solve()
    lng_price(r.n)
    assert r.solve(warm=False) == pytest.approx(cold(tiny, both), rel=1e-9)


def test_structural_change_is_refused_without_rebuild(tiny):
    r = Resolver(build_network(YEAR, inputs=tiny), rebuild=False)
    base = r.objective
    new_supply(r.n)
    with pytest.raises(RebuildRequiredError):
        r.solve()
    r.reset()  # the added generator removed again
    assert "TR LNG" not in r.n.generators.index
    assert r.solve() == pytest.approx(base, rel=1e-12)
    p3_efficiency(r.n)  # numbers of the same LP are still applied in place
    assert r.solve() == pytest.approx(cold(tiny, p3_efficiency), rel=1e-9)


def remaining_flexibility_by_rebuilding(build, countries):
    """ENTSOG's remaining flexibility with a fresh build per country (the reference)."""
    from energy_model.analysis.tables import demand_by_country
    from energy_model.scenarios.curtailment import suspend_contracts

    base = solve(build())
    base_uns, demand = unserved_by_country(base), demand_by_country(base)
    out = {}
    for c in countries:
        if base_uns.get(c, 0.0) > 1e-6:
            out[c] = 0.0
            continue
        n = build()
        suspend_contracts(n)
        n.loads_t.p_set[f"{c} gas demand"] *= 2.0
        refresh_unserved(n)
        extra = unserved_by_country(solve(n)).sum() - base_uns.sum()
        out[c] = min(1.0, max(0.0, 1.0 - extra / demand[c]))
    return out


def test_remaining_flexibility_in_place_equals_rebuilding(tiny):
    from conftest import add_georgia_behind_turkey, edit_csv

    from energy_model.data.loading import load_inputs
    from energy_model.study.experiments import remaining_flexibility

    add_georgia_behind_turkey(tiny)
    edit_csv(tiny, "pipelines.csv", lambda df: df.assign(
        capacity_fwd=df.capacity_fwd.where(df.name != "P3", "2.2")))
    data = load_inputs(tiny)

    def build():
        return build_network(YEAR, inputs=data)

    # by hand: 2.2 bcm from Russia + 0.495 from AZ serve TR's and GE's 1 bcm each; doubling
    # either leaves 3 - 2.695 = 0.305 bcm unserved: RF = 0.695

    want = remaining_flexibility_by_rebuilding(build, ["TR", "GE"])
    for warm in (True, False):
        got = remaining_flexibility(build, ["TR", "GE"], warm=warm)
        assert got.to_dict() == pytest.approx(want, abs=1e-9)
    assert want["TR"] == pytest.approx(0.695, abs=1e-6)
    assert want["GE"] == pytest.approx(0.695, abs=1e-6)


@pytest.mark.slow
def test_real_case_resolve_equals_rebuild():
    from conftest import INPUTS

    from energy_model.data.loading import load_inputs

    data = load_inputs(INPUTS)
    r = Resolver(build_network(2030, inputs=data))
    for stress in ("russia-cut", "tanap-outage"):
        r.reset()
        apply_stress(r.n, stress, data)
        got = r.solve(warm=True)
        n = build_network(2030, inputs=data)
        apply_stress(n, stress, data)
        assert got == pytest.approx(solve(n).objective, rel=1e-6)
    r.reset()
    assert r.solve(warm=False) == pytest.approx(solve(build_network(2030, inputs=data)).objective,
                                                rel=1e-6)


@pytest.mark.slow
def test_real_peak_day_remaining_flexibility_equals_rebuilding():
    from conftest import INPUTS

    from energy_model.data.loading import load_inputs
    from energy_model.scenarios.climates import make_climate_case, reference_state
    from energy_model.study.experiments import remaining_flexibility

    data = load_inputs(INPUTS)
    ref = reference_state(solve(build_network(2030, inputs=data)), "peak-day")

    def build():
        n = build_network(2030, inputs=data)
        make_climate_case(n, "peak-day", data, ref)
        apply_cooperative_curtailment(n)
        return n

    countries = ["BG", "GR", "HU", "TR"]
    got = remaining_flexibility(build, countries)
    assert got.to_dict() == pytest.approx(remaining_flexibility_by_rebuilding(build, countries),
                                          abs=1e-6)


def test_generators_only_assignment_matches_the_full_one(tiny):
    full = Resolver(build_network(YEAR, inputs=tiny))
    light = Resolver(build_network(YEAR, inputs=tiny))
    for r, assign in ((full, True), (light, "generators")):
        double_tr_demand(r.n)
        r.solve(assign=assign)
    assert light.objective == pytest.approx(full.objective, rel=1e-12)
    cols = full.n.generators.index
    assert np.allclose(light.n.generators_t.p[cols].to_numpy(),
                       full.n.generators_t.p[cols].to_numpy(), atol=1e-9)
    assert unserved_by_country(light.n).to_dict() == pytest.approx(
        unserved_by_country(full.n).to_dict())


def test_lean_bounds_give_pypsas_optimum_and_limits(tiny):
    from pypsa.components.common import as_components

    from energy_model.optimization.lean import (
        DISPATCH,
        LEAN_COMPONENTS,
        NOMINAL,
        dispatch_limits,
        lean_assets,
    )

    n = build_network(YEAR, inputs=tiny)
    p3_half(n)  # a binding link limit
    plain = n.copy()
    plain.optimize(solver_name="highs", include_objective_constant=False)
    assert solve(n).objective == pytest.approx(plain.objective, rel=1e-9)
    assert "Link-fix-p-upper" not in n.model.constraints
    # outside energy_model's own model build, PyPSA writes its rows as ever (the stand-in
    # for its row writer defers to it)
    fresh = build_network(YEAR, inputs=tiny)
    assert "Link-fix-p-upper" in fresh.optimize.create_model(
        include_objective_constant=False).constraints
    # inside the block the rows are never written (not written, then removed)
    from energy_model.optimization.lean import bounds_instead_of_rows

    with bounds_instead_of_rows():
        m = build_network(YEAR, inputs=tiny).optimize.create_model(
            include_objective_constant=False)
    assert not [c for c in m.constraints if "-fix-" in c]
    assert np.isfinite(m.variables["Link-p"].upper.to_numpy()).any()
    for comp in LEAN_COMPONENTS:
        names = lean_assets(n, comp, n.snapshots)
        if names.empty:
            continue
        lo, up = dispatch_limits(n, comp, names)
        # PyPSA's own arithmetic (define_operational_constraints_for_non_extendables)
        c = as_components(n, comp)
        nominal = c.da[NOMINAL[comp]].sel(name=names)
        min_pu, max_pu = (x.sel(name=names) for x in c.get_bounds_pu(attr=DISPATCH[comp]))
        inf = np.isinf(nominal)
        lower = (min_pu * nominal).where(~(inf & (min_pu == 0)), 0)
        upper = (max_pu * nominal).where(~(inf & (max_pu == 0)), 0)
        for ours, pypsas in ((lo, lower), (up, upper)):
            pypsas = pypsas.broadcast_like(xr.DataArray(ours, coords={
                "snapshot": n.snapshots, "name": names})).transpose("snapshot", "name")
            assert np.array_equal(ours, pypsas.to_numpy())


def _lp(m):
    """The LP of a linopy model as arrays: A (dense), b, sense, c, lb, ub."""
    mat = m.matrices
    return (mat.A.toarray(), mat.b, mat.sense, mat.c, mat.lb, mat.ub)


@pytest.mark.parametrize("data", ["none", "ramp limit", "set point", "power", "meshed",
                                  "efficiency series"])
def test_skipped_pypsa_steps_give_pypsas_lp(tiny, data, monkeypatch):
    # the model steps skipped in the lean block (voltage law, ramp limits, fixed set points) would
    # write nothing on our networks, and the nodal balance written from arrays is PyPSA's; where
    # a network has such data, PyPSA's step runs
    from energy_model.optimization.lean import bounds_instead_of_rows, limits_to_bounds

    def network():
        n = build_network(YEAR, inputs=tiny, power=data == "power")
        g = n.generators.index[n.generators.carrier == "gas supply"][0]
        # an extra output port written into the table, as contracts.add_contracts does
        link = n.links.index[0]
        n.links["bus2"] = ""
        n.links["efficiency2"] = 1.0
        n.links.loc[link, ["bus2", "efficiency2"]] = [n.links.at[link, "bus1"], 0.0]
        if data == "ramp limit":
            n.generators.loc[g, "ramp_limit_up"] = 0.5
        elif data == "set point":
            n.generators_t.p_set = pd.DataFrame({g: 0.0}, index=n.snapshots)
        elif data == "efficiency series":  # of the main and of the extra port
            n.links_t.efficiency = pd.DataFrame(
                {link: np.linspace(0.9, 1.0, len(n.snapshots))}, index=n.snapshots)
            n.links_t.efficiency2 = pd.DataFrame(
                {link: np.linspace(0.5, 0.6, len(n.snapshots))}, index=n.snapshots)
        return n

    from energy_model.optimization import lean as lean_module

    written, write = [], lean_module.write_nodal_balance
    monkeypatch.setattr(lean_module, "write_nodal_balance",
                        lambda *a, **k: written.append(a[3:]) or write(*a, **k))
    # PyPSA splits the buses into groups by their number of connections: on the tiny network
    # thresholds 2 and 5 give rows with suffixes (a subset of the buses each)
    kwargs = {"meshed_thresholds": [2, 5]} if data == "meshed" else {}

    plain = network()
    pypsas = plain.optimize.create_model(consistency_check=False,
                                         include_objective_constant=False, **kwargs)
    limits_to_bounds(plain)
    lean = network()
    with bounds_instead_of_rows():
        ours = lean.optimize.create_model(consistency_check=False,
                                          include_objective_constant=False, **kwargs)
    assert written  # the rows were ours, not PyPSA's function's
    if data == "meshed":
        assert len([c for c in ours.constraints if c.startswith("Bus-meshed")]) >= 1
    assert sorted(ours.constraints) == sorted(pypsas.constraints)
    extra = {"ramp limit": "Generator-p-ramp_limit_up", "set point": "Generator-p_set"}
    if data in extra:
        assert extra[data] in ours.constraints
    for a, b in zip(_lp(ours), _lp(pypsas), strict=True):
        assert np.array_equal(np.asarray(a), np.asarray(b))
    # and the network is left as PyPSA's steps leave it (carriers, extra ports' attributes),
    # but for the sub-network labels PyPSA's cycle search writes on the buses
    for c in ("Link", "Store", "Generator", "Bus"):
        ours_static, pypsas_static = (x.components[c].static for x in (lean, plain))
        if c == "Bus":
            ours_static, pypsas_static = (x.drop(columns="sub_network")
                                          for x in (ours_static, pypsas_static))
        pd.testing.assert_frame_equal(ours_static, pypsas_static, check_column_type=False)
        pd.testing.assert_frame_equal(lean.components[c].defaults,
                                      plain.components[c].defaults)


def test_refused_change_leaves_the_kept_model_as_it_was(tiny):
    # a capacity cut together with an annual cap where the LP has no row: refused as a whole,
    # so after reset the kept model solves the original case again (nothing half-pushed)
    r = Resolver(build_network(YEAR, inputs=tiny), rebuild=False)
    base = r.objective
    p3_half(r.n)
    new_annual_cap(r.n)
    with pytest.raises(RebuildRequiredError):
        r.solve()
    r.reset()
    assert r.solve() == pytest.approx(base, rel=1e-12)
    p3_half(r.n)
    assert r.solve() == pytest.approx(cold(tiny, p3_half), rel=1e-9)


def test_uncooperative_big_m_follow_the_capacities_in_place(tiny):
    # the MILP's big-M terms (unserved-gas and export capacities) are rewritten in place; the
    # batch would hide a failure here by solving from scratch, so the counts are checked
    from conftest import add_georgia_behind_turkey

    from energy_model.scenarios.curtailment import apply_uncooperative_curtailment

    add_georgia_behind_turkey(tiny)

    def change(n):
        apply_uncooperative_curtailment(n)
        p3_half(n)
        double_tr_demand(n)

    n = build_network(YEAR, inputs=tiny)
    apply_uncooperative_curtailment(n)
    r = Resolver(n)
    p3_half(r.n)
    double_tr_demand(r.n)
    got = r.solve(assign="generators")
    assert (r.in_place, r.rebuilds) == (1, 0)
    want = cold(tiny, change)
    assert got == pytest.approx(want, rel=1e-9)
    assert unserved_by_country(r.n).sum() > 1e-3  # the rows bind


@pytest.mark.parametrize("attr", ["p_max_pu", "p_nom"])
def test_storage_outage_on_a_design_case_equals_a_cold_rebuild(tiny, attr):
    # a storage site's withdrawal switched off (p_max_pu 0, as the storage-outage stresses do)
    # is a bound: in place, although the link is in the fill-level withdrawal curve; its
    # capacity (the curve's coefficient) changed rebuilds the model, with the same answer
    from conftest import append_rows

    from energy_model.data.loading import load_inputs
    from energy_model.scenarios.climates import make_climate_case, reference_state
    from energy_model.scenarios.curtailment import apply_uncooperative_curtailment

    append_rows(tiny, "storage.csv", [dict(
        name="S1", region="TR", working_gas="0.1", working_gas_unit="bcm", injection="1",
        injection_unit="mcm/d", withdrawal="3", withdrawal_unit="mcm/d", start_year="2000",
        status="operating", source_id="T-1", estimate="false")])
    data = load_inputs(tiny)
    ref = reference_state(solve(build_network(YEAR, inputs=data)), "peak-day")

    def outage(n):
        n.links.loc["S1 withdrawal", attr] = 0.0 if attr == "p_max_pu" else 1.0

    for rule in (apply_cooperative_curtailment, apply_uncooperative_curtailment):
        def build(rule=rule):
            n = build_network(YEAR, inputs=data)
            make_climate_case(n, "peak-day", data, ref)
            rule(n)
            return n

        r = Resolver(build())
        assert "S1 withdrawal" in r.n.meta["withdrawal_curve"]
        base, model = r.objective, r.model
        outage(r.n)
        got = r.solve(assign="generators")
        want = build()
        outage(want)
        assert got == pytest.approx(solve(want).objective, rel=1e-9)
        assert got > base + 1.0  # the site's gas is missed
        # the bound is written into the kept linopy model; the coefficient rebuilds it
        assert (r.model is model) == (attr == "p_max_pu")


def test_rebase_makes_the_last_solved_case_the_one_reset_returns_to(tiny):
    from energy_model.errors import UsageError

    r = Resolver(build_network(YEAR, inputs=tiny))
    p3_half(r.n)
    r.solve()
    r.rebase()
    double_tr_demand(r.n)
    with pytest.raises(UsageError, match="solve first"):
        r.rebase()  # a change not yet solved
    r.solve()
    r.reset(restart=True)
    assert r.solve() == pytest.approx(cold(tiny, p3_half), rel=1e-9)
    assert r.n.links.loc["P3", "p_nom"] == 300.0


def test_a_component_that_kept_pypsas_rows_is_not_updated_through_bounds(tiny):
    # one maintainable link keeps PyPSA's limit rows for every link; a capacity change must
    # then not be written as bounds under rows that still hold the old capacity
    def maintain_p1(n):
        n.links.loc["P1", ["maintainable", "maintenance_duration", "maintenance_events",
                           "maintenance_pu"]] = [True, 1, 1, 0.0]

    n = build_network(YEAR, inputs=tiny)
    maintain_p1(n)
    full = n.links.at["P3", "p_nom"]
    n.links.loc["P3", "p_nom"] = 300.0
    r = Resolver(n)
    assert "Link-fix-p-upper" in r.model.constraints
    r.n.links.loc["P3", "p_nom"] = full
    c = build_network(YEAR, inputs=tiny)
    maintain_p1(c)
    assert r.solve() == pytest.approx(solve(c).objective, rel=1e-9)


def test_highs_runs_on_the_calling_thread_without_the_interrupt_callback():
    # inside the block linopy's HiGHS runner is replaced for LPs below the size limit; larger
    # LPs, and every LP outside the block, keep linopy's threaded, interruptible run
    import threading

    import linopy.solvers

    from energy_model.optimization.lean import INTERRUPTIBLE_COLUMNS, highs_on_this_thread

    class FakeHighs:
        HandleKeyboardInterrupt = False
        HandleUserInterrupt = False

        def __init__(self, columns):
            self.columns, self.seen = columns, None

        def getNumCol(self):  # noqa: N802 (highspy's name)
            return self.columns

        def run(self):
            self.seen = (threading.current_thread(), self.HandleUserInterrupt)

    with highs_on_this_thread():
        small, big = FakeHighs(10), FakeHighs(INTERRUPTIBLE_COLUMNS)
        linopy.solvers._run_highs_with_keyboard_interrupt(small)
        linopy.solvers._run_highs_with_keyboard_interrupt(big)
    outside = FakeHighs(10)
    linopy.solvers._run_highs_with_keyboard_interrupt(outside)
    here = threading.current_thread()
    assert small.seen == (here, False)
    assert big.seen[0] is not here and big.seen[1] is True
    assert outside.seen[0] is not here and outside.seen[1] is True


def test_nodal_balance_from_arrays_only_where_it_is_pypsas(tiny):
    from energy_model.optimization.balance import can_write_nodal_balance

    n = build_network(YEAR, inputs=tiny)
    assert can_write_nodal_balance(n)
    assert not can_write_nodal_balance(n, transmission_losses=True)
    delayed = n.copy()
    delayed.links.loc[delayed.links.index[0], "delay"] = 1
    assert not can_write_nodal_balance(delayed)
    inactive = n.copy()
    inactive.generators.loc[inactive.generators.index[0], "active"] = False
    assert not can_write_nodal_balance(inactive)
    lined = n.copy()
    lined.add("Line", "l", bus0=n.buses.index[0], bus1=n.buses.index[1], x=0.1, s_nom=1.0)
    assert not can_write_nodal_balance(lined)
