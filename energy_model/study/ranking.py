"""Ranking of a study's option sets, with ties shown as ties.

Rule (also written into ``summary.md``): when the study has ENTSOG's design cases (``peak-day``,
``two-week``), option sets are ranked by their **disrupted demand in the design cases**: the mean
daily unserved gas over each case's window [mcm/d], summed over stresses, design cases and both
curtailment rules (ENTSOG judges disruptions on the design climate); then by the disrupted demand
summed over every case [bcm]. Without design cases, by the latter alone; less is better. Second,
by the **margin** of the recipients of Azerbaijani gas (``ds.attrs["recipients"]``; all
countries without it): the additional disruption each can absorb before its first curtailment
[mcm/d] (:mod:`energy_model.analysis.margins`), summed over recipients, stresses and design
cases (cooperative curtailment); more is better. Sets whose totals are equal after rounding to
:data:`TIE_MCM_D` / :data:`TIE_BCM` on disrupted demand *and* :data:`TIE_MCM_D` on margin share a
rank (competition ranking: 1, 1, 3); ``decided_by`` says which criterion separates a set from the
set ranked just above it (for the first: just below it). :data:`TIE_MCM_D` is also the
threshold at which the findings count a country as curtailed. Within a tie the table is
ordered by cost, and ``cost_rank`` ranks all sets by cost alone: the operating cost of the
undisturbed average year plus the
options' annualised capex and fixed O&M [bn EUR/yr]. A set with a failed case ranks after all
complete ones.
"""

from __future__ import annotations

import json

import pandas as pd
import xarray as xr

TIE_BCM: float = 0.01
"""Disrupted-demand totals equal after rounding to this step are ties [bcm]."""

TIE_MCM_D: float = 0.1
"""Design-case totals (disrupted demand, margin) equal after rounding to this step are ties
[mcm/d]; a country with at least this mean disrupted demand over a case's window counts as
curtailed (findings, screening)."""

DESIGN_CLIMATES: tuple[str, ...] = ("peak-day", "two-week", "two-week-dunkelflaute")
"""Climatic cases that count as ENTSOG design cases in the ranking."""

TIE_BN_EUR: float = 0.01
"""Costs equal after rounding to this step are ties [bn EUR/yr]."""

RULE = ("Rule: options are ranked by the disrupted demand in the design cases when the study "
        "has them (peak-day, two-week): mean unserved gas per day of each case's window [mcm/d], "
        "summed over stress cases, design cases and both curtailment rules (cooperative and "
        "isolated), as ENTSOG judges disruptions on the design climate; then by the disrupted "
        "demand summed over every case [bcm]; less is better; then by the margin of the "
        "recipients: the additional disruption each can absorb before its first curtailment, "
        "summed over recipients, stresses and design cases [mcm/d]; more is better. Totals "
        f"equal after rounding to {TIE_MCM_D} mcm/d and {TIE_BCM} bcm on disrupted demand and "
        f"to {TIE_MCM_D} mcm/d on margin are ties and share a rank; `decided_by` names the "
        "criterion that separates a set from the one ranked just above it. Within a tie the "
        "table is ordered by cost; `cost_rank` ranks by cost alone (operating cost of the "
        "undisturbed average year plus the options' annualised capex and fixed O&M; equal "
        f"after rounding to {TIE_BN_EUR} bn EUR/yr share a rank). A set with a failed case "
        "ranks last.")

