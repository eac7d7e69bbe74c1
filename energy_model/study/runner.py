"""Run every case of a study (the file is described in :mod:`energy_model.study.schema`).

:func:`run_study` solves every option x climate x stress case (local processes by default, or a
Dask cluster; the cases of one option set run together and re-solve one kept model per climate,
:mod:`energy_model.study.batch`; :func:`run_case` solves one case from scratch), keeps each
finished case in ``DIR/cache/<key>.json`` (the key hashes the inputs'
content, the case, the shared settings and the package's source files, so a re-run skips
finished cases and recomputes changed ones), reports failed cases without stopping the others,
and writes ``DIR/results.nc`` (an xarray Dataset with dimensions ``option``, ``climate``,
``stress``, ``country``, ``origin``), tidy CSV tables of the same numbers (``indicators.csv``,
``cba.csv`` among them) and ``DIR/summary.md``.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from energy_model.data.loading import Inputs, load_inputs
from energy_model.outdir import output_dir
from energy_model.provenance import hash_inputs
from energy_model.study.assemble import assemble, option_capex, write_study_outputs
from energy_model.study.cache import cached_inputs, read_record, write_record
from energy_model.study.cases import case_key, early_options, expand_cases, study_power
from energy_model.study.pool import StudyInterruptedError, execute
from energy_model.study.schema import Case, Study

logger = logging.getLogger(__name__)



_UNDISTURBED: dict[str, dict] = {}
"""Per worker process: the undisturbed average year of each option set (flows, storage levels)."""


def run_case(spec: dict) -> dict:
    """Build, stress and solve one case; return its results as a JSON-ready dict.

    ``spec`` holds ``inputs`` (directory), ``inputs_hash``, ``year``, ``options``, ``climate``,
    ``stress``, ``power``, ``resolution`` and ``solver``. Runs in a worker process; inputs are
    loaded once per process and content (:func:`energy_model.study.cache.cached_inputs`).

    A short climatic case (``peak-day``, ``two-week``) starts from the storage levels of the
    undisturbed average year of the same option set (solved once per worker and option set;
    :mod:`energy_model.scenarios.climates`). The isolated variant is ENTSOG's uncooperative
    behaviour in short cases (a country exports only when it curtails nothing) and, in the
    average year, every cross-border flow capped at its undisturbed value.
    """
    from energy_model.analysis.tables import unserved_by_country
    from energy_model.optimization.solver import solve
    from energy_model.scenarios.curtailment import (
        apply_cooperative_curtailment,
        apply_uncooperative_curtailment,
    )

    logging.getLogger("energy_model").setLevel(logging.WARNING)
    data = cached_inputs(spec["inputs"], spec.get("inputs_hash"))
    climate = spec.get("climate", "average")
    proto = build_case(spec, data, climate)
    n = proto.copy()
    if spec.get("curtailment", "cooperative") == "cooperative":
        apply_cooperative_curtailment(n)
    solve(n, solver_options=spec["solver"])
    out = summarise_case(n, data)
    if spec.get("isolated"):
        out["unserved_gas_isolated_bcm"] = out["unserved_gas_bcm"]
        if climate == "average" and not spec.get("isolated_average", True):
            # ENTSOG assesses uncooperative behaviour in the design cases; the average year's
            # capped-flow approximation is kept only for studies without design cases
            del out["unserved_gas_isolated_bcm"]
        elif climate == "average" and spec["stress"] != "none":
            out["unserved_gas_isolated_bcm"] = isolated_average_unserved(
                proto, undisturbed(spec, data)["p0"], spec["solver"])
        elif climate != "average":
            iso = proto.copy()
            apply_uncooperative_curtailment(iso)
            solve(iso, solver_options=spec["solver"])
            out["unserved_gas_isolated_bcm"] = unserved_by_country(iso).round(6).to_dict()
    if spec.get("remaining_flexibility"):
        out["remaining_flexibility"] = case_remaining_flexibility(proto)
    return out


def isolated_average_unserved(proto, undisturbed_p0, solver_options: dict) -> dict:
    """Return unserved gas per country [bcm] of the average year's isolated variant.

    ``proto`` is the case's unsolved, stressed network (without the cooperative bands); every
    cross-border flow is capped at ``undisturbed_p0`` (:func:`~energy_model.scenarios.
    curtailment.isolate_countries`).
    """
    from energy_model.analysis.tables import unserved_by_country
    from energy_model.optimization.solver import solve
    from energy_model.scenarios.curtailment import isolate_countries

    iso = proto.copy()
    isolate_countries(iso, undisturbed_p0)
    solve(iso, solver_options=solver_options)
    return unserved_by_country(iso).round(6).to_dict()


def case_remaining_flexibility(proto) -> dict:
    """Return ENTSOG's remaining flexibility per country [-] of the unsolved case ``proto``."""
    from energy_model.analysis.flexibility import remaining_flexibility

    return remaining_flexibility(proto.copy).round(6).to_dict()


