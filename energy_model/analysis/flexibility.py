"""Re-solving experiments: ENTSOG remaining flexibility and supply-source dependence."""

from __future__ import annotations

import pandas as pd

from energy_model.analysis.indicators import curtailment_rate
from energy_model.analysis.tables import demand_by_country, unserved_by_country
from energy_model.optimization.solver import solve
from energy_model.scenarios.curtailment import refresh_unserved, suspend_contracts


def remaining_flexibility(build, countries: list[str] | None = None,
                          warm: bool | None = None) -> pd.Series:
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
    warm : bool, optional
        Start each step from the last basis; default: as measured per case type
        (:func:`energy_model.optimization.resolve.prefer_warm`: warm on the year, cold on the
        short climatic cases).
    """
    from energy_model.optimization.resolve import Resolver, prefer_warm

    n = build()
    caps = n.generators[["e_sum_min", "e_sum_max"]].copy()
    suspend_contracts(n)
    r = Resolver(n)
    warm = prefer_warm(n) if warm is None else warm
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
    Returns a table country x source. One model is built (``build`` is called once) and each
    source's loss is a re-solve of it in place, from the last basis
    (:class:`energy_model.optimization.resolve.Resolver`).
    """
    from energy_model.optimization.resolve import Resolver

    n = build()
    suspend_contracts(n)
    r = Resolver(n)
    demand = demand_by_country(r.n)
    cols = {}
    for source in sources:
        r.reset()
        g = r.n.generators
        g.loc[(g.carrier == "gas supply") & (g.origin == source), "p_nom"] = 0.0
        r.solve(warm=True, assign="generators")  # unserved gas is all SSD needs
        cols[source] = curtailment_rate(unserved_by_country(r.n), demand)
    return pd.DataFrame(cols).fillna(0.0)


def supply_sources(data) -> list[str]:
    """Return the supply origins whose loss supply-source dependence measures.

    The external suppliers of ``regions.csv`` plus Azerbaijan and Turkmenistan.
    """
    r = data.regions
    return sorted(set(r.code[r.kind == "supplier"]) | {"AZ", "TM"})


def tabulate_year_indicators(year: int, data, on_build=None) -> pd.DataFrame:
    """Return the security-of-supply indicators of one undisturbed year as a long table.

    Columns ``option, stress, country, indicator, value, unit``: the indicators of
    :func:`energy_model.analysis.indicators.compute_indicators` on the solved year, ENTSOG's
    remaining flexibility per country and the supply-source dependence on each source of
    :func:`supply_sources`.

    Parameters
    ----------
    year : int
        Model year [year].
    data : Inputs
        Loaded inputs.
    on_build : callable, optional
        Called with no argument each time a network is built (for a progress bar): once for
        the indicators, then by the re-solving experiments.
    """
    from energy_model.analysis.indicators import compute_indicators
    from energy_model.network.build import build_network

    def build():
        if on_build is not None:
            on_build()
        return build_network(year, inputs=data)

    table = compute_indicators(solve(build()), data)
    rf = remaining_flexibility(build)
    ssd = supply_source_dependence(build, supply_sources(data)).stack().reset_index()
    ssd.columns = ["country", "source", "value"]
    extra = [pd.DataFrame({"country": rf.index, "indicator": "remaining_flexibility",
                           "value": rf.to_numpy(), "unit": "fraction"}),
             ssd.assign(indicator="supply_source_dependence_" + ssd.source, unit="fraction")
             .drop(columns="source")]
    table = pd.concat([table, *extra], ignore_index=True)
    table.insert(0, "stress", "none")
    table.insert(0, "option", "reference")
    return table
