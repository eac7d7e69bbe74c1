"""The 1-in-20 design demand of the ENTSOG climatic cases, derived from its one source of truth.

``design_demand.csv`` holds only what ``gas_demand.csv`` does not: a region's 1-in-20 design day
where separate evidence puts it above the average year's peak day (for example an observed
record), and a two-week rate where one is published. Every other design rate is *derived* on
loading (:func:`complete_design_demand`), never copied:

* ``peak_day_1in20`` = the ``peak_day`` row of ``gas_demand.csv`` (the same value, source and
  estimate flag);
* ``two_week_1in20`` = ``peak_day_1in20`` x the parameter ``two_week_to_peak_day``.

ENTSOG defines the 14-day Uniform Risk case as "a 14-day average daily demand situation
forecasted under the same risk of a climatic occurrence close to 1-in-20 years" (GRIP CEE
2014–2023, Definitions). No national 14-day values are published for the modelled countries;
the ratio is ENTSOG's own European aggregate: the 14-day Uniform Risk average daily final demand
lies 10–14 % below the 1-day Design Case in every scenario year (TYNDP 2015 §4.3.3.1,
Figure 4.22), so the ratio is 0.88 (the middle of 0.86–0.90), one number in
``parameters.csv`` with that source.

:func:`check_design_demand` (run by the validator) refuses a ``design_demand.csv`` row that
copies, or falls below, the ``gas_demand.csv`` peak day it would replace.

References
----------
ENTSOG, *Ten-Year Network Development Plan 2015*, §4.3.3.1 (p. 56),
https://user-30078157.cld.bz/ENTSOG-TYNDP-2015/56 ; ENTSOG, *GRIP Central-Eastern Europe
2014–2023*, Definitions (p. 87), https://cld.bz/a7spf1y/87/
"""

from __future__ import annotations

import pandas as pd

from energy_model import units
from energy_model.data.cells import parse_number
from energy_model.data.problems import Problem

TWO_WEEK_PARAMETER: str = "two_week_to_peak_day"
"""Parameter of ``parameters.csv``: 1-in-20 two-week average over the 1-in-20 peak day [-]."""

_KEY = ["region", "year"]


def complete_design_demand(design: pd.DataFrame, gas_demand: pd.DataFrame,
                           two_week_ratio: float | None) -> pd.DataFrame:
    """Return the full design demand table: given rows first, the rest derived.

    Parameters
    ----------
    design : pandas.DataFrame
        ``design_demand.csv`` as loaded (with ``value_internal`` [MW]).
    gas_demand : pandas.DataFrame
        ``gas_demand.csv`` as loaded; its ``peak_day`` rows are the design day wherever
        ``design`` has no ``peak_day_1in20`` row.
    two_week_ratio : float or None
        ``two_week_to_peak_day`` [-]; needed only when a two-week rate must be derived.

    Returns
    -------
    pandas.DataFrame
        One ``peak_day_1in20`` and one ``two_week_1in20`` row per region and year of
        ``gas_demand``'s peak days, same columns as ``design``; derived rows say so in ``note``.
    """
    peak = design[design.metric == "peak_day_1in20"]
    given = set(map(tuple, peak[_KEY].astype(str).to_numpy()))
    src = gas_demand[gas_demand.metric == "peak_day"]
    derived = src[[tuple(k) not in given for k in src[_KEY].astype(str).to_numpy()]].copy()
    derived["metric"] = "peak_day_1in20"
    derived["note"] = "Derived: the peak_day row of gas_demand.csv taken as the 1-in-20 day."
    peak = pd.concat([peak, derived[design.columns.intersection(derived.columns)]],
                     ignore_index=True)
    week = design[design.metric == "two_week_1in20"]
    given = set(map(tuple, week[_KEY].astype(str).to_numpy()))
    todo = peak[[tuple(k) not in given for k in peak[_KEY].astype(str).to_numpy()]].copy()
    if len(todo) and two_week_ratio is None:
        raise ValueError(f"parameters.csv has no {TWO_WEEK_PARAMETER!r} to derive the two-week "
                         "design rate of " + ", ".join(sorted(set(todo.region))))
    if len(todo):
        todo["metric"] = "two_week_1in20"
        todo["value"] = todo.value * two_week_ratio
        todo["value_internal"] = todo.value_internal * two_week_ratio
        todo["estimate"] = True
        todo["note"] = (f"Derived: peak_day_1in20 x {TWO_WEEK_PARAMETER} "
                        f"({two_week_ratio:g}, parameters.csv).")
    out = pd.concat([peak, week, todo], ignore_index=True)
    return out.sort_values(["region", "year", "metric"]).reset_index(drop=True)


def check_design_demand(raw: dict[str, pd.DataFrame]) -> list[Problem]:
    """Return the problems of ``design_demand.csv`` against ``gas_demand.csv`` (strings).

    A ``peak_day_1in20`` row must not repeat the ``peak_day`` row it replaces (a copy goes
    stale: derive it instead) and must not be below it (a 1-in-20 day is not milder than the
    average year's peak day).
    """
    design, demand = raw.get("design_demand.csv"), raw.get("gas_demand.csv")
    cols = {"region", "year", "metric", "value", "unit"}
    if design is None or demand is None or not (cols <= set(design.columns)
                                                 and cols <= set(demand.columns)):
        return []
    peak = demand[demand.metric.str.strip() == "peak_day"]
    ref = {(r.region.strip(), r.year.strip()): (r.value, r.unit) for r in peak.itertuples()}
    out = []
    for i, r in design.iterrows():
        key = (r.region.strip(), r.year.strip())
        if r.metric.strip() != "peak_day_1in20" or key not in ref:
            continue
        try:
            mine = units.to_mw(parse_number(r.value), r.unit.strip())
            theirs = units.to_mw(parse_number(ref[key][0]), ref[key][1].strip())
        except (ValueError, KeyError):
            continue  # the cell checks report the bad number or unit
        if abs(mine - theirs) <= 1e-6 * max(abs(theirs), 1.0):
            out.append(Problem("design_demand.csv", int(i) + 2, "value",
                               f"copies the peak_day row of gas_demand.csv for {key[0]} "
                               f"{key[1]}", "delete the row: the design day is derived from "
                               "gas_demand.csv"))
        elif mine < theirs:
            out.append(Problem("design_demand.csv", int(i) + 2, "value",
                               f"the 1-in-20 design day of {key[0]} {key[1]} is below its "
                               "average-year peak day in gas_demand.csv",
                               "correct one of the two rows"))
    return out
