"""Build once, solve many: every case of one option set from a few kept models.

The cases of one option set differ only in bounds, right-hand sides and costs (a stress cuts
supply or capacity, scales prices or adds a demand; a climatic case sets the design demand), so
:func:`run_option_set` builds one model per climate and curtailment rule and re-solves it in
place for every stress (:class:`energy_model.optimization.resolve.Resolver`):

* ``average``: the undisturbed year (stress ``none``) is solved first; each stress is applied to
  the same network and re-solved from the last basis (warm: 0.6-0.9 x a cold solve on the year,
  measured by ``examples/benchmark.py``). The reference of the short cases (storage as the last
  resort, :func:`energy_model.scenarios.climates.prepare_reference`) is one more in-place
  re-solve of the undisturbed year.
* ``peak-day``, ``two-week``: one cooperative model and one uncooperative (mixed-integer) model
  per climate; each stress is re-solved in place, cold (presolve on; as fast as warm on the
  short LPs). The MILP's big-M terms follow the stressed capacities (``Resolver`` rewrites
  them).
* The average year's isolated variant (only in studies without design cases: flows capped at
  their undisturbed values, without the cooperative bands) is rebuilt per case.

A case the kept model cannot take (:class:`energy_model.optimization.resolve.
RebuildRequiredError`, e.g. a stress that removes a storage site's withdrawal) or that fails in
place is solved again from scratch by :func:`energy_model.study.case.run_case`, with the same
undisturbed reference. Every case, in place or from scratch, ends in
:func:`energy_model.study.case.complete_case` (one path to a case's record).
The numbers are those of the cold, one-case-at-a-time runs (the same LPs; tested), except where
an LP has several optima (flows of a degenerate year may differ, costs and unserved gas do not).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import pypsa

from energy_model.data.loading import Inputs
from energy_model.study.cache import cached_inputs
from energy_model.study.case import (
    build_case,
    case_logging,
    complete_case,
    isolated_average_unserved,
    keep_undisturbed,
    run_case,
    undisturbed,
    unserved_gas,
)
from energy_model.study.pool import failure, report_case_done
from energy_model.study.spec import AVERAGE, CaseSpec

if TYPE_CHECKING:
    from energy_model.optimization.resolve import Resolver

logger = logging.getLogger(__name__)


def run_option_set(specs: list[CaseSpec]) -> list[dict]:
    """Solve every case of one option set; return one result per spec (same order).

    ``specs`` all have the same option set and settings. A case that fails gets
    ``{"status": "failed", "error": ...}``; the others are not affected.
    """
    with case_logging():
        return _run_option_set(specs)


def _run_option_set(specs: list[CaseSpec]) -> list[dict]:
    from energy_model.network.build import build_network

    first = specs[0]
    settings = first.settings
    out: list[dict | None] = [None] * len(specs)
    try:
        data = cached_inputs(first.inputs, first.inputs_hash)
    except Exception as err:  # e.g. the inputs changed: every case fails with the reason
        return [_keep(spec, failure(err)) for spec in specs]
    by_climate: dict[str, list[int]] = {}
    for i, spec in enumerate(specs):
        by_climate.setdefault(spec.climate, []).append(i)
    design = [c for c in by_climate if c != AVERAGE]
    try:
        base = build_network(settings.year, first.options, data, power=settings.power,
                             resolution=settings.resolution)
    except Exception as err:  # every case fails the same way: from scratch, with its error
        logger.warning("option set %s failed to build: %s", first.options, err)
        base = None
    if base is not None:
        _run_average(specs, by_climate.get(AVERAGE, []), base.copy(), data, out,
                     need_reference=design)
        if settings.resolution == "daily":
            for climate in design:
                _run_design(specs, by_climate[climate], climate, base, data, out)
    for i, spec in enumerate(specs):  # what the kept models could not take: from scratch
        if out[i] is None:
            out[i] = _keep(spec, _guard(lambda s=spec: run_case(s)))
    return out  # type: ignore[return-value]


def _guard(run: Callable[[], dict]) -> dict:
    """Return ``run()``, or a failed result holding its error."""
    try:
        return run()
    except Exception as err:  # one case's failure must not stop the others
        return failure(err)


def _run_average(specs: list[CaseSpec], idx: list[int], n: pypsa.Network, data: Inputs,
                 out: list, need_reference: list[str]) -> None:
    """Solve the average-year cases on ``n`` (the built year) in place; keep the undisturbed
    reference for the short cases."""
    from energy_model.optimization.resolve import RebuildRequiredError, Resolver
    from energy_model.scenarios.climates import (
        DESIGN_CLIMATES,
        prepare_reference,
        reference_state,
    )
    from energy_model.scenarios.curtailment import apply_cooperative_curtailment
    from energy_model.scenarios.stresses import apply_stress

    spec0 = specs[(idx or [0])[0]]
    if spec0.cooperative:
        apply_cooperative_curtailment(n)
    try:
        r = Resolver(n, spec0.solver)
    except Exception as err:
        logger.warning("option set %s: the undisturbed year failed in place (%s); every case "
                       "is solved from scratch", spec0.options, err)
        return
    meta = dict(r.n.meta)
    entry = {"p0": r.n.links_t.p0.copy(), "reference": {c: None for c in DESIGN_CLIMATES}}
    order = sorted(idx, key=lambda i: specs[i].stress != "none")  # the undisturbed first
    for i in order:
        spec = specs[i]

        def case(spec: CaseSpec = spec) -> dict:
            _restore(r, meta)
            apply_stress(r.n, spec.stress, data)
            if spec.stress != "none":
                r.solve(warm=True)
            return complete_case(  # the isolated variant without the bands: rebuilt
                spec, r.n, data,
                isolated=lambda: isolated_average_unserved(build_case(spec, data), entry["p0"],
                                                           spec.solver),
                proto=lambda: build_case(spec, data))

        out[i] = _keep(spec, _in_place(case, spec))
    if need_reference and spec0.settings.resolution == "daily":
        _restore(r, meta)
        prepare_reference(r.n)
        try:
            r.solve(warm=True)
        except (RebuildRequiredError, Exception) as err:
            logger.warning("reference solve in place failed (%s); rebuilt per case", err)
            return
        entry["reference"] = {c: reference_state(r.n, c) for c in DESIGN_CLIMATES}
    keep_undisturbed(spec0, entry)


def _run_design(specs: list[CaseSpec], idx: list[int], climate: str, base: pypsa.Network,
                data: Inputs, out: list) -> None:
    """Solve the short ``climate`` cases from ``base`` (the built year, unsolved): one
    cooperative and one uncooperative kept model."""
    from energy_model.optimization.resolve import Resolver, prefer_warm
    from energy_model.scenarios.climates import make_climate_case
    from energy_model.scenarios.curtailment import (
        apply_cooperative_curtailment,
        apply_uncooperative_curtailment,
    )
    from energy_model.scenarios.stresses import apply_stress

    spec0 = specs[idx[0]]
    try:
        proto = base.copy()
        make_climate_case(proto, climate, data, undisturbed(spec0, data)["reference"][climate])
    except Exception as err:
        logger.warning("%s: the undisturbed case failed to build (%s)", climate, err)
        return
    coop = proto.copy()
    if spec0.cooperative:
        apply_cooperative_curtailment(coop)
    kept = {"coop": coop}
    if spec0.isolated_variant() == "uncooperative":
        iso = proto.copy()
        apply_uncooperative_curtailment(iso)
        kept["iso"] = iso
    solvers: dict = {}
    for key, n in kept.items():
        try:
            solvers[key] = Resolver(n, spec0.solver)
        except Exception as err:
            logger.warning("%s (%s): the undisturbed case failed in place (%s)", climate, key,
                           err)
            return
    metas = {key: dict(r.n.meta) for key, r in solvers.items()}
    warm = prefer_warm(proto)
    for i in sorted(idx, key=lambda i: specs[i].stress != "none"):
        spec = specs[i]

        def isolated(spec: CaseSpec = spec) -> dict:
            u = solvers["iso"]
            _restore(u, metas["iso"])
            apply_stress(u.n, spec.stress, data)
            if spec.stress != "none":
                u.solve(warm=False, assign="generators")
            return unserved_gas(u.n)

        def case(spec: CaseSpec = spec, isolated=isolated) -> dict:
            r = solvers["coop"]
            _restore(r, metas["coop"])
            apply_stress(r.n, spec.stress, data)
            if spec.stress != "none":
                r.solve(warm=warm)
            return complete_case(spec, r.n, data, isolated=isolated,
                                 proto=lambda: build_case(spec, data))

        out[i] = _keep(spec, _in_place(case, spec))


def _keep(spec: CaseSpec, result: dict | None) -> dict | None:
    """Write a finished case to the study's cache at once (an interrupt then loses nothing) and
    report it to the study's progress bar."""
    if result is None:
        return None
    if result.get("status") == "ok" and spec.cache:
        from energy_model.study.cache import write_record

        try:
            write_record(spec.cache, spec.key, result)
        except OSError as err:  # e.g. a Dask worker without the study's disk
            logger.debug("case not cached by the worker: %s", err)
    report_case_done(spec.key or spec.label())
    return result


def _in_place(case: Callable[[], dict], spec: CaseSpec) -> dict | None:
    """Return ``case()``; ``None`` (solve it from scratch later) when the kept model can't."""
    try:
        return case()
    except Exception as err:
        logger.info("case %s re-solved from scratch: %s", spec.label(), err)
        return None


def _restore(r: Resolver, meta: dict) -> None:
    """Put a kept network back to its undisturbed numbers and case notes."""
    r.reset()
    r.n.meta = dict(meta)
