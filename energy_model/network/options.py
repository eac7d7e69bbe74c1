"""Diversification options: the assets each option of the catalogue adds to a built network.

The catalogue is data: ``inputs/options.csv`` and ``inputs/option_assets.csv`` say what each
option builds. Actions: ``add_pipeline``, ``set_capacity``, ``add_lng``, ``add_storage``,
``add_power_link``, ``add_offshore_wind``, ``add_power_capacity``, ``extendable_pipeline``.
An option that expands a delivery point raises the maximum of the contracts metered there by the
added capacity.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import pandas as pd
import pypsa

from energy_model import units
from energy_model.data.loading import Inputs
from energy_model.errors import UnknownKeyError, UsageError
from energy_model.finance import annuity
from energy_model.network.contracts import raise_contract_maxima
from energy_model.network.gas import add_lng_terminals, add_pipelines, add_storage
from energy_model.network.power import ac_bus, add_power_links, thermal_marginal_cost
from energy_model.network.topology import in_service
from energy_model.timeseries import monthly_to_snapshots

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


def annual_option_cost(data: Inputs, option: str) -> float:
    """Return an option's annualised capex plus fixed O&M at the model's discount rate [EUR/yr].

    ``capex × (annuity(discount rate, lifetime) + fom_share)`` from ``options.csv``.
    """
    o = data.options.set_index("option").loc[option]
    return float(o.capex_meur * 1e6 * (annuity(data.parameters["discount_rate"], o.lifetime_yr)
                                       + o.fom_share))


def early_option_problems(options: Sequence[str], year: int, data: Inputs) -> list[str]:
    """Return why ``year`` is too early for each of ``options`` (empty when none is).

    A study refuses such options unless it says it assumes them built (``assume_built: true``).
    """
    earliest = data.options.set_index("option").earliest_year
    return [f"option {x!r} cannot be in service in {year}: its earliest year is "
            f"{int(earliest[x])} (options.csv). Use a later study year, or write "
            "`assume_built: true` to assess it as if built (the study then says so)"
            for x in sorted(set(options)) if x in earliest.index and int(earliest[x]) > year]


def early_option_notes(options: Sequence[str], year: int, data: Inputs) -> list[str]:
    """Return a note for each of ``options`` assumed built before its catalogue earliest year."""
    earliest = data.options.set_index("option").earliest_year
    return [f"option {x!r} is assumed built in {year}, before its earliest year "
            f"{int(earliest[x])}" for x in sorted(set(options)) if int(earliest[x]) > year]


def apply_options(n: pypsa.Network, options: Sequence[str], data: Inputs) -> None:
    """Apply each named option's actions to ``n``; raise ``KeyError`` for an unknown name."""
    known = set(data.options.option)
    for option in options:
        if option not in known:
            raise UnknownKeyError(f"unknown option {option!r}; known options: {sorted(known)}")
        for _, a in data.option_assets[data.option_assets.option == option].iterrows():
            _apply_option_action(n, option, a, data)


def _apply_option_action(n: pypsa.Network, option: str, a: pd.Series, data: Inputs) -> None:
    if a.action in POWER_ACTIONS and not n.meta.get("power"):
        raise UsageError(f"option {option!r} needs the electricity layer (power=True)")
    action = OPTION_ACTIONS.get(a.action)
    if action is None:
        raise UsageError(f"option {option!r}: unknown action {a.action!r}; known: "
                         f"{sorted(OPTION_ACTIONS)}")
    action(n, option, a, data)


def _add_pipeline(n: pypsa.Network, option: str, a: pd.Series, data: Inputs) -> None:
    """Add the pipeline row(s) ``a.target``; with a value, at that forward capacity (a smaller
    or larger size of the same project, e.g. the Trans-Caspian Pipeline at 10 bcm/yr)."""
    rows = _by_name(data.pipelines, a.target, int(n.meta["year"]))
    add_pipelines(n, rows[~rows.name.isin(n.links.index)], data.parameters)
    if pd.notna(a.get("value")) and str(a.get("unit", "")).strip():
        fwd = n.links.index[(n.links.get("pipeline") == a.target)
                            & (n.links.get("direction") == "forward")]
        n.links.loc[fwd, "p_nom"] = units.to_mw(float(a.value), a.unit)


