"""Rules across the tables of ``inputs/``: data that is well-formed cell by cell but would change
the answer without a word.

* required tables with a header but no rows;
* a component name used by two component tables (an LNG terminal named like a pipeline);
* rows for years that are not model years (never used);
* a supplier without a price in a year it supplies;
* storage with zero working gas but injection or withdrawal;
* pipelines whose compressor fuel over their length would leave no gas (efficiency <= 0);
* parameters given as a fraction outside 0..1;
* every stress and option action: its target must name something that exists, its value and
  unit must be present and in range (a misspelt outage target would leave a case undisturbed).

:func:`check_consistency` is called by :func:`energy_model.data.validation.validate_inputs`
on the tables read as strings; each rule reports file, row, column and a fix.
"""

from __future__ import annotations

import logging

import pandas as pd

from energy_model import units
from energy_model.data.cells import numeric_column
from energy_model.data.design import check_design_demand
from energy_model.data.problems import Problem
from energy_model.data.schema import MODEL_YEARS, POWER_TECHNOLOGIES, VARIABLE_TECHNOLOGIES

logger = logging.getLogger(__name__)

NONEMPTY_TABLES: tuple[str, ...] = (
    "sources.csv", "regions.csv", "gas_demand.csv", "gas_demand_shape.csv", "gas_supply.csv",
    "supply_prices.csv", "pipelines.csv", "cost_of_disrupted_gas.csv", "parameters.csv")
"""Tables the gas model cannot do without: a header-only file is a problem."""

WARN_IF_EMPTY: tuple[str, ...] = ("storage.csv", "lng_terminals.csv")
"""Tables that may be empty in a small test dataset; a header-only file is logged as a warning."""

COMPONENT_TABLES: tuple[str, ...] = (
    "pipelines.csv", "lng_terminals.csv", "storage.csv", "power_links.csv", "offshore_wind.csv")
"""Tables whose ``name`` becomes a component name: names must be unique across them."""

MODEL_YEAR_TABLES: tuple[str, ...] = (
    "gas_demand.csv", "gas_supply.csv", "supply_prices.csv", "power_demand.csv",
    "power_capacity.csv", "gas_for_power.csv", "co2_prices.csv")
"""Tables whose rows are selected by model year: a row for another year is never used."""


def check_consistency(raw: dict[str, pd.DataFrame]) -> list[Problem]:
    """Return the problems across tables (``raw``: file name -> table read as strings)."""
    out: list[Problem] = []
    out += _check_nonempty(raw)
    out += _check_unique_names(raw)
    out += _check_model_years(raw)
    out += _check_prices(raw)
    out += _check_storage(raw)
    out += _check_compressor_fuel(raw)
    out += _check_parameters(raw)
    out += check_action_targets(raw)
    out += check_design_demand(raw)
    return out


def _num(s: pd.Series) -> pd.Series:
    return numeric_column(s)


def _has(raw: dict[str, pd.DataFrame], fname: str, *cols: str) -> bool:
    df = raw.get(fname)
    return df is not None and set(cols) <= set(df.columns)


def _col(raw: dict[str, pd.DataFrame], fname: str, col: str) -> set[str]:
    return set(raw[fname][col].str.strip()) - {""} if _has(raw, fname, col) else set()


def _check_nonempty(raw: dict[str, pd.DataFrame]) -> list[Problem]:
    out = [Problem(f, 2, None, "the table has a header but no rows",
                   "restore its rows (the model cannot run without this table)")
           for f in NONEMPTY_TABLES if f in raw and raw[f].empty]
    for f in WARN_IF_EMPTY:
        if f in raw and raw[f].empty:
            logger.warning("%s has a header but no rows: the model has no %s", f,
                           f.removesuffix(".csv").replace("_", " "))
    return out


def _check_unique_names(raw: dict[str, pd.DataFrame]) -> list[Problem]:
    out: list[Problem] = []
    first: dict[str, str] = {}
    for fname in COMPONENT_TABLES:
        if not _has(raw, fname, "name"):
            continue
        seen_here: set[str] = set()
        for i, name in raw[fname].name.str.strip().items():
            if name in first and first[name] != fname:
                out.append(Problem(fname, int(i) + 2, "name",
                                   f"name '{name}' is already used in {first[name]}",
                                   "give every pipeline, terminal, storage, power link and wind "
                                   "farm its own name"))
            seen_here.add(name)
        for name in seen_here:
            first.setdefault(name, fname)
    return out


def _check_model_years(raw: dict[str, pd.DataFrame]) -> list[Problem]:
    out: list[Problem] = []
    years = {str(y) for y in MODEL_YEARS}
    for fname in MODEL_YEAR_TABLES:
        if not _has(raw, fname, "year"):
            continue
        df = raw[fname]
        for i in df.index[~df.year.str.strip().isin(years) & df.year.str.strip().str.isdigit()]:
            out.append(Problem(fname, int(i) + 2, "year",
                               f"{df.year[i]} is not a model year {MODEL_YEARS}, so the row is "
                               "never used", f"use one of {list(MODEL_YEARS)} or remove the row"))
    return out


