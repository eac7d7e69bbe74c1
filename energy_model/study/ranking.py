"""Ranking of a study's option sets."""

from __future__ import annotations

import pandas as pd
import xarray as xr


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
