"""Electricity layer coupled to the gas network.

One AC bus per region of ``power_demand.csv`` (carrier ``AC``, attribute ``country``), its demand,
a generation fleet (coal, lignite, nuclear, hydro, wind, solar and other plants as Generators;
gas plants as Links from the region's gas bus, so that their gas is a gas-network flow), the
cross-border interconnectors, and unserved electricity at the value of lost load. CO2 is priced
per tonne (``co2_prices.csv``) in every plant's marginal cost and reported from the dispatch.

Interconnectors are split into one Link per direction, each with its losses: AC lines
``ac_loss_per_1000km``; DC (HVDC) links the converter efficiency times
``dc_efficiency_per_1000km`` to the power of the length in 1000 km, so a cable used in both
directions never creates energy.

When the layer is on, each region's gas demand is reduced by its gas burnt for power
(``gas_for_power.csv``), which the modelled gas plants now burn explicitly.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pypsa

from energy_model.data.loading import Inputs
from energy_model.data.schema import VARIABLE_TECHNOLOGIES
from energy_model.errors import UsageError
from energy_model.network.topology import empty_ports, select_active
from energy_model.timeseries import monthly_to_snapshots
from energy_model.units import LHV_PER_GCV

logger = logging.getLogger(__name__)



GAS_TECHNOLOGIES = ("gas CCGT", "gas OCGT")
"""Technologies modelled as Links from the gas bus."""




def ac_bus(region: str) -> str:
    """Return the name of a region's electricity bus."""
    return f"{region} AC"


def gas_for_power_mwh(data: Inputs, year: int) -> pd.Series:
    """Return the gas burnt for power per region in ``year`` [MWh/yr] (GCV)."""
    g = data.gas_for_power
    return g[g.year == year].set_index("region").value_mwh


def add_power(n: pypsa.Network, data: Inputs, year: int) -> None:
    """Add the electricity layer of ``year`` to the gas network ``n``."""
    demand = data.power_demand[(data.power_demand.year == year)
                               & (data.power_demand.metric == "annual")]
    regions = pd.Index(sorted(demand.region))
    n.add("Carrier", ["AC", "DC", "unserved electricity", *data.power_technologies.technology],
          co2_emissions=0.0)
    n.add("Bus", [ac_bus(r) for r in regions], carrier="AC", unit="MWh", country=regions,
          node_kind="power", x=n.buses.x.reindex(regions).values,
          y=n.buses.y.reindex(regions).values)
    annual = demand.set_index("region").value_internal.reindex(regions)
    flat = pd.DataFrame(np.outer(np.ones(len(n.snapshots)), annual / 8760.0),
                        index=n.snapshots, columns=[f"{r} electricity demand" for r in regions])
    n.add("Load", flat.columns, bus=[ac_bus(r) for r in regions], carrier="AC", p_set=flat)
    voll = data.parameters["value_of_lost_load_electricity"]
    n.add("Generator", [f"{r} unserved electricity" for r in regions],
          bus=[ac_bus(r) for r in regions], carrier="unserved electricity",
          p_nom=flat.max().values, marginal_cost=voll, origin="")
    ets = data.co2_prices[data.co2_prices.region == "EU"]
    co2_price = float(ets.set_index("year").price_eur_per_t.loc[year])
    cap = data.power_capacity[(data.power_capacity.year == year)
                              & data.power_capacity.region.isin(regions)
                              & (data.power_capacity.capacity_mw > 0)]
    add_plants(n, cap, data, co2_price)
    links = data.power_links
    active = select_active(links, year)
    active = active[active["from"].isin(regions) & active["to"].isin(regions)]
    add_power_links(n, active, data.parameters)
    n.meta = {**n.meta, "co2_price_eur_per_t": co2_price}


