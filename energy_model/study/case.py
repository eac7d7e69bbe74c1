"""One case of a study: build (or restore) -> apply climate and stress -> solve -> summarise.

:func:`run_case` solves one :class:`~energy_model.study.spec.CaseSpec` from scratch;
:mod:`energy_model.study.batch` solves many cases of one option set on kept models and must give
the same records. Both end in :func:`complete_case`, the one place that turns a solved case into
its record (the summary of :func:`summarise_case`, the isolated variant the spec asks for,
remaining flexibility).

Two caches live in the process that solves cases, both scoped to a run
(:func:`clear_caches`, called when a study ends): the undisturbed average year of each option set
(:func:`undisturbed`: its flows cap the isolated average year, its storage levels start the short
cases) and the capacity indicators of each capacity state (:func:`capacity_indicators`).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from energy_model.data.loading import Inputs
from energy_model.study.cache import cached_inputs
from energy_model.study.spec import AVERAGE, CaseSpec

logger = logging.getLogger(__name__)

_UNDISTURBED: dict[str, dict] = {}
"""Per process and run: the undisturbed average year of each option set (flows, storage levels)."""

_CHATTY = ("energy_model.data.loading", "energy_model.network.build",
           "energy_model.optimization.solver")
"""Loggers whose INFO messages repeat for every case a worker solves (shown as DEBUG there)."""


class _AsDebug(logging.Filter):
    """Pass a record on as DEBUG when it was INFO (a filter changes no logger's level)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO:
            if not logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
                return False  # a DEBUG record its logger would not have passed
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


@contextlib.contextmanager
def case_logging() -> Iterator[None]:
    """Show the per-case INFO messages of loading, building and solving as DEBUG while the
    block runs (a study reports its progress instead); no logger's level is changed."""
    flt = _AsDebug()
    loggers = [logging.getLogger(name) for name in _CHATTY]
    for lg in loggers:
        lg.addFilter(flt)
    try:
        yield
    finally:
        for lg in loggers:
            lg.removeFilter(flt)


def clear_caches() -> None:
    """Forget this process's undisturbed years and capacity indicators (end of a run)."""
    _UNDISTURBED.clear()
    _CAPACITY_INDICATORS.clear()


def run_case(spec: CaseSpec) -> dict:
    """Build, stress and solve one case from scratch; return its record (a JSON-ready dict).

    Runs in a worker process; inputs are loaded once per process and content
    (:func:`energy_model.study.cache.cached_inputs`).

    A short climatic case (``peak-day``, ``two-week``) starts from the storage levels of the
    undisturbed average year of the same option set (solved once per worker and option set;
    :mod:`energy_model.scenarios.climates`). The isolated variant is ENTSOG's uncooperative
    behaviour in short cases (a country exports only when it curtails nothing) and, in the
    average year, every cross-border flow capped at its undisturbed value
    (:meth:`~energy_model.study.spec.CaseSpec.isolated_variant`).
    """
    from energy_model.optimization.solver import solve
    from energy_model.scenarios.curtailment import (
        apply_cooperative_curtailment,
        apply_uncooperative_curtailment,
    )

    with case_logging():
        data = cached_inputs(spec.inputs, spec.inputs_hash)
        proto = build_case(spec, data)
        n = proto.copy()
        if spec.cooperative:
            apply_cooperative_curtailment(n)
        solve(n, solver_options=spec.solver)

        def isolated() -> dict:
            if spec.isolated_variant() == "capped":
                return isolated_average_unserved(proto, undisturbed(spec, data)["p0"],
                                                 spec.solver)
            iso = proto.copy()
            apply_uncooperative_curtailment(iso)
            solve(iso, solver_options=spec.solver)
            return unserved_gas(iso)

        return complete_case(spec, n, data, isolated=isolated, proto=lambda: proto)


def complete_case(spec: CaseSpec, n, data: Inputs, isolated: Callable[[], dict],
                  proto: Callable[[], object]) -> dict:
    """Return the record of a solved case: the one path for a case alone or in a batch.

    Parameters
    ----------
    spec : CaseSpec
        The case.
    n : pypsa.Network
        The solved case (cooperative or least-cost rule as the study asks).
    data : Inputs
        The inputs the case was built from (for N-1 and IRD).
    isolated : callable
        Returns unserved gas per country [bcm] of the case's isolated variant; called only when
        :meth:`~energy_model.study.spec.CaseSpec.isolated_variant` needs a solve.
    proto : callable
        Returns the case's unsolved, stressed network; called only for remaining flexibility.
    """
    out = summarise_case(n, data)
    variant = spec.isolated_variant()
    if variant == "same":
        out["unserved_gas_isolated_bcm"] = out["unserved_gas_bcm"]
    elif variant != "none":
        out["unserved_gas_isolated_bcm"] = isolated()
    if spec.settings.remaining_flexibility:
        out["remaining_flexibility"] = case_remaining_flexibility(proto())
    return out


def unserved_gas(n) -> dict:
    """Return unserved gas per country [bcm] of a solved case, rounded as records keep it."""
    from energy_model.analysis.tables import unserved_by_country

    return unserved_by_country(n).round(6).to_dict()


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
    from energy_model.study.experiments import remaining_flexibility

    return remaining_flexibility(proto.copy).round(6).to_dict()


def build_case(spec: CaseSpec, data: Inputs):
    """Return the unsolved, stressed network of a case (a short climatic case if asked)."""
    from energy_model.network.build import build_network
    from energy_model.scenarios.climates import make_climate_case
    from energy_model.scenarios.stresses import apply_stress

    s = spec.settings
    n = build_network(s.year, spec.options, data, power=s.power,
                      resolution=s.resolution if spec.climate == AVERAGE else "daily")
    if spec.climate != AVERAGE:
        make_climate_case(n, spec.climate, data,
                          undisturbed(spec, data)["reference"][spec.climate])
    apply_stress(n, spec.stress, data)
    return n


def keep_undisturbed(spec: CaseSpec, entry: dict) -> None:
    """Keep (in this process) the undisturbed average year of ``spec``'s option set.

    ``entry``: ``{"p0": links_t.p0 of the undisturbed year, "reference": {climate:
    reference_state or None}}``, as :func:`undisturbed` computes it.
    """
    if all(v is not None for v in entry["reference"].values()) \
            or spec.settings.resolution != "daily":
        _UNDISTURBED[spec.option_set_key()] = entry


def undisturbed(spec: CaseSpec, data: Inputs) -> dict:
    """Return (and keep per process) the undisturbed average year's flows and case states."""
    from energy_model.network.build import build_network
    from energy_model.optimization.solver import solve
    from energy_model.scenarios.climates import (
        DESIGN_CLIMATES,
        prepare_reference,
        reference_state,
    )

    key = spec.option_set_key()
    s = spec.settings
    if key not in _UNDISTURBED:
        build = lambda: build_network(s.year, spec.options, data,  # noqa: E731
                                      power=s.power, resolution=s.resolution)
        avg = solve(build(), solver_options=spec.solver)
        entry = {"p0": avg.links_t.p0, "reference": {c: None for c in DESIGN_CLIMATES}}
        if s.resolution == "daily":
            ref = build()
            prepare_reference(ref)
            solve(ref, solver_options=spec.solver)
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


