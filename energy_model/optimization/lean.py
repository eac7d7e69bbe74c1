"""A leaner linopy model of the same LP: dispatch limits as variable bounds, not rows.

PyPSA 1.4 writes the dispatch limits of every non-extendable Generator, Link and Store
(``p_min_pu × p_nom <= p <= p_max_pu × p_nom``, ``e_min_pu × e_nom <= e <= e_max_pu × e_nom``)
as two constraint rows per asset and snapshot (``<Component>-fix-<attr>-lower/upper``): on the
daily 2024 case 121,000 of the model's 157,000 rows. HiGHS's presolve turns such singleton rows
back into bounds, but linopy still converts and hands them over, and an in-place re-solve would
have to diff them. :func:`limits_to_bounds` moves the same limits onto the variables after
PyPSA has built its model (public linopy API only: ``Variable.update``,
``Model.remove_constraints``): the feasible set and the optimum are the same (tested against
PyPSA's own model), the model is about a third of the rows. The rows' duals are not assigned to
the network by PyPSA anyway (``mu_lower``/``mu_upper`` have no place on these components).

Only plain assets get bounds; a component with anything else among its fixed assets
(committable, maintainable, assets not active in every snapshot) keeps PyPSA's rows.
"""

from __future__ import annotations

import numpy as np
import pypsa
from pypsa.components.common import as_components

LEAN_COMPONENTS: tuple[str, ...] = ("Generator", "Link", "Store")
"""Components whose fixed-capacity dispatch limits become variable bounds."""

DISPATCH: dict[str, str] = {"Generator": "p", "Link": "p", "Store": "e"}
"""The variable whose limits move, per component."""

NOMINAL: dict[str, str] = {"Generator": "p_nom", "Link": "p_nom", "Store": "e_nom"}
"""The nominal capacity that scales the per-unit limits, per component [MW or MWh]."""


def dispatch_limits(n: pypsa.Network, component: str, attr: str, names, snapshots):
    """Return ``(lower, upper)`` dispatch limits of ``names`` as DataArrays [MW or MWh].

    The same arithmetic as PyPSA's ``define_operational_constraints_for_non_extendables``:
    per-unit bounds times the nominal capacity, 0 where an infinite capacity meets a zero
    per-unit bound.
    """
    c = as_components(n, component)
    nominal = c.da[NOMINAL[component]].sel(name=names)
    min_pu, max_pu = c.get_bounds_pu(attr=attr)
    min_pu, max_pu = min_pu.sel(name=names), max_pu.sel(name=names)
    if "snapshot" in min_pu.dims:
        min_pu, max_pu = min_pu.sel(snapshot=snapshots), max_pu.sel(snapshot=snapshots)
    is_inf = np.isinf(nominal)
    lower = (min_pu * nominal).where(~(is_inf & (min_pu == 0)), 0)
    upper = (max_pu * nominal).where(~(is_inf & (max_pu == 0)), 0)
    return lower, upper


def lean_assets(n: pypsa.Network, component: str, snapshots):
    """Return the assets of ``component`` whose limits :func:`limits_to_bounds` moves."""
    c = as_components(n, component)
    fix = c.fixed.difference(c.committables).intersection(c.active_assets)
    fix = fix.difference(c.maintainables)
    if fix.empty:
        return fix
    active = c.da.active.sel(name=fix, snapshot=snapshots)
    return fix[active.all("snapshot").to_numpy()]


def limits_to_bounds(n: pypsa.Network) -> None:
    """Replace PyPSA's fixed-capacity limit rows of ``n.model`` by variable bounds (module doc).

    Call after ``n.optimize.create_model``. A component keeps its rows when any of its fixed
    assets is not plain (see :func:`lean_assets`).
    """
    m, sns = n.model, n.snapshots
    for component in LEAN_COMPONENTS:
        attr = DISPATCH[component]
        rows = [f"{component}-fix-{attr}-lower", f"{component}-fix-{attr}-upper"]
        if not all(r in m.constraints for r in rows):
            continue
        c = as_components(n, component)
        everything = c.fixed.difference(c.committables).intersection(c.active_assets)
        lean = lean_assets(n, component, sns)
        if lean.empty or not everything.difference(lean).empty:
            continue  # PyPSA's rows for the few that need them
        var = m.variables[f"{component}-{attr}"]
        lower, upper = dispatch_limits(n, component, attr, lean, sns)
        lo, up = var.lower.copy(), var.upper.copy()
        lo.loc[{"name": lean}] = lower.transpose(*lo.sel(name=lean).dims).to_numpy()
        up.loc[{"name": lean}] = upper.transpose(*up.sel(name=lean).dims).to_numpy()
        var.update(lower=lo, upper=up)
        m.remove_constraints(rows)
