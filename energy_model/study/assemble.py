"""Collect case results into one Dataset and write its tidy tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from energy_model.analysis.bottlenecks import bottleneck_table
from energy_model.analysis.indicators import curtailment_band, rf_band
from energy_model.data.loading import Inputs
from energy_model.network.options import annual_option_cost
from energy_model.provenance import package_version
from energy_model.study.schema import Case, Study
from energy_model.study.summary import study_bottlenecks, tabulate_costs


def assemble(study: Study, cases: list[Case], results: dict[Case, dict], inputs_hash: str,
             power: bool) -> xr.Dataset:
    """Collect case results into one Dataset (dimensions option, climate, stress, country, origin).

    Volumes (``unserved_gas``, ``gas_demand``, ``delivered``) are over each case's window
    (``window_days``: 365 for ``average``, 1 for ``peak-day``, 14 for ``two-week``), so
    ``curtailment_rate`` is the share of the window's demand, ENTSOG's time basis, and
    ``disrupted_demand_daily`` the mean daily disrupted volume [mcm/d].
    """
    options = list(dict.fromkeys(c.option for c in cases))
    climates = list(dict.fromkeys(c.climate for c in cases))
    stresses = list(dict.fromkeys(c.stress for c in cases))
    ok = {c: r for c, r in results.items() if r.get("status") == "ok"}
    countries = sorted({k for r in ok.values() for k in r["gas_demand_bcm"]}
                       | {d[0] for r in ok.values() for d in r["deliveries"]})
    origins = sorted({d[1] for r in ok.values() for d in r["deliveries"]})

    def grid(*extra: list[str]) -> np.ndarray:
        return np.full((len(options), len(climates), len(stresses), *map(len, extra)), np.nan)

    cost, capex = grid(), grid()
    status = np.full((len(options), len(climates), len(stresses)), "missing", dtype=object)
    window = {c: {"average": 365.0, "peak-day": 1.0, "two-week": 14.0}.get(c, np.nan)
              for c in climates}
    per_country = {k: grid(countries) for k in ("unserved_gas", "gas_demand", "price",
                                                "gas_for_power", "co2", "n_minus_1", "ird",
                                                "unserved_gas_isolated",
                                                "remaining_flexibility", "scarcity_days",
                                                "absorbable")}
    delivered = grid(countries, origins)
    keys = {"unserved_gas": "unserved_gas_bcm", "gas_demand": "gas_demand_bcm",
            "price": "price_eur_per_mwh", "gas_for_power": "gas_for_power_bcm", "co2": "co2_mt",
            "n_minus_1": "n_minus_1", "ird": "ird",
            "unserved_gas_isolated": "unserved_gas_isolated_bcm",
            "remaining_flexibility": "remaining_flexibility", "scarcity_days": "scarcity_days",
            "absorbable": "absorbable_mcm_d"}
    for case, res in results.items():
        i, j = options.index(case.option), (climates.index(case.climate),
                                             stresses.index(case.stress))
        status[(i, *j)] = res.get("status", "failed")
        if res.get("status") != "ok":
            continue
        cost[(i, *j)], capex[(i, *j)] = res["total_cost_eur"], res.get("capex_eur", 0.0)
        window[case.climate] = res.get("window_days", window[case.climate])
        for var, key in keys.items():
            for country, v in res.get(key, {}).items():
                if country in countries:
                    per_country[var][(i, *j, countries.index(country))] = v
        delivered[(i, *j)] = 0.0
        for country, origin, v in res["deliveries"]:
            delivered[(i, *j, countries.index(country), origins.index(origin))] = v
    dims = ("option", "climate", "stress")
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
            "absorbable": (cdims, per_country["absorbable"],
                           {"units": "mcm/d", "long_name": "additional disruption the country "
                            "can absorb before its first curtailment (design cases)"}),
            "scarcity_days": (cdims, per_country["scarcity_days"],
                              {"units": "days", "long_name": "days priced by unserved gas"}),
        },
        coords={"option": options, "climate": climates, "stress": stresses,
                "country": countries, "origin": origins,
                "window_days": ("climate", [window[c] for c in climates], {"units": "d"})},
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
    ds["disrupted_demand_daily"] = ds.unserved_gas * 1000.0 / ds.window_days
    ds["disrupted_demand_daily"].attrs["units"] = "mcm/d"
    ds["disrupted_demand_daily_isolated"] = ds.unserved_gas_isolated * 1000.0 / ds.window_days
    ds["disrupted_demand_daily_isolated"].attrs["units"] = "mcm/d"
    ds["curtailment_band"] = curtailment_band(ds.curtailment_rate)
    ds["rf_band"] = rf_band(ds.remaining_flexibility)
    ds["russian_share"] = share.sel(origin="RU", drop=True) if "RU" in ds.origin.values \
        else xr.zeros_like(total)
    ds["russian_share"].attrs["units"] = "fraction"
    ds["hhi_origin"] = ((share * 100) ** 2).sum("origin", min_count=1)
    ds["hhi_origin"].attrs["units"] = "-"
    ds.attrs["bottlenecks"] = bottleneck_table(  # one JSON table: option, climate, stress, link …
        {(c.option, c.climate, c.stress): r.get("bottlenecks", []) for c, r in ok.items()},
        keys=("option", "climate", "stress")).to_json(orient="records")
    return ds


INDICATORS = {"n_minus_1": "%", "curtailment_rate": "fraction", "unserved_gas": "bcm",
              "curtailment_rate_isolated": "fraction", "unserved_gas_isolated": "bcm",
              "disrupted_demand_daily": "mcm/d", "disrupted_demand_daily_isolated": "mcm/d",
              "remaining_flexibility": "fraction", "absorbable": "mcm/d", "ird": "-",
              "hhi_origin": "-",
              "russian_share": "fraction", "price": "EUR/MWh", "co2": "Mt"}
"""Indicators written to ``indicators.csv`` (``unserved_gas`` as ``disrupted_demand``)."""


_NAMES = {"unserved_gas": "disrupted_demand", "unserved_gas_isolated": "disrupted_demand_isolated",
          "absorbable": "absorbable_disruption"}


def tabulate_indicators(ds: xr.Dataset) -> pd.DataFrame:
    """Return the long indicator table ``option, climate, stress, country, indicator, value, unit``.

    Volumes are over the case window (``bcm`` per year, peak day or two weeks); the daily
    indicators are in ``mcm/d``; ``curtailment_band`` and ``rf_band`` (ENTSOG's reporting bands)
    are in the ``band`` column of the rate and RF rows.
    """
    keys = ["option", "climate", "stress", "country"]
    bands = {"curtailment_rate": "curtailment_band", "remaining_flexibility": "rf_band"}
    parts = []
    for var, unit in INDICATORS.items():
        cols = [var] + ([bands[var]] if var in bands else [])
        df = ds[cols].to_dataframe().reset_index()
        df = df.rename(columns={var: "value", bands.get(var, "_"): "band"})
        df = df.dropna(subset=["value"])
        name = _NAMES.get(var, var)
        parts.append(df.assign(indicator=name, unit=unit)[
            [*keys, "indicator", "value", "unit", *(["band"] if var in bands else [])]])
    out = pd.concat(parts, ignore_index=True)
    out["band"] = out["band"].fillna("") if "band" in out else ""
    return out[[*keys, "indicator", "value", "unit", "band"]]


def write_study_outputs(ds: xr.Dataset, out: Path) -> None:
    """Write ``results.nc`` and the tidy CSV tables (``summary.md`` is written after the CBA by
    :func:`energy_model.study.summary.write_summary`)."""
    ds.to_netcdf(out / "results.nc")
    tabulate_costs(ds).to_csv(out / "costs.csv", index=False)
    per = ds[["unserved_gas", "gas_demand", "price", "gas_for_power", "co2"]]
    per.to_dataframe().reset_index().dropna(subset=["gas_demand"]).round(4).to_csv(
        out / "countries.csv", index=False)
    study_bottlenecks(ds).to_csv(out / "bottlenecks.csv", index=False)
    d = ds.delivered.to_dataframe().reset_index()
    d[d.delivered > 1e-6].rename(columns={"delivered": "bcm"}).to_csv(
        out / "deliveries.csv", index=False)
    tabulate_indicators(ds).to_csv(out / "indicators.csv", index=False)


def option_capex(study: Study, data: Inputs) -> dict[str, float]:
    """Return the annualised capex plus fixed O&M of each option set [EUR/yr].

    ``capex × (annuity(discount rate, lifetime) + fom_share)`` summed over the set's options;
    extendable options are left out, the optimiser already pays for what it builds.
    """

    a = data.option_assets
    extendable = set(a.option[a.action == "extendable_pipeline"])
    return {label: float(sum(annual_option_cost(data, x) for x in names if x not in extendable))
            for label, names in study.options.items()}