def build_case(spec: dict, data: Inputs, climate: str):
    """Return the unsolved, stressed network of a case (a short climatic case if asked)."""
    from energy_model.network.build import build_network
    from energy_model.scenarios.climates import make_climate_case
    from energy_model.scenarios.stresses import apply_stress

    n = build_network(spec["year"], spec["options"], data, power=spec["power"],
                      resolution=spec["resolution"] if climate == "average" else "daily")
    if climate != "average":
        make_climate_case(n, climate, data, undisturbed(spec, data)["reference"][climate])
    apply_stress(n, spec["stress"], data)
    return n


def _undisturbed_key(spec: dict) -> str:
    return json.dumps([spec.get(k) for k in ("inputs", "inputs_hash", "year", "options", "power",
                                             "resolution", "solver")], default=str)


def keep_undisturbed(spec: dict, entry: dict) -> None:
    """Keep (in this process) the undisturbed average year of ``spec``'s option set.

    ``entry``: ``{"p0": links_t.p0 of the undisturbed year, "reference": {climate:
    reference_state or None}}``, as :func:`undisturbed` computes it.
    """
    if all(v is not None for v in entry["reference"].values()) or spec["resolution"] != "daily":
        _UNDISTURBED[_undisturbed_key(spec)] = entry


def undisturbed(spec: dict, data: Inputs) -> dict:
    """Return (and keep per process) the undisturbed average year's flows and case states."""
    from energy_model.network.build import build_network
    from energy_model.optimization.solver import solve
    from energy_model.scenarios.climates import (
        DESIGN_CLIMATES,
        prepare_reference,
        reference_state,
    )

    key = _undisturbed_key(spec)
    if key not in _UNDISTURBED:
        build = lambda: build_network(spec["year"], spec["options"], data,  # noqa: E731
                                      power=spec["power"], resolution=spec["resolution"])
        avg = solve(build(), solver_options=spec["solver"])
        entry = {"p0": avg.links_t.p0, "reference": {c: None for c in DESIGN_CLIMATES}}
        if spec["resolution"] == "daily":
            ref = build()
            prepare_reference(ref)
            solve(ref, solver_options=spec["solver"])
            entry["reference"] = {c: reference_state(ref, c) for c in DESIGN_CLIMATES}
        _UNDISTURBED[key] = entry
    return _UNDISTURBED[key]


