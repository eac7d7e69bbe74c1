"""Whole studies: every option x stress case of a study file, in parallel, with a cache.

A study file (YAML)::

    name: diversification-2030
    year: 2030
    options:                 # label -> list of option names; `reference` is the empty list
      reference: []
      tcp-full: [tcp-full]
    stresses: [none, russia-cut, slid]     # `slid` expands to one case per country
    resolution: daily        # optional: daily | weeks | hourly
    power: true              # optional: electricity layer on (default: on if an option needs it)
    solver: {solver: simplex}  # optional HiGHS options
    curtailment: cooperative # optional: cooperative (default) | least-cost
    isolated: false          # optional: also the isolated curtailment of every stressed case
    remaining_flexibility: false  # optional: ENTSOG remaining flexibility per case (slow)

:func:`run_study` solves every case (local processes by default, or a Dask cluster), keeps
each finished case in ``DIR/cache/<key>.json`` (the key hashes the inputs, the case and the
package version, so a re-run skips finished cases and recomputes changed ones), reports failed
cases without stopping the others, and writes ``DIR/results.nc`` (an xarray Dataset with
dimensions ``option``, ``stress``, ``country``, ``origin``), tidy CSV tables of the same numbers
(``indicators.csv``, ``cba.csv`` among them) and ``DIR/summary.md``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
import yaml

from energy_model.inputs import Inputs, load_inputs
from energy_model.results import hash_inputs, package_version
from energy_model.timeseries import RESOLUTIONS

logger = logging.getLogger(__name__)

STUDY_KEYS = {"name", "year", "options", "stresses", "resolution", "power", "solver",
              "curtailment", "isolated", "remaining_flexibility"}
"""Keys allowed in a study file."""


class StudyError(ValueError):
    """A study file is invalid; ``problems`` lists every problem."""

    def __init__(self, path: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} problem(s)\n"
                         + "\n".join(f"  - {p}" for p in problems))


@dataclass
class Study:
    """A validated study."""

    name: str
    year: int
    options: dict[str, list[str]]
    stresses: list[str]
    resolution: str = "daily"
    power: bool | None = None
    solver: dict = field(default_factory=dict)
    curtailment: str = "cooperative"
    isolated: bool = False
    remaining_flexibility: bool = False


@dataclass(frozen=True)
class Case:
    """One option x stress case of a study."""

    option: str
    option_names: tuple[str, ...]
    stress: str


def load_study(path: str | Path, data: Inputs) -> Study:
    """Read and validate a study file; raise :class:`StudyError` listing every problem."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise StudyError(str(path), [f"cannot be read as YAML: {err}"]) from None
    problems = validate_study(raw, data)
    if problems:
        raise StudyError(str(path), problems)
    return Study(**raw)


