"""Gas components of a model year: buses, demand, supply, pipelines, LNG and storage.

One gas bus per region (attribute ``country``), the Southern Gas Corridor on its own transit buses,
every pipeline section and interconnection point as one-directional Links (a reverse direction is a
second Link), LNG send-out as Links from the global LNG market, storage as Stores behind injection
and withdrawal Links, supplies as priced Generators with annual caps (``e_sum_max``), and unserved
gas as a Generator per demand region priced at its cost of disrupted gas.

Supply potentials (``supply_potentials.csv``): a source with rows there is one Generator per step,
replacing its ``gas_supply.csv`` row; step 1 keeps the supply's name, later steps are
``"<name> step k"``, each with its own daily rate, annual volume and price (the supply price plus
the step's adder), and every step keeps the source's ``origin`` (stresses, remaining flexibility
and the tables still see one source). The LNG pool's step 1 is the region's 2024 share of world
LNG applied to each year's world supply; steps 2 and 3 add 25 % each at +5 and +15 EUR/MWh (gas
won from flexible cargoes by outbidding Asia); the daily rate is annual / 365 × 1.3. The
North-West European aggregate is bounded by the Norwegian pipeline export record (annual) and its
December 2023 monthly record (daily). All are estimates; the method of each row is in its note.

References
----------
ENTSOG, TYNDP 2017 Annex F (methodology): supply price curves and potentials.
Energy Institute, "Statistical Review of World Energy 2025": world LNG trade in 2024
(``sources.csv`` S-ei-2024-lng).
IEA, "Gas Market Report" (as reported 2025): LNG supply growth to 2026 and 2030
(``sources.csv`` S-iea-lng-wave, S-iea-lng-2026).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pypsa

from energy_model.data.loading import Inputs
from energy_model.errors import UsageError
from energy_model.network.topology import empty_ports
from energy_model.timeseries import spread_annual
from energy_model.units import HOURS_PER_YEAR

logger = logging.getLogger(__name__)


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


def _coordinates(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """Return ``x``, ``y`` [degree] of a regions or nodes table; NaN where not given."""
    return {c: (df[c].astype(float).to_numpy() if c in df.columns
                else np.full(len(df), np.nan)) for c in ("x", "y")}


def add_buses(n: pypsa.Network, data: Inputs, storage: pd.DataFrame | None = None) -> None:
    """Add one gas bus per region and per transit node (``country``, ``node_kind``, ``x``, ``y``),
    and one per storage site of ``storage`` (``"<name> storage"``, at its region's place).

    ``x``, ``y`` are longitude and latitude [degree] from ``regions.csv`` and ``nodes.csv``.
    """
    r, nodes = data.regions, data.nodes
    country = np.where(r.code == "NAR", "NAR", r.country)
    region_country = dict(zip(r.code, country, strict=True))
    buses = pd.DataFrame({
        "country": np.concatenate([country, nodes.region.map(region_country).to_numpy()]),
        "node_kind": np.concatenate([np.where(r.kind == "supplier", "supply", "grid"),
                                     np.full(len(nodes), "transit")]),
        **{k: np.concatenate([v, _coordinates(nodes)[k]]) for k, v in _coordinates(r).items()},
    }, index=pd.concat([r.code, nodes.node], ignore_index=True).to_numpy())
    if storage is not None and not storage.empty:
        buses = pd.concat([buses, storage_buses(storage, buses)])
    n.add("Bus", buses.index, carrier="gas", unit="MWh",
          **{c: buses[c].to_numpy() for c in buses.columns})


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
    """Add production and external supplies as Generators with daily and annual limits.

    A source with rows in ``supply_potentials.csv`` for ``year`` is added as one Generator per
    potential step instead of its ``gas_supply.csv`` row(s): step k has the step's daily rate
    ``p_nom`` [MW], annual volume ``e_sum_max`` [MWh] and the source's price plus the step's
    adder [EUR/MWh]. Step 1 keeps the supply's name, step k>1 is ``"<name> step <k>"``; every
    step has the source's ``origin``, so stresses and tables see one source.
    """
    s = data.gas_supply[(data.gas_supply.year == year) & (data.gas_supply.annual_max_mwh > 0)]
    prices = data.supply_prices[data.supply_prices.year == year].set_index("region")
    pot = data.supply_potentials[data.supply_potentials.year == year]
    missing = sorted((set(s.region) | set(pot.region)) - set(prices.index))
    if missing:
        raise UsageError(f"supply_prices.csv has no {year} price for {missing}")
    stepped = s[s.region.isin(pot.region)]
    s = s[~s.region.isin(pot.region)]
    names = (s.region + " " + s.name).to_numpy()
    p_nom = (s.annual_max_mwh / HOURS_PER_YEAR * s.swing).to_numpy()
    e_sum_max = s.annual_max_mwh.to_numpy()
    cost = prices.price_eur_per_mwh.reindex(s.region).to_numpy()
    origin = s.region.to_numpy()
    if not pot.empty:  # the potential steps, after the plain supplies
        base = (stepped.drop_duplicates("region").set_index("region").name
                .reindex(pot.region.unique()).fillna("potential"))
        pot = pot.sort_values(["region", "step"])
        step_names = [base[r] if k == 1 else f"{base[r]} step {k}"
                      for r, k in zip(pot.region, pot.step, strict=True)]
        names = np.concatenate([names, (pot.region + " ").to_numpy() + step_names])
        p_nom = np.concatenate([p_nom, pot.daily_max_mw.to_numpy()])
        e_sum_max = np.concatenate([e_sum_max, pot.annual_max_mwh.to_numpy()])
        cost = np.concatenate([cost, prices.price_eur_per_mwh.reindex(pot.region).to_numpy()
                               + pot.price_adder_eur_per_mwh.to_numpy()])
        origin = np.concatenate([origin, pot.region.to_numpy()])
    n.add("Generator", names, bus=origin, carrier="gas supply", p_nom=p_nom,
          e_sum_max=e_sum_max, marginal_cost=cost, origin=origin)


def add_pipelines(n: pypsa.Network, pipes: pd.DataFrame, params: dict[str, float]) -> None:
    """Add pipelines as one-directional Links, a second Link for the reverse direction.

    Compressor fuel is a loss of ``compressor_fuel_per_1000km`` per 1000 km of length
    (efficiency < 1); the transport tariff is a marginal cost per 1000 km, or the row's
    ``tariff_eur_per_mwh`` [EUR/MWh] where given (a published or estimated entry/exit tariff of
    the route, both directions). Reverse Links are named ``"<name> reverse"``.
    """
    add_links(n, [pipeline_links(pipes, params)])


def pipeline_links(pipes: pd.DataFrame, params: dict[str, float]) -> pd.DataFrame:
    """Return the Links of :func:`add_pipelines`, one row per Link and attribute columns."""
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
    cost = tariff * km
    if "tariff_eur_per_mwh" in links.columns:  # fwd and rev rows share index labels: no align
        given = links.tariff_eur_per_mwh.astype(float).to_numpy()
        cost = np.where(np.isnan(given), cost, given)
    return pd.DataFrame({
        "bus0": links.bus0.to_numpy(), "bus1": links.bus1.to_numpy(),
        "carrier": "gas pipeline", "p_nom": links.p_nom.to_numpy(), "p_min_pu": 0.0,
        "efficiency": 1.0 - fuel * km, "marginal_cost": cost,
        "length": links.length_km.to_numpy(), "asset": links.asset.to_numpy(),
        "pipeline": links.name.to_numpy(), "direction": links.direction.to_numpy(),
    }, index=links.link.to_numpy())


def add_lng_terminals(n: pypsa.Network, lng: pd.DataFrame) -> None:
    """Add LNG terminals as Links from the global LNG market bus to the region."""
    add_links(n, [lng_links(lng)])


def lng_links(lng: pd.DataFrame) -> pd.DataFrame:
    """Return the Links of :func:`add_lng_terminals`, one row per Link."""
    return pd.DataFrame({
        "bus0": "LNG", "bus1": lng.region.to_numpy(), "carrier": "LNG terminal",
        "p_nom": lng.sendout_mw.to_numpy(), "efficiency": 1.0, "asset": lng.name.to_numpy(),
        "pipeline": lng.name.to_numpy(), "direction": "forward",
    }, index=lng.name.to_numpy())


def add_storage(n: pypsa.Network, storage: pd.DataFrame) -> None:
    """Add storage as a cyclic Store on its own bus with injection and withdrawal Links."""
    if storage.empty:
        return
    buses = storage_buses(storage, n.buses)
    n.add("Bus", buses.index, carrier="gas", unit="MWh",
          **{c: buses[c].to_numpy() for c in buses.columns})
    add_stores(n, storage)
    add_links(n, [storage_links(storage)])


def storage_buses(storage: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Return the bus of each storage site (``"<name> storage"``) with its region's ``country``,
    ``x`` and ``y`` from ``places`` (buses indexed by name)."""
    at = places.reindex(storage.region)
    return pd.DataFrame({"country": at.country.to_numpy(), "node_kind": "storage",
                         "x": at.x.to_numpy(), "y": at.y.to_numpy()},
                        index=[f"{x} storage" for x in storage.name])


def add_stores(n: pypsa.Network, storage: pd.DataFrame) -> None:
    """Add each storage site's working gas as a cyclic Store on its bus [MWh]."""
    if storage.empty:
        return
    names = storage.name.values
    n.add("Store", names, bus=[f"{x} storage" for x in names], carrier="gas storage",
          e_nom=storage.working_gas_mwh.values, e_cyclic=True)


def storage_links(storage: pd.DataFrame) -> pd.DataFrame:
    """Return the injection and withdrawal Links of the storage sites, injections first."""
    names = storage.name.to_numpy(dtype=object)
    stores = np.array([f"{x} storage" for x in names], dtype=object)
    regions = storage.region.to_numpy(dtype=object)
    return pd.DataFrame({
        "bus0": np.concatenate([regions, stores]), "bus1": np.concatenate([stores, regions]),
        "carrier": "gas storage",
        "p_nom": np.concatenate([storage.injection_mw.to_numpy(),
                                 storage.withdrawal_mw.to_numpy()]),
    }, index=[f"{x} injection" for x in names] + [f"{x} withdrawal" for x in names])


def add_links(n: pypsa.Network, tables: list[pd.DataFrame]) -> None:
    """Add the Links of ``tables`` (one row per Link, attribute columns) in one ``n.add``.

    A PyPSA ``n.add`` costs about 11 ms whatever its size, so the builder adds the rows of
    pipelines, LNG terminals and storage at once. An attribute a table does not give takes
    PyPSA's default (a column of our own, such as ``pipeline``, stays empty).
    """
    tables = [t for t in tables if not t.empty]
    if not tables:
        return
    links = pd.concat(tables) if len(tables) > 1 else tables[0]
    n.add("Link", links.index.to_numpy(), **{c: links[c].to_numpy() for c in links.columns},
          **empty_ports(n))


def reserve_supplies(n: pypsa.Network, data: Inputs, year: int) -> None:
    """Let a supply reserved for named assets flow only through those assets.

    A ``gas_supply.csv`` row with ``reserved_for`` (``;``-separated pipeline names) is gas
    that exists for those assets alone (Turkmen gas for the Trans-Caspian options): its
    Generator moves to a bus of its own, and the reserved pipelines leaving its region start
    from that bus, so the gas cannot reach any other pipeline of the region (the
    Turkmenistan–Iran pipe). Without a reserved pipeline in the network (option not built) the
    Generator is removed.
    """
    if "reserved_for" not in data.gas_supply.columns:
        return
    s = data.gas_supply[(data.gas_supply.year == year) & (data.gas_supply.annual_max_mwh > 0)]
    s = s[s.reserved_for.fillna("").astype(str).str.strip() != ""]
    for row in s.itertuples():
        gen = f"{row.region} {row.name}"
        if gen not in n.generators.index:
            continue
        assets = {x.strip() for x in str(row.reserved_for).split(";")}
        links = n.links.index[n.links.pipeline.isin(assets) & (n.links.bus0 == row.region)]
        if links.empty:
            logger.info("%s: none of %s built; reserved supply removed", gen, sorted(assets))
            n.remove("Generator", gen)
            continue
        bus = f"{gen} reserve"
        n.add("Bus", bus, carrier="gas", unit="MWh", country=n.buses.at[row.region, "country"],
              node_kind="supply", x=n.buses.at[row.region, "x"], y=n.buses.at[row.region, "y"])
        n.generators.loc[gen, "bus"] = bus
        n.links.loc[links, "bus0"] = bus
