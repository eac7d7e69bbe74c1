"""Margins of a solved case: how much more each country could take before it is curtailed.

Two numbers per country Z, both read from a solved network without solving again (a max-flow on
the case's residual gas network per snapshot):

* **Absorbable disruption** [mcm/d]: the largest additional gas demand at Z that the system can
  serve on every day of the window without curtailing anyone else — the additional disruption Z
  can absorb before its first curtailment. It is the maximum flow, per snapshot, from the spare
  supply (gas supplies below their capacity, storage withdrawal below its rate and the gas left
  in store, injection that could stop) to Z through the spare pipeline and LNG capacity, where
  a flow already in a pipeline may be cancelled (rerouted) but no served demand is reduced:
  the augmenting-path argument of max-flow theory (Ford & Fulkerson). The minimum over the
  window's days is reported.
* **Remaining flexibility** [-] (ENTSOG): RF_Z = 1 - share of an added 100 % of Z's demand that
  would be disrupted = sum_t min(D_Z,t, F_Z,t) / sum_t D_Z,t with F the maximum flow above; 0
  when Z is already curtailed (ENTSOG's rule).

Both are exact for the lossless transport LP of one snapshot; pipeline losses (fuel burnt,
0.1-2 %) are ignored on the added flow, and storage's energy is spread evenly over the window's
remaining snapshots, so the margins are slightly optimistic on long lossy routes. A country whose
gas reaches it only through a case's annual cap (the average year's ``e_sum_max``) is not
bounded by that cap here: margins are meant for the design cases (peak day, two weeks), where
caps are suspended.

References
----------
ENTSOG, TYNDP 2017 Annex F, section 4.2.3 (Remaining Flexibility); ENTSOG TYNDP 2020 Annex D
(indicator bands). L. R. Ford and D. R. Fulkerson, "Maximal flow through a network", Canadian
Journal of Mathematics 8 (1956) 399-404.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pypsa
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

from energy_model.units import mwh_to_bcm

_SOURCE = "__spare_supply__"
_EPS_MW = 1e-3
_STEP_MW = 0.01
"""Capacity resolution of the max-flow [MW] (integer capacities in SciPy)."""


def country_margins(n: pypsa.Network, countries: list[str] | None = None) -> pd.DataFrame:
    """Return remaining flexibility [-] and absorbable disruption [mcm/d] per country.

    Parameters
    ----------
    n : pypsa.Network
        A solved network (flows in ``links_t.p0``, supply in ``generators_t.p``).
    countries : list of str, optional
        Countries to assess (default: every country with gas demand).

    Returns
    -------
    pandas.DataFrame
        Index country; columns ``remaining_flexibility`` [-] and ``absorbable_mcm_d``
        [mcm/d] (0 for a country curtailed in the case).
    """
    w = n.snapshot_weightings.objective
    hours = w.to_numpy()
    loads = n.loads[n.loads.carrier == "gas demand"]
    country_of = n.buses.country
    demand = (n.get_switchable_as_dense("Load", "p_set", inds=loads.index).T
              .groupby(loads.bus.map(country_of)).sum().T)
    uns_gen = n.generators.index[n.generators.carrier == "unserved gas"]
    unserved = (n.generators_t.p[uns_gen].T.groupby(n.generators.bus[uns_gen].map(country_of))
                .sum().T.reindex(columns=demand.columns, fill_value=0.0))
    targets = countries or [c for c in demand.columns if demand[c].sum() > 0]
    graphs = _residual_graphs(n, hours)
    rows = {}
    for c in targets:
        if float((unserved[c] * w).sum()) > _EPS_MW:  # curtailed already: RF 0
            rows[c] = (0.0, 0.0)
            continue
        buses = list(n.buses.index[(country_of == c) & (n.buses.carrier == "gas")
                                   & (n.buses.get("node_kind", "grid") == "grid")])
        flow = np.array([_max_flow(g, buses) for g in graphs])
        d = demand[c].to_numpy()
        rf = float(np.minimum(d, flow) @ hours / (d @ hours)) if d @ hours > 0 else 0.0
        rows[c] = (rf, float(flow.min()) * 24.0 * mwh_to_bcm(1.0) * 1000.0)
    return pd.DataFrame.from_dict(rows, orient="index",
                                  columns=["remaining_flexibility", "absorbable_mcm_d"])


def _residual_graphs(n: pypsa.Network, hours: np.ndarray) -> list[nx.DiGraph]:
    """Return the residual gas network of each snapshot [MW], with a super-source of spare
    supply."""
    gen = n.generators[n.generators.carrier == "gas supply"]
    g_spare = (n.get_switchable_as_dense("Generator", "p_max_pu", inds=gen.index)
               * gen.p_nom - n.generators_t.p.reindex(columns=gen.index, fill_value=0.0))
    links = n.links[n.links.carrier.isin(("gas pipeline", "LNG terminal", "gas storage"))]
    cap = n.get_switchable_as_dense("Link", "p_max_pu", inds=links.index) * links.p_nom
    flow = n.links_t.p0.reindex(columns=links.index, fill_value=0.0).clip(lower=0.0)
    kind = n.buses.get("node_kind", pd.Series("grid", index=n.buses.index))
    stores = n.stores[n.stores.carrier == "gas storage"]
    withdrawal = links.carrier.eq("gas storage") & links.bus0.map(kind).eq("storage")
    injection = links.carrier.eq("gas storage") & ~withdrawal
    pipes = ~links.carrier.eq("gas storage")
    graphs = []
    for t in range(len(n.snapshots)):
        g = nx.DiGraph()
        edges: dict[tuple[str, str], float] = {}

        def add(u: str, v: str, c: float, edges: dict = edges) -> None:
            if c > _EPS_MW:
                edges[(u, v)] = edges.get((u, v), 0.0) + c

        for bus, c in zip(gen.bus, g_spare.iloc[t], strict=True):
            add(_SOURCE, bus, float(c))
        ct, ft = cap.iloc[t], flow.iloc[t]
        left = _store_left(n, stores, t, hours)
        for name in links.index[withdrawal]:  # spare rate, gas left in store
            add(_SOURCE, links.at[name, "bus1"], min(float(ct[name] - ft[name]),
                                                     left.get(links.at[name, "bus0"], np.inf)))
        for name in links.index[injection]:  # injection that could stop frees gas
            add(_SOURCE, links.at[name, "bus0"], float(ft[name]))
        for name, b0, b1 in zip(links.index[pipes], links.bus0[pipes], links.bus1[pipes],
                                strict=True):
            add(b0, b1, float(ct[name] - ft[name]))
            add(b1, b0, float(ft[name]))  # cancel (reroute) flow already in the link
        g.add_edges_from((u, v, {"capacity": c}) for (u, v), c in edges.items())
        graphs.append(g)
    return graphs


def _store_left(n: pypsa.Network, stores: pd.DataFrame, t: int,
                hours: np.ndarray) -> dict[str, float]:
    """Return, per storage bus, the gas in store spread over the remaining snapshots [MW]."""
    if stores.empty:
        return {}
    e = n.stores_t.e.reindex(columns=stores.index, fill_value=0.0)
    remaining = hours[t:].sum()
    return {bus: float(e.iloc[t][s]) / remaining for s, bus in stores.bus.items()}


def _max_flow(g: nx.DiGraph, buses: list[str]) -> float:
    """Return the maximum flow from the spare supply to ``buses`` [MW] (resolution
    :data:`_STEP_MW`; SciPy's Dinic algorithm on integer capacities)."""
    present = [b for b in buses if b in g]
    if _SOURCE not in g or not present:
        return 0.0
    nodes = {v: i for i, v in enumerate(g.nodes)}
    sink = len(nodes)
    u, v, c = [], [], []
    for a, b, d in g.edges(data="capacity"):
        u.append(nodes[a])
        v.append(nodes[b])
        c.append(int(d / _STEP_MW))
    big = np.iinfo(np.int32).max // 4
    for b in present:
        u.append(nodes[b])
        v.append(sink)
        c.append(big)
    m = csr_matrix((np.array(c, dtype=np.int32), (u, v)), shape=(sink + 1, sink + 1))
    return float(maximum_flow(m, nodes[_SOURCE], sink, method="dinic").flow_value) * _STEP_MW


def margin_record(n: pypsa.Network) -> dict:
    """Return a design case's margins as a case record keeps them (``{}`` for other cases).

    ``remaining_flexibility`` [-] and ``absorbable_mcm_d`` [mcm/d], each ``{country: value}``,
    of :func:`country_margins`; only for the short climatic cases (peak day, two weeks), where
    annual caps are suspended and a margin is a daily rate.
    """
    if n.meta.get("climate", "average") == "average":
        return {}
    m = country_margins(n).round(6)
    return {"remaining_flexibility": m.remaining_flexibility.to_dict(),
            "absorbable_mcm_d": m.absorbable_mcm_d.to_dict()}
