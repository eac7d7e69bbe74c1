"""Supply contracts as annual bounds on metered delivery points."""

from __future__ import annotations

import logging

import pandas as pd
import pypsa

from energy_model.data.loading import Inputs
from energy_model.network.topology import fill_link_ports, port_columns, select_active

logger = logging.getLogger(__name__)


META_KEY = "contracts"
"""Key of ``n.meta`` holding each meter's contracts as records (it survives netCDF)."""


def add_contracts(n: pypsa.Network, data: Inputs, year: int) -> None:
    """Bound the annual flow through each contract's delivery points.

    Each delivery-point Link gets an extra output port (``bus2``, ``bus3``, …, efficiency 1) to a
    meter bus of the contract; a Generator on the meter bus absorbs the metered flow
    (``p_min_pu=-1``, ``p_max_pu=0``) and its ``e_sum_min``/``e_sum_max`` of ``-max``/``-min``
    bound the annual delivered volume [MWh]. Contracts with the same delivery points share one
    meter, with their volumes added; ``n.meta["contracts"]`` maps each meter to its contracts as
    records (``name, buyer, seller, kind, min_mwh, max_mwh``). A minimum above what the points
    can carry is cut to their capacity.
    """
    c = select_active(data.contracts.assign(status="operating"), year)
    if c.empty:
        return
    c = c.assign(points=c.delivery_points.map(
        lambda s: tuple(sorted(x.strip() for x in s.split(";")))))
    fields = ["name", "buyer", "seller", "kind", "min_mwh", "max_mwh"]
    used_ports: dict[str, int] = {}
    ports: dict[str, dict[str, str]] = {}  # column -> {link: meter}, written at once below
    rows, records = [], {}
    p_nom = n.links.p_nom.to_dict()
    hours = float(n.snapshot_weightings.generators.sum())
    for points, group in c.groupby("points"):
        names = ", ".join(group.name)
        links = [p for p in points if p in p_nom]
        if not links:
            logger.warning("contract(s) %s: no delivery point in service in %d; skipped",
                           names, year)
            continue
        meter = f"meter {' + '.join(points)}"
        for link in links:
            port = used_ports.get(link, 1) + 1
            used_ports[link] = port
            ports.setdefault(f"bus{port}", {})[link] = meter
        mw = sum(p_nom[x] for x in links)
        lo, hi = float(group.min_mwh.sum()), float(group.max_mwh.sum())
        if lo > mw * hours:
            logger.warning("contract(s) %s: minimum %.0f MWh above capacity %.0f MWh; cut",
                           names, lo, mw * hours)
        rows.append(dict(name=meter, p_nom=mw, e_sum_min=-hi, e_sum_max=-min(lo, mw * hours)))
        records[meter] = [{k: (float(v) if k.endswith("_mwh") else str(v))
                           for k, v in zip(fields, row, strict=True)}
                          for row in zip(*(group[f].to_numpy() for f in fields), strict=True)]
    for col in sorted(ports, key=lambda c: int(c[3:])):
        meter_of = pd.Series(ports[col], dtype="str")
        if col in n.links.columns:
            n.links[col] = meter_of.reindex(n.links.index).fillna(n.links[col])
        else:
            n.links[col] = meter_of.reindex(n.links.index)
        n.links.loc[meter_of.index, f"efficiency{col[3:]}"] = 1.0
    fill_link_ports(n)
    meters = pd.DataFrame(rows).set_index("name")
    n.add("Bus", meters.index, carrier="contract", unit="MWh", country="", node_kind="meter")
    n.add("Generator", meters.index, bus=meters.index, carrier="contract", p_min_pu=-1.0,
          p_max_pu=0.0, origin="", **meters.to_dict("series"))
    n.meta = {**n.meta, META_KEY: records}


def raise_contract_maxima(n: pypsa.Network, link: str, added_mw: float) -> None:
    """Raise the maximum of contract meters on ``link`` by the added capacity over a year.

    An expansion is built for gas that is sold: its new capacity is assumed contracted.
    """
    if added_mw <= 0:
        return
    hours = n.snapshot_weightings.generators.sum()
    for col in port_columns(n, 2):
        meter = n.links.at[link, col]
        if meter in n.generators.index:
            n.generators.loc[meter, "e_sum_min"] -= added_mw * hours
            n.generators.loc[meter, "p_nom"] += added_mw
