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

import hashlib
import json
import logging
import shutil
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd
import pypsa

from energy_model.build import CONTRACT_SEPARATOR
from energy_model.solve import link_energy
from energy_model.trace import trace_deliveries
from energy_model.units import HOURS_PER_YEAR, mwh_to_bcm

logger = logging.getLogger(__name__)


def tabulate_flows(n: pypsa.Network) -> pd.DataFrame:
    """Return annual flow and utilisation of every pipeline, interconnection point and LNG terminal.

    Columns: ``name, direction, from, to, carrier, capacity_bcm, flow_bcm, utilisation``; the flow
    is measured where the gas enters the Link [bcm/yr].
    """
    links = n.links[n.links.carrier.isin(["gas pipeline", "LNG terminal"])]
    energy = link_energy(n).reindex(links.index)
    cap = mwh_to_bcm(links.p_nom_opt * HOURS_PER_YEAR)
    flow = mwh_to_bcm(energy)
    out = pd.DataFrame({
        "name": links.pipeline.values, "direction": links.direction.values,
        "from": links.bus0.values, "to": links.bus1.values, "carrier": links.carrier.values,
        "capacity_bcm": cap.values, "flow_bcm": flow.values,
    })
    out["utilisation"] = (out.flow_bcm / out.capacity_bcm).where(out.capacity_bcm > 0)
    return out.round(6)


def unserved_by_country(n: pypsa.Network) -> pd.Series:
    """Return the annual unserved gas demand per country [bcm]."""
    g = n.generators[n.generators.carrier == "unserved gas"]
    w = n.snapshot_weightings.generators
    energy = n.generators_t.p[g.index].mul(w, axis=0).sum()
    return mwh_to_bcm(energy.groupby(n.buses.country.reindex(g.bus).values).sum())


def contract_deliveries(n: pypsa.Network) -> pd.DataFrame:
    """Return the annual volume of each supply contract [bcm].

    A meter measures the flow through its delivery points; when several contracts share the
    points, each is allocated its minimum and the rest of the metered volume in proportion to
    its flexible range (``max - min``); if the volume is below the sum of minimums, the minimums
    are scaled down. This is a commercial allocation, not a physical trace.
    """
    g = n.generators[n.generators.carrier == "contract"]
    w = n.snapshot_weightings.generators
    metered = -n.generators_t.p[g.index].mul(w, axis=0).sum()
    rows = []
    for meter, m in g.iterrows():
        names = m.contracts.split(CONTRACT_SEPARATOR)
        lo = np.array([float(x) for x in m.contract_min_mwh.split(CONTRACT_SEPARATOR)])
        hi = np.array([float(x) for x in m.contract_max_mwh.split(CONTRACT_SEPARATOR)])
        volume = float(metered[meter])
        if volume <= lo.sum():
            alloc = lo * (volume / lo.sum()) if lo.sum() > 0 else np.zeros_like(lo)
        else:
            flex = hi - lo
            extra = volume - lo.sum()
            alloc = lo + (extra * flex / flex.sum() if flex.sum() > 0 else 0.0)
        for i, name in enumerate(names):
            rows.append({
                "contract": name, "seller": m.seller.split(CONTRACT_SEPARATOR)[i],
                "buyer": m.buyer.split(CONTRACT_SEPARATOR)[i],
                "kind": m.kind.split(CONTRACT_SEPARATOR)[i], "meter": meter,
                "min_bcm": mwh_to_bcm(lo[i]), "max_bcm": mwh_to_bcm(hi[i]),
                "volume_bcm": mwh_to_bcm(alloc[i]), "meter_volume_bcm": mwh_to_bcm(volume),
            })
    return pd.DataFrame(rows).round(6)


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


def tabulate_power(n: pypsa.Network, without: pypsa.Network | None = None) -> pd.DataFrame:
    """Return the electricity-layer results per country, with gas saved against ``without``.

    Columns: ``gas_for_power_bcm``, ``gas_power_twh``, ``co2_mt`` and, given the same case
    solved without the cable options, ``gas_saved_bcm`` (positive when the case burns less).
    """
    from energy_model.power import summarise_power

    table = summarise_power(n)
    if without is not None:
        base = summarise_power(without).gas_for_power_bcm
        table["gas_saved_bcm"] = base.reindex(table.index).fillna(0.0) - table.gas_for_power_bcm
    return table.rename_axis("country").reset_index()


def summarise_cables(n: pypsa.Network) -> dict[str, dict[str, float]]:
    """Return the annual electricity sent into each DC Link pair [TWh]."""
    from energy_model.power import cable_flow_twh

    dc = n.links[(n.links.carrier == "DC") & ~n.links.index.str.endswith(" reverse")]
    return {name: cable_flow_twh(n, name) for name in dc.index}


def write_results(n: pypsa.Network, out: str | Path, inputs_dir: str | Path | None = None,
                  without: pypsa.Network | None = None) -> Path:
    """Write the result files of a solved network to ``out`` (replacing earlier results).

    With the electricity layer, ``power.csv`` is added, and ``summary.json`` gets the cable
    flows [TWh], total gas burnt for power [bcm], CO2 [Mt] and, given ``without`` (the same case
    without the cable options), the gas saved [bcm/yr]. The files are first written to a
    temporary directory next to ``out`` and moved in place only when all of them succeeded.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
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
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    logger.info("results written to %s", out)
    return out


def hash_inputs(directory: str | Path) -> str:
    """Return the SHA-256 of all CSV files of an inputs directory (names and contents)."""
    h = hashlib.sha256()
    for path in sorted(Path(directory).glob("*.csv")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def package_version() -> str:
    """Return the installed version of energy_model, or ``"unknown"``."""
    try:
        return version("energy_model")
    except PackageNotFoundError:
        return "unknown"