def validate_study(raw: object, data: Inputs) -> list[str]:
    """Return every problem of a parsed study file (empty when valid)."""
    if not isinstance(raw, dict):
        return ["the file must be a mapping with keys " + ", ".join(sorted(STUDY_KEYS))]
    out = [f"unknown key {k!r}; allowed: {sorted(STUDY_KEYS)}" for k in raw
           if k not in STUDY_KEYS]
    out += [f"missing key {k!r}" for k in ("name", "year", "options", "stresses") if k not in raw]
    if "name" in raw and not (isinstance(raw["name"], str) and raw["name"]):
        out.append("key 'name': give a non-empty text")
    if "year" in raw and raw["year"] not in (2024, 2026, 2030):
        out.append(f"key 'year': {raw['year']!r} is not a model year (2024, 2026, 2030)")
    known_options = set(data.options.option)
    opts = raw.get("options")
    if "options" in raw:
        if not isinstance(opts, dict) or not opts:
            out.append("key 'options': give a mapping from a label to a list of option names")
        else:
            for label, names in opts.items():
                if not isinstance(names, list):
                    out.append(f"options.{label}: give a list of option names ([] for none)")
                    continue
                for name in names:
                    if name not in known_options:
                        out.append(f"options.{label}: unknown option {name!r}; known: "
                                   f"{sorted(known_options)}")
    stresses = raw.get("stresses")
    if "stresses" in raw:
        known = set(data.stresses.stress) | {"none", "slid"}
        if not isinstance(stresses, list) or not stresses:
            out.append("key 'stresses': give a list of stress names (`none` = undisturbed)")
        else:
            out += [f"stresses: unknown stress {s!r}; known: {sorted(known)}"
                    for s in stresses if s not in known]
    if raw.get("resolution", "daily") not in RESOLUTIONS:
        out.append(f"key 'resolution': {raw['resolution']!r} is not one of {list(RESOLUTIONS)}")
    if "power" in raw and not isinstance(raw["power"], bool):
        out.append("key 'power': write true or false")
    if raw.get("curtailment", "cooperative") not in ("cooperative", "least-cost"):
        out.append(f"key 'curtailment': {raw['curtailment']!r} is not 'cooperative' or "
                   "'least-cost'")
    for key in ("isolated", "remaining_flexibility"):
        if key in raw and not isinstance(raw[key], bool):
            out.append(f"key {key!r}: write true or false")
    if "solver" in raw and not isinstance(raw["solver"], dict):
        out.append("key 'solver': give a mapping of HiGHS options")
    return out


def expand_cases(study: Study, data: Inputs) -> list[Case]:
    """Return every case of ``study``; ``slid`` becomes one ``slid-XX`` case per gas country."""
    stresses: list[str] = []
    for s in study.stresses:
        if s == "slid":
            stresses += [f"slid-{c}" for c in data.demand_regions()]
        else:
            stresses.append(s)
    return [Case(label, tuple(names), s) for label, names in study.options.items()
            for s in stresses]


def early_options(study: Study, data: Inputs) -> list[str]:
    """Return a note for each option the study builds before its earliest year."""
    earliest = data.options.set_index("option").earliest_year
    names = sorted({x for names in study.options.values() for x in names})
    return [f"option {x!r} is assumed built in {study.year}, before its earliest year "
            f"{int(earliest[x])}" for x in names if int(earliest[x]) > study.year]


def study_power(study: Study, data: Inputs) -> bool:
    """Return whether the study's cases include the electricity layer."""
    from energy_model.cases import power_options

    if study.power is not None:
        return study.power
    needs = power_options(data)
    return any(set(names) & needs for names in study.options.values())


