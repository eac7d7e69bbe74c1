"""Build once, solve many: re-solve a case in place after changing its network.

:class:`Resolver` builds the linopy model of a case and a HiGHS solver that tracks updates
(linopy's persistent-update API: ``Solver.from_name(..., track_updates=True)``, which keeps a
:class:`linopy.persistent.ModelSnapshot` of what HiGHS holds). After the network is changed with
the usual functions (``apply_stress``, ``refresh_unserved``, editing ``n.loads_t.p_set`` …),
:meth:`Resolver.solve` finds every changed input of the network, brings the linopy model up to
date, lets linopy diff it against its snapshot (:class:`linopy.persistent.ModelDiff`) and apply
the difference to HiGHS in place, re-runs HiGHS and writes the solution back to the network as
:func:`energy_model.optimization.solver.solve` does.

How a change reaches the linopy model. The network's inputs are compared with those of the last
solve: every static column except PyPSA's outputs (custom columns included), every input time
series, the snapshots, the snapshot weightings and the keys of ``n.meta`` that add constraints
(:mod:`energy_model.optimization.model_inputs`).

* A change of a number the kept model holds directly is written into it with linopy's public
  mutation API (the fast path): dispatch limits of fixed-capacity assets (``p_nom``, ``e_nom``,
  ``*_max_pu``, ``*_min_pu``; variable bounds, :mod:`energy_model.optimization.lean`), loads
  (``p_set``; right-hand sides of the nodal balances and the cooperative curtailment bands),
  marginal costs (objective coefficients), annual caps that have a row (``e_sum_min``,
  ``e_sum_max``) and the big-M terms of the uncooperative rules.
* Any other change (snapshot weightings, efficiencies, a component added, an extendable flag,
  a custom column …) rebuilds the linopy model from the network; linopy diffs the whole model
  and applies it in place when only numbers moved (coefficients, costs, bounds, right-hand
  sides), and otherwise rebuilds the HiGHS model (a :class:`linopy.persistent.RebuildReason`:
  rows or columns added or removed). With ``rebuild=False`` such a change raises
  :class:`RebuildRequiredError` instead.

So no change is dropped: it is applied, or the model is rebuilt, or the solve is refused.

Warm or cold: HiGHS keeps the basis of the last solve through in-place updates; ``warm=True``
starts from it, ``warm=False`` clears it and solves from scratch with presolve.
``examples/benchmark.py`` measures both on the real cases.

References
----------
linopy 0.10, ``linopy.persistent`` and ``linopy.solvers.Solver.update``
(https://github.com/PyPSA/linopy).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pypsa
import xarray as xr
from linopy.persistent import RebuildReason
from linopy.solvers import Solver

from energy_model.errors import UsageError
from energy_model.optimization.lean import (
    DISPATCH,
    LEAN_COMPONENTS,
    NOMINAL,
    dispatch_limits,
    highs_on_this_thread,
    lean_assets,
    write_bounds,
)
from energy_model.optimization.model_inputs import (
    RebuildRequiredError,
    capture_inputs,
    changed_inputs,
    restore_inputs,
)
from energy_model.optimization.solver import (
    BALANCE_TOLERANCE_MW,
    DEFAULT_SOLVER_OPTIONS,
    SolveError,
    _stdout_to_stderr,
    _with_case_constraints,
    assign_results,
    build_model,
    check_energy_balance,
    check_solver_options,
)

logger = logging.getLogger(__name__)

_COSTS = {"Generator": "marginal_cost", "Link": "marginal_cost",
          "Store": "marginal_cost_storage"}
"""The cost attribute written as objective coefficients of each lean component's variable."""

_BOUND_ATTRS = {c: {NOMINAL[c], f"{DISPATCH[c]}_max_pu", f"{DISPATCH[c]}_min_pu"}
                for c in LEAN_COMPONENTS}
_SUM_ROWS = {"e_sum_min": "Generator-e_sum_min", "e_sum_max": "Generator-e_sum_max"}
_EXPANSION_LIMITS = {c: {f"{NOMINAL[c]}_min", f"{NOMINAL[c]}_max"} for c in LEAN_COMPONENTS}
"""Limits of capacity expansion: not in the LP for fixed-capacity assets."""

