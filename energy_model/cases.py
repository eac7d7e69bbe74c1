"""Diversification options and stress cases, applied to a built network.

Both catalogues are data: ``inputs/options.csv`` and ``inputs/option_assets.csv`` say what each
option builds, ``inputs/stresses.csv`` and ``inputs/stress_actions.csv`` what each stress does.
This module turns their actions into changes of the network:

* options: ``add_pipeline``, ``set_capacity``, ``add_lng``, ``add_storage``,
  ``add_power_link``, ``add_offshore_wind``, ``add_power_capacity``, ``extendable_pipeline``;
* stresses: ``cut_supply``, ``outage``, ``scale_price``, ``scale_gas_demand``, ``peak_days``,
  ``scale_capacity_factor``, ``add_power_demand``, ``slid`` (one case per country,
  ``slid-XX``).

Every stressed case suspends the contracts (no minimum, no maximum), so a case that loses a route
stays feasible, reroutes gas freely and reports unserved gas; an option that expands a delivery
point raises the maximum of the contracts metered there by the added capacity.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pypsa

from energy_model import units
from energy_model.build import (
    add_lng_terminals,
    add_pipelines,
    add_storage,
    check_no_energy_creation,
)
from energy_model.inputs import Inputs

logger = logging.getLogger(__name__)

POWER_ACTIONS = frozenset({"add_power_link", "add_offshore_wind", "add_power_capacity"})
"""Option actions that need the electricity layer."""

def power_options(data: Inputs) -> set[str]:
    """Return the options with an action that needs the electricity layer."""
    a = data.option_assets
    return set(a.option[a.action.isin(POWER_ACTIONS)])


def options_need_power(options: Sequence[str], data: Inputs) -> bool:
    """Return whether any of ``options`` needs the electricity layer."""
    return bool(set(options) & power_options(data))


def annuity(rate: float, years: float) -> float:
    """Return the capital recovery factor for ``rate`` [-] over ``years`` [yr] [1/yr]."""
    return rate / (1.0 - (1.0 + rate) ** -years) if rate > 0 else 1.0 / years


def apply_options(n: pypsa.Network, options: Sequence[str], data: Inputs) -> None:
    """Apply each named option's actions to ``n``; raise ``KeyError`` for an unknown name."""
    known = set(data.options.option)
    for option in options:
        if option not in known:
            raise KeyError(f"unknown option {option!r}; known options: {sorted(known)}")
        for _, a in data.option_assets[data.option_assets.option == option].iterrows():
            _apply_option_action(n, option, a, data)


def _apply_option_action(n: pypsa.Network, option: str, a: pd.Series, data: Inputs) -> None:
    year = int(n.meta["year"])
    if a.action in POWER_ACTIONS and not n.meta.get("power"):
        raise ValueError(f"option {option!r} needs the electricity layer (power=True)")
    if a.action == "add_pipeline":
        rows = _by_name(data.pipelines, a.target, year)
        add_pipelines(n, rows[~rows.name.isin(n.links.index)], data.parameters)
    elif a.action == "set_capacity":
        if a.target not in n.links.index:
            raise ValueError(f"option {option!r}: no link {a.target!r} in service in {year}")
        mw = units.to_mw(a.value, a.unit)
        added = max(mw - n.links.at[a.target, "p_nom"], 0.0)
        n.links.loc[a.target, "p_nom"] += added
        raise_contract_maxima(n, a.target, added)
    elif a.action == "add_lng":
        add_lng_terminals(n, _by_name(data.lng_terminals, a.target, year))
    elif a.action == "add_storage":
        add_storage(n, _by_name(data.storage, a.target, year))
    elif a.action == "add_power_link":
        from energy_model.power import add_power_links

        rows = _by_name(data.power_links, a.target, year)
        add_power_links(n, rows[~rows.name.isin(n.links.index)], data.parameters)
    elif a.action == "add_offshore_wind":
        _add_offshore_wind(n, data, data.offshore_wind[data.offshore_wind.name == a.target])
    elif a.action == "add_power_capacity":
        _add_power_capacity(n, data, a.target, units.to_mw(a.value, a.unit))
    elif a.action == "extendable_pipeline":
        _add_extendable_pipeline(n, option, a.target, data)
    else:
        raise ValueError(f"option {option!r}: unknown action {a.action!r}")


