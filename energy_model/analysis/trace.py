"""Supply-origin tracing: which origin's gas reaches each region's consumers.

Method: proportional sharing of the solved daily flows (the "average participation" rule of
Bialek, 1996, applied to gas). At every gas bus and day the gas leaving the bus, to consumers or
onward through Links, has the same origin mix as the gas entering it. Entering gas is local supply
(a Generator whose ``origin`` is its production region), arrivals through Links (after losses,
with the mix of their sending bus) and withdrawals from storage. Consumers are the bus's Loads;
gas not served is not gas, so it reduces the served load and carries no origin.

Storage carries the annual mean mix of the gas injected into it (a cyclic store is filled and
emptied over the same year); mixes of several stores that feed each other are solved together.

Limits: proportional sharing is a convention, not physics (molecules are not tracked); contracts
that are met commercially by swaps or virtual reverse flow do not show up here, they are reported
by the contract meters (:func:`energy_model.analysis.tables.contract_deliveries`);
daily resolution hides within-day mixing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pypsa

from energy_model.errors import NotSolvedError
from energy_model.units import mwh_to_bcm

_FLOW_CARRIERS = ("gas pipeline", "LNG terminal", "gas storage")

_BLOCK = 512
"""Snapshots whose node balances :func:`compute_node_mix` solves at once."""


def compute_node_mix(n: pypsa.Network) -> dict[str, np.ndarray | list]:
    """Compute the origin shares of the gas at every gas bus and snapshot.

    Returns
    -------
    dict
        ``mix``: array [snapshot, bus, origin] of shares (rows sum to 1 where gas flows),
        ``buses``: bus names, ``origins``: origin codes, ``served``: array [snapshot, bus] of
        served load [MW].
    """
    buses = n.buses.index[n.buses.carrier == "gas"]
    bidx = pd.Index(buses)
    gens = n.generators[(n.generators.carrier == "gas supply") & n.generators.bus.isin(buses)]
    origins = sorted(gens.origin.unique())
    stores = n.stores[n.stores.bus.isin(buses)]
    n_o, n_s, n_b = len(origins), len(stores), len(buses)
    T = len(n.snapshots)

    # local injections G[t, bus, origin + store]
    G = np.zeros((T, n_b, n_o + n_s))
    gp = n.generators_t.p.reindex(columns=gens.index, fill_value=0.0).clip(lower=0).to_numpy()
    g_bus = bidx.get_indexer(gens.bus)
    g_org = pd.Index(origins).get_indexer(gens.origin)
    for j in range(len(gens)):
        G[:, g_bus[j], g_org[j]] += gp[:, j]
    sp = n.stores_t.p.reindex(columns=stores.index, fill_value=0.0).clip(lower=0).to_numpy()
    s_bus = bidx.get_indexer(stores.bus)
    for k in range(n_s):
        G[:, s_bus[k], n_o + k] += sp[:, k]

    links = n.links[n.links.carrier.isin(_FLOW_CARRIERS) & n.links.bus0.isin(buses)
                    & n.links.bus1.isin(buses)]
    p1 = -n.links_t.p1.reindex(columns=links.index, fill_value=0.0).to_numpy()
    l0, l1 = bidx.get_indexer(links.bus0), bidx.get_indexer(links.bus1)

    # the balance of many snapshots at once, A[t] = diag(inflow[t]) - arrivals[t],
    # A[t] mix[t] = G[t], in blocks (the hourly year would need three copies of T x bus x bus)
    mix = np.empty((T, n_b, n_o + n_s))
    arrived = np.clip(p1, 0, None)
    diag = np.arange(n_b)
    for lo in range(0, T, _BLOCK):
        hi = min(lo + _BLOCK, T)
        arrivals = np.zeros((hi - lo, n_b, n_b))  # arrivals[t, to, from]
        t_idx = np.repeat(np.arange(hi - lo), len(links))
        np.add.at(arrivals, (t_idx, np.tile(l1, hi - lo), np.tile(l0, hi - lo)),
                  arrived[lo:hi].ravel())
        inflow = G[lo:hi].sum(axis=2) + arrivals.sum(axis=2)
        arrivals *= -1.0
        arrivals[:, diag, diag] += np.where(inflow > 1e-9, inflow, 1.0)
        mix[lo:hi] = np.linalg.solve(arrivals, G[lo:hi])

    # storage: annual mean mix of injections, solved jointly for all stores
    if n_s:
        inj_links = n.links[(n.links.carrier == "gas storage") & n.links.bus1.isin(stores.bus)]
        W = np.zeros((n_s, n_o + n_s))
        q = (n.links_t.p0.reindex(columns=inj_links.index, fill_value=0.0).clip(lower=0)
             .mul(n.snapshot_weightings.objective, axis=0).to_numpy())  # [t, link]
        k = pd.Index(stores.bus).get_indexer(inj_links.bus1)
        np.add.at(W, k, np.einsum("tl,tlo->lo", q, mix[:, bidx.get_indexer(inj_links.bus0), :]))
        total = W.sum(axis=1, keepdims=True)
        W = np.divide(W, total, out=np.zeros_like(W), where=total > 0)
        B, A = W[:, :n_o], W[:, n_o:]
        S = np.linalg.solve(np.eye(n_s) - A + 1e-12 * np.eye(n_s), B)  # store mix [store, origin]
        mix = mix[:, :, :n_o] + np.einsum("tbk,ko->tbo", mix[:, :, n_o:], S)

    served = np.zeros((T, n_b))
    loads = n.loads[n.loads.bus.isin(buses)]
    lp = n.loads_t.p.reindex(columns=loads.index, fill_value=0.0).to_numpy()
    np.add.at(served.T, bidx.get_indexer(loads.bus), lp.T)
    uns = n.generators[(n.generators.carrier == "unserved gas") & n.generators.bus.isin(buses)]
    up = n.generators_t.p.reindex(columns=uns.index, fill_value=0.0).to_numpy()
    np.subtract.at(served.T, bidx.get_indexer(uns.bus), up.T)
    return {"mix": mix, "buses": list(buses), "origins": origins, "served": served.clip(0)}


def trace_deliveries(n: pypsa.Network, domestic_label: str = "DOM") -> pd.DataFrame:
    """Return the annual gas delivered to each country's consumers by origin [bcm].

    Parameters
    ----------
    n : pypsa.Network
        A solved network.
    domestic_label : str
        Origin label for gas produced in the consuming country itself.

    Returns
    -------
    pandas.DataFrame
        Long table with columns ``country, origin, bcm``; pairs below 1e-6 bcm are dropped.

    Raises
    ------
    NotSolvedError
        For an unsolved network (it has no flows to trace: the table would be empty).
    """
    if not n.is_solved:
        raise NotSolvedError(f"trace_deliveries needs a solved network; {n.name!r} is not "
                             "solved (solve it first: energy_model.solve(n))")
    res = compute_node_mix(n)
    w = n.snapshot_weightings.objective.to_numpy()
    energy = np.einsum("t,tb,tbo->bo", w, res["served"], res["mix"])  # MWh [bus, origin]
    df = pd.DataFrame(energy, index=res["buses"], columns=res["origins"])
    df = df.groupby(n.buses.country.reindex(df.index).values).sum()
    long = df.stack().rename("mwh").reset_index()
    long.columns = ["country", "origin", "mwh"]
    long["origin"] = np.where(long.origin == long.country, domestic_label, long.origin)
    long = long.groupby(["country", "origin"], as_index=False).mwh.sum()
    long["bcm"] = mwh_to_bcm(long.mwh)
    return long.loc[long.bcm > 1e-6, ["country", "origin", "bcm"]].reset_index(drop=True)
