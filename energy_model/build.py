"""Build the PyPSA gas network of the region for one model year.

One gas bus per region (attribute ``country``), the Southern Gas Corridor on its own transit buses,
every pipeline section and interconnection point as one-directional Links (a reverse direction is a
second Link), LNG send-out as Links from the global LNG market, storage as Stores behind injection
and withdrawal Links, supplies as priced Generators with annual caps (``e_sum_max``), unserved gas
as a Generator per demand region priced at its cost of disrupted gas, and supply contracts as
annual bounds on metered delivery points (see :func:`add_contracts`). Every constraint is a plain
PyPSA attribute, so a network written to netCDF re-optimises to the same cost with
``n.optimize()``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pypsa

from energy_model.inputs import Inputs, load_inputs
from energy_model.timeseries import make_snapshots, spread_annual
from energy_model.units import HOURS_PER_YEAR

logger = logging.getLogger(__name__)

CONTRACT_SEPARATOR = "|"
"""Separator of the per-contract lists stored on a contract meter Generator."""

IN_BASE_NETWORK = ("operating", "fid")
"""Statuses of assets present in every network of their years."""

CARRIERS = {
    "gas": "natural gas (bus carrier, GCV)",
    "gas supply": "production and external supply",
    "gas pipeline": "pipeline section or interconnection point",
    "LNG terminal": "LNG regasification send-out",
    "gas storage": "storage injection and withdrawal",
    "gas demand": "final gas demand",
    "unserved gas": "demand not served, priced at the cost of disrupted gas",
    "contract": "metering of supply-contract delivery points",
}


def build_network(year: int, options: Sequence[str] = (),
                  inputs: Inputs | str | Path = "inputs", power: bool = False,
                  resolution: str = "daily") -> pypsa.Network:
    """Build the gas network of ``year`` with the named options applied.

    Parameters
    ----------
    year : int
        Model year [year]; 2024, 2026 or 2030 have complete data.
    options : sequence of str
        Names of diversification options (see :mod:`energy_model.cases`).
    inputs : Inputs or path
        Loaded inputs, or the directory to load them from.
    power : bool
        Add the electricity layer (:mod:`energy_model.power`) coupled to the gas network. Options
        that need it (the Black Sea cable) switch it on.
    resolution : str
        ``daily`` (365 days, default), ``weeks`` (4 representative hourly weeks) or ``hourly``
        (see :mod:`energy_model.timeseries`).

    Returns
    -------
    pypsa.Network
        An unsolved network; snapshot weights are the hours each snapshot stands for.
    """
    data = inputs if isinstance(inputs, Inputs) else load_inputs(inputs)
    n = pypsa.Network(name=f"energy_model gas {year}")
    from energy_model.cases import options_need_power

    power = power or options_need_power(options, data)
    n.meta = {"year": int(year), "options": list(options), "power": bool(power),
              "resolution": resolution}
    weights = make_snapshots(year, resolution)
    n.set_snapshots(weights.index)
    for col in n.snapshot_weightings.columns:
        n.snapshot_weightings[col] = weights.to_numpy()
    n.add("Carrier", list(CARRIERS), nice_name=list(CARRIERS.values()))
    add_buses(n, data)
    gas_for_power = None
    if power:
        from energy_model.power import add_power, gas_for_power_mwh

        gas_for_power = gas_for_power_mwh(data, year)
    add_demand(n, data, year, subtract=gas_for_power)
    add_supply(n, data, year)
    add_pipelines(n, select_active(data.pipelines, year), data.parameters)
    add_lng_terminals(n, select_active(data.lng_terminals, year))
    add_storage(n, select_active(data.storage, year))
    if power:
        add_power(n, data, year)
    add_contracts(n, data, year)
    if options:
        from energy_model.cases import apply_options

        apply_options(n, options, data)
        fill_link_ports(n)
    remove_unattached_buses(n)
    check_no_energy_creation(n)
    logger.info("built %s: %d buses, %d links, %d generators, %d stores", n.name,
                len(n.buses), len(n.links), len(n.generators), len(n.stores))
    return n


def network_path(year: int, directory: str | Path = "networks") -> Path:
    """Return the path of the stored unsolved network of ``year``."""
    return Path(directory) / f"gas_{year}.nc"


def select_active(df: pd.DataFrame, year: int,
                  statuses: Sequence[str] = IN_BASE_NETWORK) -> pd.DataFrame:
    """Return the rows of an asset table in service in ``year`` with one of ``statuses``."""
    end = df.end_year.fillna(9999)
    mask = df.status.isin(statuses) & (df.start_year <= year) & (end >= year)
    return df[mask]


def add_buses(n: pypsa.Network, data: Inputs) -> None:
    """Add one gas bus per region and per transit node, with ``country`` and ``node_kind``."""
    r = data.regions
    country = np.where(r.code == "NAR", "NAR", r.country)
    kind = np.where(r.kind == "supplier", "supply", "grid")
    n.add("Bus", r.code.values, carrier="gas", unit="MWh", country=country, node_kind=kind)
    region_country = dict(zip(r.code, country, strict=True))
    nodes = data.nodes
    n.add("Bus", nodes.node.values, carrier="gas", unit="MWh",
          country=nodes.region.map(region_country).values, node_kind="transit")


def add_demand(n: pypsa.Network, data: Inputs, year: int,
               subtract: pd.Series | None = None) -> None:
    """Add gas loads from annual demand and monthly shape, and an unserved-gas Generator each.

    Parameters
    ----------
    subtract : pandas.Series, optional
        Annual gas burnt for power per region [MWh/yr], taken out of the demand when the
        electricity layer burns it explicitly.
    """
    d = data.gas_demand
    annual = d[(d.metric == "annual") & (d.year == year)].set_index("region").value_internal
    if subtract is not None:
        annual = annual.sub(subtract.reindex(annual.index).astype(float).fillna(0.0)).clip(0.0)
    annual = annual[annual > 0]
    shape = data.gas_demand_shape.pivot(index="month", columns="region", values="share")
    weights = n.snapshot_weightings.objective
    p_set = spread_annual(annual, shape, weights, n.meta["resolution"])
    regions = annual.index
    n.add("Load", regions + " gas demand", bus=regions, carrier="gas demand",
          p_set=p_set.set_axis(regions + " gas demand", axis=1))
    codg = data.cost_of_disrupted_gas.set_index("region").eur_per_mwh
    p_nom = p_set.max()
    n.add("Generator", regions + " unserved gas", bus=regions, carrier="unserved gas",
          p_nom=p_nom.values, marginal_cost=codg.reindex(regions).values,
          p_max_pu=(p_set / p_nom).set_axis(regions + " unserved gas", axis=1), origin="UNS")


def add_supply(n: pypsa.Network, data: Inputs, year: int) -> None:
    """Add production and external supplies as Generators with daily and annual limits."""
    s = data.gas_supply[(data.gas_supply.year == year) & (data.gas_supply.annual_max_mwh > 0)]
    prices = data.supply_prices[data.supply_prices.year == year].set_index("region")
    missing = sorted(set(s.region) - set(prices.index))
    if missing:
        raise ValueError(f"supply_prices.csv has no {year} price for {missing}")
    names = s.region + " " + s.name
    n.add("Generator", names.values, bus=s.region.values, carrier="gas supply",
          p_nom=(s.annual_max_mwh / HOURS_PER_YEAR * s.swing).values,
          e_sum_max=s.annual_max_mwh.values,
          marginal_cost=prices.price_eur_per_mwh.reindex(s.region).values,
          origin=s.region.values)


def add_pipelines(n: pypsa.Network, pipes: pd.DataFrame, params: dict[str, float]) -> None:
    """Add pipelines as one-directional Links, a second Link for the reverse direction.

    Compressor fuel is a loss of ``compressor_fuel_per_1000km`` per 1000 km of length
    (efficiency < 1); the transport tariff is a marginal cost per 1000 km. Reverse Links are
    named ``"<name> reverse"``.
    """
    fuel = params["compressor_fuel_per_1000km"]
    tariff = params["transport_tariff_per_1000km"]
    fwd = pipes.assign(link=pipes.name, bus0=pipes["from"], bus1=pipes["to"],
                       p_nom=pipes.capacity_fwd_mw, direction="forward")
    rev = pipes[pipes.capacity_rev_mw > 0]
    rev = rev.assign(link=rev.name + " reverse", bus0=rev["to"], bus1=rev["from"],
                     p_nom=rev.capacity_rev_mw, direction="reverse")
    links = pd.concat([fwd, rev])
    links = links[links.p_nom > 0]
    km = links.length_km.to_numpy() / 1000.0
    n.add("Link", links.link.values, bus0=links.bus0.values, bus1=links.bus1.values,
          carrier="gas pipeline", p_nom=links.p_nom.values, p_min_pu=0.0,
          efficiency=1.0 - fuel * km, marginal_cost=tariff * km, length=links.length_km.values,
          asset=links.asset.values, pipeline=links.name.values, direction=links.direction.values,
          **empty_ports(n))


def add_lng_terminals(n: pypsa.Network, lng: pd.DataFrame) -> None:
    """Add LNG terminals as Links from the global LNG market bus to the region."""
    if lng.empty:
        return
    n.add("Link", lng.name.values, bus0="LNG", bus1=lng.region.values, carrier="LNG terminal",
          p_nom=lng.sendout_mw.values, efficiency=1.0, asset=lng.name.values,
          pipeline=lng.name.values, direction="forward", **empty_ports(n))


def add_storage(n: pypsa.Network, storage: pd.DataFrame) -> None:
    """Add storage as a cyclic Store on its own bus with injection and withdrawal Links."""
    if storage.empty:
        return
    names = storage.name.values
    country = n.buses.country.reindex(storage.region).values
    n.add("Bus", names, suffix=" storage", carrier="gas", unit="MWh", country=country,
          node_kind="storage")
    n.add("Store", names, bus=[f"{x} storage" for x in names], carrier="gas storage",
          e_nom=storage.working_gas_mwh.values, e_cyclic=True)
    n.add("Link", names, suffix=" injection", bus0=storage.region.values,
          bus1=[f"{x} storage" for x in names], carrier="gas storage",
          p_nom=storage.injection_mw.values, **empty_ports(n))
    n.add("Link", names, suffix=" withdrawal", bus0=[f"{x} storage" for x in names],
          bus1=storage.region.values, carrier="gas storage", p_nom=storage.withdrawal_mw.values,
          **empty_ports(n))


def add_contracts(n: pypsa.Network, data: Inputs, year: int) -> None:
    """Bound the annual flow through each contract's delivery points.

    Each delivery-point Link gets an extra output port (``bus2``, ``bus3``, …, efficiency 1) to a
    meter bus of the contract; a Generator on the meter bus absorbs the metered flow
    (``p_min_pu=-1``, ``p_max_pu=0``) and its ``e_sum_min``/``e_sum_max`` of ``-max``/``-min``
    bound the annual delivered volume. Contracts with the same delivery points share one meter,
    with their volumes added; the meter keeps each contract's name, buyer, seller, kind and bounds
    as ``|``-separated lists. A minimum above what the points can carry is cut to their capacity.
    """
    c = select_active(data.contracts.assign(status="operating"), year)
    if c.empty:
        return
    c = c.assign(points=c.delivery_points.map(
        lambda s: tuple(sorted(x.strip() for x in s.split(";")))))
    sep = CONTRACT_SEPARATOR
    meters = c.groupby("points").agg(
        min_mwh=("min_mwh", "sum"), max_mwh=("max_mwh", "sum"),
        contracts=("name", sep.join), buyer=("buyer", sep.join), seller=("seller", sep.join),
        kind=("kind", sep.join),
        contract_min_mwh=("min_mwh", lambda v: sep.join(f"{x:.6g}" for x in v)),
        contract_max_mwh=("max_mwh", lambda v: sep.join(f"{x:.6g}" for x in v)))
    used_ports: dict[str, int] = {}
    rows = []
    for points, m in meters.iterrows():
        links = [p for p in points if p in n.links.index]
        if not links:
            logger.warning("contract(s) %s: no delivery point in service in %d; skipped",
                           m.contracts, year)
            continue
        meter = f"meter {' + '.join(points)}"
        for link in links:
            port = used_ports.get(link, 1) + 1
            used_ports[link] = port
            n.links.loc[link, f"bus{port}"] = meter
            n.links.loc[link, f"efficiency{port}"] = 1.0
        cap = n.links.loc[links, "p_nom"].sum() * n.snapshot_weightings.generators.sum()
        if m.min_mwh > cap:
            logger.warning("contract(s) %s: minimum %.0f MWh above capacity %.0f MWh; cut",
                           m.contracts, m.min_mwh, cap)
        rows.append(dict(name=meter, p_nom=n.links.loc[links, "p_nom"].sum(),
                         e_sum_min=-m.max_mwh, e_sum_max=-min(m.min_mwh, cap),
                         contracts=m.contracts, buyer=m.buyer, seller=m.seller, kind=m.kind,
                         contract_min_mwh=m.contract_min_mwh,
                         contract_max_mwh=m.contract_max_mwh))
    fill_link_ports(n)
    meters = pd.DataFrame(rows).set_index("name")
    n.add("Bus", meters.index, carrier="contract", unit="MWh", country="", node_kind="meter")
    n.add("Generator", meters.index, bus=meters.index, carrier="contract", p_min_pu=-1.0,
          p_max_pu=0.0, origin="", **meters.to_dict("series"))


def empty_ports(n: pypsa.Network) -> dict[str, object]:
    """Return attributes that give a new Link empty extra ports (``bus2`` = "", efficiency 1)."""
    out: dict[str, object] = {}
    for col in n.links.columns:
        if col.startswith("bus") and col[3:].isdigit() and int(col[3:]) >= 2:
            out[col] = ""
            out[f"efficiency{col[3:]}"] = 1.0
    return out


def fill_link_ports(n: pypsa.Network) -> None:
    """Give Links added after the contract meters empty extra ports (no bus, efficiency 1)."""
    for col in n.links.columns:
        if col.startswith("bus") and col[3:].isdigit() and int(col[3:]) >= 2:
            n.links[col] = n.links[col].fillna("")
            eff = f"efficiency{col[3:]}"
            if eff in n.links.columns:
                n.links[eff] = n.links[eff].fillna(1.0)


def remove_unattached_buses(n: pypsa.Network) -> None:
    """Remove buses that no component uses (regions without assets in this year)."""
    used: set[str] = set()
    for c in ("Generator", "Load", "Store", "StorageUnit"):
        used |= set(n.static(c).bus)
    for col in n.links.columns:
        if col.startswith("bus") and col[3:].isdigit():
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