WARM_MIN_SNAPSHOTS: int = 30
"""Re-solve from the last basis when a case has at least this many snapshots.

Measured with ``examples/benchmark.py`` (2030, two runs): on the 365-day year a warm re-solve
beat a cold one for every change tried (supply cut, outage, winter demand, a demand step:
0.6-0.7 x the cold CPU time). On the 1-day and 14-day cases the two are within the machine's
noise, so cold (presolve on) is used there.
"""


def prefer_warm(n: pypsa.Network) -> bool:
    """Return whether re-solves of ``n`` should start from the last basis (measured rule)."""
    return len(n.snapshots) >= WARM_MIN_SNAPSHOTS


class Resolver:
    """A solved case whose HiGHS model is kept and re-solved after in-place changes.

    Parameters
    ----------
    n : pypsa.Network
        An unsolved network; solved on construction (cold), as by ``solve``.
    solver_options : dict, optional
        HiGHS options overriding :data:`~energy_model.optimization.solver.DEFAULT_SOLVER_OPTIONS`.
    check : bool
        Check the energy balance of every bus and snapshot after each solve.
    rebuild : bool
        Rebuild the HiGHS model when a change cannot be applied in place (rows or columns
        added or removed); ``False`` raises :class:`RebuildRequiredError` then.

    Attributes
    ----------
    rebuilds, in_place : int
        How many changes rebuilt the HiGHS model, and how many were applied in place.

    Examples
    --------
    >>> r = Resolver(build_network(2026))           # builds and solves once
    >>> r.n.loads_t.p_set["GR gas demand"] *= 2.0   # change the network as usual
    >>> r.solve()                                   # applies the change, re-solves in place
    """

    def __init__(self, n: pypsa.Network, solver_options: dict | None = None,
                 check: bool = True, rebuild: bool = True) -> None:
        self.n = n
        self.check = check
        self.rebuild = rebuild
        problems = check_solver_options(solver_options or {})
        if problems:
            raise UsageError("solver options: " + "; ".join(problems))
        self.options = {**DEFAULT_SOLVER_OPTIONS, "output_flag": False, "log_to_console": False,
                        **(solver_options or {})}
        if (n.meta or {}).get("uncooperative") and self.options.get("solver") in (
                "simplex", "ipm", "pdlp"):
            self.options["solver"] = "choose"  # a mixed-integer case (as in ``solve``)
        self.rebuilds = self.in_place = 0
        self._objective = float("nan")
        self._stale = False
        with _stdout_to_stderr():
            m = self._build_model()
            self.solver = Solver.from_name("highs", model=m, io_api="direct",
                                           options=self.options, track_updates=True)
        self._seen = capture_inputs(n)
        self._original = self._seen
        self._restart = False
        self._run(warm=True, assign=True, first=True)
        self._basis0 = self.solver.solver_model.getBasis()
        self.solves = 1

    # -- the linopy model ---------------------------------------------------------------------
    def _build_model(self):
        """Build ``n.model`` from the network; keep what the fast path works relative to."""
        n = self.n
        m = build_model(n, _with_case_constraints())
        m.constraints.sanitize_zeros()
        m.constraints.sanitize_infinities()
        self.model = m
        self._objective0 = m.objective.expression
        self._costs0 = _dense_costs(n)
        self._costs = self._costs0
        self._weights = n.snapshot_weightings.objective.to_numpy(copy=True)
        # only components whose limits are bounds: one that kept PyPSA's rows (an asset that is
        # not plain) must not get bounds written over rows that still hold the old limits
        self._lean = {c: (lean_assets(n, c, n.snapshots)
                          if f"{c}-fix-{DISPATCH[c]}-upper" not in m.constraints
                          else pd.Index([])) for c in LEAN_COMPONENTS}
        self._loads = n.get_switchable_as_dense("Load", "p_set")
        self._terms = _big_m_terms(n)
        return m

    def _update_model(self) -> None:
        """Bring the linopy model up to the network's inputs (fast path or rebuilt)."""
        now = capture_inputs(self.n)
        changed = {} if self._stale else changed_inputs(self._seen, now)
        if not changed and not self._stale:
            return
        if self._stale or not self._fast_update(changed):
            with _stdout_to_stderr():
                m = self._build_model()
            self._stale = True  # n.model is the new model until the solver takes it
            if not self.rebuild:
                probe = self.solver.update(m, apply=False)
                if isinstance(probe, RebuildReason):
                    raise RebuildRequiredError(f"the change needs a new HiGHS model "
                                               f"({probe.value}): {sorted(map(str, changed))}")
            with _stdout_to_stderr():
                outcome = self.solver.update(m)
            self._stale = False
            if isinstance(outcome, RebuildReason):
                self.rebuilds += 1
                logger.info("%s: HiGHS model rebuilt (%s)", self.n.name, outcome.value)
            else:
                self.in_place += 1
        else:
            self.solver.update(self.model)
            self.in_place += 1
        self._seen = now

    def _fast_update(self, changed: dict) -> bool:
        """Write the changed numbers into the linopy model; ``False`` when one has no fast path.

        Every check runs before the first write, so a ``False`` leaves the model as it was.
        """
        n, m = self.n, self.model
        bounds: dict[str, set] = {}
        capacities: set = set()  # names whose p_nom / e_nom changed
        costs = loads = False
        sums: set = set()
        for key, names in changed.items():
            if not isinstance(key, tuple) or len(key) != 3:
                return False
            comp, attr, _ = key
            if names is None:  # the component's names changed: no number-for-number update
                return False
            if comp == "Load" and attr == "p_set":
                loads = True
            elif comp in _COSTS and attr == _COSTS[comp]:
                costs = True
            elif comp in _BOUND_ATTRS and attr in _BOUND_ATTRS[comp]:
                bounds.setdefault(comp, set()).update(names)
                if attr == NOMINAL[comp]:
                    capacities.update(names)
            elif comp in _EXPANSION_LIMITS and attr in _EXPANSION_LIMITS[comp]:
                if not names <= set(self._lean[comp]):
                    return False
            elif comp == "Generator" and attr in _SUM_ROWS:
                sums.update((attr, name) for name in names)
            else:
                return False
        curve = (n.meta or {}).get("withdrawal_curve") or {}
        for comp, names in bounds.items():
            if not names <= set(self._lean[comp]):
                return False
        if capacities & (set(curve) | set(curve.values())):
            return False  # the curve's coefficients are capacities (its rows: p_nom, e_nom)
        terms = _big_m_terms(n) if self._terms is not None and bounds else self._terms
        if terms is not None and not _same_big_m_rows(self._terms, terms):
            return False
        e_sum = n.generators[list(_SUM_ROWS)]
        for attr, name in sums:
            cname = _SUM_ROWS[attr]
            has_row = cname in m.constraints and name in m.constraints[cname].indexes["name"]
            if not has_row and np.isfinite(e_sum.at[name, attr]):
                return False
        # every change has a path: write them
        for comp, names in bounds.items():  # in the component's order (PyPSA's inds rule)
            index = getattr(n, comp.lower() + "s").index
            self._write_bounds(comp, list(index[index.isin(list(names))]))
        if loads:
            self._write_loads()
        if costs:
            self._write_costs()
        for attr in _SUM_ROWS:
            names = sorted(name for a, name in sums if a == attr)
            if names and _SUM_ROWS[attr] in m.constraints:
                con = m.constraints[_SUM_ROWS[attr]]
                names = [x for x in names if x in con.indexes["name"]]
                rhs = con.rhs.copy()
                rhs.loc[{"name": names}] = e_sum.loc[names, attr].to_numpy(dtype=float)
                con.update(rhs=rhs)
        if terms is not None and not terms.equals(self._terms):
            self._write_big_m(terms)
        return True

    def _write_bounds(self, comp: str, names: list[str]) -> None:
        """Set the dispatch bounds of fixed-capacity ``names`` to the network's limits."""
        names = pd.Index(names)
        var = self.model.variables[f"{comp}-{DISPATCH[comp]}"]
        write_bounds(var, names, *dispatch_limits(self.n, comp, names))

    def _write_loads(self) -> None:
        """Move the nodal-balance right-hand sides by the change of load [MW]; size the bands."""
        n, m = self.n, self.model
        new = n.get_switchable_as_dense("Load", "p_set")
        delta = (new - self._loads).T.groupby(n.loads.bus.reindex(new.columns).to_numpy()).sum().T
        delta = delta.loc[:, (delta != 0).any()]
        if not delta.empty:
            con = m.constraints["Bus-nodal_balance"]
            step = xr.DataArray(delta.to_numpy(), coords={"snapshot": delta.index,
                                                          "name": list(delta.columns)})
            step = step.reindex(name=con.indexes["name"], fill_value=0.0)
            con.update(rhs=con.rhs + step)
        self._loads = new
        if "curtailment-band" in m.variables:  # sizes as scenarios.constraints gives them
            u = m.variables["curtailment-band"]
            regions = list(u.indexes["region"])
            w = n.snapshot_weightings.generators
            demand = np.array([float((new[f"{r} gas demand"] * w).sum()) for r in regions])
            upper = xr.DataArray(np.repeat(demand[:, None] / u.sizes["band"], u.sizes["band"],
                                           axis=1),
                                 coords={"region": regions, "band": u.indexes["band"]})
            u.update(upper=upper.transpose(*u.dims))

    def _write_costs(self) -> None:
        """Set the objective to the built one plus (new - built cost) x weight x dispatch."""
        m, w = self.model, self._weights[:, None]
        costs = _dense_costs(self.n)
        objective = self._objective0
        for comp, cost in costs.items():
            diff = (cost.to_numpy() - self._costs0[comp].to_numpy()) * w
            cols = np.flatnonzero((diff != 0).any(axis=0))
            if cols.size == 0:
                continue
            names = list(cost.columns[cols])
            delta = xr.DataArray(diff[:, cols], coords={"snapshot": cost.index, "name": names})
            var = m.variables[f"{comp}-{DISPATCH[comp]}"].sel(name=names)
            objective = objective + (delta * var).sum()
        m.add_objective(objective, overwrite=True)
        self._costs = costs

    def _write_big_m(self, terms: pd.DataFrame) -> None:
        """Write the uncooperative rows' big-M terms of the changed network into the model.

        ``curtails``: ``unserved - cap y <= 0``; ``exports``: ``exports + big y <= big``
        (:func:`energy_model.scenarios.constraints.uncooperative_terms`).
        """
        m = self.model
        y = m.variables["curtailing"].labels
        cap = xr.DataArray(terms.cap.to_numpy(), coords={"country": list(terms.index)})
        big = xr.DataArray(terms.big.to_numpy(), coords={"country": list(terms.index)})
        curtails = m.constraints["uncooperative-curtails"]
        curtails.update(coeffs=xr.where(curtails.vars == y, -cap, curtails.coeffs)
                        .transpose(*curtails.coeffs.dims))
        exports = m.constraints["uncooperative-exports"]
        exports.update(coeffs=xr.where(exports.vars == y, big, exports.coeffs)
                       .transpose(*exports.coeffs.dims),
                       rhs=(big + 0.0 * exports.rhs).transpose(*exports.rhs.dims))
        self._terms = terms

    # -- solving ----------------------------------------------------------------------------
    def reset(self, restart: bool = False) -> None:
        """Put the network's inputs back to what they were when the Resolver was built.

        Every input :meth:`solve` compares (static columns, input time series, snapshot
        weightings) that changed since is restored; components added since are removed. The
        next :meth:`solve` then solves the original case again (in place when it can).

        Parameters
        ----------
        restart : bool
            The next warm :meth:`solve` also starts from the basis of the first solve (what
            the first re-solve of a fresh Resolver of the same case starts from), not from the
            last one: a sweep that follows another on the same Resolver then takes the path
            it would take on its own Resolver.

        Raises
        ------
        RebuildRequiredError
            When a component of the original network was removed (build a fresh network).
        """
        restore_inputs(self.n, self._original)
        self._restart = restart

    def rebase(self) -> None:
        """Make the case of the last solve the one :meth:`reset` returns to.

        The network's inputs as last solved and HiGHS's basis of that solve become the
        Resolver's original case and first basis, as if the Resolver had been built on it
        (a sweep that starts from a changed case, e.g. contracts suspended, then needs no model
        of its own).

        Raises
        ------
        UsageError
            When the network changed since the last solve (solve it first).
        """
        if changed_inputs(self._seen, capture_inputs(self.n)):
            raise UsageError("rebase: the network changed since the last solve; solve first")
        self._original = self._seen
        self._basis0 = self.solver.solver_model.getBasis()

    def solve(self, warm: bool = True, assign: bool | str = True) -> float:
        """Apply the network's changes, re-solve, write the results back; return the objective.

        Parameters
        ----------
        warm : bool
            Start from the last basis; ``False`` solves from scratch with presolve.
        assign : bool or ``"generators"``
            ``True``: write the whole solution to the network (``*_t.p``, prices, objective)
            and check the energy balance of every bus and snapshot, as ``solve`` does.
            ``"generators"``: write only ``generators_t.p`` (what unserved gas and supply tables
            need; PyPSA's full assignment costs more than a small LP's solve), and check
            HiGHS's largest primal residual (the balance rows are rows of this LP) against the
            same tolerance. ``False``: only the objective. Without ``True``,
            ``n.objective`` keeps the last full assignment's value: read
            :attr:`objective`.

        Raises
        ------
        SolveError
            When HiGHS does not report an optimal solution.
        RebuildRequiredError
            When the change needs a new HiGHS model and ``rebuild=False``.
        """
        self._update_model()
        return self._run(warm, assign)

    def _run(self, warm: bool, assign: bool | str, first: bool = False) -> float:
        """Run HiGHS on the kept model and write the results back (see :meth:`solve`)."""
        h = self.solver.solver_model
        if not warm:
            h.clearSolver()
        elif self._restart:
            h.setBasis(self._basis0)
        self._restart = False
        milp = bool(self.model.binaries or self.model.integers)
        with _stdout_to_stderr(), highs_on_this_thread(enable=not milp):
            result = self.solver.solve()
        if not first:
            self.solves += 1
        if not result.status.is_ok or result.solution is None:
            raise SolveError(f"{'optimisation' if first else 're-solve'} of {self.n.name!r} "
                             f"failed: {result.status.termination_condition}")
        self._objective = float(result.solution.objective)
        if assign is True:
            self.model.assign_result(result, solver=self.solver)
            assign_results(self.n)
            if self.check:
                check_energy_balance(self.n)
        elif assign == "generators":
            residual = h.getInfo().max_primal_infeasibility
            if self.check and residual > BALANCE_TOLERANCE_MW:
                raise SolveError(f"re-solve of {self.n.name!r}: primal residual "
                                 f"{residual:.3g} MW")
            labels = self.model.variables["Generator-p"].labels.transpose("snapshot", "name")
            lab = labels.to_numpy()
            values = np.where(lab >= 0, result.solution.primal[np.maximum(lab, 0)], 0.0)
            self.n.generators_t.p = pd.DataFrame(values, index=self.n.snapshots,
                                                 columns=pd.Index(labels.indexes["name"]))
        return self._objective

    @property
    def objective(self) -> float:
        """The objective of the last solve [EUR]."""
        return self._objective


def _dense_costs(n: pypsa.Network) -> dict[str, pd.DataFrame]:
    """Return the marginal costs of each lean component [EUR/MWh], snapshot x name."""
    return {comp: n.get_switchable_as_dense(comp, attr).copy() for comp, attr in _COSTS.items()}


def _big_m_terms(n: pypsa.Network) -> pd.DataFrame | None:
    """Return the uncooperative rows' big-M terms, or ``None`` for a case without them."""
    if not (n.meta or {}).get("uncooperative"):
        return None
    from energy_model.scenarios.constraints import uncooperative_terms

    return uncooperative_terms(n)


def _same_big_m_rows(old: pd.DataFrame | None, new: pd.DataFrame | None) -> bool:
    """Return whether the uncooperative rows cover the same countries and assets."""
    if old is None or new is None:
        return old is None and new is None
    return (old.index.equals(new.index) and old.unserved.equals(new.unserved)
            and old.exports.equals(new.exports))
