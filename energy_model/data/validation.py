"""Validate the tables of ``inputs/``, reporting every problem at once (file, row, column, fix)."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from energy_model import units
from energy_model.data.cells import (
    ASCII_SPACE,
    is_clean_text,
    numeric_column,
    parse_number,
    parse_whole,
    strip_text,
)
from energy_model.data.consistency import check_consistency
from energy_model.data.problems import InputError, Problem
from energy_model.data.schema import (
    MODEL_YEARS,
    REQUIRED_PARAMETERS,
    TABLES,
    YEAR_RANGE,
    Column,
    estimated_columns,
)

logger = logging.getLogger(__name__)


_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


_TRUE, _FALSE = {"true"}, {"false"}


LARGEST_VALUE: float = 1e12
"""Largest magnitude of any number in ``inputs/``; beyond it a value is taken for a typo."""

RATIOS: frozenset[str] = frozenset({"swing"})
"""Columns with the unit ``fraction`` that are ratios and may exceed 1 (peak over mean)."""

__all__ = ["InputError", "Problem", "read_table", "validate_inputs"]


def read_table(path: Path) -> pd.DataFrame:
    """Read one CSV table as strings (empty cells become ``""``).

    Every cell and column name is stripped of ASCII spaces and tabs here, once: validation,
    loading and the stresses and options applied later see the same names and codes (see
    :mod:`energy_model.data.cells`).
    """
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.columns = [strip_text(str(c)) for c in df.columns]
    return df.apply(lambda col: col.str.strip(ASCII_SPACE)) if len(df.columns) else df


def validate_inputs(directory: str | Path) -> list[Problem]:
    """Check every table of ``directory`` and return all problems found (empty when clean)."""
    directory = Path(directory)
    problems: list[Problem] = []
    raw: dict[str, pd.DataFrame] = {}
    for fname, table in TABLES.items():
        path = directory / fname
        if not path.exists():
            problems.append(Problem(fname, None, None, "file is missing",
                                    f"create {path} with columns {', '.join(table.all_columns())}"))
            continue
        try:
            df = read_table(path)
        except UnicodeDecodeError:
            data = path.read_bytes()
            try:
                data.decode("utf-8")
                start = 0
            except UnicodeDecodeError as err:
                start = err.start
            problems.append(Problem(fname, data[:start].count(b"\n") + 1, None,
                                    f"is not UTF-8 text (byte {data[start:start + 1]!r})",
                                    "save the file as UTF-8 (in a spreadsheet: CSV UTF-8)"))
            continue
        except Exception as err:
            reason = " ".join(str(err).split())
            problems.append(Problem(fname, None, None, f"cannot be read as CSV ({reason})",
                                    "fix the CSV syntax (quotes, separators)"))
            continue
        missing = [c for c in table.all_columns() if c not in df.columns]
        extra = [c for c in df.columns if c not in table.all_columns()]
        if missing:
            problems.append(Problem(fname, 1, None, f"missing column(s) {missing}",
                                    "add them to the header line"))
        if extra:
            problems.append(Problem(fname, 1, None, f"unexpected column(s) {extra}",
                                    "remove them or correct their spelling"))
        raw[fname] = df
    refs = _collect_references(raw)
    for fname, df in raw.items():
        problems += _check_cells(fname, df, TABLES[fname].all_columns(), refs)
        problems += _check_keys(fname, df, TABLES[fname].key)
    problems += _check_tables(raw)
    problems += check_consistency(raw)
    return problems


def _collect_references(raw: dict[str, pd.DataFrame]) -> dict[str, set[str]]:
    def col(f: str, c: str) -> set[str]:
        df = raw.get(f)
        return set(df[c].str.strip()) if df is not None and c in df.columns else set()

    regions = col("regions.csv", "code")
    return {
        "option": col("options.csv", "option"),
        "stress": col("stresses.csv", "stress"),
        "unit": set(units.UNITS),
        "region": regions,
        "endpoint": regions | col("nodes.csv", "node"),
        "sources": col("sources.csv", "source_id"),
        "delivery_points": col("pipelines.csv", "name") | _reverse_names(raw.get("pipelines.csv"))
        | col("lng_terminals.csv", "name"),
    }


def _reverse_names(pipes: pd.DataFrame | None) -> set[str]:
    if pipes is None or not {"name", "capacity_rev"} <= set(pipes.columns):
        return set()
    rev = numeric_column(pipes.capacity_rev) > 0
    return {f"{x} reverse" for x in pipes.name[rev]}


_REF_FIX = {
    "option": "use an option name from options.csv",
    "stress": "use a stress name from stresses.csv",
    "unit": f"use one of {sorted(units.UNITS)}",
    "region": "use a code listed in regions.csv (or add the region there)",
    "endpoint": "use a region code from regions.csv or a node from nodes.csv",
    "sources": "add the source to sources.csv or correct the id",
    "delivery_points": "use names from pipelines.csv (' reverse' appended for the reverse "
                       "direction) or lng_terminals.csv, joined by ';'",
}


def _check_cells(fname: str, df: pd.DataFrame, spec: dict[str, Column],
                 refs: dict[str, set[str]]) -> list[Problem]:
    out: list[Problem] = []
    # rows as plain dicts: a pandas row (iterrows) costs about 20x more to build and index
    for i, row in zip(df.index, df.to_dict("records"), strict=True):
        line = int(i) + 2

        def bad(column: str, message: str, fix: str, line: int = line) -> None:
            out.append(Problem(fname, line, column, message, fix))

        for col, c in spec.items():
            if col not in df.columns:
                continue
            v = str(row[col])
            if not is_clean_text(v):
                bad(col, f"{v!r} has invisible white space at its start or end",
                    "delete the space (a no-break or zero-width space, not a plain one)")
                continue
            if v == "":
                if c.required:
                    bad(col, "is empty", f"fill in a {c.dtype} value")
                continue
            if not _check_type(v, c, bad, col):
                continue
            if c.choices is not None and v not in c.choices:
                bad(col, f"'{v}' is not allowed", f"use one of {sorted(c.choices)}")
            if c.ref is not None:
                names = [x.strip() for x in v.split(";")] if c.ref in (
                    "sources", "delivery_points") else [v]
                unknown = [x for x in names if x not in refs[c.ref]]
                if unknown:
                    bad(col, f"unknown {c.ref.replace('_', ' ')} {unknown}", _REF_FIX[c.ref])
            if c.unit is not None and c.unit.startswith("col:"):
                _check_unit(row, c, bad)
        if "estimate" in spec and fname in TABLES:
            _check_estimate(str(row.get("estimate", "")), str(row.get("note", "")),
                            TABLES[fname].numeric_columns(), bad)
        if fname == "sources.csv" and not re.match(r"^https?://", str(row.get("url", ""))):
            bad("url", f"'{row.get('url', '')}' is not a web address",
                "give the full http(s):// URL of the source")
    return out


def _check_estimate(cell: str, note: str, numeric: tuple[str, ...], bad) -> None:
    """Check an ``estimate`` cell: ``true``, ``false`` or ``;``-separated numeric columns."""
    if cell.strip() == "":
        return
    named = estimated_columns(cell, numeric)
    unknown = sorted(named - set(numeric))
    if unknown:
        bad("estimate", f"{unknown} are not numeric columns of this table",
            f"write true, false or the estimated columns joined by ';' (of {list(numeric)})")
    elif cell.strip().lower() != "false" and not note.strip():
        bad("note", "an estimate without its reasoning",
            "explain in 'note' how the estimate was made")


def _check_type(v: str, c: Column, bad, col: str) -> bool:
    try:
        if c.dtype == "float":
            x = parse_number(v)
            if not math.isfinite(x):
                bad(col, f"'{v}' is not a finite number",
                    "write a finite number: NaN and inf are not values (leave the cell empty "
                    "only where the column is optional)")
                return False
            if abs(x) > LARGEST_VALUE:
                bad(col, f"{x:g} is implausibly large (beyond {LARGEST_VALUE:g})",
                    "check the value and its unit")
            if c.minimum is not None and x < c.minimum:
                bad(col, f"{x} is below the minimum {c.minimum}", "correct the sign or the value")
            if c.maximum is not None and x > c.maximum:
                bad(col, f"{x:g} is above the maximum {c.maximum:g}",
                    "check the value against the column's definition in inputs/README.md")
            if c.unit == "fraction" and x > 1 and col not in RATIOS:
                bad(col, f"{x:g} is above 1, and a fraction lies between 0 and 1",
                    "write the share as a fraction, e.g. 0.25 for 25 %")
        elif c.dtype in ("int", "year"):
            x = parse_whole(v)
            if c.dtype == "year" and not YEAR_RANGE[0] <= x <= YEAR_RANGE[1]:
                bad(col, f"year {x} is out of range {YEAR_RANGE}", "give a year in that range")
            if c.minimum is not None and x < c.minimum:
                bad(col, f"{x} is below the minimum {c.minimum}", "correct the value")
        elif c.dtype == "bool" and v.lower() not in _TRUE | _FALSE:
            bad(col, f"'{v}' is not a boolean", "write true or false")
        elif c.dtype == "date" and not _DATE.match(v):
            bad(col, f"'{v}' is not a date", "write YYYY, YYYY-MM or YYYY-MM-DD")
    except ValueError:
        bad(col, f"'{v}' is not a {'number' if c.dtype == 'float' else 'whole number'}",
            "write a plain number without units or thousands separators")
        return False
    return True


def _check_unit(row: Mapping[str, str], c: Column, bad) -> None:
    ucol = c.unit.removeprefix("col:")
    u = str(row.get(ucol, "")).strip()
    if u == "":
        return  # reported as an empty required cell
    if u not in units.UNITS:
        bad(ucol, f"unknown unit '{u}'", f"use one of {sorted(units.UNITS)}")
    elif units.UNITS[u].dimension not in c.dimensions:
        allowed = sorted(k for k, x in units.UNITS.items() if x.dimension in c.dimensions)
        bad(ucol, f"unit '{u}' is a {units.UNITS[u].dimension} unit", f"use one of {allowed}")


def _check_keys(fname: str, df: pd.DataFrame, key: tuple[str, ...]) -> list[Problem]:
    if not key or any(k not in df.columns for k in key):
        return []
    dup = df[df.duplicated(list(key), keep="first")]
    return [Problem(fname, int(i) + 2, key[0], f"duplicate row for {dict(r[list(key)])}",
                    "remove the duplicate or change the key") for i, r in dup.iterrows()]


def _num(s: pd.Series) -> pd.Series:
    return numeric_column(s)


def _check_tables(raw: dict[str, pd.DataFrame]) -> list[Problem]:
    out: list[Problem] = []
    for fname in ("pipelines.csv", "lng_terminals.csv", "storage.csv", "contracts.csv"):
        out += _check_periods(fname, raw.get(fname))
    p = raw.get("pipelines.csv")
    if p is not None and {"from", "to"} <= set(p.columns):
        for i in p.index[p["from"] == p["to"]]:
            out.append(Problem("pipelines.csv", int(i) + 2, "to",
                               "a pipeline from a node to itself", "correct 'from' or 'to'"))
    c = raw.get("contracts.csv")
    if c is not None and {"min_annual", "max_annual"} <= set(c.columns):
        for i in c.index[_num(c.min_annual) > _num(c.max_annual)]:
            out.append(Problem("contracts.csv", int(i) + 2, "min_annual", "min_annual > max_annual",
                               "swap or correct the two values"))
    out += _check_shapes(raw.get("gas_demand_shape.csv"))
    out += _check_coverage(raw)
    par = raw.get("parameters.csv")
    if par is not None and {"parameter", "value"} <= set(par.columns):
        fixed = {"gcv_per_bcm": units.GCV_MWH_PER_BCM / 1e6, "lhv_to_gcv": units.LHV_PER_GCV}
        for i, row in par[par.parameter.isin(list(fixed))].iterrows():
            if abs(float(_num(pd.Series([row.value])).iloc[0]) - fixed[row.parameter]) > 1e-9:
                out.append(Problem("parameters.csv", int(i) + 2, "value",
                                   f"{row.parameter} differs from energy_model/units.py "
                                   f"({fixed[row.parameter]})",
                                   "change both together: units.py holds the conversion"))
        for name in REQUIRED_PARAMETERS:
            if name not in set(par.parameter):
                out.append(Problem("parameters.csv", None, "parameter", f"'{name}' is missing",
                                   f"add a row for {name} with value, unit and source"))
    return out


def _check_periods(fname: str, df: pd.DataFrame | None) -> list[Problem]:
    if df is None or not {"name", "start_year", "end_year"} <= set(df.columns):
        return []
    out: list[Problem] = []
    start, end = _num(df.start_year), _num(df.end_year).fillna(YEAR_RANGE[1])
    for i in df.index[end < start]:
        out.append(Problem(fname, int(i) + 2, "end_year", "end_year before start_year",
                           "correct the period"))
    for name, g in df.assign(_s=start, _e=end).groupby("name"):
        g = g.sort_values("_s")
        later = g.index[1:][g._s.to_numpy()[1:] <= g._e.to_numpy()[:-1]]
        for j in later:
            out.append(Problem(fname, int(j) + 2, "start_year",
                               f"period of '{name}' overlaps an earlier row",
                               "end the earlier row before this start_year"))
    return out


def _check_shapes(df: pd.DataFrame | None) -> list[Problem]:
    if df is None or not {"region", "month", "share"} <= set(df.columns):
        return []
    out: list[Problem] = []
    share = _num(df.share)
    for region, g in df.assign(_v=share).groupby("region"):
        months = set(_num(g.month).dropna().astype(int))
        if months != set(range(1, 13)):
            out.append(Problem("gas_demand_shape.csv", int(g.index[0]) + 2, "month",
                               f"region {region} has months {sorted(months)}",
                               "give exactly one row per month 1..12"))
        if abs(g._v.sum() - 1.0) > 1e-3:
            out.append(Problem("gas_demand_shape.csv", int(g.index[-1]) + 2, "share",
                               f"shares of {region} sum to {g._v.sum():.4f}",
                               "scale the 12 shares so that they sum to 1"))
    return out


def _check_coverage(raw: dict[str, pd.DataFrame]) -> list[Problem]:
    d = raw.get("gas_demand.csv")
    if d is None or not {"region", "year", "metric"} <= set(d.columns):
        return []
    out: list[Problem] = []
    have = set(zip(d.region, d.year.astype(str), d.metric, strict=True))
    shapes = raw.get("gas_demand_shape.csv")
    shaped = set(shapes.region) if shapes is not None and "region" in shapes else set()
    codg = raw.get("cost_of_disrupted_gas.csv")
    priced = set(codg.region) if codg is not None and "region" in codg else set()
    for region in sorted(set(d.region)):
        for year in MODEL_YEARS:
            for metric in ("annual", "peak_day"):
                if (region, str(year), metric) not in have:
                    out.append(Problem("gas_demand.csv", None, "year",
                                       f"no {metric} demand for {region} in {year}",
                                       f"add a row region={region}, year={year}, metric={metric}"))
        if region not in shaped:
            out.append(Problem("gas_demand_shape.csv", None, "region",
                               f"no monthly shape for {region}", "add 12 monthly shares"))
        if region not in priced:
            out.append(Problem("cost_of_disrupted_gas.csv", None, "region",
                               f"no cost of disrupted gas for {region}",
                               "add a row with the value in EUR/MWh"))
    return out