def _check_prices(raw: dict[str, pd.DataFrame]) -> list[Problem]:
    if not (_has(raw, "gas_supply.csv", "region", "year", "annual_max")
            and _has(raw, "supply_prices.csv", "region", "year")):
        return []
    s, p = raw["gas_supply.csv"], raw["supply_prices.csv"]
    priced = set(zip(p.region.str.strip(), p.year.str.strip(), strict=True))
    out: list[Problem] = []
    for i, row in s[_num(s.annual_max) > 0].iterrows():
        key = (row.region.strip(), row.year.strip())
        if key not in priced:
            out.append(Problem("gas_supply.csv", int(i) + 2, "region",
                               f"supplier {key[0]} has no price in {key[1]}",
                               f"add a row region={key[0]}, year={key[1]} to supply_prices.csv"))
    return out


def _check_storage(raw: dict[str, pd.DataFrame]) -> list[Problem]:
    if not _has(raw, "storage.csv", "working_gas", "injection", "withdrawal"):
        return []
    st = raw["storage.csv"]
    empty = _num(st.working_gas) == 0
    moves = (_num(st.injection) > 0) | (_num(st.withdrawal) > 0)
    return [Problem("storage.csv", int(i) + 2, "working_gas",
                    "zero working gas but injection or withdrawal capacity",
                    "give the working gas volume, or set injection and withdrawal to 0")
            for i in st.index[empty & moves]]


def _check_compressor_fuel(raw: dict[str, pd.DataFrame]) -> list[Problem]:
    if not (_has(raw, "parameters.csv", "parameter", "value")
            and _has(raw, "pipelines.csv", "length_km")):
        return []
    par = raw["parameters.csv"]
    fuel = _num(par.value[par.parameter == "compressor_fuel_per_1000km"])
    if fuel.empty or not 0 <= fuel.iloc[0] <= 1:
        return []
    pipes = raw["pipelines.csv"]
    eff = 1.0 - fuel.iloc[0] * _num(pipes.length_km) / 1000.0
    return [Problem("pipelines.csv", int(i) + 2, "length_km",
                    f"compressor fuel over {pipes.length_km[i]} km leaves an efficiency of "
                    f"{eff[i]:.3g}", "check the length [km] (and compressor_fuel_per_1000km)")
            for i in pipes.index[eff <= 0]]


def _check_parameters(raw: dict[str, pd.DataFrame]) -> list[Problem]:
    if not _has(raw, "parameters.csv", "parameter", "value", "unit"):
        return []
    par = raw["parameters.csv"]
    v = _num(par.value)
    bad = (par.unit.str.strip() == "fraction") & ((v < 0) | (v > 1))
    return [Problem("parameters.csv", int(i) + 2, "value",
                    f"{par.parameter[i]} = {par.value[i]} is a fraction outside 0..1",
                    "write the share as a fraction, e.g. 0.0075 for 0.75 %")
            for i in par.index[bad]]


# --- actions of stresses and options -----------------------------------------------------------


def _targets(raw: dict[str, pd.DataFrame]) -> dict[str, set[str]]:
    pipes = _col(raw, "pipelines.csv", "name")
    lng = _col(raw, "lng_terminals.csv", "name")
    storage = _col(raw, "storage.csv", "name")
    plinks = _col(raw, "power_links.csv", "name")
    demand = _col(raw, "gas_demand.csv", "region")
    regions = _col(raw, "regions.csv", "code")
    return {
        "supplier": _col(raw, "gas_supply.csv", "region"),
        "asset": pipes | {f"{p} reverse" for p in pipes} | _col(raw, "pipelines.csv", "asset")
        | lng | storage | plinks,
        "gas region": demand | {"all"},
        "technology": set(POWER_TECHNOLOGIES),
        "variable technology": set(VARIABLE_TECHNOLOGIES),
        "power region": _col(raw, "power_demand.csv", "region"),
        "pipeline": pipes,
        "link": pipes | {f"{p} reverse" for p in pipes} | lng,
        "LNG terminal": lng,
        "storage": storage,
        "power link": plinks,
        "wind farm": _col(raw, "offshore_wind.csv", "name"),
        "power plant": {f"{r} {t}" for r in regions for t in POWER_TECHNOLOGIES
                        if not t.startswith("gas")},
        "any": set(),
    }


