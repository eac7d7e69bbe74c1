"""Stress table: each recipient's curtailment rate and remaining flexibility in the design cases.

For one year and option set (default 2030, reference options) the script runs the peak-day and
two-week cases of ``russia-cut``, ``tanap-outage`` and ``russia-cut-lng-tight`` (cooperative
curtailment, daily resolution, gas only) and prints, per recipient of Azerbaijani gas, the
curtailment rate CR = unserved / demand [%] and ENTSOG's remaining flexibility RF [%].

Run ``python examples/stress_table.py [--year 2030] [--options tcp-full ...]``.
"""

from __future__ import annotations

import argparse
import logging

import pandas as pd

import energy_model as em
from energy_model.study.case import run_case
from energy_model.study.schema import Case, Settings
from energy_model.study.spec import case_spec

STRESSES = ("russia-cut", "tanap-outage", "russia-cut-lng-tight")
CLIMATES = ("peak-day", "two-week")


def tabulate_stresses(year: int, options: list[str], inputs: str = "inputs") -> pd.DataFrame:
    """Return CR and RF [%] per recipient (rows) and climate/stress (columns)."""
    data = em.load_inputs(inputs)
    recipients = list(data.regions.loc[data.regions.az_gas_recipient, "code"])
    columns = {}
    for climate in CLIMATES:
        for stress in STRESSES:
            settings = Settings(year=year, power=False, resolution="daily", solver={},
                                curtailment="cooperative", isolated=False,
                                isolated_average=False, remaining_flexibility=True)
            spec = case_spec(Case("options", tuple(options), stress, climate), settings,
                             inputs, None)
            out = run_case(spec)
            demand = pd.Series(out["gas_demand_bcm"])
            unserved = pd.Series(out["unserved_gas_bcm"]).reindex(demand.index).fillna(0.0)
            cr = (unserved / demand.where(demand > 0)).fillna(0.0) * 100
            rf = pd.Series(out["remaining_flexibility"]) * 100
            columns[(climate, stress, "CR%")] = cr.reindex(recipients)
            columns[(climate, stress, "RF%")] = rf.reindex(recipients)
    table = pd.DataFrame(columns)
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2030)
    parser.add_argument("--options", nargs="*", default=[])
    parser.add_argument("--inputs", default="inputs")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    table = tabulate_stresses(args.year, args.options, args.inputs)
    with pd.option_context("display.width", 250, "display.max_columns", 50):
        print(table.round(1).to_string())


if __name__ == "__main__":
    main()
