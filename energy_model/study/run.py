"""Run every case of a study (the file is described in :mod:`energy_model.study.schema`).

:func:`run_study` expands a study into case specifications (:mod:`energy_model.study.spec`),
skips the cases finished before (``DIR/cache/<key>.json``: the key hashes the inputs' content,
the case, the shared settings and the package's source files, so a re-run skips finished cases
and recomputes changed ones), runs the others (:func:`run_cases`: local processes by default, or a
Dask cluster; the cases of one option set run together and re-solve one kept model per climate,
:mod:`energy_model.study.batch`), reports failed cases with their reasons without stopping the
others, and writes ``DIR/results.nc`` (an xarray Dataset with dimensions ``option``,
``climate``, ``stress``, ``country``, ``origin``), tidy CSV tables of the same numbers
(``indicators.csv``, ``cba.csv`` among them) and ``DIR/summary.md``.

A new kind of study (screening, investment) builds its own :class:`~energy_model.study.spec.
CaseSpec` values and calls :func:`run_cases`; the caches of the case engine are cleared when
a run ends (:func:`energy_model.study.case.clear_caches`).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

import xarray as xr

from energy_model.data.loading import load_inputs
from energy_model.data.names import resolve_inputs
from energy_model.outdir import output_dir
from energy_model.provenance import hash_inputs
from energy_model.study import batch
from energy_model.study.assemble import assemble, option_capex, write_study_outputs
from energy_model.study.cache import clear_inputs_cache, read_record, write_record
from energy_model.study.case import clear_caches
from energy_model.study.cases import early_options, expand_cases, study_power
from energy_model.study.pool import StudyInterruptedError, execute
from energy_model.study.schema import Case, Study
from energy_model.study.spec import CaseSpec, case_spec

logger = logging.getLogger(__name__)


def run_study(study: Study, out: str | Path, inputs: str | Path | None = None,
              workers: int | None = None, scheduler: str | None = None,
              progress: bool = True, force: bool = False) -> xr.Dataset:
    """Run every case of ``study`` and write the results to ``out``.

    Parameters
    ----------
    study : Study
        The validated study (:func:`energy_model.study.schema.load_study`).
    out : str or Path
        Output directory (created; ``out/cache`` keeps finished cases between runs).
    inputs : str or Path, optional
        Inputs directory (default: the ``inputs/`` shipped with the package, wherever Python
        runs).
    workers : int, optional
        Local worker processes (default: the number of CPUs); 1 runs in this process.
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:port``); cases then run there.
    progress : bool
        Show a progress bar on stderr (one step per case).
    force : bool
        Write into ``out`` although it holds files energy_model did not write (they are kept;
        see :func:`energy_model.outdir.output_dir`). Result files are staged and moved into
        ``out`` when all are written; a lock stops a second run into the same ``out``.

    Returns
    -------
    xarray.Dataset
        The study's results; ``status`` is ``ok``, ``failed`` (the reason is logged and listed
        in ``summary.md``) or ``missing`` per case.
    """
    out = Path(out)
    inputs = resolve_inputs(inputs)
    with output_dir(out, force=force, keep=("cache",)) as stage:
        return _run_study(study, out, stage, inputs, workers, scheduler, progress)


def _run_study(study: Study, out: Path, stage: Path, inputs: Path, workers: int | None,
               scheduler: str | None, progress: bool) -> xr.Dataset:
    cache = out / "cache"
    data = load_inputs(inputs)
    power = study_power(study, data)
    inputs_hash = hash_inputs(inputs)
    cases = expand_cases(study, data)
    settings = study.settings(power)
    results: dict[Case, dict] = {}
    todo: dict[Case, CaseSpec] = {}
    for case in cases:
        spec = case_spec(case, settings, inputs, inputs_hash, cache_dir=cache)
        cached = read_record(spec.cache, spec.key)
        if cached is not None:
            results[case] = cached
        else:
            todo[case] = spec
    notes = early_options(study, data)
    for note in notes:
        logger.warning(note)
    logger.info("study %s: %d cases, %d cached, %d to run", study.name, len(cases),
                len(results), len(todo))
    results.update(run_cases(todo, workers, scheduler, progress=progress, desc=study.name,
                             done=len(results), total=len(cases)))
    failed = {c: r for c, r in results.items() if r.get("status") != "ok"}
    if failed:
        logger.error("%d of %d case(s) failed; the results of the others and summary.md (which "
                     "lists the failed cases with their reasons) are written", len(failed),
                     len(cases))
    ds = assemble(study, cases, results, inputs_hash, power)
    ds.attrs["notes"] = json.dumps(notes)
    ds.attrs["failed"] = json.dumps([[c.option, c.climate, c.stress,  # reasons on one line
                                      " ".join(str(r.get("error", "")).split())]
                                     for c, r in failed.items()])
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
    from energy_model.study.experiments import write_reference_network

    write_reference_network(study, data, power, stage)  # the report's maps read it
    return ds


def run_cases(todo: dict[Case, CaseSpec], workers: int | None = None,
              scheduler: str | None = None, progress: bool = False, desc: str = "cases",
              done: int = 0, total: int | None = None,
              task: Callable[[list[CaseSpec]], list[dict]] | None = None) -> dict[Case, dict]:
    """Solve the cases ``todo``; return one record per case (``status`` ``ok`` or ``failed``).

    The cases of one option set run together in one task (``task``, by default
    :func:`energy_model.study.batch.run_option_set`: one model per climate, re-solved in place
    for every stress; a new kind of study may pass its own, which must report each finished
    case with :func:`energy_model.study.pool.report_case_done`); with fewer option sets than
    workers, each option set's climates become tasks of their own. A task that
    fails as a whole (its worker died three times, a Dask ``KilledWorker``) fails each of its cases
    with the reason; every other case is unaffected. A finished case is logged as failed with its
    reason, or written to its cache record if the worker could not (e.g. on Dask).

    The progress bar (``progress``) advances per finished case, from ``done`` of ``total``;
    its rate is the mean over the cases solved so far. Ctrl-C or SIGTERM stops the workers at
    once and raises :class:`energy_model.study.pool.StudyInterruptedError` (finished cases are
    cached). The per-process caches of the case engine are cleared when the run ends.
    """
    from tqdm.auto import tqdm

    total = len(todo) + done if total is None else total
    bar = tqdm(total=total, initial=done, desc=desc, disable=not progress, unit="case",
               smoothing=0.0)
    counted: set[str] = set()

    def advance(key: str) -> None:
        if key not in counted:
            counted.add(key)
            bar.update(1)

    results: dict[Case, dict] = {}
    tasks = group_cases(todo, workers or os.cpu_count() or 1)
    try:
        for cases, records in execute(tasks, task or batch.run_option_set, workers, scheduler,
                                      on_case=advance, cleanup=clear_run_caches):
            if isinstance(records, dict):  # the whole task failed (e.g. a worker died)
                records = [records] * len(cases)
            for case, res in zip(cases, records, strict=True):
                spec = todo[case]
                results[case] = res
                if res.get("status") != "ok":
                    logger.error("case %s failed: %s", spec.label(), res.get("error"))
                elif spec.cache and not Path(spec.cache).exists():  # e.g. a Dask worker
                    write_record(spec.cache, spec.key, res)
                advance(spec.key or spec.label())
    except StudyInterruptedError:
        kept = sum(bool(s.cache) and Path(s.cache).exists() for s in todo.values())
        raise StudyInterruptedError(
            f"study interrupted after {kept} of {len(todo)} case(s) to run; the finished "
            "cases are kept in the cache: run the same command again to continue") from None
    finally:
        bar.close()
        clear_run_caches()
    return results


def clear_run_caches() -> None:
    """Forget what this process kept for a run: undisturbed years, capacity indicators, inputs."""
    clear_caches()
    clear_inputs_cache()


def group_cases(todo: dict[Case, CaseSpec], workers: int) -> dict[tuple[Case, ...],
                                                                   list[CaseSpec]]:
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