_TABLE_OF = {"supplier": "gas_supply.csv (region)", "asset": "pipelines.csv (name or asset), "
             "lng_terminals.csv, storage.csv or power_links.csv",
             "gas region": "gas_demand.csv (region), or 'all'",
             "technology": "the power technologies",
             "variable technology": f"the technologies with a capacity-factor profile "
             f"{list(VARIABLE_TECHNOLOGIES)} (others have no capacity factor to scale)",
             "power region": "power_demand.csv (region)",
             "pipeline": "pipelines.csv", "link": "pipelines.csv (' reverse' appended for the "
             "reverse direction) or lng_terminals.csv", "LNG terminal": "lng_terminals.csv",
             "storage": "storage.csv", "power link": "power_links.csv",
             "wind farm": "offshore_wind.csv", "power plant": "'REGION technology' with a region "
             "of regions.csv and a non-gas technology"}

# action -> (what the target names, value: None | "fraction" | "positive", unit dimensions)
STRESS_RULES: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "cut_supply": ("supplier", None, ()),
    "outage": ("asset", "share", ("fraction",)),
    "scale_price": ("supplier", "positive", ("fraction",)),
    "scale_gas_demand": ("gas region", "positive", ("fraction",)),
    "peak_days": ("gas region", "positive", ()),
    "scale_capacity_factor": ("variable technology", "positive", ("fraction",)),
    "add_power_demand": ("power region", "positive", ("power",)),
    "slid": ("any", None, ()),
}
"""What each stress action's target names and which value it needs."""

OPTION_RULES: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "add_pipeline": ("pipeline", None, ()),
    "extendable_pipeline": ("pipeline", None, ()),
    "set_capacity": ("link", "positive", ("power", "annual")),
    "add_lng": ("LNG terminal", None, ()),
    "add_storage": ("storage", None, ()),
    "add_power_link": ("power link", None, ()),
    "add_offshore_wind": ("wind farm", None, ()),
    "add_power_capacity": ("power plant", "positive", ("power",)),
}
"""What each option action's target names and which value it needs."""


def check_action_targets(raw: dict[str, pd.DataFrame]) -> list[Problem]:
    """Return the problems of the stress and option actions (targets, values, units)."""
    targets = _targets(raw)
    out: list[Problem] = []
    for fname, owner, rules, catalogue in (
            ("stress_actions.csv", "stress", STRESS_RULES, "stresses.csv"),
            ("option_assets.csv", "option", OPTION_RULES, "options.csv")):
        if not _has(raw, fname, owner, "action", "target", "value", "unit"):
            continue
        df = raw[fname]
        for i, a in df.iterrows():
            out += _check_action(fname, int(i) + 2, a, rules, targets)
        acted = set(df[owner].str.strip())
        if _has(raw, catalogue, owner):
            cat = raw[catalogue]
            for i, name in cat[owner].str.strip().items():
                if name and name not in acted and name != "none":
                    out.append(Problem(catalogue, int(i) + 2, owner,
                                       f"{owner} '{name}' has no action in {fname}",
                                       f"add its actions to {fname} or remove the row"))
    return out


def _check_action(fname: str, line: int, a: pd.Series, rules: dict,
                  targets: dict[str, set[str]]) -> list[Problem]:
    rule = rules.get(str(a.action).strip())
    if rule is None:
        return []  # reported by the schema (choices)
    kind, value_rule, dims = rule
    out: list[Problem] = []
    target = str(a.target).strip()
    if kind != "any" and target not in targets[kind]:
        out.append(Problem(fname, line, "target",
                           f"{a.action} target '{target}' is not a known {kind}",
                           f"use a name from {_TABLE_OF[kind]}"))
    if value_rule is None:
        return out
    value = _num(pd.Series([a.value])).iloc[0]
    if pd.isna(value):
        out.append(Problem(fname, line, "value", f"{a.action} needs a value",
                           "fill in the value (and its unit)"))
        return out
    unit = str(a.unit).strip()
    if dims:
        if unit == "":
            out.append(Problem(fname, line, "unit", f"{a.action} needs a unit",
                               f"give a unit of dimension {' or '.join(dims)}"))
            return out
        u = units.UNITS.get(unit)
        if u is not None and u.dimension not in dims:
            out.append(Problem(fname, line, "unit",
                               f"unit '{unit}' is a {u.dimension} unit, {a.action} needs "
                               f"{' or '.join(dims)}", f"use a {' or '.join(dims)} unit"))
            return out
        if u is not None and u.dimension == "fraction":
            value = value * u.factor
    if value_rule == "share" and not 0 <= value <= 1:
        out.append(Problem(fname, line, "value",
                           f"{a.action} value {a.value} {unit} is outside 0..1 (the share of the "
                           "capacity lost)", "write the lost share, e.g. 1 fraction or 100 %"))
    elif value_rule == "positive" and value <= 0:
        out.append(Problem(fname, line, "value", f"{a.action} value {a.value} is not positive",
                           "write a value above 0"))
    return out