COLUMNS = {
    "rank": "rank by disrupted demand, then margin (equal rank = tie)",
    "decided_by": "what separates the set from the one ranked just above it (the first: just "
                  "below): disrupted demand, margin, or tie (equal on both)",
    "design_mcm_d": "disrupted demand in the design cases: mean mcm/d over each window, summed "
                    "over stresses, design cases and both curtailment rules [mcm/d]",
    "disrupted_bcm": "disrupted demand summed over stresses, climates and both curtailment "
                     "rules [bcm]",
    "cooperative_bcm": "disrupted demand summed over the cases, cooperative curtailment [bcm]",
    "isolated_bcm": "the same, isolated (uncooperative) curtailment [bcm]",
    "worst_case_bcm": "largest disrupted demand of one case (either rule) [bcm]",
    "margin_mcm_d": "additional disruption the recipients can absorb before their first "
                    "curtailment, summed over recipients, stresses and design cases "
                    "(cooperative) [mcm/d]",
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
    table["design_mcm_d"] = _design_mcm_d(ds)
    table.loc[table.failed_cases > 0, "design_mcm_d"] = float("nan")
    table["cost_bn_eur_per_yr"] = _undisturbed_cost(ds) / 1e9
    table["margin_mcm_d"] = _margin_mcm_d(ds)
    bad = table.failed_cases > 0
    design = (table.design_mcm_d / TIE_MCM_D).round().where(~bad, float("inf"))
    total = (table.disrupted_bcm / TIE_BCM).round().where(~bad, float("inf"))
    table["_design"] = design.fillna(0.0 if table.design_mcm_d.isna().all() else float("inf"))
    table["_key"] = total.fillna(float("inf"))
    table["_margin"] = -(table.margin_mcm_d / TIE_MCM_D).round().where(~bad, float("-inf")) \
        .fillna(0.0)
    table["_cost"] = (table.cost_bn_eur_per_yr / TIE_BN_EUR).round()
    table = table.sort_values(["failed_cases", "_design", "_key", "_margin", "_cost"],
                              na_position="last")
    keys = list(zip(table._design, table._key, table._margin, strict=True))
    order = {k: i + 1 for i, k in reversed(list(enumerate(keys)))}
    table["rank"] = [order[k] for k in keys]
    table["decided_by"] = _decided_by(keys)
    table["cost_rank"] = table._cost.rank(method="min", na_option="bottom").astype(int)
    table = table.drop(columns=["_design", "_key", "_margin", "_cost"])
    table.index.name = "option"
    return _round(table[list(COLUMNS)])


def _decided_by(keys: list[tuple]) -> list[str]:
    """Name the criterion that separates each ranked set from its neighbour above (the first
    set: below)."""
    out = []
    for i, k in enumerate(keys):
        j = i - 1 if i > 0 else 1
        if j >= len(keys):
            out.append("only set")
        elif k[:2] != keys[j][:2]:
            out.append("disrupted demand")
        elif k[2] != keys[j][2]:
            out.append("margin")
        else:
            out.append("tie")
    return out


def _margin_mcm_d(ds: xr.Dataset) -> pd.Series:
    """Margin of the recipients per option set [mcm/d] (NaN without design-case margins)."""
    index = pd.Index(ds.option.values, name="option")
    if "absorbable" not in ds or "climate" not in ds.dims:
        return pd.Series(float("nan"), index=index)
    design = [c for c in map(str, ds.climate.values) if c in DESIGN_CLIMATES]
    if not design:
        return pd.Series(float("nan"), index=index)
    sub = ds.absorbable.sel(climate=design)
    recipients = json.loads(ds.attrs.get("recipients", "null") or "null")
    if recipients:
        sub = sub.sel(country=[c for c in recipients if c in sub.country.values])
    ok = (ds.status.sel(climate=design) == "ok")
    total = sub.where(ok).sum([d for d in sub.dims if d != "option"], min_count=1)
    return total.to_series().reindex(index)


def _design_mcm_d(ds: xr.Dataset) -> pd.Series:
    """Disrupted demand in the design cases per option set [mcm/d] (NaN without such cases)."""
    index = pd.Index(ds.option.values, name="option")
    if "climate" not in ds.dims:
        return pd.Series(float("nan"), index=index)
    design = [c for c in map(str, ds.climate.values) if c in DESIGN_CLIMATES]
    if not design:
        return pd.Series(float("nan"), index=index)
    sub = ds.sel(climate=design)
    days = sub.window_days if "window_days" in sub.coords else xr.ones_like(
        sub.climate, dtype=float)
    total = 0.0
    for var in ("unserved_gas", "unserved_gas_isolated"):
        if var in sub:
            daily = sub[var].fillna(0.0).sum("country") * 1000.0 / days
            total = total + daily.sum([d for d in daily.dims if d != "option"])
    return total.to_series().reindex(index)


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
    for col in ("disrupted_bcm", "cooperative_bcm", "isolated_bcm", "worst_case_bcm",
                "design_mcm_d", "margin_mcm_d"):
        out[col] = out[col].round(2) + 0.0  # + 0.0 turns -0.0 into 0.0
    out["cost_bn_eur_per_yr"] = out.cost_bn_eur_per_yr.round(3) + 0.0
    return out
