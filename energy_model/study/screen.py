"""N-2 screening: every pair of the main supply routes and sources, on the design cases.

The screened single failures are data: the stresses with ``screen`` true in
``inputs/stresses.csv`` (each Russian route, TANAP, TAP, SCP, Iran, TransMed, the largest LNG
terminals and storage sites of the region). A screening takes a study's option sets and year and
solves, for every option set, design case (``peak-day``, ``two-week``) and curtailment rule
(cooperative and isolated), every pair of those failures (``a+b``, a combined disruption,
:func:`energy_model.scenarios.stresses.apply_stress`) and each failure alone.

Build once, solve many, as a study's batch (:mod:`energy_model.study.batch`): per option set and
design case one cooperative and one uncooperative model are built from the undisturbed average
year's reference (:func:`energy_model.study.case.undisturbed`) and every contingency is a
re-solve in place (:class:`energy_model.optimization.resolve.Resolver`), writing back only the
generators (unserved gas is all the screening reads). A contingency the kept model cannot take
(e.g. a storage site's withdrawal removed) is built and solved from scratch.

Outputs (:func:`write_screen`): ``screen.csv`` (one row per option set, design case, rule,
contingency and country: disrupted demand [mcm/d] and curtailment rate [-] of the country's own
design demand), ``screen_countries.csv`` (per option set and country: how many double
contingencies curtail it and the worst rate) and ``screen_options.csv`` (per option set: how
many double contingencies curtail at least one of the recipients of Azerbaijani gas, and how many
of the reference's it removes). A country counts as curtailed at a mean disrupted demand of at
least :data:`energy_model.study.ranking.TIE_MCM_D` over the case's window (the ranking's step).

References
----------
ENTSOG, TYNDP 2017 Annex F, section 2.2.7 (route-disruption cases) and TYNDP 2020 (SLID, design
cases); Regulation (EU) 2017/1938, Annex II (N-1: the single largest infrastructure); the N-2
screening extends the same design cases to every pair of failures.
"""

from __future__ import annotations

import logging
import time
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from energy_model.data.loading import Inputs, load_inputs
from energy_model.data.names import resolve_inputs
from energy_model.provenance import hash_inputs
from energy_model.scenarios.stresses import COMBINE, screen_elements
from energy_model.study.ranking import TIE_MCM_D
from energy_model.study.schema import Case, Study
from energy_model.study.spec import case_spec

logger = logging.getLogger(__name__)

SCREEN_CLIMATES: tuple[str, ...] = ("peak-day", "two-week")
"""The design cases of the screening (ENTSOG's 1-day and 2-week design cases)."""

RULES: tuple[str, ...] = ("cooperative", "isolated")
"""Curtailment rules of the screening."""


def screen_contingencies(data: Inputs, pairs_only: bool = False) -> list[str]:
    """Return the screened contingencies: each screened failure alone, then every pair.

    A pair is a combined disruption ``a+b`` (:data:`energy_model.scenarios.stresses.COMBINE`).
    """
    single = screen_elements(data)
    pairs = [f"{a}{COMBINE}{b}" for a, b in combinations(single, 2)]
    return pairs if pairs_only else single + pairs


def screen_option_set(task: dict) -> list[dict]:
    """Solve every contingency of one option set on the design cases and both rules.

    ``task``: ``spec`` (the option set's undisturbed :class:`~energy_model.study.spec.CaseSpec`:
    inputs, year, options, power, solver …), ``contingencies`` (stress names) and ``climates``.
    Returns records ``{climate, rule, stress, country, unserved_mcm_d, demand_mcm_d}`` of the
    countries with gas demand; a contingency that fails is logged and left out.
    """
    from energy_model.network.build import build_network
    from energy_model.optimization.resolve import Resolver
    from energy_model.scenarios.climates import make_climate_case
    from energy_model.scenarios.curtailment import (
        apply_cooperative_curtailment,
        apply_uncooperative_curtailment,
    )
    from energy_model.scenarios.stresses import apply_stress
    from energy_model.study.cache import cached_inputs
    from energy_model.study.case import undisturbed

    spec = task["spec"]
    data = cached_inputs(spec.inputs, spec.inputs_hash)
    base = build_network(spec.settings.year, spec.options, data, power=spec.settings.power,
                         resolution="daily")
    reference = undisturbed(spec, data)["reference"]
    records: list[dict] = []
    for climate in task["climates"]:
        proto = base.copy()
        make_climate_case(proto, climate, data, reference[climate])
        kept = {}
        for rule, apply in (("cooperative", apply_cooperative_curtailment),
                            ("isolated", apply_uncooperative_curtailment)):
            n = proto.copy()
            apply(n)
            kept[rule] = Resolver(n, spec.solver)
        for rule, r in kept.items():
            meta = dict(r.n.meta)
            for stress in task["contingencies"]:
                try:
                    r.reset()
                    r.n.meta = dict(meta)
                    apply_stress(r.n, stress, data)
                    r.solve(warm=False, assign="generators")
                    n, in_place = r.n, True
                except Exception as err:
                    logger.info("screen %s / %s / %s from scratch: %s", climate, rule, stress,
                                err)
                    n, in_place = _solve_from_scratch(proto, rule, stress, data,
                                                      spec.solver), False
                    if n is None:
                        continue  # counted as missing by run_screen
                records += [{**rec, "in_place": in_place}
                            for rec in _country_records(n, climate, rule, stress)]
    return records


