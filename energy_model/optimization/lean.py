"""A leaner linopy model of the same LP: dispatch limits as variable bounds, not rows; and HiGHS
run without linopy's per-iteration interrupt callback.

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

In the same block, three of PyPSA's model steps are skipped where the network's data shows they
would write nothing (Kirchhoff's voltage law without Lines or Transformers, ramp limits and
fixed set points where none is given): the LP is PyPSA's, array for array (tested).
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

import linopy.solvers as _linopy_solvers
import numpy as np
import pandas as pd
import pypsa
import pypsa.optimization.optimize as _pypsa_optimize
from pypsa.components.common import as_components

from energy_model.network.topology import per_snapshot
from energy_model.optimization.balance import can_write_nodal_balance, write_nodal_balance

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
    lo_pu = per_snapshot(n, component, f"{attr}_min_pu", names, snapshots)
    up_pu = per_snapshot(n, component, f"{attr}_max_pu", names, snapshots)
    inf = np.isinf(nom)
    with np.errstate(invalid="ignore"):
        lower = np.where(inf & (lo_pu == 0), 0.0, lo_pu * nom)
        upper = np.where(inf & (up_pu == 0), 0.0, up_pu * nom)
    return lower, upper


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


def _all_null(c, attrs) -> bool:
    """Return whether none of ``attrs`` of component ``c`` has a value (static or series)."""
    for attr in attrs:
        if attr in c.static.columns and c.static[attr].notna().to_numpy().any():
            return False
        series = c.dynamic.get(attr)
        if series is not None and not series.empty and series.notna().to_numpy().any():
            return False
    return True


def _no_passive_branches(n, *args, **kwargs) -> bool:
    """True when ``define_kirchhoff_voltage_constraints`` has nothing to write: no Line and no
    Transformer (gas and the electricity layer are Links; PyPSA's cycles are of passive
    branches only)."""
    return all(n.components[c].static.empty for c in n.passive_branch_components)


def _no_ramp_limits(n, sns, component, *args, **kwargs) -> bool:
    """True when ``define_ramp_limit_constraints`` has nothing to write: no ramp limit of any
    asset of ``component`` (PyPSA returns when all four are null on the active assets)."""
    c = n.components[getattr(component, "name", component)]
    return _all_null(c, ("ramp_limit_up", "ramp_limit_down", "ramp_limit_start_up",
                         "ramp_limit_shut_down"))


def _no_set_points(n, sns, component, attr, *args, **kwargs) -> bool:
    """True when ``define_fixed_operation_constraints`` has nothing to write: no ``<attr>_set``
    of any asset of ``component`` (PyPSA returns when all are null on the active assets)."""
    c = n.components[getattr(component, "name", component)]
    return _all_null(c, (f"{attr}_set",))


_NOTHING_TO_WRITE = {
    "define_kirchhoff_voltage_constraints": _no_passive_branches,
    "define_ramp_limit_constraints": _no_ramp_limits,
    "define_fixed_operation_constraints": _no_set_points,
}
"""PyPSA model steps skipped inside :func:`bounds_instead_of_rows` when a test on the network's
data shows they would write nothing; the steps still inspect every component (about 60 ms on the
daily year) before finding that out. Of the voltage law, ``n.calculate_dependent_values()``
still runs (it fills empty carriers and registers the extra Link ports' attributes); its cycle
search, which also labels ``n.buses.sub_network`` as a side effect, does not (the library
computes no network topology, :func:`energy_model.optimization.solver.optimize`)."""

_PYPSA_STEPS = {name: getattr(_pypsa_optimize, name, None) for name in _NOTHING_TO_WRITE}
"""PyPSA's own functions of :data:`_NOTHING_TO_WRITE`, as PyPSA's ``create_model`` calls them."""


def _skip_when_empty(name: str):
    """Return a stand-in for PyPSA's step ``name``: nothing inside :func:`bounds_instead_of_rows`
    when :data:`_NOTHING_TO_WRITE` says the step has nothing to write, else PyPSA's step."""
    step, nothing = _PYPSA_STEPS[name], _NOTHING_TO_WRITE[name]

    def stand_in(n, *args, **kwargs):
        if _BOUNDS.get() and nothing(n, *args, **kwargs):
            if name == "define_kirchhoff_voltage_constraints":
                # PyPSA's step starts with this; it also registers the attributes of extra
                # Link ports (p2, ...) that the solution is assigned to, so it stays
                n.calculate_dependent_values()
            return None
        return step(n, *args, **kwargs)

    stand_in.__name__ = stand_in.__qualname__ = name
    stand_in.__doc__ = f"energy_model's stand-in for PyPSA's {name} (see lean._skip_when_empty)."
    return stand_in


_PYPSA_BALANCE = getattr(_pypsa_optimize, "define_nodal_balance_constraints", None)
"""PyPSA's own writer of the nodal balance rows."""


def _nodal_balance(n, sns, *args, **kwargs) -> None:
    """Stand-in for PyPSA's ``define_nodal_balance_constraints``: inside
    :func:`bounds_instead_of_rows`, the same rows from arrays
    (:func:`energy_model.optimization.balance.write_nodal_balance`) where the network allows;
    else, and outside the block, PyPSA's function."""
    if (_BOUNDS.get() and not args and set(kwargs) <= {"transmission_losses", "buses", "suffix",
                                                         "piecewise_options"}
            and can_write_nodal_balance(n, kwargs.get("transmission_losses", False))):
        write_nodal_balance(n, sns, kwargs.get("buses"), kwargs.get("suffix", ""))
        return
    _PYPSA_BALANCE(n, sns, *args, **kwargs)


def _install_stand_ins() -> None:
    """Put the stand-ins in PyPSA's ``optimize`` namespace (where ``create_model`` looks them
    up), each only where that name still holds PyPSA's own function."""
    if (_PYPSA_LIMIT_ROWS is not None and getattr(
            _pypsa_optimize, "define_operational_constraints_for_non_extendables", None)
            is _PYPSA_LIMIT_ROWS):
        _pypsa_optimize.define_operational_constraints_for_non_extendables = _limits_as_bounds
    if (_PYPSA_BALANCE is not None and getattr(
            _pypsa_optimize, "define_nodal_balance_constraints", None) is _PYPSA_BALANCE):
        _pypsa_optimize.define_nodal_balance_constraints = _nodal_balance
    for name, step in _PYPSA_STEPS.items():
        if step is not None and getattr(_pypsa_optimize, name, None) is step:
            setattr(_pypsa_optimize, name, _skip_when_empty(name))


@contextlib.contextmanager
def bounds_instead_of_rows():
    """Within this block PyPSA's ``create_model`` writes the limits as bounds, not rows, and
    skips the steps that have nothing to write.

    The same model as ``create_model`` followed by :func:`limits_to_bounds`, without building
    the rows first (on the daily year a quarter of the model's build time), and without the
    steps of :data:`_NOTHING_TO_WRITE` where the network shows they would add nothing (no Line
    or Transformer, no ramp limit, no fixed set point). PyPSA calls its steps through its
    module's namespace, so the stand-ins are installed there once; they defer to PyPSA's
    functions outside this block. Should a PyPSA release rename a function, its stand-in is
    not installed: the rows come back and :func:`limits_to_bounds` (always called after
    ``create_model`` with ``lean``) removes them as before, the steps run as PyPSA's: slower,
    never different.
    """
    _install_stand_ins()
    token = _BOUNDS.set(True)
    try:
        yield
    finally:
        _BOUNDS.reset(token)


# --- HiGHS's run ----------------------------------------------------------------------------

_LINOPY_RUN = getattr(_linopy_solvers, "_run_highs_with_keyboard_interrupt", None)
"""linopy's runner of HiGHS: ``h.run()`` on a worker thread with a Python interrupt callback."""

INTERRUPTIBLE_COLUMNS: int = 500_000
"""LPs with at least this many columns keep linopy's interruptible run (the hourly year, whose
solve takes minutes); smaller ones (the daily year: 73,000 columns, seconds) run on the calling
thread."""

_DIRECT: ContextVar[bool] = ContextVar("energy_model_highs_on_this_thread", default=False)
"""True while :func:`highs_on_this_thread` is active in this thread or task."""


def _run_highs(h) -> None:
    """Stand-in for linopy's ``_run_highs_with_keyboard_interrupt`` (see
    :func:`highs_on_this_thread`)."""
    if _DIRECT.get() and h.getNumCol() < INTERRUPTIBLE_COLUMNS:
        h.run()  # highspy releases the GIL while HiGHS runs
        return
    _LINOPY_RUN(h)


@contextlib.contextmanager
def highs_on_this_thread(enable: bool = True):
    """Within this block linopy runs HiGHS on the calling thread, without its interrupt callback.

    linopy runs ``h.run()`` on a worker thread and has highspy call a Python function at every
    simplex iteration, so that Ctrl-C can stop a long solve; on the daily year that callback
    costs 5-6 % of HiGHS's time (26,000 iterations; measured in ``examples/benchmark.py``'s
    terms, 1.85 s against 1.75 s). Here the LP runs as HiGHS runs it alone. Ctrl-C then takes
    effect when the solve ends, seconds later, except on LPs of
    :data:`INTERRUPTIBLE_COLUMNS` columns or more, which keep linopy's run. Callers enter the
    block for LPs only: a mixed-integer case (uncooperative curtailment) keeps linopy's run, as
    its search can take long (``enable=False``: the block changes nothing). Outside the block
    (and should linopy rename its runner) linopy's own run is used.
    """
    if (_LINOPY_RUN is not None and getattr(
            _linopy_solvers, "_run_highs_with_keyboard_interrupt", None) is _LINOPY_RUN):
        _linopy_solvers._run_highs_with_keyboard_interrupt = _run_highs
    token = _DIRECT.set(bool(enable))
    try:
        yield
    finally:
        _DIRECT.reset(token)
