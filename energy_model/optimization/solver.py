"""Solve a network with HiGHS through linopy and check the result.

The HiGHS algorithm was chosen by measurement (``examples/benchmark.py``, figures in the README):
on the daily gas year the dual simplex (``solver="simplex"``) beat the interior-point codes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading

import numpy as np
import pandas as pd
import pypsa

from energy_model.errors import EnergyModelError, UsageError
from energy_model.network.topology import link_ports
from energy_model.optimization.lean import (
    bounds_instead_of_rows,
    highs_on_this_thread,
    limits_to_bounds,
)

logger = logging.getLogger(__name__)


DEFAULT_SOLVER_OPTIONS: dict[str, object] = {
    "solver": "simplex",
    "primal_feasibility_tolerance": 1e-7,
    "dual_feasibility_tolerance": 1e-7,
    "random_seed": 123,
    "threads": 1,
}
"""HiGHS options used unless the caller overrides them."""


SOLVER_OPTIONS: dict[str, tuple[type, object]] = {
    # name: (type, allowed values: (low, high) inclusive range, or a set of strings)
    "solver": (str, {"choose", "simplex", "ipm", "ipx", "hipo", "pdlp"}),
    "simplex_strategy": (int, (0, 4)),
    "presolve": (str, {"off", "choose", "on"}),
    "parallel": (str, {"off", "choose", "on"}),
    "run_crossover": (str, {"off", "choose", "on"}),
    "time_limit": (float, (0.0, float("inf"))),
    "threads": (int, (0, 1024)),
    "random_seed": (int, (0, 2147483647)),
    "primal_feasibility_tolerance": (float, (1e-10, 1e-3)),
    "dual_feasibility_tolerance": (float, (1e-10, 1e-3)),
    "ipm_optimality_tolerance": (float, (1e-12, 1e-3)),
    "mip_feasibility_tolerance": (float, (1e-10, 1e-3)),
    "mip_rel_gap": (float, (0.0, 1.0)),
    "mip_abs_gap": (float, (0.0, float("inf"))),
    "simplex_iteration_limit": (int, (1, 2147483647)),
    "ipm_iteration_limit": (int, (1, 2147483647)),
    "mip_max_nodes": (int, (1, 2147483647)),
    "output_flag": (bool, {True, False}),
    "log_to_console": (bool, {True, False}),
}
"""HiGHS options a caller (a study file's ``solver:`` mapping) may set, with type and range.

An allow-list: options that write files (``solution_file``, ``log_file``,
``write_solution_to_file``, ``write_model_file`` ...) or read them (``read_solution_file``) are
not on it, so a study file cannot make HiGHS write or read any path. Ranges are HiGHS's own
(HiGHS options reference) narrowed to values that give a trustworthy optimum (a feasibility
tolerance above 1e-3 would accept visibly unbalanced flows).

References
----------
HiGHS options: https://ergo-code.github.io/HiGHS/stable/options/definitions/
"""

FILE_OPTIONS: frozenset[str] = frozenset({
    "solution_file", "log_file", "write_solution_to_file", "write_solution_style",
    "write_model_file", "write_model_to_file", "write_presolved_model_file",
    "write_presolved_model_to_file", "read_solution_file", "read_basis_file", "write_basis_file",
    "write_iis_model_file", "ranging", "glpsol_cost_row_location", "mip_improving_solution_file",
    "mip_improving_solution_save"})
"""HiGHS options that read or write files: refused with their own message."""


_KIND_NAMES = {bool: "true or false", str: "a text", int: "a whole number", float: "a number"}


def check_solver_options(options: object) -> list[str]:
    """Return the problems of caller-given HiGHS options (empty when every one is allowed).

    Each problem names its key: an option not in :data:`SOLVER_OPTIONS` (file-writing ones
    named as such), a value of the wrong type (``true`` for a number, ``1.5`` threads) or
    outside its range.
    """
    from energy_model.data.names import unknown_name

    if not isinstance(options, dict):
        return ["give a mapping of HiGHS option names to values"]
    out: list[str] = []
    for key, value in options.items():
        if key in FILE_OPTIONS:
            out.append(f"{key!r} is not allowed: HiGHS would read or write a file with it")
            continue
        if key not in SOLVER_OPTIONS:
            out.append(unknown_name("HiGHS option", key, SOLVER_OPTIONS))
            continue
        kind, allowed = SOLVER_OPTIONS[key]
        ok_type = (isinstance(value, bool) if kind is bool
                   else isinstance(value, str) if kind is str
                   else isinstance(value, int) and not isinstance(value, bool) if kind is int
                   else isinstance(value, int | float) and not isinstance(value, bool))
        if not ok_type:
            out.append(f"{key}: {value!r} is not {_KIND_NAMES[kind]}")
        elif isinstance(allowed, set) and value not in allowed:
            out.append(f"{key}: {value!r} is not one of {sorted(allowed, key=str)}")
        elif isinstance(allowed, tuple) and not allowed[0] <= value <= allowed[1]:
            out.append(f"{key}: {value!r} is outside {allowed[0]:g}..{allowed[1]:g}")
    return out


BALANCE_TOLERANCE_MW: float = 1e-3
"""Largest tolerated energy-balance error of a bus in a snapshot [MW]."""


class SolveError(EnergyModelError, RuntimeError):
    """The optimisation failed or is infeasible; nothing was written."""


def solve(n: pypsa.Network, solver_options: dict | None = None,
          check: bool = True, extra_functionality=None) -> pypsa.Network:
    """Optimise ``n`` in place (least-cost dispatch) and check its energy balance.

    Parameters
    ----------
    n : pypsa.Network
        A network from :func:`energy_model.build_network`.
    solver_options : dict, optional
        HiGHS options overriding :data:`DEFAULT_SOLVER_OPTIONS`; only those of
        :data:`SOLVER_OPTIONS`, within their ranges.
    check : bool
        Verify the energy balance of every bus and snapshot after solving.
    extra_functionality : callable, optional
        ``f(n, snapshots)`` adding constraints to ``n.model`` (PyPSA's hook), called after the
        case's own constraints from ``n.meta``.

    Returns
    -------
    pypsa.Network
        The same network, solved.

    Raises
    ------
    UsageError
        For a solver option that is not allowed (:func:`check_solver_options`).
    SolveError
        When HiGHS reports anything but an optimal solution, or the balance check fails.
    """
    problems = check_solver_options(solver_options or {})
    if problems:
        raise UsageError("solver options: " + "; ".join(problems))
    opts = {**DEFAULT_SOLVER_OPTIONS, **(solver_options or {})}
    if (n.meta or {}).get("uncooperative") and opts.get("solver") in ("simplex", "ipm", "pdlp"):
        opts["solver"] = "choose"  # a mixed-integer case: simplex would drop the binaries
    opts.setdefault("output_flag", False)
    opts.setdefault("log_to_console", False)
    with _stdout_to_stderr():  # HiGHS prints its banner on fd 1 even with output_flag off
        status, condition = optimize(n, opts, _with_case_constraints(extra_functionality))
    if status == "ok" and str(condition) in ("time_limit", "iteration_limit",
                                             "terminated_by_limit"):
        raise SolveError(f"optimisation of {n.name!r} stopped at the solver's {condition} "
                         "before an optimal solution; raise the limit in the solver settings")
    if status != "ok":
        hint = ""
        if "infeasible" in str(condition):
            with _stdout_to_stderr():  # again with PyPSA's limit rows, so the IIS can name them
                optimize(n, opts, _with_case_constraints(extra_functionality), lean=False)
            hint = " " + explain_infeasibility(n)
        elif "unbounded" in str(condition):
            hint = (" Unbounded: a component with a negative cost and no capacity limit "
                    "(check marginal_cost < 0 with p_nom_extendable and no p_nom_max).")
        raise SolveError(f"optimisation of {n.name!r} failed: status={status}, "
                         f"condition={condition}.{hint}")
    if check:
        check_energy_balance(n)
    logger.info("solved %s: total cost %.4g EUR", n.name, n.objective)
    return n


def optimize(n: pypsa.Network, solver_options: dict,
             extra_functionality=None, lean: bool = True) -> tuple[str, str]:
    """Build the linopy model of ``n``, solve it with HiGHS and assign the results.

    PyPSA's ``n.optimize`` without the parts our networks do not need (measured in
    ``examples/benchmark.py``): dispatch limits as variable bounds
    (:func:`energy_model.optimization.lean.limits_to_bounds`, the same LP with a third of the rows),
    no consistency check (the builder guarantees known buses and
    carriers, and :func:`energy_model.network.topology.check_no_energy_creation` the links), and
    no network topology or voltage angles after the solve (gas and the electricity layer are
    Links only: PyPSA's ``determine_network_topology`` on every one-bus sub-network costs more
    than the rest of the post-processing). Assigned as by PyPSA: dispatch and capacities
    (``*_t.p``, ``p_nom_opt``), the objective, bus marginal prices per MWh (the balance duals
    divided by the snapshot weights) and ``loads_t.p``.

    ``lean=False`` keeps PyPSA's limit rows (an infeasibility diagnosis names rows, not bounds).
    An LP runs on the calling thread without linopy's per-iteration interrupt callback
    (:func:`energy_model.optimization.lean.highs_on_this_thread`; the hourly year and
    mixed-integer cases keep it).

    Returns
    -------
    tuple of str
        linopy's ``(status, condition)``.
    """
    m = build_model(n, extra_functionality, lean)
    with highs_on_this_thread(enable=not (m.binaries or m.integers)):  # a MILP keeps linopy's run
        status, condition = m.solve(solver_name="highs", io_api="direct", **solver_options)
    if status == "ok":
        assign_results(n)
    return status, condition


def build_model(n: pypsa.Network, extra_functionality=None, lean: bool = True):
    """Build the linopy model of ``n`` (``n.model``) as :func:`optimize` solves it; return it.

    PyPSA's ``create_model`` without the consistency check or the objective constant, the
    dispatch limits written as variable bounds instead of rows (``lean``,
    :func:`energy_model.optimization.lean.bounds_instead_of_rows`), then
    ``extra_functionality``.
    """
    if lean:
        with bounds_instead_of_rows():
            m = n.optimize.create_model(consistency_check=False,
                                        include_objective_constant=False)
        limits_to_bounds(n)  # nothing left to move unless PyPSA changed its row writer
    else:
        m = n.optimize.create_model(consistency_check=False, include_objective_constant=False)
    if extra_functionality is not None:
        extra_functionality(n, n.snapshots)
    return m


def assign_results(n: pypsa.Network) -> None:
    """Write the solution of ``n.model`` to the network (see :func:`optimize`).

    The time series of an earlier solve are dropped first: PyPSA merges new results into
    existing ones cell by cell (``combine_first``), which on a re-solved year cost more than the
    solve itself; a solve writes every snapshot, so nothing is lost.
    """
    _drop_outputs(n)
    n.optimize.assign_solution()
    n.optimize.assign_duals(False)
    w = n.snapshot_weightings.objective
    n.buses_t.marginal_price = n.buses_t.marginal_price.div(w, axis=0)
    n.loads_t.p = n.get_switchable_as_dense("Load", "p_set")


def _drop_outputs(n: pypsa.Network) -> None:
    """Empty the output time series (``p``, ``p0``, ``e``, prices, shadow prices) of ``n``."""
    for c in n.components:
        attrs = c.defaults
        outputs = attrs.index[attrs.varying & attrs.status.str.startswith("Output")]
        for attr in outputs.intersection(list(c.dynamic)):
            if not c.dynamic[attr].empty:
                c.dynamic[attr] = pd.DataFrame(index=n.snapshots)


def _with_case_constraints(extra_functionality=None):
    """Return an ``extra_functionality`` that adds the case's own constraints first.

    A case keeps the constraints it needs in ``n.meta`` (storage withdrawal curves, equalised
    cooperative or uncooperative curtailment; :mod:`energy_model.scenarios.constraints`), so
    every solve of it, here or in a re-solving experiment, applies them.
    """
    from energy_model.scenarios.constraints import add_case_constraints

    def func(n: pypsa.Network, snapshots) -> None:
        add_case_constraints(n, snapshots)
        if extra_functionality is not None:
            extra_functionality(n, snapshots)

    return func


_REDIRECT_LOCK = threading.Lock()
_REDIRECT: dict[str, int | None] = {"depth": 0, "saved": None, "sink": None}
"""State of :func:`_stdout_to_stderr`, shared by the threads of the process (descriptor 1 is)."""


@contextlib.contextmanager
def _stdout_to_stderr():
    """Send what C code writes to file descriptor 1 to descriptor 2 while the block runs.

    When this module's logger does not show INFO (``energy-model -q``, or a library caller who
    has not set up logging) the output (HiGHS's banner) is discarded instead. Blocks may nest
    and overlap across threads: the first to enter redirects, the last to leave restores.
    """
    with _REDIRECT_LOCK:
        if _REDIRECT["depth"] == 0:
            try:
                sys.stdout.flush()
                saved = os.dup(1)
            except (OSError, ValueError):  # no real stdout (embedded interpreter)
                saved = None
            sink = None
            if saved is not None:
                if not logger.isEnabledFor(logging.INFO):
                    sink = os.open(os.devnull, os.O_WRONLY)
                os.dup2(2 if sink is None else sink, 1)
            _REDIRECT.update(saved=saved, sink=sink)
        _REDIRECT["depth"] += 1
    try:
        yield
    finally:
        with _REDIRECT_LOCK:
            _REDIRECT["depth"] -= 1
            saved, sink = _REDIRECT["saved"], _REDIRECT["sink"]
            if _REDIRECT["depth"] == 0 and saved is not None:
                with contextlib.suppress(OSError, ValueError):
                    sys.stdout.flush()
                os.dup2(saved, 1)
                os.close(saved)
                if sink is not None:
                    os.close(sink)
                _REDIRECT.update(saved=None, sink=None)


def explain_infeasibility(n: pypsa.Network, limit: int = 8) -> str:
    """Return the components in HiGHS's irreducible infeasible set, and the contracts behind them.

    Uses linopy's ``Model.compute_infeasibilities`` (HiGHS IIS). The gas balance always has
    unserved gas as a last resort, so the set names hard bounds: annual limits
    (``e_sum_min``/``e_sum_max``) of contract meters or supplies, pipeline capacities, stores.
    """
    try:
        labels = n.model.compute_infeasibilities()
    except Exception as err:  # the IIS is a diagnosis: never hide the original failure
        return (f"HiGHS gave no infeasible set ({type(err).__name__}: {err}); look at hard "
                "bounds: contract minima (contracts.csv), supply caps, cyclic stores.")
    groups: dict[str, set[str]] = {}
    for label in labels:
        cname, coord = n.model.constraints.get_label_position(int(label))
        groups.setdefault(cname, set()).add(str(coord.get("name", "")))
    if not groups:
        return "HiGHS found no infeasible set; check hard bounds and cyclic stores."
    parts = []
    for cname, names in sorted(groups.items()):
        component, _, attr = cname.partition("-")
        shown = sorted(names)[:limit] + (["..."] if len(names) > limit else [])
        parts.append(f"{attr} of {component} {', '.join(shown)}")
    involved = set().union(*groups.values())
    meters = n.meta.get("contracts", {}) if isinstance(n.meta, dict) else {}
    contracts = sorted({str(r.get("name", meter)) for meter, recs in meters.items()
                        if meter in involved for r in recs})
    text = (f"HiGHS's infeasible set has {len(labels)} constraint(s): " + "; ".join(parts)
            + ".")
    if contracts:
        text += (f" Likely cause: contract(s) {', '.join(contracts)} (contracts.csv): their "
                 "annual minimum cannot flow through their delivery points or be supplied by "
                 "the seller.")
    forced = _forced_at(n, {b for c, names in groups.items() if c == "Bus-nodal_balance"
                            for b in names})
    if forced:
        text += f" Components forced to run at those buses: {', '.join(forced[:limit])}."
    return text


def _forced_at(n: pypsa.Network, buses: set[str]) -> list[str]:
    """Return the generators and links at ``buses`` with a positive minimum output."""
    out = []
    g = n.generators
    for name in g.index[g.bus.isin(buses) & (g.p_min_pu > 0)]:
        out.append(f"Generator {name} (p_min_pu={g.at[name, 'p_min_pu']:g})")
    lk = n.links
    for name in lk.index[(lk.bus0.isin(buses) | lk.bus1.isin(buses)) & (lk.p_min_pu > 0)]:
        out.append(f"Link {name} (p_min_pu={lk.at[name, 'p_min_pu']:g})")
    return out


def bus_imbalance(n: pypsa.Network) -> pd.DataFrame:
    """Return the net injection of every bus and snapshot from the solved dispatch [MW].

    Computed component by component (generators, loads, stores, every Link port), independent of
    PyPSA's own bookkeeping; a correct solution is zero everywhere.
    """
    bal = np.zeros((len(n.buses), len(n.snapshots)))  # bus x snapshot, summed with numpy

    def add(values: pd.DataFrame, buses: pd.Series, sign: float = 1.0) -> None:
        if values.empty:
            return
        rows = n.buses.index.get_indexer(buses.reindex(values.columns).to_numpy())
        if (rows < 0).any():
            raise KeyError(f"unknown buses {sorted(set(buses.reindex(values.columns)[rows < 0]))}")
        np.add.at(bal, rows, sign * np.nan_to_num(values.to_numpy(dtype=float).T))

    add(n.generators_t.p, n.generators.bus)
    add(n.loads_t.p, n.loads.bus, -1.0)
    add(n.stores_t.p, n.stores.bus)
    for port in link_ports(n):
        buses = n.links[f"bus{port}"]
        used = buses[buses != ""].index
        add(n.links_t[f"p{port}"][used], buses[used], -1.0)
    return pd.DataFrame(bal.T, index=n.snapshots, columns=n.buses.index)


def check_energy_balance(n: pypsa.Network, tol: float = BALANCE_TOLERANCE_MW) -> None:
    """Raise :class:`SolveError` when a bus is out of balance by more than ``tol`` [MW]."""
    bal = bus_imbalance(n)
    worst = bal.abs().max()
    bad = worst[worst > tol]
    if not bad.empty:
        raise SolveError(f"energy balance violated at {len(bad)} bus(es), worst "
                         f"{bad.idxmax()!r} by {bad.max():.3g} MW")
