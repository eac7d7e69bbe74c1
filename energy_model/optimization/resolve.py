"""Build once, solve many: re-solve a case after changing bounds and right-hand sides in place.

Most cases of an assessment differ from a solved one only in numbers that are bounds or
right-hand sides of the same LP: a supply cut (``p_nom`` of Generators), an outage (``p_nom`` of
Links), a demand step (``p_set`` of Loads), capacity factors (``p_max_pu``), prices
(``marginal_cost``), suspended contracts (``e_sum_min``/``e_sum_max``). :class:`Resolver` builds
the linopy model and its HiGHS object once; after the network is changed with the usual
functions (``apply_stress``, ``refresh_unserved``, editing ``n.loads_t.p_set`` …),
:meth:`Resolver.solve` pushes the changed numbers into HiGHS (``changeColsBounds``,
``changeRowsBounds``, ``changeColsCost``), re-runs it and writes the solution back to the network
as :func:`energy_model.optimization.solver.solve` does, so every table function works on it.

A change that is not a number of the same LP (a component added or removed, an efficiency, an
extendable flag, a new annual cap where there was none) raises :class:`RebuildRequiredError`;
build a fresh network then. The uncooperative variant (a mixed-integer program) is re-solved in
place too: its big-M coefficients (a country's unserved-gas and export capacities) are
recomputed from the changed network and written into the matrix (``changeCoeff``).

Warm or cold: HiGHS keeps the basis of the last solve; ``warm=True`` starts the dual simplex
from it (no presolve), ``warm=False`` clears it and solves from scratch with presolve.
``examples/benchmark.py`` measures both on the real cases (see the README for the choice).
"""

from __future__ import annotations

import logging

import highspy
import numpy as np
import pandas as pd
import pypsa

from energy_model.errors import EnergyModelError, UsageError
from energy_model.optimization.lean import LEAN_COMPONENTS, lean_assets
from energy_model.optimization.solver import (
    BALANCE_TOLERANCE_MW,
    DEFAULT_SOLVER_OPTIONS,
    SolveError,
    _stdout_to_stderr,
    _with_case_constraints,
    assign_results,
    check_energy_balance,
    check_solver_options,
    optimize,
)

logger = logging.getLogger(__name__)

_ATTR = {"Generator": "p", "Link": "p", "Store": "e"}
_MODEL_META = ("withdrawal_curve", "full_rate_fill", "cooperative", "uncooperative")
"""Keys of ``n.meta`` that add constraints at solve time (scenarios.constraints)."""
_SUM_ROWS = {"e_sum_min": "Generator-e_sum_min", "e_sum_max": "Generator-e_sum_max"}


WARM_MIN_SNAPSHOTS: int = 30
"""Re-solve from the last basis when a case has at least this many snapshots.

Measured with ``examples/benchmark.py`` (2030, two runs): on the 365-day year a warm re-solve
beat a cold one for every change tried (supply cut, outage, winter demand, a demand step:
0.6-0.7 x the cold CPU time). On the 1-day and 14-day cases the two are within the machine's
noise (cold faster on the peak day in both runs, on the two weeks in one of two), so cold
(presolve on) is used there.
"""


def prefer_warm(n: pypsa.Network) -> bool:
    """Return whether re-solves of ``n`` should start from the last basis (measured rule)."""
    return len(n.snapshots) >= WARM_MIN_SNAPSHOTS


