"""A leaner linopy model of the same LP: dispatch limits as variable bounds, not rows.

PyPSA 1.4 writes the dispatch limits of every non-extendable Generator, Link and Store
(``p_min_pu × p_nom <= p <= p_max_pu × p_nom``, ``e_min_pu × e_nom <= e <= e_max_pu × e_nom``)
as two constraint rows per asset and snapshot (``<Component>-fix-<attr>-lower/upper``): on the
daily 2024 case 121,000 of the model's 157,000 rows. HiGHS's presolve turns such singleton rows
back into bounds, but linopy still builds, converts and hands them over. :func:`lean_bounds`
makes PyPSA's model builder put the same limits on the variables instead: the feasible set and
the optimum are the same (tested against PyPSA's own model), the model is about a third of the
rows. The rows' duals are not assigned to the network by PyPSA anyway (``mu_lower``/``mu_upper``
have no place on these components).

Only plain assets get bounds; anything else (committable, maintainable, passive branches with
losses, assets not active in every snapshot) keeps PyPSA's rows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import pypsa
import pypsa.optimization.optimize as _optimize
from pypsa.components.common import as_components

_ORIGINAL = _optimize.define_operational_constraints_for_non_extendables

LEAN_COMPONENTS: tuple[str, ...] = ("Generator", "Link", "Store")
"""Components whose fixed-capacity dispatch limits become variable bounds."""


def dispatch_limits(n: pypsa.Network, component: str, attr: str, names, snapshots):
    """Return ``(lower, upper)`` dispatch limits of ``names`` as DataArrays [MW or MWh].

    The same arithmetic as PyPSA's ``define_operational_constraints_for_non_extendables``:
    per-unit bounds times the nominal capacity, 0 where an infinite capacity meets a zero
    per-unit bound.
    """
    c = as_components(n, component)
    nominal = c.da[c._operational_attrs["nom"]].sel(name=names)
    min_pu, max_pu = c.get_bounds_pu(attr=attr)
    min_pu, max_pu = min_pu.sel(name=names), max_pu.sel(name=names)
    if "snapshot" in min_pu.dims:
        min_pu, max_pu = min_pu.sel(snapshot=snapshots), max_pu.sel(snapshot=snapshots)
    is_inf = np.isinf(nominal)
    lower = (min_pu * nominal).where(~(is_inf & (min_pu == 0)), 0)
    upper = (max_pu * nominal).where(~(is_inf & (max_pu == 0)), 0)
    return lower, upper


def lean_assets(n: pypsa.Network, component: str, snapshots):
    """Return the assets of ``component`` whose limits :func:`lean_bounds` puts on variables."""
    c = as_components(n, component)
    fix = c.fixed.difference(c.committables).intersection(c.active_assets)
    fix = fix.difference(c.maintainables)
    if fix.empty:
        return fix
    active = c.da.active.sel(name=fix, snapshot=snapshots)
    return fix[active.all("snapshot").to_numpy()]


def _bounds_instead_of_rows(n, sns, component, attr, transmission_losses) -> None:
    """Replacement of PyPSA's builder of fixed-capacity dispatch rows (see module doc)."""
    if component not in LEAN_COMPONENTS or getattr(n, "_multi_invest", 0):
        return _ORIGINAL(n, sns, component, attr, transmission_losses)
    c = as_components(n, component)
    everything = c.fixed.difference(c.committables).intersection(c.active_assets)
    lean = lean_assets(n, component, sns)
    rest = everything.difference(lean)
    if not rest.empty:  # PyPSA's rows for the few that need them
        return _ORIGINAL(n, sns, component, attr, transmission_losses)
    if lean.empty:
        return None
    var = n.model.variables[f"{c.name}-{attr}"]
    lower, upper = dispatch_limits(n, component, attr, lean, sns)
    lo = var.lower.copy()
    up = var.upper.copy()
    lo.loc[{"name": lean}] = lower.transpose(*lo.sel(name=lean).dims).to_numpy()
    up.loc[{"name": lean}] = upper.transpose(*up.sel(name=lean).dims).to_numpy()
    var.update(lower=lo, upper=up)
    return None


@contextlib.contextmanager
def lean_bounds() -> Iterator[None]:
    """While the block runs, PyPSA's model builder writes dispatch limits as bounds."""
    _optimize.define_operational_constraints_for_non_extendables = _bounds_instead_of_rows
    try:
        yield
    finally:
        _optimize.define_operational_constraints_for_non_extendables = _ORIGINAL
