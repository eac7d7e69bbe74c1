"""Plain-text and Markdown for people: dataset overview, delivery tables, study summary."""

from __future__ import annotations

import pandas as pd

from energy_model.data.loading import Inputs
from energy_model.data.schema import MODEL_YEARS
from energy_model.units import mwh_to_bcm


def format_overview(data: Inputs) -> str:
    """Return a text overview of the dataset: regions, demand, supply, infrastructure, sources."""
    r = data.regions
    recipients = r[r.az_gas_recipient]
    d = data.gas_demand[data.gas_demand.metric == "annual"]
    demand = d.pivot(index="region", columns="year", values="value_internal")
    demand = mwh_to_bcm(demand.reindex(columns=list(MODEL_YEARS))).round(2)
    est = data.gas_demand.estimate.mean()
    lines = [
        f"energy_model dataset in {data.directory}",
        f"  regions: {len(r)} ({(r.kind == 'country').sum()} countries, "
        f"{(r.kind == 'supplier').sum()} external suppliers); transit nodes: {len(data.nodes)}",
        f"  recipients of Azerbaijani gas: {len(recipients)} "
        f"({recipients.nato.sum()} NATO members): {', '.join(recipients.code)}",
        f"  pipelines and interconnection points: {data.pipelines.name.nunique()}; "
        f"LNG terminals: {data.lng_terminals.name.nunique()}; storages: "
        f"{data.storage.name.nunique()}; contracts: {len(data.contracts)}",
        f"  sources: {len(data.sources)}; demand rows that are estimates: {est:.0%}",
        "",
        "annual gas demand [bcm/yr]",
        demand.to_string(),
    ]
    return "\n".join(lines)


def format_deliveries(deliveries: pd.DataFrame, data: Inputs | None = None) -> str:
    """Return the country x origin delivery table [bcm/yr], recipients of Azerbaijani gas first."""
    table = deliveries.pivot_table(index="country", columns="origin", values="bcm",
                                   aggfunc="sum", fill_value=0.0)
    table["total"] = table.sum(axis=1)
    if data is not None:
        rec = list(data.regions.loc[data.regions.az_gas_recipient, "code"])
        order = [c for c in rec if c in table.index] + [c for c in table.index if c not in rec]
        table = table.reindex(order)
    return "gas delivered to consumers by origin [bcm/yr]\n" + table.round(2).to_string()