def raise_contract_maxima(n: pypsa.Network, link: str, added_mw: float) -> None:
    """Raise the maximum of contract meters on ``link`` by the added capacity over a year.

    An expansion is built for gas that is sold: its new capacity is assumed contracted.
    """
    if added_mw <= 0:
        return
    hours = n.snapshot_weightings.generators.sum()
    for col in [c for c in n.links.columns if c.startswith("bus") and c[3:].isdigit()]:
        meter = n.links.at[link, col]
        if int(col[3:]) >= 2 and meter in n.generators.index:
            n.generators.loc[meter, "e_sum_min"] -= added_mw * hours
            n.generators.loc[meter, "p_nom"] += added_mw


def _by_name(table: pd.DataFrame, name: str, year: int) -> pd.DataFrame:
    """Return the row of ``name`` valid in ``year``, else its earliest row (a future asset)."""
    rows = table[table.name == name]
    if rows.empty:
        raise KeyError(f"no asset named {name!r}")
    valid = rows[(rows.start_year <= year) & (rows.end_year.fillna(9999) >= year)]
    return valid if not valid.empty else rows.sort_values("start_year").iloc[:1]


def _add_offshore_wind(n: pypsa.Network, data: Inputs, wind: pd.DataFrame) -> None:
    from energy_model.power import ac_bus
    from energy_model.timeseries import monthly_to_snapshots

    names = (wind.region + " " + wind.name).to_numpy()
    if wind.empty or set(names) <= set(n.generators.index):
        return
    prof = data.power_profiles[data.power_profiles.technology == "wind offshore"]
    monthly = prof.pivot(index="month", columns="region", values="capacity_factor")
    cf = monthly_to_snapshots(monthly[wind.region].set_axis(names, axis=1),
                              n.snapshot_weightings.objective, n.meta["resolution"])
    vom = data.power_technologies.set_index("technology").vom_eur_per_mwh["wind offshore"]
    n.add("Generator", names, bus=[ac_bus(r) for r in wind.region], carrier="wind offshore",
          p_nom=wind.capacity_mw.to_numpy(), p_max_pu=cf, marginal_cost=vom,
          co2_t_per_mwh_th=0.0, efficiency=1.0, origin="", export_share=wind.export_share.values)


def _add_power_capacity(n: pypsa.Network, data: Inputs, target: str, mw: float) -> None:
    from energy_model.power import ac_bus

    region, tech = target.split(" ", 1)
    if tech.startswith("gas"):
        raise ValueError(f"add_power_capacity: gas plants ({target!r}) burn network gas and are "
                         "not supported by this action; add them to power_capacity.csv")
    if target in n.generators.index:
        n.generators.loc[target, "p_nom"] += mw
        return
    t = data.power_technologies.set_index("technology").loc[tech]
    co2_price = n.meta.get("co2_price_eur_per_t", 0.0)
    fuel = 0.0 if pd.isna(t.fuel_price_eur_per_mwh_th) else t.fuel_price_eur_per_mwh_th
    mc = (fuel + co2_price * t.co2_t_per_mwh_th) / t.efficiency + t.vom_eur_per_mwh
    n.add("Generator", target, bus=ac_bus(region), carrier=tech, p_nom=mw, marginal_cost=mc,
          co2_t_per_mwh_th=t.co2_t_per_mwh_th, efficiency=t.efficiency, origin="")


