"""Two-stage stochastic portfolio optimisation: solve, risk, value of information, alternatives.

The network is a PyPSA stochastic network (``n.set_scenarios``; built by
:func:`energy_model.scenarios.uncertainty.stack_scenarios`): first stage the capacities of the
candidate Links, second stage the dispatch in every scenario. PyPSA's objective is
``capex + (1 - ω) E[opex] + ω CVaR_α(opex)`` (``n.set_risk_preference(alpha, omega)``; ω = 0
is risk neutral).

Candidates are described by the table of
:func:`energy_model.scenarios.uncertainty.add_candidates` (one row per Link: ``candidate``,
``link``, ``base_mw``, ``increment_mw``, ``master``, ``annual_cost_eur``); a candidate's
*built fraction* is ``(p_nom − base) / increment`` of its master Link, and the linking rows of
:func:`link_candidates` make every Link of the candidate follow it.

Value of information, as PyPSA's stochastic documentation (and Birge & Louveaux) define it:
``SP`` the stochastic optimum; ``EV`` the optimum of the expected-value (mean-parameter)
problem; ``EEV`` the expected cost of the EV problem's capacities facing every scenario;
``WS`` (wait and see) the probability-weighted optimum when each scenario is known in advance.
``VSS = EEV − SP`` and ``EVPI = SP − WS`` (both ≥ 0).

Near-optimal alternatives (MGA): PyPSA 1.4's ``optimize_mga*`` sum ``n.statistics.capex()``
and ``opex()`` over the scenarios *without* their weights to set the cost budget (verified on a
two-scenario network: the budget came out twice the optimum) and its projection finds no
extendable names in a stochastic index, so :func:`explore_near_optimal` builds the same
problem with PyPSA's ``create_model``, bounds PyPSA's own objective expression by
``(1 + slack)`` times the optimum, and optimises the candidates' built fractions in the
directions given (each candidate alone, up and down, plus directions from
``pypsa.optimization.mga.generate_directions_halton``).

References
----------
Birge, J. R., Louveaux, F. (2011): Introduction to Stochastic Programming, 2nd ed., §4.1–4.2.
Rockafellar, R. T., Uryasev, S. (2000): Optimization of conditional value-at-risk. J. Risk 2(3).
Brill, E. D. et al. (1982): Modeling to generate alternatives. Management Science 28(3).
PyPSA 1.4 documentation: stochastic optimisation, risk preference, MGA.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pypsa

logger = logging.getLogger(__name__)

SOLVER_OPTIONS: dict[str, object] = {"solver": "simplex", "random_seed": 123, "threads": 1,
                                     "primal_feasibility_tolerance": 1e-7,
                                     "dual_feasibility_tolerance": 1e-7}
"""HiGHS options of the investment solves (the study's dual simplex)."""


def link_candidates(cands: pd.DataFrame):
    """Return an ``extra_functionality`` tying each candidate's Links to its master's fraction."""

    def add(n: pypsa.Network, snapshots) -> None:
        m = n.model
        add_withdrawal_curve(n)
        if cands.empty:
            return
        p_nom = m["Link-p_nom"]
        for cand, rows in cands.groupby("candidate"):
            master = rows[rows.master].iloc[0]
            frac_m = (p_nom.sel(name=master.link, drop=True) - master.base_mw) / master.increment_mw
            for r in rows[~rows.master].itertuples():
                m.add_constraints((p_nom.sel(name=r.link, drop=True) - r.base_mw) / r.increment_mw
                                  - frac_m == 0.0, name=f"candidate-{cand}-{r.link}")

    return add


def add_withdrawal_curve(n: pypsa.Network) -> None:
    """Add the design windows' storage withdrawal curve of ``n.meta`` to ``n.model``.

    The rule of :mod:`energy_model.scenarios.constraints` (``θ p ≤ (p_nom / e_nom) e`` on the
    level at the end of each day), written for a stochastic model (one row per scenario); links
    with an extendable capacity are left out (the product would be bilinear).
    """
    curve = (n.meta or {}).get("withdrawal_curve")
    if not curve:
        return
    fill = float(n.meta["full_rate_fill"])
    links, stores = _first(n.links), _first(n.stores)
    pairs = [(k, s) for k, s in curve.items() if k in links.index and s in stores.index
             and not bool(links.at[k, "p_nom_extendable"])
             and links.at[k, "p_nom"] > 0 and stores.at[s, "e_nom"] > 0]
    if not pairs:
        return
    import xarray as xr

    ks, ss = (list(x) for x in zip(*pairs, strict=True))
    ratio = xr.DataArray(links.loc[ks, "p_nom"].to_numpy() / stores.loc[ss, "e_nom"].to_numpy(),
                         coords={"name": ks})
    m = n.model
    p = m["Link-p"].sel(name=ks)
    e = m["Store-e"].sel(name=ss).to_linexpr().assign_coords(name=ks)
    m.add_constraints(fill * p - ratio * e <= 0.0, name="withdrawal-curve")


def _solve(n: pypsa.Network, cands: pd.DataFrame, solver_options: dict | None) -> None:
    opts = {**SOLVER_OPTIONS, **(solver_options or {})}
    status, condition = n.optimize(solver_name="highs", solver_options=opts,
                                   extra_functionality=link_candidates(cands),
                                   include_objective_constant=False, log_to_console=False,
                                   io_api="direct")
    if status != "ok":
        raise RuntimeError(f"investment solve failed: {status} / {condition}")


def _first(df: pd.DataFrame | pd.Series):
    """Return the rows of the first scenario (the first stage is equal in all)."""
    if isinstance(df.index, pd.MultiIndex) and "scenario" in df.index.names:
        return df.xs(df.index.get_level_values("scenario")[0], level="scenario")
    return df


def built_fractions(n: pypsa.Network, cands: pd.DataFrame) -> pd.Series:
    """Return each candidate's built fraction of its full size [-] of a solved network."""
    p = _first(n.links.p_nom_opt)
    m = cands[cands.master].set_index("candidate")
    return ((p.reindex(m.link).to_numpy() - m.base_mw) / m.increment_mw).clip(0.0, 1.0) \
        .rename("fraction")


def scenario_opex(n: pypsa.Network) -> pd.Series:
    """Return each scenario's operating cost of a solved network [EUR, objective-weighted].

    ``n.statistics.opex(nice_names=False)`` (per scenario, not probability-weighted); with
    nice names PyPSA 1.4 fills missing carrier names with an array (a pandas 3 warning).
    """
    opex = n.statistics.opex(nice_names=False)  # nice names: pandas-3 warning in PyPSA 1.4
    if not n.has_scenarios:
        return pd.Series({"": float(opex.sum())})
    return opex.groupby(level="scenario").sum().astype(float)


def capex_of(fractions: pd.Series, cands: pd.DataFrame) -> float:
    """Return the annualised capex + fixed O&M of ``fractions`` [EUR/yr]."""
    cost = cands.groupby("candidate").annual_cost_eur.first()
    return float((fractions.reindex(cost.index).fillna(0.0) * cost).sum())


def cvar(costs: pd.Series, weights: pd.Series, alpha: float) -> float:
    """Return CVaR_α of a discrete cost distribution: the mean of its worst 1 − α mass.

    Rockafellar & Uryasev (2000): ``min_θ θ + E[(X − θ)+] / (1 − α)``, evaluated exactly.
    """
    x = costs.reindex(weights.index).to_numpy(float)
    p = weights.to_numpy(float)
    return float(min(t + (p * np.maximum(x - t, 0.0)).sum() / (1.0 - alpha) for t in x))


def solve_portfolio(n: pypsa.Network, cands: pd.DataFrame, alpha: float | None = None,
                    omega: float = 0.0, fractions: pd.Series | None = None,
                    solver_options: dict | None = None) -> dict:
    """Solve a copy of the unsolved stochastic network ``n``; return the portfolio and its cost.

    Parameters
    ----------
    alpha, omega : float
        CVaR confidence [-] and risk weight [-] (``n.set_risk_preference``); ω = 0 or
        ``alpha=None`` is risk neutral.
    fractions : pandas.Series, optional
        Fix the built fraction of each candidate (missing ones: 0) instead of optimising.

    Returns
    -------
    dict
        ``network`` (solved copy), ``fractions`` [-], ``capex`` [EUR/yr], ``opex``
        (per scenario) [EUR], ``expected`` = capex + E[opex] [EUR/yr], ``cvar`` of opex at
        ``alpha`` (if given) [EUR], ``objective`` (PyPSA's) [EUR].
    """
    m = n.copy()
    if fractions is not None:
        fix_fractions(m, cands, fractions)
    if alpha is not None and omega > 0 and m.has_scenarios:
        m.set_risk_preference(alpha=alpha, omega=omega)
    _solve(m, cands, solver_options)
    frac = built_fractions(m, cands)
    opex = scenario_opex(m)
    weights = m.scenario_weightings.weight if m.has_scenarios else pd.Series({"": 1.0})
    out = {"network": m, "fractions": frac, "capex": capex_of(frac, cands), "opex": opex,
           "objective": float(m.objective)}
    out["expected"] = out["capex"] + float((opex * weights.reindex(opex.index)).sum())
    if alpha is not None:
        out["cvar"] = cvar(opex, weights, alpha)
    return out


def fix_fractions(n: pypsa.Network, cands: pd.DataFrame, fractions: pd.Series) -> None:
    """Fix every candidate Link of ``n`` at ``base + fraction × increment`` (in place)."""
    f = cands.candidate.map(fractions).fillna(0.0).to_numpy()
    cap = pd.Series(cands.base_mw.to_numpy() + f * cands.increment_mw.to_numpy(),
                    index=cands.link.to_numpy())
    links = n.links
    names = links.index.get_level_values("name") if isinstance(links.index, pd.MultiIndex) \
        else links.index
    value = pd.Series(names, index=links.index).map(cap)
    hit = value.dropna().index
    links.loc[hit, "p_nom_min"] = value[hit].to_numpy()
    links.loc[hit, "p_nom_max"] = value[hit].to_numpy()


def value_of_information(nets: Mapping[str, pypsa.Network], weights: Mapping[str, float],
                         cands: pd.DataFrame, sp: dict, ev_network: pypsa.Network,
                         stochastic: pypsa.Network,
                         solver_options: dict | None = None) -> dict:
    """Return EV, EEV, SP, WS, VSS and EVPI [EUR/yr] and the EV and per-scenario portfolios.

    ``nets`` are the deterministic scenario networks (objective weighting already scaled),
    ``sp`` the risk-neutral :func:`solve_portfolio` result of ``stochastic``.
    """
    ev = solve_portfolio(ev_network, cands, solver_options=solver_options)
    eev = solve_portfolio(stochastic, cands, fractions=ev["fractions"],
                          solver_options=solver_options)
    ws_parts = {s: solve_portfolio(net, cands, solver_options=solver_options)
                for s, net in nets.items()}
    ws = sum(float(weights[s]) * r["expected"] for s, r in ws_parts.items())
    return {"EV": ev["expected"], "EEV": eev["expected"], "SP": sp["expected"], "WS": ws,
            "VSS": eev["expected"] - sp["expected"], "EVPI": sp["expected"] - ws,
            "ev_fractions": ev["fractions"],
            "ws_fractions": pd.DataFrame({s: r["fractions"] for s, r in ws_parts.items()})}


def existing_capex(cands: pd.DataFrame) -> float:
    """Return the capex the objective charges for the candidates' existing capacity [EUR/yr].

    A candidate's master Link costs ``A_o / increment`` per MW of its whole ``p_nom``, the
    ``base_mw`` it has without the option included; solved with
    ``include_objective_constant=False``, PyPSA's objective therefore exceeds the expected cost
    by ``Σ_o base_o · A_o / increment_o``, a constant of every portfolio.
    """
    m = cands[cands.master]
    return float((m.base_mw * m.annual_cost_eur / m.increment_mw).sum())


def explore_near_optimal(n: pypsa.Network, cands: pd.DataFrame, optimum: float,
                         slack: float = 0.05, directions: pd.DataFrame | None = None,
                         solver_options: dict | None = None,
                         optimal: pd.Series | None = None) -> pd.DataFrame:
    """Return the built fractions of near-optimal portfolios (one row per direction).

    Parameters
    ----------
    n : pypsa.Network
        The unsolved (risk-neutral) stochastic network.
    optimum : float
        Its optimal PyPSA objective [EUR] (``solve_portfolio(...)["objective"]``).
    slack : float
        Cost slack [-]: every alternative's expected cost is at most ``1 + slack`` times the
        optimum's (the objective less :func:`existing_capex`, which the slack must not scale).
    directions : pandas.DataFrame, optional
        Extra directions (columns = candidates) to maximise ``Σ d_o · fraction_o`` in; each
        candidate is always minimised and maximised alone.
    optimal : pandas.Series, optional
        The optimum's built fractions: it is kept as one alternative, and a candidate already at
        a bound there is not pushed towards it (that solve would return the optimum's value).

    Returns
    -------
    pandas.DataFrame
        Index ``direction`` (``min <c>``, ``max <c>``, ``dir <i>``), columns the candidates,
        values the built fractions [-], plus ``cost`` (the alternative's expected cost, the
        objective less :func:`existing_capex`) [EUR].
    """
    names = sorted(cands.candidate.unique())
    dirs = {}
    rows = {}
    fixed = existing_capex(cands)
    if optimal is not None:
        rows["optimum"] = {**optimal.to_dict(), "cost": optimum - fixed}
    for c in names:
        at = None if optimal is None else float(optimal.get(c, np.nan))
        if at is None or at > 1e-9:
            dirs[f"min {c}"] = pd.Series({c: -1.0})
        if at is None or at < 1.0 - 1e-9:
            dirs[f"max {c}"] = pd.Series({c: 1.0})
    if directions is not None:
        for i, (_, row) in enumerate(directions.iterrows()):
            dirs[f"dir {i}"] = row
    masters = cands[cands.master].set_index("candidate")
    for label, d in dirs.items():
        m = n.copy()
        model = m.optimize.create_model(include_objective_constant=False)
        link_candidates(cands)(m, m.snapshots)
        expr = model.objective.expression if hasattr(model.objective, "expression") \
            else model.objective
        model.add_constraints(expr <= fixed + (1.0 + slack) * (optimum - fixed),
                              name="mga-budget")
        p_nom = model["Link-p_nom"]
        target = sum(float(w) / masters.at[c, "increment_mw"]
                     * p_nom.sel(name=masters.at[c, "link"], drop=True)
                     for c, w in d.items() if w != 0.0)
        model.objective = -1.0 * target
        status, cond = m.optimize.solve_model(solver_name="highs",
                                              solver_options={**SOLVER_OPTIONS,
                                                              **(solver_options or {})},
                                              log_to_console=False, io_api="direct")
        if status != "ok":
            logger.warning("MGA direction %s: %s / %s", label, status, cond)
            continue
        frac = built_fractions(m, cands)
        rows[label] = {**frac.to_dict(), "cost": float(expr.solution.sum()) - fixed if hasattr(
            expr, "solution") else np.nan}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("direction")


def near_optimal_ranges(alternatives: pd.DataFrame, optimum: pd.Series,
                        tol: float = 0.01) -> pd.DataFrame:
    """Return per candidate the range of its built fraction among near-optimal portfolios.

    Columns ``optimal``, ``min``, ``max`` [-] and ``verdict``: *must-have* (built in every
    alternative, min > tol), *never* (max < tol), *optional* (otherwise).
    """
    cols = [c for c in alternatives.columns if c != "cost"]
    out = pd.DataFrame({"optimal": optimum.reindex(cols), "min": alternatives[cols].min(),
                        "max": alternatives[cols].max()})
    out["verdict"] = np.where(out["min"] > tol, "must-have",
                              np.where(out["max"] < tol, "never", "optional"))
    return out


def interchangeable_pairs(alternatives: pd.DataFrame, threshold: float = -0.5,
                          ) -> list[tuple[str, str, float]]:
    """Return candidate pairs whose fractions move against each other across alternatives.

    A correlation below ``threshold`` over the near-optimal portfolios means one replaces the
    other (pairs of candidates that vary at all).
    """
    cols = [c for c in alternatives.columns if c != "cost"
            and alternatives[c].std() > 1e-6]
    corr = alternatives[cols].corr()
    return [(a, b, float(corr.at[a, b])) for i, a in enumerate(cols) for b in cols[i + 1:]
            if corr.at[a, b] < threshold]


def sample_directions(candidates: Sequence[str], count: int, seed: int = 0) -> pd.DataFrame:
    """Return ``count`` quasi-random directions (Halton, PyPSA) over ``candidates``."""
    from pypsa.optimization.mga import generate_directions_halton

    if count <= 0:
        return pd.DataFrame(columns=list(candidates))
    return generate_directions_halton(list(candidates), count, seed=seed)