class RebuildRequiredError(EnergyModelError, ValueError):
    """The network changed in a way that is not a bound, right-hand side or cost."""


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

    Examples
    --------
    >>> r = Resolver(build_network(2026))           # builds and solves once
    >>> r.n.loads_t.p_set["GR gas demand"] *= 2.0   # change the network as usual
    >>> r.solve()                                   # pushes the change, re-solves in place
    """

    def __init__(self, n: pypsa.Network, solver_options: dict | None = None,
                 check: bool = True) -> None:
        self.n = n
        self.check = check
        problems = check_solver_options(solver_options or {})
        if problems:
            raise UsageError("solver options: " + "; ".join(problems))
        self.options = {**DEFAULT_SOLVER_OPTIONS, "output_flag": False, "log_to_console": False,
                        **(solver_options or {})}
        if (n.meta or {}).get("uncooperative") and self.options.get("solver") in (
                "simplex", "ipm", "pdlp"):
            self.options["solver"] = "choose"  # a mixed-integer case (as in ``solve``)
        with _stdout_to_stderr():
            status, condition = optimize(n, self.options, _with_case_constraints())
        if status != "ok":
            raise SolveError(f"optimisation of {n.name!r} failed: {status}, {condition}")
        if check:
            check_energy_balance(n)
        m = n.model
        self.h: highspy.Highs = m.solver_model
        self._col = _positions(m.solver._vlabels)
        self._row = _positions(m.solver._clabels)
        self._state = self._read_state()
        self._saved = _save_numbers(n)
        self.solves = 1

    def reset(self) -> None:
        """Put the network's numbers back to what they were when the Resolver was built.

        The next :meth:`solve` then solves the original case again (in place). Restores the
        static and time-varying attributes that in-place changes may touch (capacities,
        per-unit limits, prices, annual caps, loads).
        """
        for (comp, attr, dynamic), value in self._saved.items():
            if dynamic:
                getattr(self.n, comp + "_t")[attr] = value.copy()
            else:
                getattr(self.n, comp)[attr] = value.copy()

    # -- what the LP currently holds ------------------------------------------------------------
    def _read_state(self, structure: tuple | None = None) -> dict:
        """Return the numbers of ``self.n`` that the LP holds, keyed for :meth:`_push`."""
        n, sns = self.n, self.n.snapshots
        state: dict = {"structure": structure or _structure(n)}
        if not hasattr(self, "_lean"):  # fixed by the structure check from here on
            self._lean = {comp: lean_assets(n, comp, sns) for comp in LEAN_COMPONENTS}
        for comp in LEAN_COMPONENTS:
            names = self._lean[comp]
            if len(names):
                state[comp] = (names, *_limits(n, comp, names))
        state["loads"] = n.get_switchable_as_dense("Load", "p_set").copy()
        state["gen_cost"] = n.get_switchable_as_dense("Generator", "marginal_cost").copy()
        state["link_cost"] = n.get_switchable_as_dense("Link", "marginal_cost").copy()
        state["store_cost"] = n.get_switchable_as_dense("Store", "marginal_cost_storage").copy()
        if (n.meta or {}).get("uncooperative"):
            from energy_model.scenarios.constraints import uncooperative_terms

            state["uncooperative"] = uncooperative_terms(n)
        state["e_sum"] = n.generators[["e_sum_min", "e_sum_max"]].copy()
        return state

    def _push(self) -> int:
        """Push every changed number of ``self.n`` into HiGHS; return how many changed."""
        n, m, h, old = self.n, self.n.model, self.h, self._state
        structure = _structure(n)
        if structure != old["structure"]:
            raise RebuildRequiredError("components, buses, efficiencies or extendable flags "
                                       "changed")
        new = self._read_state(structure)
        # every refusal before the first change: a refused case leaves the model as it was
        sums = self._e_sum_changes(old["e_sum"], new["e_sum"])
        if "uncooperative" in new:
            _check_big_m(old["uncooperative"], new["uncooperative"])
        changed = 0
        for comp in LEAN_COMPONENTS:
            if comp not in old:
                continue
            names, lo0, up0 = old[comp]
            names1, lo1, up1 = new[comp]
            if not names.equals(names1):
                raise RebuildRequiredError(f"the {comp}s with fixed capacity changed")
            diff = (lo0 != lo1) | (up0 != up1)
            if diff.any():
                labels = m.variables[f"{comp}-{_ATTR[comp]}"].labels.sel(name=names)
                cols = self._col[labels.transpose("snapshot", "name").to_numpy()[diff]]
                h.changeColsBounds(len(cols), cols.astype(np.int32), lo1[diff], up1[diff])
                changed += int(diff.sum())
        changed += self._push_loads(old["loads"], new["loads"])
        for key, var in (("gen_cost", "Generator-p"), ("link_cost", "Link-p"),
                         ("store_cost", "Store-e")):
            changed += self._push_costs(var, old[key], new[key])
        changed += self._push_e_sum(sums, new["e_sum"])
        if "uncooperative" in new:
            changed += self._push_big_m(old["uncooperative"], new["uncooperative"])
        self._state = new
        return changed

    def _push_loads(self, old: pd.DataFrame, new: pd.DataFrame) -> int:
        """Move the nodal-balance right-hand sides by the change of load [MW]."""
        n, m = self.n, self.n.model
        delta = (new - old).T.groupby(n.loads.bus.reindex(new.columns).to_numpy()).sum().T
        delta = delta.loc[:, (delta != 0).any()]
        if delta.empty:
            self._refresh_bands()
            return 0
        con = m.constraints["Bus-nodal_balance"]
        labels = con.labels.sel(name=list(delta.columns)).transpose("snapshot", "name").to_numpy()
        ok = labels >= 0
        rows = self._row[labels[ok]]
        lo = np.asarray(self.h.getLp().row_lower_)[rows] + delta.to_numpy()[ok]
        self.h.changeRowsBounds(len(rows), rows.astype(np.int32), lo, lo)
        self._refresh_bands()
        return int(ok.sum())

    def _refresh_bands(self) -> None:
        """Re-size the cooperative curtailment bands to the window demand (if the case has them).

        The same sizes as :func:`energy_model.scenarios.constraints._add_cooperative_bands`:
        each region's window gas demand / bands [MWh].
        """
        n, m = self.n, self.n.model
        if "curtailment-band" not in m.variables:
            return
        u = m.variables["curtailment-band"]
        regions = list(u.labels.coords["region"].values)
        bands = u.labels.sizes["band"]
        w = n.snapshot_weightings.generators
        demand = np.array([float((n.loads_t.p_set[f"{r} gas demand"] * w).sum())
                           for r in regions])
        labels = u.labels.transpose("region", "band").to_numpy()
        cols = self._col[labels.ravel()].astype(np.int32)
        upper = np.repeat(demand / bands, bands)
        self.h.changeColsBounds(len(cols), cols, np.zeros(len(cols)), upper)

    def _push_costs(self, var: str, old: pd.DataFrame, new: pd.DataFrame) -> int:
        """Change objective coefficients: marginal cost x snapshot objective weight."""
        if old.shape != new.shape or not (old.columns == new.columns).all():
            raise RebuildRequiredError("the components with a marginal cost changed")
        diff = (old.to_numpy() != new.to_numpy())
        if not diff.any() or var not in self.n.model.variables:
            return 0
        w = self.n.snapshot_weightings.objective.to_numpy()[:, None]
        labels = self.n.model.variables[var].labels.sel(name=list(new.columns))
        labels = labels.transpose("snapshot", "name").to_numpy()
        ok = diff & (labels >= 0)
        cols = self._col[labels[ok]].astype(np.int32)
        self.h.changeColsCost(len(cols), cols, (new.to_numpy() * w)[ok])
        return int(ok.sum())

    def _e_sum_changes(self, old: pd.DataFrame, new: pd.DataFrame) -> list[tuple]:
        """Return the changed annual caps as ``(attr, row name, names)``; raise if one has no row.

        Checked before anything is pushed, so a refused change leaves the HiGHS model as it was.
        """
        m, out = self.n.model, []
        for attr, cname in _SUM_ROWS.items():
            diff = old[attr].to_numpy() != new[attr].to_numpy()
            if not diff.any():
                continue
            names = new.index[diff]
            have = (pd.Index(m.constraints[cname].labels.coords["name"].values)
                    if cname in m.constraints else pd.Index([]))
            missing = names.difference(have)
            if np.isfinite(new.loc[missing, attr]).any():
                raise RebuildRequiredError(f"{attr} set where the model has no row: "
                                      f"{list(missing[np.isfinite(new.loc[missing, attr])])}")
            if not names.intersection(have).empty:
                out.append((attr, cname, names.intersection(have)))
        return out

    def _push_e_sum(self, changes: list[tuple], new: pd.DataFrame) -> int:
        """Change annual caps (``e_sum_min``/``e_sum_max``) that have a row in the model."""
        m, changed = self.n.model, 0
        for attr, cname, names in changes:
            rows = self._row[m.constraints[cname].labels.sel(name=list(names)).to_numpy()]
            value = new.loc[names, attr].to_numpy(dtype=float)
            inf = np.full(len(rows), np.inf)
            lo, up = (value, inf) if attr == "e_sum_min" else (-inf, value)
            self.h.changeRowsBounds(len(rows), rows.astype(np.int32), lo, up)
            changed += len(rows)
        return changed

    def _push_big_m(self, old: pd.DataFrame, new: pd.DataFrame) -> int:
        """Write the uncooperative rows' big-M terms of the changed network into the matrix.

        ``curtails``: ``unserved - cap y <= 0``; ``exports``: ``exports + big y <= big``
        (:func:`energy_model.scenarios.constraints.uncooperative_terms`).
        """
        _check_big_m(old, new)
        diff = (old.cap != new.cap) | (old.big != new.big)
        if not diff.any():
            return 0
        m, h = self.n.model, self.h
        countries = list(new.index[diff])
        y = m.variables["curtailing"].labels.sel(country=countries)
        curtails = m.constraints["uncooperative-curtails"].labels.sel(country=countries)
        exports = m.constraints["uncooperative-exports"].labels.sel(country=countries)
        changed = 0
        for c in countries:
            cols = self._col[y.sel(country=c).to_numpy()]
            rows_c = self._row[curtails.sel(country=c).to_numpy()]
            rows_e = self._row[exports.sel(country=c).to_numpy()]
            cap, big = float(new.at[c, "cap"]), float(new.at[c, "big"])
            for col, rc, re in zip(cols, rows_c, rows_e, strict=True):
                h.changeCoeff(int(rc), int(col), -cap)
                h.changeCoeff(int(re), int(col), big)
            h.changeRowsBounds(len(rows_e), rows_e.astype(np.int32),
                               np.full(len(rows_e), -np.inf), np.full(len(rows_e), big))
            changed += 3 * len(cols)
        return changed

    # -- solving ----------------------------------------------------------------------------
    def solve(self, warm: bool = True, assign: bool | str = True) -> float:
        """Push the network's changes, re-solve, write the results back; return the objective.

        Parameters
        ----------
        warm : bool
            Start from the last basis (dual simplex, no presolve); ``False`` solves from
            scratch with presolve.
        assign : bool or ``"generators"``
            ``True``: write the whole solution to the network (``*_t.p``, prices, objective)
            and check the energy balance of every bus and snapshot, as ``solve`` does.
            ``"generators"``: write only ``generators_t.p`` and the objective (what unserved
            gas and supply tables need; PyPSA's full assignment costs more than a small LP's
            solve), and check HiGHS's largest primal residual (the balance rows are rows of
            this LP) against the same tolerance. ``False``: only the objective.

        Raises
        ------
        SolveError
            When HiGHS does not report an optimal solution.
        RebuildRequiredError
            When the network changed in a way the LP cannot take in place.
        """
        self._push()
        m = self.n.model
        if not warm:
            self.h.clearSolver()
        with _stdout_to_stderr():
            result = m.solver._run_direct()
        self.solves += 1
        if result.status.status.value != "ok":
            raise SolveError(f"re-solve of {self.n.name!r} failed: "
                             f"{result.status.termination_condition}")
        if assign is True:
            m.assign_result(result, solver=m.solver)
            assign_results(self.n)
            if self.check:
                check_energy_balance(self.n)
            return float(self.n.objective)
        self.n._objective = float(self.h.getInfo().objective_function_value)
        if assign == "generators":
            self._assign_generators()
        return float(self.n.objective)

    def _assign_generators(self) -> None:
        """Write the Generators' dispatch of the last solve to ``generators_t.p`` [MW]."""
        n, m = self.n, self.n.model
        residual = self.h.getInfo().max_primal_infeasibility
        if self.check and residual > BALANCE_TOLERANCE_MW:
            raise SolveError(f"re-solve of {n.name!r}: primal residual {residual:.3g} MW")
        labels = m.variables["Generator-p"].labels.transpose("snapshot", "name")
        lab = labels.to_numpy()
        x = np.asarray(self.h.getSolution().col_value)
        values = np.where(lab >= 0, x[self._col[np.maximum(lab, 0)]], 0.0)
        names = pd.Index(labels.coords["name"].values)
        n.generators_t.p = pd.DataFrame(values, index=n.snapshots, columns=names)

    @property
    def objective(self) -> float:
        """The objective of the last solve [EUR]."""
        return float(self.n.objective)