def _add_extendable_pipeline(n: pypsa.Network, option: str, name: str, data: Inputs) -> None:
    row = _by_name(data.pipelines, name, int(n.meta["year"]))
    add_pipelines(n, row, data.parameters)
    o = data.options.set_index("option").loc[option]
    cap_mw = float(row.capacity_fwd_mw.iloc[0])
    crf = annuity(data.parameters["discount_rate"], o.lifetime_yr) + o.fom_share
    n.links.loc[name, ["p_nom", "p_nom_min", "p_nom_max", "p_nom_extendable"]] = \
        [0.0, 0.0, cap_mw, True]
    n.links.loc[name, "capital_cost"] = o.capex_meur * 1e6 * crf / cap_mw


# --------------------------------------------------------------------------- stresses


def list_stresses(data: Inputs) -> list[str]:
    """Return the stress names of the catalogue (``slid`` expands to ``slid-XX`` per country)."""
    return sorted(data.stresses.stress)


def apply_stress(n: pypsa.Network, stress: str, data: Inputs) -> None:
    """Apply a stress (``none``, a catalogue name, or ``slid-XX``) to ``n``."""
    if stress == "none":
        return
    suspend_contracts(n)
    if stress.startswith("slid-"):
        apply_slid(n, stress.removeprefix("slid-"))
        return
    if stress == "slid":
        raise ValueError("stress 'slid' is one case per country: use 'slid-XX' (a study "
                         "expands 'slid' itself)")
    if stress not in set(data.stresses.stress):
        raise KeyError(f"unknown stress {stress!r}; known: {list_stresses(data)}")
    for _, a in data.stress_actions[data.stress_actions.stress == stress].iterrows():
        _apply_stress_action(n, stress, a, data)
    refresh_unserved(n)
    check_no_energy_creation(n)


def _value(a: pd.Series) -> float:
    """Return an action's value in the internal unit of its dimension (``%`` -> fraction)."""
    v = float(a.value)
    return v * units.get_unit(a.unit).factor if isinstance(a.unit, str) and a.unit and \
        units.get_unit(a.unit).dimension == "fraction" else v


def _apply_stress_action(n: pypsa.Network, stress: str, a: pd.Series, data: Inputs) -> None:
    g, links = n.generators, n.links
    if a.action == "cut_supply":
        cut = g.index[(g.carrier == "gas supply") & (g.origin == a.target)]
        g.loc[cut, "p_nom"] = 0.0
    elif a.action == "outage":
        hit = links.index[(links.get("pipeline") == a.target) | (links.get("asset") == a.target)
                          | (links.index == a.target)]
        if hit.empty:
            logger.warning("stress %s: no link %r in this network", stress, a.target)
        keep = 1.0 - _value(a)
        links.loc[hit, "p_nom"] *= keep
        p_max = links.loc[hit, "p_nom_max"].to_numpy()
        finite = np.where(np.isinf(p_max), 0.0, p_max) * keep
        links.loc[hit, "p_nom_max"] = np.where(np.isinf(p_max), np.inf if keep > 0 else 0.0,
                                               finite)
    elif a.action == "scale_price":
        idx = g.index[(g.carrier == "gas supply") & (g.origin == a.target)]
        g.loc[idx, "marginal_cost"] *= _value(a)
    elif a.action == "scale_gas_demand":
        loads = _gas_loads(n, a.target)
        winter = n.snapshots.month.isin([12, 1, 2])
        n.loads_t.p_set.loc[winter, loads] *= _value(a)
    elif a.action == "peak_days":
        _apply_peak_days(n, data, int(float(a.value)), a.target)
    elif a.action == "scale_capacity_factor":
        idx = g.index[g.carrier == a.target]
        cols = n.generators_t.p_max_pu.columns.intersection(idx)
        n.generators_t.p_max_pu[cols] = (n.generators_t.p_max_pu[cols] * _value(a)).clip(0, 1)
    elif a.action == "add_power_demand":
        if not n.meta.get("power"):
            raise ValueError(f"stress {stress!r} needs the electricity layer (power=True)")
        load = f"{a.target} electricity demand"
        n.loads_t.p_set[load] += units.to_mw(a.value, a.unit)
        g.loc[f"{a.target} unserved electricity", "p_nom"] = n.loads_t.p_set[load].max()
    else:
        raise ValueError(f"stress {stress!r}: unknown action {a.action!r}")


