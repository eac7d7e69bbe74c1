"""Shared facts about a network's components: what is in service, Link ports, entries, borders.

One place for ideas used by several layers: the in-service filter of asset tables, the extra
ports of multi-port Links, an attribute per snapshot (static or series), the entry
infrastructure of a country and cross-border pipelines, and the structural checks of a built
network.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pypsa

logger = logging.getLogger(__name__)


IN_BASE_NETWORK = ("operating", "fid")
"""Statuses of assets present in every network of their years."""


def in_service(df: pd.DataFrame, year: int) -> pd.Series:
    """Return a mask of the asset rows whose period (start to end year) contains ``year``."""
    end = df.end_year.fillna(9999) if "end_year" in df else 9999
    return (df.start_year <= year) & (end >= year)


def select_active(df: pd.DataFrame, year: int,
                  statuses: Sequence[str] = IN_BASE_NETWORK) -> pd.DataFrame:
    """Return the rows of an asset table in service in ``year`` with one of ``statuses``."""
    return df[df.status.isin(statuses) & in_service(df, year)]


def port_columns(n: pypsa.Network, first: int = 0) -> list[str]:
    """Return the Link bus columns ``bus<k>`` with ``k >= first``, in port order."""
    cols = [c for c in n.links.columns if c.startswith("bus") and c[3:].isdigit()]
    return sorted((c for c in cols if int(c[3:]) >= first), key=lambda c: int(c[3:]))


def empty_ports(n: pypsa.Network) -> dict[str, object]:
    """Return attributes that give a new Link empty extra ports (``bus2`` = "", efficiency 1)."""
    out: dict[str, object] = {}
    for col in port_columns(n, 2):
        out[col] = ""
        out[f"efficiency{col[3:]}"] = 1.0
    return out


def fill_link_ports(n: pypsa.Network) -> None:
    """Give Links added after the contract meters empty extra ports (no bus, efficiency 1)."""
    for col in port_columns(n, 2):
        n.links[col] = n.links[col].fillna("")
        eff = f"efficiency{col[3:]}"
        if eff in n.links.columns:
            n.links[eff] = n.links[eff].fillna(1.0)


def remove_unattached_buses(n: pypsa.Network) -> None:
    """Remove buses that no component uses (regions without assets in this year)."""
    used: set[str] = set()
    for c in ("Generator", "Load", "Store", "StorageUnit"):
        used |= set(n.components[c].static.bus)
    for col in port_columns(n):
        used |= set(n.links[col])
    unused = n.buses.index.difference(list(used))
    if len(unused):
        logger.debug("removing unattached buses %s", list(unused))
        n.remove("Bus", unused)


def check_no_energy_creation(n: pypsa.Network) -> None:
    """Raise if a Link could create energy: efficiency > 1, or lossy and reversible.

    A Link with ``p_min_pu < 0`` and ``efficiency < 1`` delivers more than it takes when it runs
    backwards (PyPSA computes ``p1 = -efficiency * p0`` for either sign).
    """
    links = n.links
    gain = links.index[links.efficiency > 1.0]
    lossy_reversible = links.index[(links.p_min_pu < 0) & (links.efficiency < 1.0)]
    bad = list(gain) + list(lossy_reversible)
    if bad:
        raise ValueError(f"links that can create energy (split them into two one-way links): "
                         f"{bad}")


def link_ports(n: pypsa.Network) -> list[int]:
    """Return the Link port numbers in use (0 and 1 always, 2, 3, … where a bus is set)."""
    return [int(c[3:]) for c in port_columns(n)
            if int(c[3:]) < 2 or (n.links[c] != "").any()]


ENTRY_CARRIERS = ("gas pipeline", "LNG terminal")
"""Link carriers that bring gas into a country."""


def entry_links(n: pypsa.Network, country: str) -> pd.DataFrame:
    """Return the Links that deliver gas into ``country``'s grid bus from outside it.

    Pipelines from other countries, offtakes from transit buses of the Southern Gas Corridor and
    LNG terminals count; storage and production do not.
    """
    links = n.links[n.links.carrier.isin(ENTRY_CARRIERS) & (n.links.bus1 == country)]
    kind = n.buses.node_kind.reindex(links.bus0)
    other = n.buses.country.reindex(links.bus0).values != country
    return links[other | (kind == "transit").values | (links.carrier == "LNG terminal").values]


def cross_border_links(n: pypsa.Network) -> pd.Index:
    """Return the gas pipelines whose two ends lie in different countries."""
    links = n.links[n.links.carrier == "gas pipeline"]
    c0 = n.buses.country.reindex(links.bus0).to_numpy()
    c1 = n.buses.country.reindex(links.bus1).to_numpy()
    return links.index[c0 != c1]


def per_snapshot(n: pypsa.Network, component: str, attr: str, names: pd.Index,
                 snapshots: pd.Index) -> np.ndarray:
    """Return an attribute of ``names``, snapshot x name: the time series where an asset has
    one, else its static value (as ``get_switchable_as_dense``, without its overhead)."""
    c = n.components[component]
    static = c.static.loc[names, attr].to_numpy(dtype=float)
    out = np.repeat(static[None, :], len(snapshots), axis=0)
    dynamic = c.dynamic.get(attr)
    if dynamic is not None and not dynamic.empty:
        where = names.get_indexer(dynamic.columns.intersection(names))
        if where.size:
            out[:, where] = dynamic[names[where]].reindex(snapshots).to_numpy(dtype=float)
    return out
