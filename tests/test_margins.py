"""Margins of a solved case (analysis.margins) against re-solving experiments and by hand."""

from __future__ import annotations

import pandas as pd
import pypsa
import pytest
from conftest import add_georgia_behind_turkey

from energy_model.analysis.margins import country_margins
from energy_model.data.loading import load_inputs
from energy_model.units import mwh_to_bcm

MCM_D_PER_MW = 24.0 * mwh_to_bcm(1.0) * 1000.0


def _hand_network() -> pypsa.Network:
    """A -> B (2 MW) and A -> C -> B (5, 5 MW); supply 10 MW at A; demand C 3, B 2 MW.

    The flow pattern below serves B through C and fills A -> C. B can take 2 MW more (A -> B);
    C can take 2 MW more only by rerouting: B's 2 MW move from A -> C -> B to A -> B.
    """
    n = pypsa.Network()
    n.set_snapshots(pd.date_range("2030-01-15", periods=1, freq="D"))
    n.snapshot_weightings.loc[:, :] = 24.0
    n.add("Bus", ["A", "B", "C"], carrier="gas", country=["A", "B", "C"], node_kind="grid")
    n.add("Generator", "S", bus="A", carrier="gas supply", p_nom=10.0)
    n.add("Generator", ["B unserved", "C unserved"], bus=["B", "C"], carrier="unserved gas",
          p_nom=10.0)
    n.add("Load", ["B gas demand", "C gas demand"], bus=["B", "C"], carrier="gas demand",
          p_set=[2.0, 3.0])
    n.add("Link", ["AB", "AC", "CB"], bus0=["A", "A", "C"], bus1=["B", "C", "B"],
          carrier="gas pipeline", p_nom=[2.0, 5.0, 5.0])
    # a solved state: B served through C
    n.generators_t.p = pd.DataFrame({"S": [5.0], "B unserved": [0.0], "C unserved": [0.0]},
                                    index=n.snapshots)
    n.links_t.p0 = pd.DataFrame({"AB": [0.0], "AC": [5.0], "CB": [2.0]}, index=n.snapshots)
    n.loads_t.p = pd.DataFrame({"B gas demand": [2.0], "C gas demand": [3.0]},
                               index=n.snapshots)
    return n


def test_margins_by_hand_reroute_flow_already_in_a_pipeline():
    m = country_margins(_hand_network())
    # B: A -> B spare 2 MW, A -> C full: 2 MW, all of B's added demand -> RF 1
    assert m.at["B", "absorbable_mcm_d"] == pytest.approx(2.0 * MCM_D_PER_MW)
    assert m.at["B", "remaining_flexibility"] == pytest.approx(1.0)
    # C: only by cancelling C -> B's 2 MW and serving B through A -> B: 2 of 3 MW -> RF 2/3
    assert m.at["C", "absorbable_mcm_d"] == pytest.approx(2.0 * MCM_D_PER_MW)
    assert m.at["C", "remaining_flexibility"] == pytest.approx(2.0 / 3.0)


def test_margins_equal_remaining_flexibility_by_re_solving(tiny):
    # ENTSOG's RF by re-solving with the demand doubled (analysis.flexibility) and the max-flow
    # margins of the solved case agree on the tiny network's design cases
    from energy_model.optimization.solver import solve
    from energy_model.scenarios.curtailment import apply_cooperative_curtailment
    from energy_model.study.case import build_case
    from energy_model.study.experiments import remaining_flexibility
    from energy_model.study.spec import one_case_spec

    add_georgia_behind_turkey(tiny)
    data = load_inputs(tiny)
    for climate in ("peak-day", "two-week"):
        proto = build_case(one_case_spec(tiny, 2030, ["px"], "none", climate), data)
        n = proto.copy()
        apply_cooperative_curtailment(n)
        solve(n)
        got = country_margins(n)
        want = remaining_flexibility(proto.copy)
        for c in want.index:
            assert got.at[c, "remaining_flexibility"] == pytest.approx(want[c], abs=0.01), \
                (climate, c)