def add_plants(n: pypsa.Network, cap: pd.DataFrame, data: Inputs, co2_price: float) -> None:
    """Add power plants: gas plants as Links from the gas bus, the rest as Generators.

    Marginal cost of a thermal Generator [EUR/MWh_el] = (fuel + CO2 price × emission factor) /
    efficiency + variable O&M; of a gas Link per MWh of gas input [EUR/MWh_th] = CO2 price ×
    emission factor + variable O&M × efficiency (the gas itself is priced by the gas network).
    ``power_technologies.csv`` gives efficiencies and emission factors on lower calorific value
    (as PyPSA technology-data and IPCC do); for gas plants both are converted to the gas
    network's gross calorific value (× LHV/GCV = 0.9).
    """
    tech = data.power_technologies.set_index("technology")
    t = tech.reindex(cap.technology)
    eff = t.efficiency.to_numpy().copy()
    co2 = t.co2_t_per_mwh_th.to_numpy().copy()
    names = (cap.region + " " + cap.technology).to_numpy()
    gas = cap.technology.isin(GAS_TECHNOLOGIES).to_numpy()
    # efficiencies and emission factors are on LHV; the gas network counts GCV
    eff[gas] = lhv_to_gcv_efficiency(eff[gas])
    co2[gas] = co2[gas] * LHV_PER_GCV
    if gas.any():
        n.add("Link", names[gas], bus0=cap.region.to_numpy()[gas],
              bus1=[ac_bus(r) for r in cap.region.to_numpy()[gas]],
              carrier=cap.technology.to_numpy()[gas], efficiency=eff[gas],
              p_nom=cap.capacity_mw.to_numpy()[gas] / eff[gas],
              marginal_cost=co2_price * co2[gas] + t.vom_eur_per_mwh.to_numpy()[gas] * eff[gas],
              co2_t_per_mwh_th=co2[gas])
    other = ~gas
    mc = thermal_marginal_cost(t.fuel_price_eur_per_mwh_th.fillna(0.0).to_numpy(), co2_price,
                               co2, eff, t.vom_eur_per_mwh.to_numpy())
    variable = cap.technology.isin(VARIABLE_TECHNOLOGIES).to_numpy() & other
    for mask in (other & ~variable, variable):
        if not mask.any():
            continue
        kwargs = {}
        if mask is variable:
            kwargs["p_max_pu"] = _profiles(n, data, cap[mask], names[mask])
        n.add("Generator", names[mask], bus=[ac_bus(r) for r in cap.region.to_numpy()[mask]],
              carrier=cap.technology.to_numpy()[mask], p_nom=cap.capacity_mw.to_numpy()[mask],
              marginal_cost=mc[mask], co2_t_per_mwh_th=co2[mask], efficiency=eff[mask],
              origin="", **kwargs)


def thermal_marginal_cost(fuel, co2_price: float, co2_factor, efficiency, vom):
    """Return a fuel-burning Generator's marginal cost [EUR/MWh_el].

    ``(fuel [EUR/MWh_th] + co2_price [EUR/t] × co2_factor [t/MWh_th]) / efficiency [-] + vom
    [EUR/MWh_el]``; works on scalars and arrays.
    """
    return (fuel + co2_price * co2_factor) / efficiency + vom


def lhv_to_gcv_efficiency(efficiency):
    """Convert an efficiency on LHV fuel input to one on GCV fuel input [-]."""
    return efficiency * LHV_PER_GCV


def _profiles(n: pypsa.Network, data: Inputs, cap: pd.DataFrame,
              names: np.ndarray) -> pd.DataFrame:
    prof = data.power_profiles.pivot_table(index="month", columns=["region", "technology"],
                                           values="capacity_factor")
    missing = [(r, t) for r, t in zip(cap.region, cap.technology, strict=True)
               if (r, t) not in prof.columns]
    if missing:
        raise UsageError(f"power_profiles.csv has no profile for {missing}")
    monthly = prof[list(zip(cap.region, cap.technology, strict=True))]
    monthly.columns = names
    solar = [x for x, t in zip(names, cap.technology, strict=True) if t == "solar"]
    return monthly_to_snapshots(monthly, n.snapshot_weightings.objective,
                                n.meta["resolution"], solar_columns=solar)


def link_efficiency(carrier: str, length_km: float, params: dict[str, float]) -> float:
    """Return the efficiency of one direction of an interconnector [-]."""
    km = 0.0 if np.isnan(length_km) else length_km / 1000.0
    if carrier == "DC":
        return params["dc_converter_efficiency"] * params["dc_efficiency_per_1000km"] ** km
    return 1.0 - params["ac_loss_per_1000km"] * km


def add_power_links(n: pypsa.Network, links: pd.DataFrame, params: dict[str, float]) -> None:
    """Add interconnectors as one lossy Link per direction (``"<name> reverse"`` backwards)."""
    if links.empty:
        return
    eff = np.array([link_efficiency(c, km, params)
                    for c, km in zip(links.carrier, links.length_km, strict=True)])
    fwd = links.assign(link=links.name, b0=links["from"], b1=links["to"],
                       p=links.capacity_fwd_mw, eff=eff)
    rev = links.assign(link=links.name + " reverse", b0=links["to"], b1=links["from"],
                       p=links.capacity_rev_mw, eff=eff)
    both = pd.concat([fwd, rev])
    both = both[both.p > 0]
    n.add("Link", both.link.values, bus0=[ac_bus(r) for r in both.b0],
          bus1=[ac_bus(r) for r in both.b1], carrier=both.carrier.values, p_nom=both.p.values,
          efficiency=both.eff.values, length=both.length_km.fillna(0.0).values,
          pipeline=both.name.values, **empty_ports(n))