def _solve_from_scratch(proto, rule: str, stress: str, data: Inputs, solver: dict):
    """Return the solved contingency built from the undisturbed case ``proto`` (or ``None``)."""
    from energy_model.optimization.solver import solve
    from energy_model.scenarios.curtailment import (
        apply_cooperative_curtailment,
        apply_uncooperative_curtailment,
    )
    from energy_model.scenarios.stresses import apply_stress

    try:
        n = proto.copy()
        apply_stress(n, stress, data)
        (apply_cooperative_curtailment if rule == "cooperative"
         else apply_uncooperative_curtailment)(n)
        return solve(n, solver_options=solver)
    except Exception as err:
        logger.error("screen %s / %s failed: %s", rule, stress, err)
        return None


def _country_records(n, climate: str, rule: str, stress: str) -> list[dict]:
    """Return disrupted demand and demand per country [mcm/d] of a solved short case."""
    from energy_model.units import mwh_to_bcm

    w = n.snapshot_weightings.objective
    days = float(w.sum() / 24.0)
    gens = n.generators[n.generators.carrier == "unserved gas"]
    country = n.buses.country
    uns = n.generators_t.p[gens.index].mul(w, axis=0).sum().groupby(
        gens.bus.map(country)).sum()
    loads = n.loads[n.loads.carrier == "gas demand"]
    dem = n.loads_t.p_set[loads.index].mul(w, axis=0).sum().groupby(loads.bus.map(country)).sum()
    to_mcm_d = mwh_to_bcm(1.0) * 1000.0 / days
    return [{"climate": climate, "rule": rule, "stress": stress, "country": c,
             "unserved_mcm_d": float(uns.get(c, 0.0)) * to_mcm_d,
             "demand_mcm_d": float(d) * to_mcm_d} for c, d in dem.items() if d > 0]


def run_screen(study: Study, inputs: str | Path | None = None, workers: int | None = None,
               scheduler: str | None = None, climates: tuple[str, ...] = SCREEN_CLIMATES,
               ) -> pd.DataFrame:
    """Screen every pair of the screened failures for each option set of ``study``.

    Returns the long table of ``screen.csv`` (columns ``option, climate, rule, stress, pair,
    country, unserved_mcm_d, demand_mcm_d, rate``) with ``attrs["seconds"]`` (wall time [s]),
    ``attrs["cases"]`` (contingency x design case x rule x option set solves asked),
    ``attrs["from_scratch"]`` (how many of them were built and solved from scratch because the
    in-place re-solve failed) and ``attrs["missing"]`` (the ``(option, climate, rule,
    stress)`` that have no answer because their solve failed; logged as errors).
    """
    from energy_model.study.cases import study_power
    from energy_model.study.pool import execute

    inputs = resolve_inputs(inputs)
    data = load_inputs(inputs)
    contingencies = screen_contingencies(data)
    if not contingencies:
        raise ValueError("no stress has screen=true in stresses.csv: nothing to screen")
    settings = study.settings(study_power(study, data)).model_copy(
        update={"resolution": "daily"})
    inputs_hash = hash_inputs(inputs)
    tasks = {label: {"spec": case_spec(Case(label, tuple(names), "none"), settings, inputs,
                                       inputs_hash),
                     "contingencies": contingencies, "climates": list(climates)}
             for label, names in study.options.items()}
    start = time.perf_counter()
    frames = []
    for label, records in execute(tasks, screen_option_set, workers, scheduler):
        if isinstance(records, dict):  # the whole option set failed
            logger.error("screen %s failed: %s", label, records.get("error"))
            continue
        frames.append(pd.DataFrame(records).assign(option=label))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["option", "climate", "rule", "stress", "country", "unserved_mcm_d",
                 "demand_mcm_d", "in_place"])
    key = ["option", "climate", "rule", "stress"]
    solved = table[key].drop_duplicates()
    done = set(map(tuple, solved.to_numpy()))
    asked = [(o, c, r, st) for o in tasks for c in climates for r in RULES for st in contingencies]
    missing = [k for k in asked if k not in done]
    from_scratch = int((~table.drop_duplicates(key).in_place.astype(bool)).sum())
    if missing:
        logger.error("screening: %d of %d cases have no answer (their solve failed), e.g. %s",
                     len(missing), len(asked), missing[:3])
    table["pair"] = table.stress.str.contains(COMBINE, regex=False)
    table["rate"] = (table.unserved_mcm_d / table.demand_mcm_d).fillna(0.0)
    table = table[["option", "climate", "rule", "stress", "pair", "country", "unserved_mcm_d",
                   "demand_mcm_d", "rate"]]
    table.attrs["seconds"] = time.perf_counter() - start
    table.attrs["cases"] = len(asked)
    table.attrs["from_scratch"] = from_scratch
    table.attrs["missing"] = missing
    return table


