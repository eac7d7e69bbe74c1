"""Collect case results into one Dataset and write its tidy tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from energy_model.data.loading import Inputs
from energy_model.network.options import annuity
from energy_model.provenance import package_version
from energy_model.study.schema import Case, Study
from energy_model.study.summary import format_summary


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

    o = data.options.set_index("option")
    a = data.option_assets
    extendable = set(a.option[a.action == "extendable_pipeline"])
    rate = data.parameters["discount_rate"]
    return {label: float(sum(o.at[x, "capex_meur"] * 1e6
                             * (annuity(rate, o.at[x, "lifetime_yr"]) + o.at[x, "fom_share"])
                             for x in names if x not in extendable))
            for label, names in study.options.items()}
