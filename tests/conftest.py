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


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A fresh copy of the tiny inputs that a test may edit."""
    dst = tmp_path / "tiny"
    shutil.copytree(TINY, dst)
    return dst
