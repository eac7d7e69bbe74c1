"""The investment study: the least-regret portfolio under uncertainty, its risk and alternatives.

A study file (YAML, :class:`InvestStudy`)::

    name: invest-2030
    year: 2030
    candidates: [tcp-extendable, sgc-expansion, lng-expansion, iap]   # options.csv names
    climates: [peak-day, two-week]     # ENTSOG design windows
    recurrence: 0.05                   # each window's annual probability (1-in-20)
    alpha: 0.9                         # CVaR confidence
    omegas: [0, 0.25, 0.5, 0.75, 0.9]  # risk weights of the risk curve
    mga_slack: 0.05                    # cost slack of the near-optimal alternatives
    mga_directions: 6                  # Halton directions besides each candidate up and down
    compare: diversification.yaml      # hand-made option sets whose regret is reported
    events: [none, russia-cut]         # optional: a subset of invest_scenarios.csv (their
                                       # probabilities renormalised; default all)

How one expected annual cost is formed
--------------------------------------
First stage: the built fraction ``x_o ∈ [0, 1]`` of each candidate option ``o`` (continuous,
linear in its size: staged projects are not modelled as discrete steps, see below), costing
``x_o · A_o`` per year, with ``A_o`` the option's annualised capex plus fixed O&M
(``options.csv``; :func:`energy_model.network.options.annual_option_cost`). Second stage: the
daily dispatch of every scenario ``s = (event e, design window c)``.

A year holds event ``e`` with probability ``p_e`` (``inputs/invest_scenarios.csv``, mutually
exclusive, Σ p_e = 1) and, independently, design window ``c`` (the 1-in-20 peak day, the 1-in-20
two weeks) with probability ``r_c`` = ``recurrence`` (ENTSOG: each design case "once every twenty
years", TYNDP 2017 Annex C4). Only the windows are modelled: the operating cost of the rest of
the year is taken as independent of the portfolio (an approximation: it ignores the
average-year savings an option brings, e.g. cheaper gas through a new route; the CBA of the main
study values those). The expected annual cost is then

    E[cost] = Σ_o x_o A_o + Σ_e Σ_c p_e r_c · W_ec(x),

where ``W_ec`` is the window's operating cost: gas purchases, transport, LNG send-out and every
MWh not served at the cost of disrupted gas (``cost_of_disrupted_gas.csv``, ENTSOG 600
EUR/MWh). PyPSA's stochastic objective ``capex + Σ_s w_s opex_s`` equals this with scenario
weights ``w_s = p_e r_c / K`` and every snapshot's objective weighting multiplied by
``K = Σ_c r_c``. CVaR_α is that of ``K · W`` under the same weights: the mean of the
worst ``1 − α`` of window costs, *given a design window occurs*, times ``K``
(:func:`energy_model.optimization.stochastic.cvar`); the tables divide it by ``K``.

Size and time (measured 2026-12-07 on the shared 2-core machine, PyPSA 1.4, HiGHS dual
simplex): the stochastic LP of ``examples/invest.yaml`` (8 events x 2 windows = 16 scenarios x
14 daily snapshots x 10 candidates) has 50,432 variables and 116,470 rows and solves in 8.7 s
wall; earlier measurements (9 candidates) gave 3.0 / 3.6 / 4.2 s CPU with 2 / 4 / 8 scenarios and
6.6 s with 3 candidates instead of 9: the time grows with scenarios x snapshots (the second
stage) above a ~2.5 s fixed cost, hardly with the candidates. The whole study is ~55 such solves
(risk curve 4, EV/EEV 2, wait-and-see 16 smaller ones, regret 9, each candidate alone 10, MGA
~17, whose budget row makes them the slowest): ``energy-model invest examples/invest.yaml`` took
5 min 24 s wall, 5 min 12 s CPU (load average 1.6-4.9 on the 2 cores).

Not modelled (said in ``summary.json``): options needing the electricity layer (the design windows
fix gas plants to their average-year dispatch, so a cable cannot change gas use there); discrete
stages (``p_nom_mod`` would make every solve a MIP; the sizes are continuous between 0 and the
catalogue size); the storage withdrawal curve on *candidate* withdrawal links (bilinear).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field

from energy_model.data.loading import Inputs, load_inputs
from energy_model.outdir import output_dir
from energy_model.provenance import hash_inputs

logger = logging.getLogger(__name__)


class InvestStudy(BaseModel):
    """An investment study file (module doc)."""

    model_config = ConfigDict(extra="forbid")
    name: str = "invest"
    year: int = 2030
    candidates: list[str]
    climates: list[str] = Field(default_factory=lambda: ["peak-day", "two-week"])
    recurrence: float = Field(0.05, gt=0, le=1)
    alpha: float = Field(0.9, gt=0, lt=1)
    omegas: list[float] = Field(default_factory=lambda: [0.0, 0.25, 0.5, 0.75, 0.9])
    mga_slack: float = Field(0.05, ge=0)
    mga_directions: int = Field(6, ge=0)
    compare: str | None = None
    events: list[str] | None = None
    solver: dict = Field(default_factory=dict)


def load_invest_study(path: str | Path, data: Inputs) -> InvestStudy:
    """Read and check an investment study file (unknown candidates and keys are refused)."""
    path = Path(path)
    study = InvestStudy(**(yaml.safe_load(path.read_text()) or {}))
    unknown = sorted(set(study.candidates) - set(data.options.option))
    if unknown:
        raise ValueError(f"{path}: unknown candidate option(s) {unknown}; see "
                         "`energy-model list options`")
    if study.compare and not Path(study.compare).is_absolute():
        study.compare = str((path.parent / study.compare).resolve())
    return study


def build_invest_problem(study: InvestStudy, data: Inputs) -> dict:
    """Return the problem: ``nets`` (deterministic scenario windows), ``weights``, ``scale`` (K),
    ``network`` (stochastic), ``candidates`` and ``events``."""
    from energy_model.network.build import build_network
    from energy_model.optimization.solver import solve
    from energy_model.scenarios.climates import prepare_reference, reference_state
    from energy_model.scenarios.uncertainty import (
        add_candidates,
        align_capacities,
        read_invest_scenarios,
        stack_scenarios,
        window_network,
    )

    events = read_invest_scenarios(data.directory)
    if study.events is not None:
        unknown = sorted(set(study.events) - set(events.index))
        if unknown:
            raise ValueError(f"unknown event(s) {unknown}; known: {list(events.index)}")
        events = events.loc[study.events]
        events["probability"] = events.probability / events.probability.sum()
    ref = build_network(study.year, [], data, resolution="daily")
    prepare_reference(ref)
    solve(ref)
    state = reference_state(ref, "two-week")  # both windows start on the same day
    base = build_network(study.year, [], data, resolution="daily")
    cands = add_candidates(base, study.candidates, data)
    scale = study.recurrence * len(study.climates)
    nets, weights = {}, {}
    for event, row in events.iterrows():
        stresses = [s for s in row.stresses if s != "none"]
        for climate in study.climates:
            name = f"{event}|{climate}"
            net = window_network(base, climate, stresses, data, state)
            net.snapshot_weightings["objective"] = net.snapshot_weightings.objective * scale
            nets[name] = net
            weights[name] = float(row.probability) * study.recurrence / scale
    align_capacities(nets)  # the same first-stage bounds in every window (WS solves too)
    return {"nets": nets, "weights": weights, "scale": scale, "candidates": cands,
            "events": events, "network": stack_scenarios(nets, weights)}


OPTION_ALIASES: dict[str, dict[str, float]] = {
    "tcp-full": {"tcp-extendable": 1.0},
    "tcp-10": {"tcp-extendable": 1.0 / 3.0, "sgc-expansion": 1.0},
    "tcp-20": {"tcp-extendable": 2.0 / 3.0, "sgc-expansion": 1.0},
    "tcp-30": {"tcp-extendable": 1.0, "sgc-expansion": 1.0},
}
"""Whole-project options of ``option_assets.csv`` as candidate fractions [-]: ``tcp-N`` is the
30 bcm/yr Trans-Caspian line built at N bcm/yr plus the ``sgc-expansion`` rows; ``tcp-20`` and
``tcp-30`` also loop SCP by +10 / +20 bcm/yr, which no candidate holds (said in the notes)."""

_ALIAS_LEFT_OUT = {"tcp-20": "SCP looping +10 bcm/yr", "tcp-30": "SCP looping +20 bcm/yr"}


def option_sets(path: str | Path | None, cands: pd.DataFrame) -> tuple[dict, list[str]]:
    """Return the hand-made option sets of a study file as candidate fractions, and notes.

    An option that is a candidate counts at 1; a whole-project option of
    :data:`OPTION_ALIASES` counts as its candidate fractions (each candidate's cost is then
    its linear share of the candidate's capex, not the option's own capex); any other
    non-candidate is left out, with a note.
    """
    if not path:
        return {}, []
    sets = yaml.safe_load(Path(path).read_text()).get("options", {})
    names = set(cands.candidate)
    out, notes = {}, []
    for label, opts in sets.items():
        f: dict[str, float] = {}
        for o in opts:
            parts = {o: 1.0} if o in names else OPTION_ALIASES.get(o, {})
            missing = sorted(set(parts) - names)
            if not parts or missing:
                notes.append(f"{label}: {o} is not a candidate of this study"
                             + (f" (needs {missing})" if missing else "") + "; counted as nothing")
                continue
            for c, x in parts.items():
                f[c] = min(1.0, f.get(c, 0.0) + x)
            if o in _ALIAS_LEFT_OUT:
                notes.append(f"{label}: {o} counted as {parts}; its {_ALIAS_LEFT_OUT[o]} is "
                             "not a candidate and left out")
        out[label] = pd.Series(f, dtype=float)
    return out, notes


def disrupted_by_recipient(n, recipients: list[str], scale: float) -> pd.DataFrame:
    """Return expected disrupted demand per recipient [GWh/yr] and its cost [M EUR/yr].

    ``Σ_s w_s K · unserved_s``: each window's unserved volume weighted by its annual probability.
    """
    from energy_model.optimization.stochastic import _first

    gens = _first(n.generators)
    uns = gens.index[gens.carrier == "unserved gas"]
    w = n.snapshot_weightings.generators
    p = n.generators_t.p
    cols = [c for c in p.columns if c[1] in set(uns)]
    vol = p[cols].mul(w, axis=0).sum()  # MWh per (scenario, name)
    weights = n.scenario_weightings.weight
    mc = _first(n.generators).marginal_cost
    country = _first(n.buses).country
    rows = {}
    for (s, g), v in vol.items():
        c = country[gens.at[g, "bus"]]
        r = rows.setdefault(c, {"gwh_per_yr": 0.0, "meur_per_yr": 0.0})
        r["gwh_per_yr"] += float(weights[s]) * scale * v / 1e3
        r["meur_per_yr"] += float(weights[s]) * scale * v * float(mc[g]) / 1e6
    df = pd.DataFrame.from_dict(rows, orient="index").reindex(recipients).fillna(0.0)
    return df.rename_axis("country")


def run_invest(study: InvestStudy, out: str | Path, inputs: str | Path = "inputs",
               force: bool = False) -> dict:
    """Solve the investment study and write its tables to ``out`` (module doc; files in
    :func:`_write_outputs`). Returns the numbers written to ``summary.json``."""
    from energy_model.optimization import stochastic as st

    clock = {}
    t0, c0 = time.perf_counter(), time.process_time()
    data = load_inputs(inputs)
    prob = build_invest_problem(study, data)
    n, cands, scale = prob["network"], prob["candidates"], prob["scale"]
    names = sorted(cands.candidate.unique())
    clock["build_s"] = time.perf_counter() - t0
    t = time.perf_counter()
    sp = st.solve_portfolio(n, cands, alpha=study.alpha, solver_options=study.solver)
    clock["stochastic_solve_s"] = time.perf_counter() - t
    size = {"scenarios": len(prob["weights"]), "snapshots": len(n.snapshots),
            "candidates": len(names), "variables": int(sp["network"].model.nvars),
            "constraints": int(sp["network"].model.ncons)}
    logger.info("stochastic optimum (%.0f s): %s", clock["stochastic_solve_s"],
                sp["fractions"].round(3).to_dict())
    recipients = sorted(data.regions.code[data.regions.az_gas_recipient.astype(str).str.lower()
                                          == "true"])
    t = time.perf_counter()
    ref = st.solve_portfolio(n, cands, alpha=study.alpha, fractions=pd.Series(dtype=float),
                             solver_options=study.solver)
    curve = []
    for omega in study.omegas:
        r = sp if omega == 0 else st.solve_portfolio(n, cands, study.alpha, omega,
                                                     solver_options=study.solver)
        curve.append({"omega": omega, "expected_meur": r["expected"] / 1e6,
                      "cvar_window_meur": r["cvar"] / scale / 1e6,
                      **{f"x_{c}": float(r["fractions"][c]) for c in names}})
    clock["risk_curve_s"] = time.perf_counter() - t
    logger.info("risk curve done (%.0f s); value of information next", clock["risk_curve_s"])
    t = time.perf_counter()
    from energy_model.scenarios.uncertainty import expected_value_network

    voi = st.value_of_information(prob["nets"], prob["weights"], cands, sp,
                                  expected_value_network(prob["nets"], prob["weights"]), n,
                                  solver_options=study.solver)
    clock["value_of_information_s"] = time.perf_counter() - t
    t = time.perf_counter()
    sets, notes = option_sets(study.compare, cands)
    regret = []
    for label, f in sets.items():
        r = ref if f.empty else st.solve_portfolio(n, cands, study.alpha, fractions=f,
                                                   solver_options=study.solver)
        regret.append({"option_set": label, "expected_meur": r["expected"] / 1e6,
                       "regret_meur": (r["expected"] - sp["expected"]) / 1e6,
                       "cvar_window_meur": r["cvar"] / scale / 1e6,
                       "capex_meur": r["capex"] / 1e6})
    ref_opex = ref["expected"] - ref["capex"]
    benefit = []
    for c in names:
        r = st.solve_portfolio(n, cands, study.alpha, fractions=pd.Series({c: 1.0}),
                               solver_options=study.solver)
        saving = ref_opex - (r["expected"] - r["capex"])
        benefit.append({"candidate": c, "window_saving_meur_per_yr": saving / 1e6,
                        "annualised_cost_meur": r["capex"] / 1e6,
                        "benefit_cost_ratio": saving / r["capex"] if r["capex"] > 0 else None,
                        "cvar_window_meur": r["cvar"] / scale / 1e6})
    clock["regret_s"] = time.perf_counter() - t
    logger.info("regret done (%.0f s); near-optimal alternatives next", clock["regret_s"])
    t = time.perf_counter()
    alt = st.explore_near_optimal(n, cands, sp["objective"], study.mga_slack,
                                  st.sample_directions(names, study.mga_directions),
                                  solver_options=study.solver, optimal=sp["fractions"])
    ranges = st.near_optimal_ranges(alt, sp["fractions"])
    pairs = st.interchangeable_pairs(alt)
    clock["mga_s"] = time.perf_counter() - t
    clock["total_s"] = time.perf_counter() - t0
    clock["total_cpu_s"] = time.process_time() - c0
    summary = _summary(study, prob, sp, ref, voi, ranges, pairs, recipients, size, clock, notes,
                       inputs)
    tables = {
        "portfolio.csv": _portfolio(cands, sp["fractions"], voi["ev_fractions"]),
        "disrupted_demand.csv": disrupted_by_recipient(sp["network"], recipients, scale)
        .join(disrupted_by_recipient(ref["network"], recipients, scale),
              suffixes=("", "_reference")),
        "scenario_costs.csv": _scenario_costs(prob, sp, ref),
        "risk_curve.csv": pd.DataFrame(curve),
        "value_of_information.csv": pd.Series({k: voi[k] / 1e6 for k in
                                               ("EV", "EEV", "SP", "WS", "VSS", "EVPI")},
                                              name="meur_per_yr").rename_axis("measure"),
        "regret.csv": pd.DataFrame(regret),
        "candidate_benefit.csv": pd.DataFrame(benefit),
        "mga_alternatives.csv": alt,
        "mga_ranges.csv": ranges.rename_axis("candidate"),
    }
    with output_dir(out, force=force) as stage:
        for name, table in tables.items():
            table.to_csv(stage / name, index=not isinstance(table.index, pd.RangeIndex))
        (stage / "summary.json").write_text(json.dumps(summary, indent=1, default=float) + "\n")
    return summary


def _portfolio(cands: pd.DataFrame, frac: pd.Series, ev: pd.Series) -> pd.DataFrame:
    from energy_model.units import mw_to_bcm_per_year

    m = cands[cands.master].set_index("candidate")
    out = pd.DataFrame({
        "fraction": frac, "master_link": m.link,
        "capacity_mw": frac * m.increment_mw, "full_size_mw": m.increment_mw,
        "capacity_bcm_per_yr": mw_to_bcm_per_year(frac * m.increment_mw),
        "annualised_cost_meur": frac * m.annual_cost_eur / 1e6,
        "full_annualised_cost_meur": m.annual_cost_eur / 1e6,
        "ev_fraction": ev.reindex(m.index)})
    return out.rename_axis("candidate")


def _scenario_costs(prob: dict, sp: dict, ref: dict) -> pd.DataFrame:
    w = pd.Series(prob["weights"])
    return pd.DataFrame({"weight": w, "window_cost_meur": sp["opex"] / prob["scale"] / 1e6,
                         "window_cost_reference_meur": ref["opex"] / prob["scale"] / 1e6}) \
        .rename_axis("scenario")


def _summary(study, prob, sp, ref, voi, ranges, pairs, recipients, size, clock, notes,
             inputs) -> dict:
    from energy_model.provenance import package_version

    return {
        "study": study.model_dump(), "package_version": package_version(),
        "inputs_hash": hash_inputs(inputs), "recurrence_scale_K": prob["scale"],
        "expected_cost_meur_per_yr": sp["expected"] / 1e6,
        "expected_cost_reference_meur_per_yr": ref["expected"] / 1e6,
        "capex_meur_per_yr": sp["capex"] / 1e6,
        "cvar_window_meur": sp["cvar"] / prob["scale"] / 1e6,
        "cvar_window_reference_meur": ref["cvar"] / prob["scale"] / 1e6,
        "fractions": sp["fractions"].to_dict(),
        "value_of_information_meur_per_yr": {k: voi[k] / 1e6 for k in
                                             ("EV", "EEV", "SP", "WS", "VSS", "EVPI")},
        "must_have": ranges.index[ranges.verdict == "must-have"].tolist(),
        "never": ranges.index[ranges.verdict == "never"].tolist(),
        "interchangeable": [list(p) for p in pairs],
        "recipients": recipients, "size": size, "timings_s": clock, "notes": notes,
        "not_modelled": ["average-year operating savings of options", "discrete stages",
                         "options needing the electricity layer",
                         "withdrawal curve on candidate storage links"],
    }
