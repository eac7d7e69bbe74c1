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
    m = n.model
    p, e = m.variables["Link-p"], m.variables["Store-e"]
    for link, store in curve.items():
        if link not in n.links.index or store not in n.stores.index:
            continue
        e_nom = float(n.stores.at[store, "e_nom"])
        p_nom = float(n.links.at[link, "p_nom"])
        if e_nom <= 0 or p_nom <= 0:
            continue
        # divided by e_nom: coefficients of order 1 (a MIP declared 1e8 ones infeasible)
        lhs = (fill * p.sel(name=link, drop=True)
               - (p_nom / e_nom) * e.sel(name=store, drop=True))
        m.add_constraints(lhs <= 0.0, name=f"withdrawal-curve {link}")


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


def _add_uncooperative(n: pypsa.Network, snapshots: pd.Index) -> None:
    m = n.model
    g = n.generators
    uns = g.index[g.carrier == "unserved gas"]
    countries = sorted(set(n.buses.country.reindex(g.loc[uns, "bus"])))
    cross = cross_border_links(n)
    # exports leave the country's grid bus; dedicated transit (the corridor's transit buses)
    # carries other shippers' gas and is not blocked by a curtailing transit country
    from_grid = n.buses.node_kind.reindex(n.links.loc[cross, "bus0"]).to_numpy() == "grid"
    cross = cross[from_grid]
    c0 = n.buses.country.reindex(n.links.loc[cross, "bus0"]).to_numpy()
    y = m.add_variables(binary=True, coords=[snapshots, pd.Index(countries, name="country")],
                        name="curtailing")
    p_gen, p_link = m.variables["Generator-p"], m.variables["Link-p"]
    for c in countries:
        mine = uns[n.buses.country.reindex(g.loc[uns, "bus"]).to_numpy() == c]
        cap = float(g.loc[mine, "p_nom"].sum())
        exports = list(cross[c0 == c])
        if cap <= 0 or not exports:
            continue
        big = float(n.links.loc[exports, "p_nom"].clip(upper=1e7).sum())
        yc = y.sel(country=c, drop=True)
        m.add_constraints(p_gen.sel(name=list(mine)).sum("name") - cap * yc <= 0.0,
                          name=f"uncooperative-curtails {c}")
        m.add_constraints(p_link.sel(name=exports).sum("name") + big * yc <= big,
                          name=f"uncooperative-exports {c}")