def summarise_case(n, data: Inputs | None = None) -> dict:
    """Return the numbers a study keeps of one solved case (N-1 and IRD given ``data``)."""
    from energy_model.analysis.bottlenecks import bottleneck_records, scarcity_days
    from energy_model.analysis.tables import unserved_by_country
    from energy_model.analysis.trace import trace_deliveries
    from energy_model.units import mwh_to_bcm

    w = n.snapshot_weightings.objective
    loads = n.loads[n.loads.carrier == "gas demand"]
    demand = mwh_to_bcm(n.loads_t.p[loads.index].mul(w, axis=0).sum()
                        .groupby(loads.bus.map(n.buses.country)).sum())
    served = n.loads_t.p[loads.index].mul(w, axis=0)
    prices = n.buses_t.marginal_price[loads.bus].mul(served.to_numpy()).sum() \
        / served.sum().replace(0, np.nan).to_numpy()
    out = {
        "status": "ok",
        "total_cost_eur": float(n.objective),
        "capex_eur": float((n.links.capital_cost * n.links.p_nom_opt).sum()),
        "gas_demand_bcm": demand.round(6).to_dict(),
        "unserved_gas_bcm": unserved_by_country(n).round(6).to_dict(),
        "price_eur_per_mwh": dict(zip(loads.bus.map(n.buses.country), prices.round(4),
                                      strict=True)),
        "deliveries": trace_deliveries(n).round(6).values.tolist(),
        "slid_removed": n.meta.get("slid_removed"),
        "climate": n.meta.get("climate", "average"),
        "window_days": float(w.sum() / 24.0),
        "bottlenecks": bottleneck_records(n),
        "scarcity_days": scarcity_days(n),
    }
    if data is not None:
        out.update(capacity_indicators(n, data))
    from energy_model.analysis.margins import margin_record

    out.update(margin_record(n))  # design cases: remaining flexibility, absorbable disruption
    if n.meta.get("power"):
        from energy_model.analysis.tables import summarise_power

        p = summarise_power(n)
        out["gas_for_power_bcm"] = p.gas_for_power_bcm.to_dict()
        out["co2_mt"] = p.co2_mt.to_dict()
    return out


_CAPACITY_INDICATORS: dict[bytes, dict] = {}
"""Per process: N-1 and IRD of each capacity state seen (they depend on capacities only)."""


def capacity_indicators(n, data: Inputs) -> dict:
    """Return N-1 [%] and IRD per country of ``n``; the same capacities are computed once.

    Both follow from the network's capacities alone (not its dispatch), so every stress that
    leaves the capacities unchanged, in every climate, shares one computation.
    """
    from energy_model.analysis.indicators import import_route_diversification, n_minus_1

    tables = [n.links[["bus0", "bus1", "carrier", "p_nom", "efficiency"]],
              n.generators.loc[n.generators.carrier == "gas supply", ["bus", "p_nom"]],
              n.buses[["country", "node_kind"]],
              data.design_demand, data.gas_demand]
    key = repr(n.meta.get("year")).encode() + b"".join(
        pd.util.hash_pandas_object(t, index=True).to_numpy().tobytes() for t in tables)
    if key not in _CAPACITY_INDICATORS:
        nm1 = n_minus_1(n, data).n_minus_1
        _CAPACITY_INDICATORS[key] = {
            "n_minus_1": nm1.round(4).to_dict(),
            "ird": {c: round(import_route_diversification(n, c), 4) for c in nm1.index}}
    return json.loads(json.dumps(_CAPACITY_INDICATORS[key]))


def run_study(study: Study, out: str | Path, inputs: str | Path = "inputs",
              workers: int | None = None, scheduler: str | None = None,
              progress: bool = True, force: bool = False) -> xr.Dataset:
    """Run every case of ``study`` and write the results to ``out``.

    Parameters
    ----------
    workers : int, optional
        Local worker processes (default: the number of CPUs); 1 runs in this process.
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:port``); cases then run there.
    progress : bool
        Show a progress bar on stderr.
    force : bool
        Write into ``out`` although it holds files energy_model did not write (they are kept;
        see :func:`energy_model.outdir.output_dir`). Result files are staged and moved into
        ``out`` when all are written; a lock stops a second run into the same ``out``.
    """
    out = Path(out)
    with output_dir(out, force=force, keep=("cache",)) as stage:
        return _run_study(study, out, stage, inputs, workers, scheduler, progress)


