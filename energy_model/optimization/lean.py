"""A leaner linopy model of the same LP: dispatch limits as variable bounds, not rows.

PyPSA 1.4 writes the dispatch limits of every non-extendable Generator, Link and Store
(``p_min_pu × p_nom <= p <= p_max_pu × p_nom``, ``e_min_pu × e_nom <= e <= e_max_pu × e_nom``)
as two constraint rows per asset and snapshot (``<Component>-fix-<attr>-lower/upper``): on the
daily 2024 case 121,000 of the model's 157,000 rows. HiGHS's presolve turns such singleton rows
back into bounds, but linopy still converts and hands them over, and an in-place re-solve would
have to diff them. :func:`bounds_instead_of_rows` has PyPSA's ``create_model`` write the same
limits as bounds of the variables instead (linopy's ``Variable.update``); :func:`limits_to_bounds`
moves them after the fact on a model built with rows. The feasible set and the optimum are the
same (tested against PyPSA's own model), the model is about a third of the rows. The rows'
duals are not assigned to the network by PyPSA anyway (``mu_lower``/``mu_upper`` have no place
on these components).

Only plain assets get bounds; a component with anything else among its fixed assets
(committable, maintainable, assets not active in every snapshot) keeps PyPSA's rows.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

import numpy as np
import pandas as pd
import pypsa
import pypsa.optimization.optimize as _pypsa_optimize
from pypsa.components.common import as_components

LEAN_COMPONENTS: tuple[str, ...] = ("Generator", "Link", "Store")
"""Components whose fixed-capacity dispatch limits become variable bounds."""

DISPATCH: dict[str, str] = {"Generator": "p", "Link": "p", "Store": "e"}
"""The variable whose limits move, per component."""

NOMINAL: dict[str, str] = {"Generator": "p_nom", "Link": "p_nom", "Store": "e_nom"}
"""The nominal capacity that scales the per-unit limits, per component [MW or MWh]."""


def dispatch_limits(n: pypsa.Network, component: str, names: pd.Index,
                    snapshots: pd.Index | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(lower, upper)`` dispatch limits of fixed-capacity ``names`` [MW or MWh].

    The arithmetic of PyPSA's ``define_operational_constraints_for_non_extendables`` (tested
    equal): per-unit bounds (the time series where an asset has one, else its static value)
    times the nominal capacity, 0 where an infinite capacity meets a zero per-unit bound.
    In numpy and pandas, without PyPSA's xarray views, which cost more than the rest of this
    on every model build and every in-place re-solve.

    Returns
    -------
    tuple of numpy.ndarray
        Lower and upper limits, snapshot x name.
    """
    attr = DISPATCH[component]
    snapshots = n.snapshots if snapshots is None else snapshots
    nom = n.components[component].static.loc[names, NOMINAL[component]].to_numpy(dtype=float)
    lo_pu = _per_unit(n, component, f"{attr}_min_pu", names, snapshots)
    up_pu = _per_unit(n, component, f"{attr}_max_pu", names, snapshots)
    inf = np.isinf(nom)
    with np.errstate(invalid="ignore"):
        lower = np.where(inf & (lo_pu == 0), 0.0, lo_pu * nom)
        upper = np.where(inf & (up_pu == 0), 0.0, up_pu * nom)
    return lower, upper


def _per_unit(n: pypsa.Network, component: str, attr: str, names: pd.Index,
              snapshots: pd.Index) -> np.ndarray:
    """Return a per-unit limit of ``names``, snapshot x name: the time series where an asset
    has one, else its static value (as ``get_switchable_as_dense``, without its overhead)."""
    c = n.components[component]
    static = c.static.loc[names, attr].to_numpy(dtype=float)
    out = np.repeat(static[None, :], len(snapshots), axis=0)
    dynamic = c.dynamic.get(attr)
    if dynamic is not None and not dynamic.empty:
        where = names.get_indexer(dynamic.columns.intersection(names))
        if where.size:
            out[:, where] = dynamic[names[where]].reindex(snapshots).to_numpy(dtype=float)
    return out


