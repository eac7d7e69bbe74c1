"""Ranking of a study's option sets, with ties shown as ties.

Rule (also written into ``summary.md``): option sets are ranked by the **disrupted demand**
(unserved gas) summed over every stress case, every climatic case and both curtailment rules
(cooperative and, where the study has it, isolated) [bcm]; less is better. Sets whose totals are
equal after rounding to :data:`TIE_BCM` share a rank (competition ranking: 1, 1, 3). Within a tie
the table is ordered by cost, and ``cost_rank`` ranks all sets by cost alone: the operating cost
of the undisturbed average year plus the options' annualised capex and fixed O&M [bn EUR/yr].
A set with a failed case ranks after all complete ones.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

TIE_BCM: float = 0.01
"""Disrupted-demand totals equal after rounding to this step are ties [bcm]."""

TIE_BN_EUR: float = 0.01
"""Costs equal after rounding to this step are ties [bn EUR/yr]."""

RULE = ("Rule: options are ranked by the disrupted demand (unserved gas) summed over every "
        "stress case, climatic case and curtailment rule (cooperative and isolated) [bcm]; "
        f"less is better. Totals equal after rounding to {TIE_BCM} bcm are ties and share a "
        "rank. Within a tie the table is ordered by cost; `cost_rank` ranks by cost alone "
        "(operating cost of the undisturbed average year plus the options' annualised capex "
        f"and fixed O&M; equal after rounding to {TIE_BN_EUR} bn EUR/yr share a rank). A set "
        "with a failed case ranks last.")

COLUMNS = {
    "rank": "rank by disrupted demand (equal rank = tie)",
    "disrupted_bcm": "disrupted demand summed over stresses, climates and both curtailment "
                     "rules [bcm]",
    "cooperative_bcm": "disrupted demand summed over the cases, cooperative curtailment [bcm]",
    "isolated_bcm": "the same, isolated (uncooperative) curtailment [bcm]",
    "worst_case_bcm": "largest disrupted demand of one case (either rule) [bcm]",
    "failed_cases": "cases that did not solve",
    "cost_bn_eur_per_yr": "operating cost of the undisturbed average year plus the options' "
                          "annualised capex and fixed O&M [bn EUR/yr]",
    "cost_rank": "rank by cost alone (equal rank = tie)",
}
"""Legend of the columns of :func:`rank_options`."""


def _sum_cases(da: xr.DataArray) -> pd.Series:
    dims = [d for d in da.dims if d != "option"]
    return da.sum(dims, min_count=1).to_series()


def rank_options(ds: xr.Dataset) -> pd.DataFrame:
    """Return the ranking table of a study (index: option set label; columns :data:`COLUMNS`)."""
    ok = ds.status == "ok"
    coop_case = ds.unserved_gas.fillna(0.0).where(ok).sum("country", min_count=1)
    coop = _sum_cases(coop_case)
    if "unserved_gas_isolated" in ds and ds.unserved_gas_isolated.notnull().any():
        iso_case = ds.unserved_gas_isolated.fillna(0.0).where(ok).sum("country", min_count=1)
        iso = _sum_cases(iso_case)
        worst = xr.concat([coop_case, iso_case], "rule")
    else:
        iso = pd.Series(0.0, index=coop.index)
        worst = coop_case.expand_dims(rule=1)
    failed = (ds.status != "ok").sum([d for d in ds.status.dims if d != "option"]).to_series()
    table = pd.DataFrame({
        "cooperative_bcm": coop,
        "isolated_bcm": iso.fillna(0.0),
        "worst_case_bcm": worst.max([d for d in worst.dims if d != "option"]).to_series(),
        "failed_cases": failed,
    })
    table["disrupted_bcm"] = table.cooperative_bcm + table.isolated_bcm
    table.loc[table.failed_cases > 0, "disrupted_bcm"] = float("nan")
    table["cost_bn_eur_per_yr"] = _undisturbed_cost(ds) / 1e9
    key = (table.disrupted_bcm / TIE_BCM).round()
    table["_key"] = key.where(table.failed_cases == 0, float("inf")).fillna(float("inf"))
    table["_cost"] = (table.cost_bn_eur_per_yr / TIE_BN_EUR).round()
    table = table.sort_values(["failed_cases", "_key", "_cost"], na_position="last")
    table["rank"] = table._key.rank(method="min").astype(int)
    table["cost_rank"] = table._cost.rank(method="min", na_option="bottom").astype(int)
    table = table.drop(columns=["_key", "_cost"])
    table.index.name = "option"
    return _round(table[list(COLUMNS)])


def ties(table: pd.DataFrame) -> list[list[str]]:
    """Return the groups of option sets that share a rank (two or more)."""
    groups = table.groupby("rank").groups
    return [list(v) for _, v in sorted(groups.items()) if len(v) > 1]


def _undisturbed_cost(ds: xr.Dataset) -> pd.Series:
    """Operating cost of the undisturbed average year + option capex and FOM [EUR/yr]."""
    cost = ds.total_cost
    if "climate" in cost.dims:
        cost = cost.sel(climate="average") if "average" in ds.climate.values \
            else cost.isel(climate=0)
    cost = cost.sel(stress="none") if "none" in ds.stress.values else cost.mean("stress")
    if "option_capex" in ds:
        cost = cost + ds.option_capex
    return cost.to_series()


def _round(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for col in ("disrupted_bcm", "cooperative_bcm", "isolated_bcm", "worst_case_bcm"):
        out[col] = out[col].round(2) + 0.0  # + 0.0 turns -0.0 into 0.0
    out["cost_bn_eur_per_yr"] = out.cost_bn_eur_per_yr.round(3) + 0.0
    return out