def _set_capacity(n: pypsa.Network, option: str, a: pd.Series, data: Inputs) -> None:
    if a.target not in n.links.index:
        raise UsageError(f"option {option!r}: no link {a.target!r} in service in "
                         f"{n.meta['year']}")
    added = max(units.to_mw(a.value, a.unit) - n.links.at[a.target, "p_nom"], 0.0)
    n.links.loc[a.target, "p_nom"] += added
    raise_contract_maxima(n, a.target, added)


def _add_lng(n: pypsa.Network, option: str, a: pd.Series, data: Inputs) -> None:
    add_lng_terminals(n, _by_name(data.lng_terminals, a.target, int(n.meta["year"])))


def _add_storage(n: pypsa.Network, option: str, a: pd.Series, data: Inputs) -> None:
    add_storage(n, _by_name(data.storage, a.target, int(n.meta["year"])))


def _add_power_link(n: pypsa.Network, option: str, a: pd.Series, data: Inputs) -> None:
    rows = _by_name(data.power_links, a.target, int(n.meta["year"]))
    add_power_links(n, rows[~rows.name.isin(n.links.index)], data.parameters)


def _add_wind(n: pypsa.Network, option: str, a: pd.Series, data: Inputs) -> None:
    _add_offshore_wind(n, data, data.offshore_wind[data.offshore_wind.name == a.target])


def _add_capacity(n: pypsa.Network, option: str, a: pd.Series, data: Inputs) -> None:
    _add_power_capacity(n, data, a.target, units.to_mw(a.value, a.unit))


def _extendable(n: pypsa.Network, option: str, a: pd.Series, data: Inputs) -> None:
    _add_extendable_pipeline(n, option, a.target, data)


OptionAction = Callable[[pypsa.Network, str, pd.Series, Inputs], None]

OPTION_ACTIONS: dict[str, OptionAction] = {
    "add_pipeline": _add_pipeline,
    "set_capacity": _set_capacity,
    "add_lng": _add_lng,
    "add_storage": _add_storage,
    "add_power_link": _add_power_link,
    "add_offshore_wind": _add_wind,
    "add_power_capacity": _add_capacity,
    "extendable_pipeline": _extendable,
}
"""Registry of option actions: name in ``option_assets.csv`` -> function applying it.

``energy_model.data.schema.OPTION_ACTIONS`` lists the same names for validation (the data layer
cannot import this one); a test keeps the two equal.
"""


def _by_name(table: pd.DataFrame, name: str, year: int) -> pd.DataFrame:
    """Return the row of ``name`` valid in ``year``, else its earliest row (a future asset)."""
    rows = table[table.name == name]
    if rows.empty:
        raise UnknownKeyError(f"no asset named {name!r}")
    valid = rows[in_service(rows, year)]
    return valid if not valid.empty else rows.sort_values("start_year").iloc[:1]


def _add_offshore_wind(n: pypsa.Network, data: Inputs, wind: pd.DataFrame) -> None:

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

    region, tech = target.split(" ", 1)
    if tech.startswith("gas"):
        raise UsageError(f"add_power_capacity: gas plants ({target!r}) burn network gas and are "
                         "not supported by this action; add them to power_capacity.csv")
    if target in n.generators.index:
        n.generators.loc[target, "p_nom"] += mw
        return
    t = data.power_technologies.set_index("technology").loc[tech]
    co2_price = n.meta.get("co2_price_eur_per_t", 0.0)
    fuel = 0.0 if pd.isna(t.fuel_price_eur_per_mwh_th) else t.fuel_price_eur_per_mwh_th
    mc = thermal_marginal_cost(fuel, co2_price, t.co2_t_per_mwh_th, t.efficiency,
                               t.vom_eur_per_mwh)
    n.add("Generator", target, bus=ac_bus(region), carrier=tech, p_nom=mw, marginal_cost=mc,
          co2_t_per_mwh_th=t.co2_t_per_mwh_th, efficiency=t.efficiency, origin="")


def _add_extendable_pipeline(n: pypsa.Network, option: str, name: str, data: Inputs) -> None:
    row = _by_name(data.pipelines, name, int(n.meta["year"]))
    add_pipelines(n, row, data.parameters)
    cap_mw = float(row.capacity_fwd_mw.iloc[0])
    n.links.loc[name, ["p_nom", "p_nom_min", "p_nom_max", "p_nom_extendable"]] = \
        [0.0, 0.0, cap_mw, True]
    n.links.loc[name, "capital_cost"] = annual_option_cost(data, option) / cap_mw