def _gas_loads(n: pypsa.Network, target: str) -> pd.Index:
    loads = n.loads.index[n.loads.carrier == "gas demand"]
    return loads if target == "all" else loads[n.loads.loc[loads, "bus"] == target]


def _apply_peak_days(n: pypsa.Network, data: Inputs, days: int, target: str) -> None:
    """Raise gas demand to each region's peak-day rate over ``days`` consecutive days.

    The window is the one with the highest total gas demand. With the electricity layer on, the
    peak-day rate is reduced by the region's mean gas-for-power rate, which the power plants
    burn explicitly. With representative weeks, the cold winter week stands for the spell.
    """
    loads = _gas_loads(n, target)
    total = n.loads_t.p_set[loads].sum(axis=1).to_numpy()
    w = n.snapshot_weightings.objective.to_numpy()
    if n.meta["resolution"] == "weeks":
        sel = n.snapshots[n.snapshots.month == 1]
    else:
        window = min(round(days * 24 / w[0]), len(total))
        sums = np.convolve(total, np.ones(window), mode="valid")
        start = int(np.argmax(sums))
        sel = n.snapshots[start:start + window]
    year = int(n.meta["year"])
    peak = data.gas_demand[(data.gas_demand.metric == "peak_day") & (data.gas_demand.year == year)]
    peak = peak.set_index("region").value_internal
    if n.meta.get("power"):
        gfp = data.gas_for_power[data.gas_for_power.year == year].set_index("region").value_mwh
        peak = peak.sub(gfp.reindex(peak.index).fillna(0.0) / units.HOURS_PER_YEAR)
    for load in loads:
        region = n.loads.at[load, "bus"]
        if region in peak.index:
            n.loads_t.p_set.loc[sel, load] = np.maximum(n.loads_t.p_set.loc[sel, load],
                                                        peak[region])


def apply_slid(n: pypsa.Network, country: str) -> None:
    """Remove the single largest entry infrastructure of ``country`` (ENTSOG SLID).

    Entries are those of :func:`energy_model.indicators.entry_links` (pipelines from other
    countries, offtakes from the corridor's transit buses, LNG terminals; storage and production
    excluded, as in ENTSOG's definition). Pipelines of one ``asset`` count as one infrastructure
    (all TANAP offtakes together); the largest by capacity is switched off.
    """
    entry = largest_entry(n, country)
    if entry is None:
        logger.warning("SLID %s: no entry infrastructure", country)
        return
    links = n.links.index[(n.links.bus1 == country)
                          & ((n.links.get("asset") == entry) | (n.links.index == entry))]
    n.links.loc[links, ["p_nom", "p_nom_max"]] = 0.0
    n.meta = {**n.meta, "slid_removed": entry}


def largest_entry(n: pypsa.Network, country: str) -> str | None:
    """Return the largest entry of ``country``: a pipeline ``asset`` or an LNG terminal."""
    from energy_model.indicators import entry_links

    entries = entry_links(n, country)
    if entries.empty:
        return None
    pipes = entries[entries.carrier == "gas pipeline"]
    lng = entries[entries.carrier == "LNG terminal"]
    groups = pd.concat([pipes.groupby("asset").p_nom.sum(), lng.p_nom])
    return str(groups.idxmax())