def _run_study(study: Study, out: Path, stage: Path, inputs: str | Path, workers: int | None,
               scheduler: str | None, progress: bool) -> xr.Dataset:
    from tqdm.auto import tqdm

    cache = out / "cache"
    data = load_inputs(inputs)
    power = study_power(study, data)
    inputs_hash = hash_inputs(inputs)
    cases = expand_cases(study, data)
    results: dict[Case, dict] = {}
    todo: dict[Case, dict] = {}
    settings = study.settings(power)
    for case in cases:
        key = case_key(case, settings, inputs_hash)
        path = cache / f"{key}.json"
        cached = read_record(path, key)
        if cached is not None:
            results[case] = cached
        else:
            todo[case] = {**settings.payload(), "inputs": str(Path(inputs).resolve()),
                          "inputs_hash": inputs_hash, "key": key,
                          "options": list(case.option_names), "stress": case.stress,
                          "climate": case.climate, "cache": str(path)}
    for note in early_options(study, data):
        logger.warning(note)
    logger.info("study %s: %d cases, %d cached, %d to run", study.name, len(cases),
                len(results), len(todo))
    bar = tqdm(total=len(cases), initial=len(results), desc=study.name, disable=not progress,
               unit="case")
    try:
        for case, res in _execute(todo, workers, scheduler):
            results[case] = res
            spec = todo[case]
            if res["status"] != "ok":
                logger.error("case %s / %s / %s failed: %s", case.option, case.climate,
                             case.stress, res["error"])
            elif not Path(spec["cache"]).exists():  # not written by the worker (e.g. Dask)
                write_record(spec["cache"], spec["key"], res)
            bar.update(1)
    except StudyInterruptedError:
        bar.close()
        kept = sum(Path(spec["cache"]).exists() for spec in todo.values())
        raise StudyInterruptedError(
            f"study interrupted after {kept} of {len(todo)} case(s) to run; the finished "
            "cases are kept in the cache: run the same command again to continue") from None
    bar.close()
    ds = assemble(study, cases, results, inputs_hash, power)
    ds.attrs["notes"] = json.dumps(early_options(study, data))
    ds.attrs["recipients"] = json.dumps(list(data.regions.code[data.regions.az_gas_recipient]))
    capex = option_capex(study, data)
    ds["option_capex"] = ("option", [capex[o] for o in ds.option.values], {"units": "EUR/yr"})
    write_study_outputs(ds, stage)
    from energy_model.study.cba import NoComparisonError, write_cba

    try:
        write_cba(ds, data, stage)
    except NoComparisonError as err:
        logger.error("cba.csv not written: %s", err)
    from energy_model.study.summary import write_summary

    write_summary(ds, stage, data)  # again, now with cba.csv and the inputs' names
    return ds


def _execute(todo: dict[Case, dict], workers: int | None, scheduler: str | None):
    """Yield ``(case, result)`` as cases finish; a failure becomes a result with its error.

    The cases of one option set run together in one task (:func:`energy_model.study.batch.
    run_option_set`: one model per climate, re-solved in place for every stress); with fewer
    option sets than workers, each option set's climates become tasks of their own.
    Ctrl-C or SIGTERM stops the workers at once and raises
    :class:`energy_model.study.pool.StudyInterruptedError` (finished tasks are cached).
    """
    from energy_model.study.batch import run_option_set

    tasks = group_cases(todo, workers or os.cpu_count() or 1)
    for cases, results in execute(tasks, run_option_set, workers, scheduler):
        if isinstance(results, dict):  # the whole task failed (a worker died)
            results = [results] * len(cases)
        yield from zip(cases, results, strict=True)


def group_cases(todo: dict[Case, dict], workers: int) -> dict[tuple[Case, ...], list[dict]]:
    """Return the tasks of ``todo``: its cases grouped by option set (by climate too when
    there are fewer option sets than ``workers``), the largest first."""
    groups: dict[tuple, list[Case]] = {}
    for case in todo:
        groups.setdefault((case.option,), []).append(case)
    if len(groups) < workers:
        groups = {}
        for case in todo:
            groups.setdefault((case.option, case.climate), []).append(case)
    ordered = sorted(groups.values(), key=len, reverse=True)
    return {tuple(cases): [todo[c] for c in cases] for cases in ordered}
