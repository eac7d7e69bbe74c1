"""Load the validated tables of ``inputs/`` with numeric columns in internal units.

>>> from energy_model.data.loading import load_inputs
>>> data = load_inputs()            # doctest: +SKIP
>>> data.pipelines[["name", "capacity_fwd_mw"]].head()   # doctest: +SKIP
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from energy_model import units
from energy_model.data.cells import parse_number, parse_whole
from energy_model.data.design import TWO_WEEK_PARAMETER, complete_design_demand
from energy_model.data.names import resolve_inputs
from energy_model.data.schema import TABLES, Column
from energy_model.data.validation import InputError, read_table, validate_inputs

logger = logging.getLogger(__name__)


@dataclass
class Inputs:
    """The validated tables, with numeric columns converted to internal units.

    Added columns: ``capacity_fwd_mw``/``capacity_rev_mw`` (pipelines), ``sendout_mw`` (LNG),
    ``working_gas_mwh``/``injection_mw``/``withdrawal_mw`` (storage), ``annual_max_mwh`` (supply),
    ``value_internal`` (demand: MWh/yr for ``annual``, MW for ``peak_day`` and the design
    demand rates), ``min_mwh``/``max_mwh``
    (contracts), ``eur_per_mwh`` (cost of disrupted gas), ``value_mwh`` (calibration).
    ``parameters`` maps name to value.
    """

    directory: Path
    sources: pd.DataFrame
    regions: pd.DataFrame
    nodes: pd.DataFrame
    gas_demand: pd.DataFrame
    gas_demand_shape: pd.DataFrame
    design_demand: pd.DataFrame
    gas_supply: pd.DataFrame
    supply_prices: pd.DataFrame
    supply_potentials: pd.DataFrame
    pipelines: pd.DataFrame
    lng_terminals: pd.DataFrame
    storage: pd.DataFrame
    contracts: pd.DataFrame
    cost_of_disrupted_gas: pd.DataFrame
    calibration: pd.DataFrame
    power_demand: pd.DataFrame
    power_capacity: pd.DataFrame
    power_technologies: pd.DataFrame
    power_profiles: pd.DataFrame
    power_links: pd.DataFrame
    offshore_wind: pd.DataFrame
    co2_prices: pd.DataFrame
    gas_for_power: pd.DataFrame
    options: pd.DataFrame
    option_assets: pd.DataFrame
    stresses: pd.DataFrame
    stress_actions: pd.DataFrame
    parameters: dict[str, float]

    def demand_regions(self) -> list[str]:
        """Return the regions with an annual gas demand row."""
        d = self.gas_demand
        return sorted(d.loc[d.metric == "annual", "region"].unique())


CONVERSIONS = [
    # (table, value column, unit column, conversion, new column in internal units)
    ("pipelines", "capacity_fwd", "capacity_unit", units.to_mw, "capacity_fwd_mw"),
    ("pipelines", "capacity_rev", "capacity_unit", units.to_mw, "capacity_rev_mw"),
    ("lng_terminals", "sendout", "sendout_unit", units.to_mw, "sendout_mw"),
    ("storage", "working_gas", "working_gas_unit", units.to_mwh, "working_gas_mwh"),
    ("storage", "injection", "injection_unit", units.to_mw, "injection_mw"),
    ("storage", "withdrawal", "withdrawal_unit", units.to_mw, "withdrawal_mw"),
    ("gas_supply", "annual_max", "unit", units.to_mwh, "annual_max_mwh"),
    ("supply_potentials", "annual_max", "annual_unit", units.to_mwh, "annual_max_mwh"),
    ("supply_potentials", "daily_max", "daily_unit", units.to_mw, "daily_max_mw"),
    ("contracts", "min_annual", "unit", units.to_mwh, "min_mwh"),
    ("contracts", "max_annual", "unit", units.to_mwh, "max_mwh"),
    ("calibration", "value", "unit", units.to_mwh, "value_mwh"),
    ("power_capacity", "capacity", "capacity_unit", units.to_mw, "capacity_mw"),
    ("power_links", "capacity_fwd", "capacity_unit", units.to_mw, "capacity_fwd_mw"),
    ("power_links", "capacity_rev", "capacity_unit", units.to_mw, "capacity_rev_mw"),
    ("offshore_wind", "capacity", "capacity_unit", units.to_mw, "capacity_mw"),
    ("gas_for_power", "value", "unit", units.to_mwh, "value_mwh"),
]
"""Numeric columns converted to internal units on loading."""


def load_inputs(directory: str | Path | None = None) -> Inputs:
    """Validate and load ``directory``; raise :class:`InputError` listing every problem.

    ``None`` (default) loads the ``inputs/`` shipped with the package, wherever Python runs.
    """
    directory = resolve_inputs(directory)
    problems = validate_inputs(directory)
    if problems:
        raise InputError(problems)
    t = {f.removesuffix(".csv"): _typed(read_table(directory / f), spec.all_columns())
         for f, spec in TABLES.items()}
    for table, col, unit_col, func, new in CONVERSIONS:
        df = t[table]
        df[new] = _convert(df, col, unit_col, func)
    for table in ("gas_demand", "power_demand", "design_demand"):
        df = t[table]
        df["value_internal"] = [units.to_mwh(v, u) if m == "annual" else units.to_mw(v, u)
                                for v, u, m in zip(df.value, df.unit, df.metric, strict=True)]
    ratio = t["parameters"].set_index("parameter").value.get(TWO_WEEK_PARAMETER)
    t["design_demand"] = complete_design_demand(t["design_demand"], t["gas_demand"],
                                                None if pd.isna(ratio) else float(ratio))
    codg = t["cost_of_disrupted_gas"]
    codg["eur_per_mwh"] = codg["value"]
    params = dict(zip(t["parameters"].parameter, t["parameters"].value, strict=True))
    t["parameters"] = params
    logger.info("loaded inputs from %s: %d pipelines, %d supplies, %d contracts",
                directory, len(t["pipelines"]), len(t["gas_supply"]), len(t["contracts"]))
    return Inputs(directory=directory, **t)


def _convert(df: pd.DataFrame, col: str, unit_col: str, func) -> pd.Series:
    return pd.Series([func(v, u) if pd.notna(v) else float("nan")
                      for v, u in zip(df[col], df[unit_col], strict=True)], index=df.index)


def _typed(df: pd.DataFrame, spec: dict[str, Column]) -> pd.DataFrame:
    """Type the columns of a validated table (read by :func:`read_table`: cells stripped).

    Numbers are read by the parser validation used (:mod:`energy_model.data.cells`), so a
    cell that validated cannot turn into NaN here.
    """
    df = df.copy()
    for col, c in spec.items():
        if c.dtype == "float":
            df[col] = pd.Series([parse_number(v) if v != "" else float("nan") for v in df[col]],
                                index=df.index, dtype=float)
        elif c.dtype in ("int", "year"):
            df[col] = pd.Series([parse_whole(v) if v != "" else pd.NA for v in df[col]],
                                index=df.index, dtype="Int64")
        elif c.dtype == "bool":
            df[col] = df[col].str.lower().eq("true")
        elif c.dtype == "estimate":  # true where any value of the row is estimated
            df[col] = df[col].str.lower().ne("false") & df[col].ne("")
    return df
