"""Tables of a solved network: flows, unserved gas, demand, prices, contracts, power."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pypsa

from energy_model.network.contracts import META_KEY
from energy_model.network.power import GAS_TECHNOLOGIES
from energy_model.units import HOURS_PER_YEAR, mwh_to_bcm

logger = logging.getLogger(__name__)


def link_energy(n: pypsa.Network) -> pd.Series:
    """Return the annual energy taken in by each Link at ``bus0`` [MWh]."""
    w = n.snapshot_weightings.objective
    return n.links_t.p0.mul(w, axis=0).sum()


def available_link_energy(n: pypsa.Network, links: pd.Index | None = None,
                          snapshots=None) -> pd.Series:
    """Return the energy each Link could take in at ``bus0`` over ``snapshots`` [MWh].

    The available capacity (``p_max_pu`` x ``p_nom_opt``, or ``p_nom`` on an unsolved network)
    times the snapshot weights, summed; outages and derating lower it with ``p_max_pu``.
    """
    links = n.links.index if links is None else links
    snapshots = n.snapshots if snapshots is None else snapshots
    w = n.snapshot_weightings.objective.loc[snapshots]
    solved = "p_nom_opt" in n.links and n.links.loc[links, "p_nom_opt"].notna().all() \
        and not n.links_t.p0.empty
    cap = n.links.loc[links, "p_nom_opt" if solved else "p_nom"]
    pmax = n.get_switchable_as_dense("Link", "p_max_pu", snapshots)[links]
    return pmax.mul(cap, axis=1).mul(w, axis=0).sum()


def carried_link_energy(n: pypsa.Network, links: pd.Index | None = None,
                        snapshots=None) -> pd.Series:
    """Return the energy each Link took in at ``bus0`` over ``snapshots`` [MWh] (forward flow)."""
    links = n.links.index if links is None else links
    snapshots = n.snapshots if snapshots is None else snapshots
    w = n.snapshot_weightings.objective.loc[snapshots]
    p0 = n.links_t.p0.reindex(columns=links, fill_value=0.0).loc[snapshots]
    return p0.clip(lower=0.0).mul(w, axis=0).sum()


def utilisation(carried: pd.Series, available: pd.Series) -> pd.Series:
    """Return utilisation: energy carried over the energy the available capacity allows [-].

    The one definition of the package (flow tables, bottlenecks, maps): both energies over the
    same snapshots (:func:`carried_link_energy`, :func:`available_link_energy`, or their sums
    over a corridor's Links); NaN where nothing was available.
    """
    return carried / available.where(available > 0)


def link_utilisation(n: pypsa.Network, links: pd.Index | None = None,
                     snapshots=None) -> pd.Series:
    """Return the :func:`utilisation` of each Link over ``snapshots`` (default: all) [-]."""
    return utilisation(carried_link_energy(n, links, snapshots),
                       available_link_energy(n, links, snapshots))


def tabulate_flows(n: pypsa.Network) -> pd.DataFrame:
    """Return annual flow and utilisation of every pipeline, interconnection point and LNG terminal.

    Columns: ``name, direction, from, to, carrier, capacity_bcm, flow_bcm, utilisation``; the flow
    is measured where the gas enters the Link [bcm/yr]; ``capacity_bcm`` is the nameplate
    capacity over a year, ``utilisation`` as defined by :func:`utilisation`.
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
    out["utilisation"] = link_utilisation(n, links.index).to_numpy()
    return out.round(6)


def unserved_by_country(n: pypsa.Network) -> pd.Series:
    """Return the annual unserved gas demand per country of a solved network [bcm]."""
    supply = n.statistics.supply(components="Generator", groupby=["country", "carrier"],
                                 nice_names=False)
    carrier = supply.index.get_level_values("carrier")
    uns = supply[carrier == "unserved gas"].droplevel("carrier")
    g = n.generators[n.generators.carrier == "unserved gas"]
    countries = pd.Index(sorted(n.buses.country.reindex(g.bus).unique()))
    return mwh_to_bcm(uns.reindex(countries, fill_value=0.0))


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
    records = n.meta.get(META_KEY, {})
    rows = []
    for meter in g.index:
        contracts = pd.DataFrame(records[meter])
        lo, hi = contracts.min_mwh.to_numpy(), contracts.max_mwh.to_numpy()
        volume = float(metered[meter])
        if volume <= lo.sum():
            alloc = lo * (volume / lo.sum()) if lo.sum() > 0 else np.zeros_like(lo)
        else:
            flex = hi - lo
            extra = volume - lo.sum()
            alloc = lo + (extra * flex / flex.sum() if flex.sum() > 0 else 0.0)
        for i, r in contracts.iterrows():
            rows.append({
                "contract": r["name"], "seller": r.seller, "buyer": r.buyer, "kind": r.kind,
                "meter": meter, "min_bcm": mwh_to_bcm(lo[i]), "max_bcm": mwh_to_bcm(hi[i]),
                "volume_bcm": mwh_to_bcm(alloc[i]), "meter_volume_bcm": mwh_to_bcm(volume),
            })
    return pd.DataFrame(rows).round(6)


def tabulate_power(n: pypsa.Network, without: pypsa.Network | None = None) -> pd.DataFrame:
    """Return the electricity-layer results per country, with gas saved against ``without``.

    Columns: ``gas_for_power_bcm``, ``gas_power_twh``, ``co2_mt`` and, given the same case
    solved without the cable options, ``gas_saved_bcm`` (positive when the case burns less).
    """

    table = summarise_power(n)
    if without is not None:
        base = summarise_power(without).gas_for_power_bcm
        table["gas_saved_bcm"] = base.reindex(table.index).fillna(0.0) - table.gas_for_power_bcm
    return table.rename_axis("country").reset_index()


def summarise_cables(n: pypsa.Network) -> dict[str, dict[str, float]]:
    """Return the annual electricity sent into each DC Link pair [TWh]."""

    dc = n.links[(n.links.carrier == "DC") & ~n.links.index.str.endswith(" reverse")]
    return {name: cable_flow_twh(n, name) for name in dc.index}


def summarise_power(n: pypsa.Network) -> pd.DataFrame:
    """Return gas burnt for power [bcm], power generated from gas [TWh] and CO2 [Mt] per country.

    CO2 counts every plant's fuel input times its emission factor.
    """

    w = n.snapshot_weightings.objective
    gas_links = n.links[n.links.carrier.isin(GAS_TECHNOLOGIES)]
    fuel = n.links_t.p0[gas_links.index].mul(w, axis=0).sum()
    country = n.buses.country.reindex(gas_links.bus0).values
    parts = {
        "gas_for_power_bcm": mwh_to_bcm(fuel).groupby(country).sum(),
        "gas_power_twh": (-n.links_t.p1[gas_links.index].mul(w, axis=0).sum() / 1e6)
        .groupby(country).sum(),
        "co2_gas_mt": (fuel * gas_links.co2_t_per_mwh_th / 1e6).groupby(country).sum(),
    }
    gens = n.generators[n.generators.carrier.isin(["coal", "lignite", "other"])]
    if not gens.empty:
        el = n.generators_t.p[gens.index].mul(w, axis=0).sum()
        co2 = el / gens.efficiency * gens.co2_t_per_mwh_th / 1e6
        parts["co2_other_mt"] = co2.groupby(n.buses.country.reindex(gens.bus).values).sum()
    out = pd.concat(parts, axis=1).fillna(0.0)
    out["co2_mt"] = out.co2_gas_mt + out.get("co2_other_mt", 0.0)
    return out.round(6)


def cable_flow_twh(n: pypsa.Network, name: str) -> dict[str, float]:
    """Return the annual electricity sent into a cable in each direction [TWh]."""
    w = n.snapshot_weightings.objective
    out = {}
    for link, label in ((name, "forward_twh"), (f"{name} reverse", "reverse_twh")):
        out[label] = float(n.links_t.p0[link].mul(w).sum() / 1e6) if link in n.links.index \
            else 0.0
    return out


def demand_by_country(n: pypsa.Network) -> pd.Series:
    """Return the annual gas demand per country as set in the network [bcm].

    Read from the loads' ``p_set`` rather than ``n.statistics.withdrawal`` so that it also works
    on an unsolved network (a solved one gives the same figures).
    """
    loads = n.loads[n.loads.carrier == "gas demand"]
    w = n.snapshot_weightings.objective
    energy = n.loads_t.p_set[loads.index].mul(w, axis=0).sum()
    return mwh_to_bcm(energy.groupby(n.buses.country.reindex(loads.bus).values).sum())
