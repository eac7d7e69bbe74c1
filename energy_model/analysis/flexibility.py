"""Re-solving experiments: ENTSOG remaining flexibility and supply-source dependence."""

from __future__ import annotations

import pandas as pd

from energy_model.analysis.indicators import curtailment_rate
from energy_model.analysis.tables import demand_by_country, unserved_by_country
from energy_model.optimization.solver import solve
from energy_model.scenarios.curtailment import refresh_unserved, suspend_contracts


def remaining_flexibility(build, countries: list[str] | None = None) -> pd.Series:
    """Return ENTSOG's remaining flexibility per country [-].

    For each country Z (separately): add 100 % of Z's gas demand, re-solve, and take
    RF_Z = 1 - (additional disrupted demand anywhere) / (added demand); RF_Z = 0 when Z is
    already curtailed before the increase (ENTSOG's rule).

    Parameters
    ----------
    build : callable
        Returns a fresh, unsolved network of the case (called once per country, plus once).
    countries : list of str, optional
        Countries to assess (default: every country with gas demand).
    """

    base = solve(build())
    base_uns = unserved_by_country(base)
    demand = demand_by_country(base)
    out = {}
    for country in countries or list(demand.index[demand > 0]):
        if base_uns.get(country, 0.0) > 1e-6:
            out[country] = 0.0
            continue
        n = build()
        suspend_contracts(n)
        load = f"{country} gas demand"
        n.loads_t.p_set[load] *= 2.0
        refresh_unserved(n)
        extra = unserved_by_country(solve(n)).sum() - base_uns.sum()
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