def suspend_contracts(n: pypsa.Network) -> None:
    """Suspend every contract: lift minimums and maximums of all meters.

    Applied in every stressed case: under a supply crisis take-or-pay minimums are suspended
    (force majeure) and gas is traded to where it is needed beyond the contracted volumes, as in
    ENTSOG's security-of-supply simulations, which have no contracts. A minimum that a lost
    route could no longer meet would otherwise make the case infeasible instead of showing
    unserved gas, and a maximum would block rerouting.
    """
    meters = n.generators.index[n.generators.carrier == "contract"]
    n.generators.loc[meters, "e_sum_max"] = 0.0
    n.generators.loc[meters, "e_sum_min"] = -np.inf


def refresh_unserved(n: pypsa.Network) -> None:
    """Re-size the unserved-gas Generators to the (possibly stressed) gas demand."""
    uns = n.generators.index[n.generators.carrier == "unserved gas"]
    slices = n.generators.loc[uns, "bus"].value_counts()
    for g in uns:
        bus = n.generators.at[g, "bus"]
        p = n.loads_t.p_set[f"{bus} gas demand"]
        n.generators.loc[g, "p_nom"] = max(float(p.max()), 1e-6) / slices[bus]
        n.generators_t.p_max_pu[g] = p / p.max() if p.max() > 0 else 0.0


def apply_cooperative_curtailment(n: pypsa.Network, tranches: int = 10,
                                  step: float = 1e-3) -> None:
    """Spread curtailment so that curtailment rates equalise where infrastructure allows.

    ENTSOG's cooperative behaviour: each region's unserved-gas Generator is split into
    ``tranches`` equal slices of its demand, the k-th priced at the cost of disrupted gas times
    ``1 + step * k``. Every region's first slice is then cheaper than any region's second, so
    the optimiser curtails all regions slice by slice and their rates differ by at most one
    slice (1 / ``tranches`` of demand) unless the network prevents it.
    """
    uns = n.generators[n.generators.carrier == "unserved gas"]
    if uns.empty:
        return
    profiles = n.generators_t.p_max_pu[uns.index]
    n.remove("Generator", uns.index)
    for k in range(tranches):
        names = uns.index + f" {k + 1}/{tranches}"
        n.add("Generator", names, bus=uns.bus.values, carrier="unserved gas",
              p_nom=(uns.p_nom / tranches).values,
              marginal_cost=(uns.marginal_cost * (1 + step * k)).values,
              p_max_pu=profiles.set_axis(names, axis=1), origin="UNS")


ISOLATION_TIE_BREAK: float = 0.01
"""Cost on cross-border flows in the isolated variant [EUR/MWh]: own demand before exports."""


def cross_border_links(n: pypsa.Network) -> pd.Index:
    """Return the gas pipelines whose two ends lie in different countries."""
    links = n.links[n.links.carrier == "gas pipeline"]
    c0 = n.buses.country.reindex(links.bus0).to_numpy()
    c1 = n.buses.country.reindex(links.bus1).to_numpy()
    return links.index[c0 != c1]


def isolate_countries(n: pypsa.Network, undisturbed_p0: pd.DataFrame) -> None:
    """Cap every cross-border pipeline at its flow of the undisturbed case, day by day.

    The isolated (uncooperative) variant of ENTSOG's curtailment: neighbours send no more gas
    than they would without the disruption, and a country short of gas serves its own demand
    before it exports (a tie-break cost of :data:`ISOLATION_TIE_BREAK` on every cross-border
    flow), so each country meets a disruption with its own production, storage, LNG and what
    still arrives. (Our operational definition; ENTSOG describes the behaviour, not a formula.)
    """
    links = cross_border_links(n).intersection(undisturbed_p0.columns)
    n.links.loc[links, "marginal_cost"] += ISOLATION_TIE_BREAK
    p_nom = n.links.loc[links, "p_nom"].replace(0.0, np.nan)
    pu = (undisturbed_p0[links].clip(lower=0) / p_nom).clip(upper=1.0).fillna(0.0)
    n.links_t.p_max_pu = pd.concat(
        [n.links_t.p_max_pu.drop(columns=links, errors="ignore"), pu], axis=1)
