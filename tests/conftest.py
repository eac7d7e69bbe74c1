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


SLOW_TESTS: dict[str, set[str]] = {
    "test_region.py": {"test_cli_writes_every_result_file",
                       "test_global_balance_supply_equals_use_plus_losses",
                       "test_no_link_creates_energy",
                       "test_2026_delivers_azerbaijani_gas_to_all_16_recipients",
                       "test_stored_networks_are_current",
                       "test_reoptimising_the_written_network_with_plain_pypsa_gives_the_same_cost",
                       "test_more_pipeline_capacity_never_raises_cost",
                       "test_tracing_accounts_for_all_served_gas"},
    "test_indicators.py": {"test_region_sanity_russian_share_and_flexibility_under_russia_cut"},
    "test_study.py": {"test_tcp_and_sgc_never_raise_unserved_gas_under_russia_cut"},
    "test_power.py": {"test_black_sea_cable_lowers_gas_for_power_in_romania_and_hungary"},
    "test_readme.py": {"test_cheap_figures_match_the_code"},
    "test_calibration.py": {"test_2024_item_within_its_band",
                            "test_backcast_readme_section_shows_every_item"},
}
"""Tests that solve the real (shipped) networks, by file: marked ``slow`` at collection.

The default run (``python -m pytest``) deselects ``slow`` (pyproject ``addopts``); ``.ci/run``
runs ``python -m pytest -m slow`` as its second step. A new real-data test is marked with
``@pytest.mark.slow`` in its file, or listed here (one place, no edit of a busy test file).
Cheap real-data checks (the shipped inputs validate, every row has a source) stay in the
default run.
"""


def pytest_collection_modifyitems(config, items) -> None:
    """Mark the tests of :data:`SLOW_TESTS` as ``slow``."""
    for item in items:
        if getattr(item, "originalname", item.name) in SLOW_TESTS.get(item.path.name, ()):
            item.add_marker(pytest.mark.slow)