def case_key(case: Case, study: Study, power: bool, inputs_hash: str) -> str:
    """Return the cache key of a case: a hash of inputs, case, settings and package code."""
    payload = json.dumps({"case": asdict(case), "year": study.year, "power": power,
                          "curtailment": study.curtailment, "isolated": study.isolated,
                          "remaining_flexibility": study.remaining_flexibility,
                          "resolution": study.resolution, "solver": study.solver,
                          "inputs": inputs_hash, "version": package_version(),
                          "code": code_hash()},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def code_hash() -> str:
    """Return a hash of the package's source files, so a code change invalidates the cache."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


_INPUTS: dict[str, Inputs] = {}
_UNDISTURBED_FLOWS: dict[str, pd.DataFrame] = {}  # per worker process: reused across stresses


def run_case(spec: dict) -> dict:
    """Build, stress and solve one case; return its results as a JSON-ready dict.

    ``spec`` holds ``inputs`` (directory), ``year``, ``options``, ``stress``, ``power``,
    ``resolution`` and ``solver``. Runs in a worker process; inputs are loaded once per process.
    """
    from energy_model.build import build_network
    from energy_model.cases import (
        apply_cooperative_curtailment,
        apply_stress,
        isolate_countries,
    )
    from energy_model.results import unserved_by_country
    from energy_model.solve import solve

    logging.getLogger("energy_model").setLevel(logging.WARNING)
    data = _INPUTS.get(spec["inputs"])
    if data is None:
        data = _INPUTS[spec["inputs"]] = load_inputs(spec["inputs"])

    def build():
        return build_network(spec["year"], spec["options"], data, power=spec["power"],
                             resolution=spec["resolution"])

    n = build()
    apply_stress(n, spec["stress"], data)
    if spec.get("curtailment", "cooperative") == "cooperative":
        apply_cooperative_curtailment(n)
    solve(n, solver_options=spec["solver"])
    out = summarise_case(n, data)
    if spec.get("isolated"):
        out["unserved_gas_isolated_bcm"] = out["unserved_gas_bcm"]
        if spec["stress"] != "none":
            key = json.dumps([spec[k] for k in ("inputs", "year", "options", "power",
                                                "resolution", "solver")], default=str)
            if key not in _UNDISTURBED_FLOWS:
                _UNDISTURBED_FLOWS[key] = solve(build(), solver_options=spec["solver"]).links_t.p0
            iso = build()
            apply_stress(iso, spec["stress"], data)
            isolate_countries(iso, _UNDISTURBED_FLOWS[key])
            solve(iso, solver_options=spec["solver"])
            out["unserved_gas_isolated_bcm"] = unserved_by_country(iso).round(6).to_dict()
    if spec.get("remaining_flexibility"):
        from energy_model.indicators import remaining_flexibility

        def stressed():
            m = build()
            apply_stress(m, spec["stress"], data)
            return m

        out["remaining_flexibility"] = remaining_flexibility(stressed).round(6).to_dict()
    return out


def summarise_case(n, data: Inputs | None = None) -> dict:
    """Return the numbers a study keeps of one solved case (N-1 and IRD given ``data``)."""
    from energy_model.results import unserved_by_country
    from energy_model.trace import trace_deliveries
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
    }
    if data is not None:
        from energy_model.indicators import import_route_diversification, n_minus_1

        nm1 = n_minus_1(n, data).n_minus_1
        out["n_minus_1"] = nm1.round(4).to_dict()
        out["ird"] = {c: round(import_route_diversification(n, c), 4) for c in nm1.index}
    if n.meta.get("power"):
        from energy_model.power import summarise_power

        p = summarise_power(n)
        out["gas_for_power_bcm"] = p.gas_for_power_bcm.to_dict()
        out["co2_mt"] = p.co2_mt.to_dict()
    return out


def run_study(study: Study, out: str | Path, inputs: str | Path = "inputs",
              workers: int | None = None, scheduler: str | None = None,
              progress: bool = True) -> xr.Dataset:
    """Run every case of ``study`` and write the results to ``out``.

    Parameters
    ----------
    workers : int, optional
        Local worker processes (default: the number of CPUs); 1 runs in this process.
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:port``); cases then run there.
    progress : bool
        Show a progress bar on stderr.
    """
    from tqdm.auto import tqdm

    out = Path(out)
    cache = out / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    data = load_inputs(inputs)
    power = study_power(study, data)
    inputs_hash = hash_inputs(inputs)
    cases = expand_cases(study, data)
    results: dict[Case, dict] = {}
    todo: dict[Case, dict] = {}
    for case in cases:
        path = cache / f"{case_key(case, study, power, inputs_hash)}.json"
        if path.exists():
            results[case] = json.loads(path.read_text())
        else:
            todo[case] = {"inputs": str(Path(inputs).resolve()), "year": study.year,
                          "options": list(case.option_names), "stress": case.stress,
                          "power": power, "resolution": study.resolution,
                          "solver": study.solver, "curtailment": study.curtailment,
                          "isolated": study.isolated,
                          "remaining_flexibility": study.remaining_flexibility,
                          "cache": str(path)}
    for note in early_options(study, data):
        logger.warning(note)
    logger.info("study %s: %d cases, %d cached, %d to run", study.name, len(cases),
                len(results), len(todo))
    bar = tqdm(total=len(cases), initial=len(results), desc=study.name, disable=not progress,
               unit="case")
    for case, res in _execute(todo, workers, scheduler):
        results[case] = res
        if res["status"] == "ok":
            _write_atomic(Path(todo[case]["cache"]), json.dumps(res))
        else:
            logger.error("case %s / %s failed: %s", case.option, case.stress, res["error"])
        bar.update(1)
    bar.close()
    ds = assemble(study, cases, results, inputs_hash, power)
    ds.attrs["notes"] = json.dumps(early_options(study, data))
    capex = option_capex(study, data)
    ds["option_capex"] = ("option", [capex[o] for o in ds.option.values], {"units": "EUR/yr"})
    write_study_outputs(ds, out)
    from energy_model.cba import appraise

    appraise(ds, data).to_csv(out / "cba.csv", index=False)
    return ds


def _execute(todo: dict[Case, dict], workers: int | None, scheduler: str | None):
    """Yield ``(case, result)`` as cases finish; a failure becomes a result with its error."""
    if not todo:
        return
    if scheduler:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed

        with Client(scheduler) as client:
            futures = {client.submit(run_case, spec, pure=False): case
                       for case, spec in todo.items()}
            for fut in dask_completed(futures):
                yield futures[fut], _result_of(fut.result, fut.exception)
        return
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        for case, spec in todo.items():
            try:
                yield case, run_case(spec)
            except Exception as err:
                yield case, {"status": "failed", "error": f"{type(err).__name__}: {err}"}
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(run_case, spec): case for case, spec in todo.items()}
        for fut in as_completed(futures):
            yield futures[fut], _result_of(fut.result, fut.exception)


def _result_of(result, exception) -> dict:
    try:
        err = exception()
        if err is None:
            return result()
    except BaseException as exc:
        err = exc
    return {"status": "failed", "error": f"{type(err).__name__}: {err}"}


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def assemble(study: Study, cases: list[Case], results: dict[Case, dict], inputs_hash: str,
             power: bool) -> xr.Dataset:
    """Collect case results into one Dataset (dimensions option, stress, country, origin)."""
    options = list(dict.fromkeys(c.option for c in cases))
    stresses = list(dict.fromkeys(c.stress for c in cases))
    ok = {c: r for c, r in results.items() if r.get("status") == "ok"}
    countries = sorted({k for r in ok.values() for k in r["gas_demand_bcm"]}
                       | {d[0] for r in ok.values() for d in r["deliveries"]})
    origins = sorted({d[1] for r in ok.values() for d in r["deliveries"]})

    def grid(*extra: list[str]) -> np.ndarray:
        return np.full((len(options), len(stresses), *map(len, extra)), np.nan)

    cost, capex = grid(), grid()
    status = np.full((len(options), len(stresses)), "missing", dtype=object)
    per_country = {k: grid(countries) for k in ("unserved_gas", "gas_demand", "price",
                                                "gas_for_power", "co2", "n_minus_1", "ird",
                                                "unserved_gas_isolated",
                                                "remaining_flexibility")}
    delivered = grid(countries, origins)
    keys = {"unserved_gas": "unserved_gas_bcm", "gas_demand": "gas_demand_bcm",
            "price": "price_eur_per_mwh", "gas_for_power": "gas_for_power_bcm", "co2": "co2_mt",
            "n_minus_1": "n_minus_1", "ird": "ird",
            "unserved_gas_isolated": "unserved_gas_isolated_bcm",
            "remaining_flexibility": "remaining_flexibility"}
    for case, res in results.items():
        i, j = options.index(case.option), stresses.index(case.stress)
        status[i, j] = res.get("status", "failed")
        if res.get("status") != "ok":
            continue
        cost[i, j], capex[i, j] = res["total_cost_eur"], res.get("capex_eur", 0.0)
        for var, key in keys.items():
            for country, v in res.get(key, {}).items():
                if country in countries:
                    per_country[var][i, j, countries.index(country)] = v
        delivered[i, j] = 0.0
        for country, origin, v in res["deliveries"]:
            delivered[i, j, countries.index(country), origins.index(origin)] = v
    dims = ("option", "stress")
    cdims = (*dims, "country")
    ds = xr.Dataset(
        {
            "total_cost": (dims, cost, {"units": "EUR"}),
            "capex": (dims, capex, {"units": "EUR/yr", "long_name": "annualised capex"}),
            "status": (dims, status.astype(str)),
            "unserved_gas": (cdims, per_country["unserved_gas"], {"units": "bcm"}),
            "gas_demand": (cdims, per_country["gas_demand"], {"units": "bcm"}),
            "price": (cdims, per_country["price"], {"units": "EUR/MWh"}),
            "gas_for_power": (cdims, per_country["gas_for_power"], {"units": "bcm"}),
            "co2": (cdims, per_country["co2"], {"units": "Mt"}),
            "delivered": ((*cdims, "origin"), delivered, {"units": "bcm"}),
            "n_minus_1": (cdims, per_country["n_minus_1"], {"units": "%"}),
            "ird": (cdims, per_country["ird"], {"units": "-"}),
            "unserved_gas_isolated": (cdims, per_country["unserved_gas_isolated"],
                                      {"units": "bcm"}),
            "remaining_flexibility": (cdims, per_country["remaining_flexibility"],
                                      {"units": "fraction"}),
        },
        coords={"option": options, "stress": stresses, "country": countries,
                "origin": origins},
        attrs={"study": study.name, "year": study.year, "resolution": study.resolution,
               "power": int(power), "inputs_sha256": inputs_hash,
               "energy_model_version": package_version(),
               "options": json.dumps(study.options)},
    )
    total = ds.delivered.sum("origin")
    share = ds.delivered / total.where(total > 0)
    ds["curtailment_rate"] = (ds.unserved_gas / ds.gas_demand.where(ds.gas_demand > 0))
    ds["curtailment_rate"].attrs["units"] = "fraction"
    ds["curtailment_rate_isolated"] = (ds.unserved_gas_isolated
                                       / ds.gas_demand.where(ds.gas_demand > 0))
    ds["curtailment_rate_isolated"].attrs["units"] = "fraction"
    ds["russian_share"] = share.sel(origin="RU", drop=True) if "RU" in ds.origin.values \
        else xr.zeros_like(total)
    ds["russian_share"].attrs["units"] = "fraction"
    ds["hhi_origin"] = ((share * 100) ** 2).sum("origin", min_count=1)
    ds["hhi_origin"].attrs["units"] = "-"
    return ds


INDICATORS = {"n_minus_1": "%", "curtailment_rate": "fraction", "unserved_gas": "bcm",
              "curtailment_rate_isolated": "fraction", "unserved_gas_isolated": "bcm",
              "remaining_flexibility": "fraction", "ird": "-", "hhi_origin": "-",
              "russian_share": "fraction", "price": "EUR/MWh", "co2": "Mt"}
"""Indicators written to ``indicators.csv`` (``unserved_gas`` as ``disrupted_demand``)."""

_NAMES = {"unserved_gas": "disrupted_demand", "unserved_gas_isolated": "disrupted_demand_isolated"}


def tabulate_indicators(ds: xr.Dataset) -> pd.DataFrame:
    """Return the long indicator table ``option, stress, country, indicator, value, unit``."""
    parts = []
    for var, unit in INDICATORS.items():
        df = ds[var].to_dataframe(name="value").reset_index()[
            ["option", "stress", "country", "value"]].dropna()
        name = _NAMES.get(var, var)
        parts.append(df.assign(indicator=name, unit=unit))
    out = pd.concat(parts, ignore_index=True)
    return out[["option", "stress", "country", "indicator", "value", "unit"]]


def write_study_outputs(ds: xr.Dataset, out: Path) -> None:
    """Write ``results.nc``, the tidy CSV tables and ``summary.md``."""
    ds.to_netcdf(out / "results.nc")
    ds[["total_cost", "capex", "status"]].to_dataframe().reset_index().to_csv(
        out / "costs.csv", index=False)
    per = ds[["unserved_gas", "gas_demand", "price", "gas_for_power", "co2"]]
    per.to_dataframe().reset_index().dropna(subset=["gas_demand"]).to_csv(
        out / "countries.csv", index=False)
    d = ds.delivered.to_dataframe().reset_index()
    d[d.delivered > 1e-6].rename(columns={"delivered": "bcm"}).to_csv(
        out / "deliveries.csv", index=False)
    tabulate_indicators(ds).to_csv(out / "indicators.csv", index=False)
    (out / "summary.md").write_text(format_summary(ds))


def option_capex(study: Study, data: Inputs) -> dict[str, float]:
    """Return the annualised capex plus fixed O&M of each option set [EUR/yr].

    ``capex × (annuity(discount rate, lifetime) + fom_share)`` summed over the set's options;
    extendable options are left out, the optimiser already pays for what it builds.
    """
    from energy_model.cases import annuity

    o = data.options.set_index("option")
    a = data.option_assets
    extendable = set(a.option[a.action == "extendable_pipeline"])
    rate = data.parameters["discount_rate"]
    return {label: float(sum(o.at[x, "capex_meur"] * 1e6
                             * (annuity(rate, o.at[x, "lifetime_yr"]) + o.at[x, "fom_share"])
                             for x in names if x not in extendable))
            for label, names in study.options.items()}


def rank_options(ds: xr.Dataset) -> pd.DataFrame:
    """Rank options: least unserved gas summed over stress cases, then least total cost.

    An option set with a failed case ranks after all complete ones (its sums are NaN).
    Returns a table with ``unserved_gas_bcm`` (sum over all stresses and countries),
    ``worst_case_bcm`` (largest total of one stress case), ``cost_none_bn_eur`` (system cost of
    the undisturbed case plus the option's annualised capex and fixed O&M) and ``rank``.
    """
    uns = ds.unserved_gas.sum("country", min_count=1)
    table = pd.DataFrame({
        "unserved_gas_bcm": uns.sum("stress", skipna=False).to_series(),
        "worst_case_bcm": uns.max("stress", skipna=False).to_series(),
        "failed_cases": (ds.status != "ok").sum("stress").to_series(),
    })
    cost = ds.total_cost + ds.option_capex
    cost = cost.sel(stress="none") if "none" in ds.stress.values else cost.mean("stress")
    table["cost_none_bn_eur"] = (cost / 1e9).to_series()
    table = table.sort_values(["failed_cases", "unserved_gas_bcm", "cost_none_bn_eur"],
                              na_position="last")
    table["rank"] = range(1, len(table) + 1)
    return table.round(4)


def format_summary(ds: xr.Dataset) -> str:
    """Return the Markdown summary of a study."""
    ranking = rank_options(ds)
    uns = ds.unserved_gas.sum("country", min_count=1).to_pandas().round(3)
    failed = [(o, s) for o in ds.option.values for s in ds.stress.values
              if ds.status.sel(option=o, stress=s).item() != "ok"]
    lines = [
        f"# Study {ds.attrs['study']} ({ds.attrs['year']}, {ds.attrs['resolution']})",
        "",
        f"{ds.sizes['option']} option sets x {ds.sizes['stress']} stress cases; inputs "
        f"{ds.attrs['inputs_sha256'][:12]}, energy_model {ds.attrs['energy_model_version']}.",
        "",
        "## Ranking",
        "",
        "Rule: options are ranked by the unserved gas summed over all stress cases and countries "
        "(less is better); ties are broken by the total cost of the undisturbed case (`none`): "
        "operating cost of the year plus the options' annualised capex and fixed O&M.",
        "",
        ranking.to_markdown(),
        "",
        "## Unserved gas by stress case [bcm/yr]",
        "",
        uns.to_markdown(),
        "",
    ]
    notes = json.loads(ds.attrs.get("notes", "[]"))
    if notes:
        lines += ["## Notes", ""] + [f"- {x}" for x in notes] + [""]
    if failed:
        lines += ["## Failed cases", ""] + [f"- {o} / {s}" for o, s in failed] + [""]
    return "\n".join(lines)

