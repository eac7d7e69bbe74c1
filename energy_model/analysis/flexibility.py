"""Re-solving experiments: ENTSOG remaining flexibility and supply-source dependence."""

from __future__ import annotations

import pandas as pd

from energy_model.analysis.indicators import curtailment_rate
from energy_model.analysis.tables import demand_by_country, unserved_by_country
from energy_model.optimization.solver import solve
from energy_model.scenarios.curtailment import refresh_unserved, suspend_contracts


def remaining_flexibility(build, countries: list[str] | None = None,
                          warm: bool = True) -> pd.Series:
    """Return ENTSOG's remaining flexibility per country [-].

    For each country Z (separately): add 100 % of Z's gas demand, re-solve, and take
    RF_Z = 1 - (additional disrupted demand anywhere) / (added demand); RF_Z = 0 when Z is
    already curtailed before the increase (ENTSOG's rule).

    The demand steps are re-solves of one model built once
    (:class:`energy_model.optimization.resolve.Resolver`): each step changes the country's load
    and its unserved-gas limits in place, re-solves, and puts the load back; the answers equal
    a fresh build per country (tested).

    Parameters
    ----------
    build : callable
        Returns a fresh, unsolved network of the case (called once, twice when the case has
        contracts in force: the reference keeps them, the demand steps suspend them).
    countries : list of str, optional
        Countries to assess (default: every country with gas demand).
    warm : bool
        Start each step from the last basis (see ``examples/benchmark.py``).
    """
    from energy_model.optimization.resolve import Resolver

    n = build()
    caps = n.generators[["e_sum_min", "e_sum_max"]].copy()
    suspend_contracts(n)
    r = Resolver(n)
    if n.generators[["e_sum_min", "e_sum_max"]].equals(caps):
        base = r.n  # no contract in force: the reference is the same case
    else:
        base = solve(build())
    base_uns = unserved_by_country(base)
    demand = demand_by_country(base)
    out = {}
    for country in countries or list(demand.index[demand > 0]):
        if base_uns.get(country, 0.0) > 1e-6:
            out[country] = 0.0
            continue
        load = f"{country} gas demand"
        original = r.n.loads_t.p_set[load].copy()
        r.n.loads_t.p_set[load] = 2.0 * original
        refresh_unserved(r.n)
        r.solve(warm=warm, assign="generators")  # unserved gas is all a step needs
        extra = unserved_by_country(r.n).sum() - base_uns.sum()
        r.n.loads_t.p_set[load] = original
        refresh_unserved(r.n)
        out[country] = float(min(1.0, max(0.0, 1.0 - extra / demand[country])))
    return pd.Series(out, name="remaining_flexibility")


def supply_source_dependence(build, sources: list[str]) -> pd.DataFrame:
    """Return ENTSOG's supply-source dependence: disrupted over total demand per country [-].

    For each source S: all supply of origin S is switched off (contracts suspended), the year is
    re-solved with the cost of disrupted gas as in the data, and SSD_{Z,S} = DD_Z / D_Z.
    Returns a table country x source.
    """

    cols = {}
    for source in sources:
        n = build()
        suspend_contracts(n)
        g = n.generators
        g.loc[(g.carrier == "gas supply") & (g.origin == source), "p_nom"] = 0.0
        n = solve(n)
        cols[source] = curtailment_rate(unserved_by_country(n), demand_by_country(n))
    return pd.DataFrame(cols).fillna(0.0)
