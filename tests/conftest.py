"""Shared fixtures: the tiny hand-made inputs and helpers to edit copies of them."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pandas as pd
import pytest

TINY = Path(__file__).parent / "data" / "tiny"
REPO = Path(__file__).resolve().parents[1]
INPUTS = REPO / "inputs"

logging.getLogger("pypsa").setLevel(logging.WARNING)
logging.getLogger("linopy").setLevel(logging.WARNING)


def edit_csv(directory: Path, fname: str, func) -> None:
    """Apply ``func`` to the table ``fname`` in ``directory`` (read as strings) and write it back."""
    path = directory / fname
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    func(df).to_csv(path, index=False)


def append_rows(directory: Path, fname: str, rows: list[dict]) -> None:
    """Append rows (dicts of column -> value; missing columns empty) to a table."""
    edit_csv(directory, fname, lambda df: pd.concat([df, pd.DataFrame(rows)], ignore_index=True)
             .fillna(""))


def add_georgia_behind_turkey(directory: Path) -> None:
    """Add GE to the tiny data: 1 bcm/yr of demand like TR's, fed only by a TR-GE pipeline."""
    append_rows(directory, "regions.csv", [dict(
        code="GE", name="Georgia", kind="country", country="GE", nato="false", eu="false",
        az_gas_recipient="true", source_id="T-1", estimate="false")])
    for fname in ("gas_demand.csv", "gas_demand_shape.csv", "cost_of_disrupted_gas.csv",
                  "design_demand.csv"):
        edit_csv(directory, fname, lambda df: pd.concat([df, df.assign(region="GE")]))
    append_rows(directory, "pipelines.csv", [dict(
        name="TR-GE", asset="X", **{"from": "TR", "to": "GE"}, capacity_fwd="5",
        capacity_rev="0", capacity_unit="bcm/yr", length_km="0", start_year="2000",
        status="operating", source_id="T-1", estimate="false")])


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A fresh copy of the tiny inputs that a test may edit."""
    dst = tmp_path / "tiny"
    shutil.copytree(TINY, dst)
    return dst
