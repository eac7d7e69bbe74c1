"""Result tables of a solved network and writing them to a directory.

Files written by :func:`write_results` (all or nothing: a failed case writes no file):

* ``network.nc``: the solved network in PyPSA's netCDF format;
* ``flows.csv``: one row per pipeline or interconnection point and direction;
* ``deliveries.csv``: gas delivered to each country's consumers by origin (``country,origin,bcm``);
* ``contracts.csv``: annual volume of each supply contract (allocated at its meter), with buyer,
  seller and kind;
* ``summary.json``: solver status, total system cost [EUR], unserved gas per country [bcm], and
  provenance (package version, inputs hash, year, options).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pypsa

from energy_model.analysis.tables import (
    contract_deliveries,
    summarise_cables,
    tabulate_flows,
    tabulate_power,
    unserved_by_country,
)
from energy_model.analysis.trace import trace_deliveries
from energy_model.outdir import output_dir
from energy_model.provenance import hash_inputs, package_version

logger = logging.getLogger(__name__)



def summarise(n: pypsa.Network, inputs_dir: str | Path | None = None) -> dict:
    """Return the summary of a solved network as a JSON-ready dict."""
    unserved = unserved_by_country(n)
    return {
        "status": "ok",
        "termination_condition": "optimal",
        "year": n.meta.get("year"),
        "options": list(n.meta.get("options", [])),
        "total_system_cost_eur": float(n.objective),
        "unserved_gas_bcm": {k: round(float(v), 6) for k, v in unserved.items()},
        "unserved_gas_total_bcm": round(float(unserved.sum()), 6),
        "provenance": {
            "energy_model_version": package_version(),
            "pypsa_version": pypsa.__version__,
            "inputs_sha256": hash_inputs(inputs_dir) if inputs_dir else None,
        },
    }


def write_results(n: pypsa.Network, out: str | Path, inputs_dir: str | Path | None = None,
                  without: pypsa.Network | None = None, force: bool = False) -> Path:
    """Write the result files of a solved network to ``out`` (replacing earlier results).

    With the electricity layer, ``power.csv`` is added, and ``summary.json`` gets the cable
    flows [TWh], total gas burnt for power [bcm], CO2 [Mt] and, given ``without`` (the same case
    without the cable options), the gas saved [bcm/yr]. The files are first written to a
    temporary directory next to ``out`` and moved in place only when all of them succeeded
    (:func:`energy_model.outdir.output_dir`): a directory holding files energy_model did not
    write is refused unless ``force``, and nothing but the tool's own earlier files is replaced.
    """
    out = Path(out)
    with output_dir(out, force=force) as tmp:
        n.export_to_netcdf(tmp / "network.nc")
        tabulate_flows(n).to_csv(tmp / "flows.csv", index=False)
        trace_deliveries(n).round(6).to_csv(tmp / "deliveries.csv", index=False)
        contract_deliveries(n).to_csv(tmp / "contracts.csv", index=False)
        summary = summarise(n, inputs_dir)
        if n.meta.get("power"):
            power = tabulate_power(n, without)
            power.to_csv(tmp / "power.csv", index=False)
            summary["power"] = {
                "cables_twh": summarise_cables(n),
                "gas_for_power_bcm": round(float(power.gas_for_power_bcm.sum()), 6),
                "co2_mt": round(float(power.co2_mt.sum()), 6),
            }
            if without is not None:
                summary["power"]["gas_saved_bcm"] = round(float(power.gas_saved_bcm.sum()), 6)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    logger.info("results written to %s", out)
    return out
