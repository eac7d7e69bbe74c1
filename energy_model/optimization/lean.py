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
import pypsa
import pypsa.optimization.optimize as _pypsa_optimize
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
    attr = DISPATCH[component]
    var = n.model.variables[f"{component}-{attr}"]
    lower, upper = dispatch_limits(n, component, attr, lean, snapshots)
    lo, up = var.lower.copy(), var.upper.copy()
    lo.loc[{"name": lean}] = lower.transpose(*lo.sel(name=lean).dims).to_numpy()
    up.loc[{"name": lean}] = upper.transpose(*up.sel(name=lean).dims).to_numpy()
    var.update(lower=lo, upper=up)
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