def _check_big_m(old: pd.DataFrame, new: pd.DataFrame) -> None:
    """Refuse an uncooperative case whose rows would cover other countries or assets."""
    if not old.index.equals(new.index) or not old.unserved.equals(new.unserved) \
            or not old.exports.equals(new.exports):
        raise RebuildRequiredError("the countries or assets of the uncooperative rows changed")


_NUMBERS = {"generators": ["p_nom", "p_max_pu", "p_min_pu", "marginal_cost", "e_sum_min",
                            "e_sum_max"],
            "links": ["p_nom", "p_nom_max", "p_max_pu", "p_min_pu", "marginal_cost"],
            "stores": ["e_nom", "e_max_pu", "e_min_pu", "marginal_cost_storage"],
            "loads": ["p_set"]}
_DYNAMIC = {"generators": ["p_max_pu", "p_min_pu", "marginal_cost"],
            "links": ["p_max_pu", "p_min_pu", "marginal_cost"],
            "stores": ["e_max_pu", "e_min_pu"], "loads": ["p_set"]}


def _limits(n: pypsa.Network, comp: str, names: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Return (lower, upper) dispatch limits [snapshot, asset] of fixed-capacity assets.

    The arithmetic of :func:`energy_model.optimization.lean.dispatch_limits` (tested equal) in
    pandas, which is faster for the many small re-solves.
    """
    attr = _ATTR[comp]
    nom = getattr(n, comp.lower() + "s").loc[names, f"{attr}_nom"].to_numpy(dtype=float)
    lo_pu = n.get_switchable_as_dense(comp, f"{attr}_min_pu")[names].to_numpy(dtype=float)
    up_pu = n.get_switchable_as_dense(comp, f"{attr}_max_pu")[names].to_numpy(dtype=float)
    inf = np.isinf(nom)
    with np.errstate(invalid="ignore"):
        lower = np.where(inf & (lo_pu == 0), 0.0, lo_pu * nom)
        upper = np.where(inf & (up_pu == 0), 0.0, up_pu * nom)
    return lower, upper


def _save_numbers(n: pypsa.Network) -> dict:
    """Return copies of the attributes :meth:`Resolver.reset` restores."""
    out = {}
    for comp, attrs in _NUMBERS.items():
        for attr in attrs:
            out[(comp, attr, False)] = getattr(n, comp)[attr].copy()
        for attr in _DYNAMIC[comp]:
            out[(comp, attr, True)] = getattr(n, comp + "_t")[attr].copy()
    return out


def _positions(labels: np.ndarray) -> np.ndarray:
    """Return an array mapping a linopy label to its HiGHS column or row position (-1: none)."""
    labels = np.asarray(labels)
    size = int(labels.max()) + 1 if labels.size else 0
    pos = np.full(size, -1, dtype=np.int64)
    pos[labels] = np.arange(labels.size)
    return pos


def _digest(df: pd.DataFrame) -> bytes:
    """Return a content hash of a table (values and index)."""
    return pd.util.hash_pandas_object(df.astype(str), index=True).to_numpy().tobytes()


def _structure(n: pypsa.Network) -> tuple:
    """Return what must not change between re-solves (components, ports, efficiencies, flags)."""
    parts: list = [tuple(n.snapshots), tuple(n.buses.index)]
    for comp, cols in (("generators", ["bus", "p_nom_extendable", "sign"]),
                       ("links", ["bus0", "bus1", "efficiency", "p_nom_extendable"]),
                       ("stores", ["bus", "e_nom_extendable", "e_cyclic", "standing_loss",
                                   "e_initial"]),
                       ("loads", ["bus"])):
        df = getattr(n, comp)
        parts.append(tuple(df.index))
        parts.append(_digest(df[[c for c in cols if c in df]]))
    for port in (c.removeprefix("bus") for c in n.links.columns if c.startswith("bus")
                 and c != "bus0" and c != "bus1"):
        parts.append(tuple(n.links[f"bus{port}"]))
        if f"efficiency{port}" in n.links:
            parts.append(_digest(n.links[[f"efficiency{port}"]]))
    parts.append(_digest(n.links.loc[n.links.p_nom_extendable, ["p_nom_min", "p_nom_max"]]))
    meta = n.meta or {}
    parts.append(repr([meta.get(k) for k in _MODEL_META]))
    curve = meta.get("withdrawal_curve") or {}  # its coefficients are capacities
    parts.append(repr([(n.links.p_nom.get(k), n.stores.e_nom.get(v)) for k, v in curve.items()]))
    return tuple(parts)
