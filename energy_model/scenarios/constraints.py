"""Constraints a case carries in ``n.meta`` and adds to the linopy model at solve time.

:func:`add_case_constraints` is the ``extra_functionality`` of every solve of a case
(:func:`energy_model.optimization.solver.solve` calls it). It reads:

``n.meta["withdrawal_curve"]``
    ``{withdrawal link: store}`` with ``n.meta["full_rate_fill"]`` = θ: the withdrawal rate is
    at most ``p_nom × min(1, e / (θ e_nom))`` on the store's level at the end of each snapshot
    (:mod:`energy_model.scenarios.climates`).
``n.meta["cooperative"]``
    ``{"bands": K, "step": s}``: ENTSOG's cooperative curtailment (below).
``n.meta["uncooperative"]``
    ENTSOG's uncooperative behaviour (below).

Cooperative curtailment (ENTSOG TYNDP 2017 Annex F §4.2: disrupted demand "calculated in a
Cooperative mode … if possible, all the Zones will share the same disrupted rate"): each
region's unserved volume over the case window is split into K bands of 1/K of its window
demand; band k costs ``k × s`` EUR/MWh on top of the cost of disrupted gas. This is a convex
piecewise-linear penalty on each region's curtailment *rate*: the optimiser raises the rate of
the least-curtailed region first, so rates equalise to within one band (1/K) wherever the
network allows. With ``s`` = 10 EUR/MWh per 1 % band, one band costs more than moving gas
across the whole region (transport tariff 1 EUR/MWh per 1000 km), so transport costs cannot
tilt the sharing.

Uncooperative curtailment (ENTSOG Annual Report 2014, stress test: "Member States export gas
only if own demand completely satisfied"): a binary per country and snapshot; when a country
curtails any demand, its cross-border exports (every gas pipeline leaving its grid bus for
another country) are zero; dedicated transit (the corridor's transit buses, e.g. SCP through
Georgia, TANAP through Türkiye) keeps flowing, because that gas is not the country's to keep.
A mixed-integer program; short cases stay
small (≤ 14 x ~20 binaries).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pypsa
import xarray as xr

from energy_model.network.topology import cross_border_links

COOPERATIVE_BANDS: int = 100
"""Bands of the cooperative curtailment penalty (1 % of window demand each)."""

COOPERATIVE_STEP: float = 10.0
"""Extra cost of each further band [EUR/MWh]; must exceed any transport-cost difference."""


def add_case_constraints(n: pypsa.Network, snapshots: pd.Index) -> None:
    """Add the constraints that ``n.meta`` asks for to ``n.model`` (``extra_functionality``)."""
    meta = n.meta or {}
    if meta.get("withdrawal_curve"):
        _add_withdrawal_curve(n, meta["withdrawal_curve"], float(meta["full_rate_fill"]))
    if meta.get("cooperative"):
        c = meta["cooperative"]
        _add_cooperative_bands(n, snapshots, int(c["bands"]), float(c["step"]))
    if meta.get("uncooperative"):
        _add_uncooperative(n, snapshots)


def _add_withdrawal_curve(n: pypsa.Network, curve: dict[str, str], fill: float) -> None:
    """Add ``fill p_link - (p_nom / e_nom) e_store <= 0`` for every curve pair, in one block."""
    m = n.model
    pairs = [(link, store) for link, store in curve.items()
             if link in n.links.index and store in n.stores.index]
    if not pairs:
        return
    links, stores = (list(x) for x in zip(*pairs, strict=True))
    e_nom = n.stores.loc[stores, "e_nom"].to_numpy(dtype=float)
    p_nom = n.links.loc[links, "p_nom"].to_numpy(dtype=float)
    keep = (e_nom > 0) & (p_nom > 0)
    if not keep.any():
        return
    links = [x for x, k in zip(links, keep, strict=True) if k]
    stores = [x for x, k in zip(stores, keep, strict=True) if k]
    # divided by e_nom: coefficients of order 1 (a MIP declared 1e8 ones infeasible)
    ratio = xr.DataArray(p_nom[keep] / e_nom[keep], coords={"name": links})
    p = m.variables["Link-p"].sel(name=links)
    e = m.variables["Store-e"].sel(name=stores).to_linexpr().assign_coords(name=links)
    m.add_constraints(fill * p - ratio * e <= 0.0, name="withdrawal-curve")


def _unserved_volume(n: pypsa.Network, snapshots: pd.Index):
    """Return (regions, linopy expression of each region's unserved window volume [MWh])."""
    m = n.model
    g = n.generators
    uns = g.index[g.carrier == "unserved gas"]
    w = xr.DataArray(n.snapshot_weightings.generators.loc[snapshots].to_numpy(),
                     coords={"snapshot": snapshots})
    p = m.variables["Generator-p"].sel(name=list(uns))
    regions = pd.Index(sorted(set(g.loc[uns, "bus"])))
    region_of = xr.DataArray(g.loc[uns, "bus"].to_numpy(), coords={"name": list(uns)},
                             name="region")
    vol = (p * w).sum("snapshot").groupby(region_of).sum()
    return regions, vol


def _add_cooperative_bands(n: pypsa.Network, snapshots: pd.Index, bands: int,
                           step: float) -> None:
    m = n.model
    regions, vol = _unserved_volume(n, snapshots)
    w = n.snapshot_weightings.generators.loc[snapshots]
    demand = pd.Series({r: float((n.loads_t.p_set.loc[snapshots, f"{r} gas demand"] * w).sum())
                        for r in regions})
    upper = xr.DataArray(np.repeat((demand / bands).to_numpy()[:, None], bands, axis=1),
                         coords={"region": regions, "band": np.arange(bands)})
    u = m.add_variables(lower=0.0, upper=upper, name="curtailment-band")
    m.add_constraints(vol - u.sum("band") == 0.0, name="curtailment-band-sum")
    cost = xr.DataArray(step * np.arange(bands), coords={"band": np.arange(bands)})
    m.objective = m.objective + (u * cost).sum()


def uncooperative_terms(n: pypsa.Network) -> pd.DataFrame:
    """Return the big-M terms of the uncooperative rows, one row per country that has them.

    Columns: ``cap`` (the country's unserved-gas capacity [MW], the M of "curtails"), ``big``
    (its export capacity [MW], capped at 1e7 per link, the M of "exports"), ``unserved`` and
    ``exports`` (the Generator and Link names summed).
    """
    g = n.generators
    uns = g.index[g.carrier == "unserved gas"]
    country_of = n.buses.country.reindex(g.loc[uns, "bus"]).to_numpy()
    cross = cross_border_links(n)
    # exports leave the country's grid bus; dedicated transit (the corridor's transit buses)
    # carries other shippers' gas and is not blocked by a curtailing transit country
    from_grid = n.buses.node_kind.reindex(n.links.loc[cross, "bus0"]).to_numpy() == "grid"
    cross = cross[from_grid]
    c0 = n.buses.country.reindex(n.links.loc[cross, "bus0"]).to_numpy()
    gen_cap = g.loc[uns, "p_nom"].to_numpy(dtype=float)
    link_cap = n.links.loc[cross, "p_nom"].clip(upper=1e7).to_numpy(dtype=float)
    rows = []
    for c in sorted(set(country_of)):
        mine, exports = country_of == c, c0 == c
        cap = float(gen_cap[mine].sum())
        if cap <= 0 or not exports.any():
            continue
        rows.append({"country": c, "cap": cap, "big": float(link_cap[exports].sum()),
                     "unserved": list(uns[mine]), "exports": list(cross[exports])})
    return pd.DataFrame(rows, columns=["country", "cap", "big", "unserved", "exports"]) \
        .set_index("country")


def _add_uncooperative(n: pypsa.Network, snapshots: pd.Index) -> None:
    m = n.model
    terms = uncooperative_terms(n)
    if terms.empty:
        return
    countries = pd.Index(terms.index, name="country")
    y = m.add_variables(binary=True, coords=[snapshots, countries], name="curtailing")
    gens = [(g, c) for c, names in terms.unserved.items() for g in names]
    links = [(k, c) for c, names in terms.exports.items() for k in names]
    gen_country = xr.DataArray([c for _, c in gens], coords={"name": [g for g, _ in gens]},
                               name="country")
    link_country = xr.DataArray([c for _, c in links], coords={"name": [k for k, _ in links]},
                                name="country")
    cap = xr.DataArray(terms.cap.to_numpy(), coords={"country": countries})
    big = xr.DataArray(terms.big.to_numpy(), coords={"country": countries})
    curtailed = m.variables["Generator-p"].sel(name=[g for g, _ in gens]) \
        .groupby(gen_country).sum()
    exported = m.variables["Link-p"].sel(name=[k for k, _ in links]).groupby(link_country).sum()
    m.add_constraints(curtailed - cap * y <= 0.0, name="uncooperative-curtails")
    m.add_constraints(exported + big * y <= big, name="uncooperative-exports")