def summarise_countries(table: pd.DataFrame, recipients: list[str] | None = None,
                        ) -> pd.DataFrame:
    """Return per option set and country: double contingencies that curtail it, worst rate.

    A double contingency (a pair, in either design case and rule) curtails a country when its
    disrupted demand is at least :data:`TIE_MCM_D` [mcm/d]. ``recipients``: the countries to
    keep (default all).
    """
    pairs = table[table.pair]
    if recipients is not None:
        pairs = pairs[pairs.country.isin(recipients)]
    hit = pairs.assign(curtailed=pairs.unserved_mcm_d >= TIE_MCM_D)
    curtailing = hit[hit.curtailed].groupby(["option", "country"]).stress.nunique()
    worst = hit.groupby(["option", "country"]).agg(
        worst_rate=("rate", "max"), worst_mcm_d=("unserved_mcm_d", "max"))
    out = worst.assign(double_contingencies_curtailing=curtailing.reindex(worst.index)
                       .fillna(0).astype(int))
    worst_stress = hit.loc[hit.groupby(["option", "country"]).rate.idxmax(),
                           ["option", "country", "stress", "climate", "rule"]]
    out = out.join(worst_stress.set_index(["option", "country"]).rename(
        columns={"stress": "worst_contingency", "climate": "worst_climate",
                 "rule": "worst_rule"}))
    out.loc[out.worst_mcm_d < TIE_MCM_D, ["worst_contingency", "worst_climate",
                                          "worst_rule"]] = ""
    return out.reset_index()[["option", "country", "double_contingencies_curtailing",
                              "worst_rate", "worst_mcm_d", "worst_contingency",
                              "worst_climate", "worst_rule"]]


def summarise_options(table: pd.DataFrame, recipients: list[str],
                      reference: str = "reference") -> pd.DataFrame:
    """Return per option set: double contingencies that curtail a recipient, and how many of the
    reference's it removes (and adds).

    A double contingency counts when it curtails at least one of ``recipients`` (at least
    :data:`TIE_MCM_D` [mcm/d]) in either design case or rule.
    """
    pairs = table[table.pair & table.country.isin(recipients)]
    bad = pairs[pairs.unserved_mcm_d >= TIE_MCM_D].groupby("option").stress.agg(set)
    total = pairs.groupby("option").agg(
        disrupted_mcm_d=("unserved_mcm_d", "sum"))
    options = list(dict.fromkeys(table.option))
    ref = bad.get(reference, set())
    rows = []
    for o in options:
        s = bad.get(o, set())
        rows.append({"option": o, "double_contingencies_curtailing": len(s),
                     "removed_vs_reference": len(ref - s) if reference in options else np.nan,
                     "added_vs_reference": len(s - ref) if reference in options else np.nan,
                     "disrupted_mcm_d_summed": float(total.disrupted_mcm_d.get(o, 0.0))})
    return pd.DataFrame(rows)


def write_screen(table: pd.DataFrame, out: str | Path, data: Inputs) -> list[Path]:
    """Write ``screen.csv``, ``screen_countries.csv`` and ``screen_options.csv`` into ``out``."""
    out = Path(out)
    r = data.regions
    recipients = list(r.code[r.az_gas_recipient])
    files = {"screen.csv": table.round(6),
             "screen_countries.csv": summarise_countries(table, recipients).round(6),
             "screen_options.csv": summarise_options(table, recipients).round(6)}
    for name, df in files.items():
        df.to_csv(out / name, index=False)
    return [out / f for f in files]