def write_bounds(var, names: pd.Index, lower: np.ndarray, upper: np.ndarray) -> None:
    """Set the bounds of ``names`` in the linopy variable ``var`` (snapshot x name arrays)."""
    cols = var.indexes["name"].get_indexer(names)
    lo, up = var.lower.to_numpy().copy(), var.upper.to_numpy().copy()
    if var.lower.dims.index("name") == 0:
        lo[cols, :], up[cols, :] = lower.T, upper.T
    else:
        lo[:, cols], up[:, cols] = lower, upper
    var.update(lower=var.lower.copy(data=lo), upper=var.upper.copy(data=up))


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
    assets is not plain (see :func:`lean_assets`). Nothing to do on a model built inside
    :func:`bounds_instead_of_rows`, which never wrote the rows.
    """
    m = n.model
    for component in LEAN_COMPONENTS:
        rows = [f"{component}-fix-{DISPATCH[component]}-lower",
                f"{component}-fix-{DISPATCH[component]}-upper"]
        if all(r in m.constraints for r in rows) and _set_bounds(n, component, n.snapshots):
            m.remove_constraints(rows)


def _set_bounds(n: pypsa.Network, component: str, snapshots) -> bool:
    """Write the dispatch limits of ``component``'s fixed assets as bounds of its variable.

    Returns False, and writes nothing, when one of those assets is not plain (it needs PyPSA's
    rows).
    """
    c = as_components(n, component)
    everything = c.fixed.difference(c.committables).intersection(c.active_assets)
    lean = lean_assets(n, component, snapshots)
    if lean.empty or not everything.difference(lean).empty:
        return False
    var = n.model.variables[f"{component}-{DISPATCH[component]}"]
    write_bounds(var, lean, *dispatch_limits(n, component, lean, snapshots))
    return True


_BOUNDS: ContextVar[bool] = ContextVar("energy_model_bounds_instead_of_rows", default=False)
"""True while :func:`bounds_instead_of_rows` is active in this thread or task."""

_PYPSA_LIMIT_ROWS = getattr(_pypsa_optimize, "define_operational_constraints_for_non_extendables",
                            None)
"""PyPSA's own function that writes the limit rows (called for everything not made bounds)."""


def _limits_as_bounds(n, sns, component, attr, *args, **kwargs) -> None:
    """Stand-in for PyPSA's ``define_operational_constraints_for_non_extendables``.

    Inside :func:`bounds_instead_of_rows`, the dispatch limits of plain fixed assets become
    variable bounds at once; everything else (and everything outside that block, in any
    thread) goes to PyPSA's function unchanged.
    """
    name = getattr(component, "name", component)
    if (_BOUNDS.get() and name in LEAN_COMPONENTS and attr == DISPATCH[name]
            and _set_bounds(n, name, sns)):
        return
    _PYPSA_LIMIT_ROWS(n, sns, component, attr, *args, **kwargs)


@contextlib.contextmanager
def bounds_instead_of_rows():
    """Within this block PyPSA's ``create_model`` writes the limits as bounds, not rows.

    The same model as ``create_model`` followed by :func:`limits_to_bounds`, without building
    the rows first (on the daily year a quarter of the model's build time). PyPSA calls the row
    writer through its module's namespace, so the stand-in is installed there once; it defers
    to PyPSA's function outside this block. Should a PyPSA release rename that function, the
    rows come back and :func:`limits_to_bounds` (always called after ``create_model`` with
    ``lean``) removes them as before: slower, never different.
    """
    if (_PYPSA_LIMIT_ROWS is not None and getattr(
            _pypsa_optimize, "define_operational_constraints_for_non_extendables", None)
            is _PYPSA_LIMIT_ROWS):
        _pypsa_optimize.define_operational_constraints_for_non_extendables = _limits_as_bounds
    token = _BOUNDS.set(True)
    try:
        yield
    finally:
        _BOUNDS.reset(token)
