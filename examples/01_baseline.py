"""Baseline: build and solve one year and print what each of the 16 countries receives.

Run ``.venv/bin/python examples/01_baseline.py --year 2026`` (from any directory).
"""

from __future__ import annotations

import argparse
import logging

import energy_model as em
from energy_model.analysis.tables import contract_deliveries
from energy_model.report.text import format_deliveries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2026)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    data = em.load_inputs()
    n = em.solve(em.build_network(args.year, inputs=data))
    deliveries = em.trace_deliveries(n)
    recipients = data.regions.loc[data.regions.az_gas_recipient, "code"]
    print(format_deliveries(deliveries[deliveries.country.isin(recipients)], data))

    contracts = contract_deliveries(n)
    az = contracts[contracts.seller == "AZ"]
    print("\nAzerbaijani contract deliveries [bcm/yr] (commercial view, incl. swaps and virtual)")
    print(az[["contract", "buyer", "kind", "volume_bcm"]].to_string(index=False))
    print(f"\ntotal system cost: {n.objective / 1e9:.2f} bn EUR")


if __name__ == "__main__":
    main()
