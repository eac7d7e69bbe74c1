"""Options applied to a built network.

An option switches on assets that are not in the base network (status ``planned`` or
``hypothetical`` in ``inputs/``). The full option and stress catalogues belong to the study layer;
this module holds the assets each option name brings in.
"""

from __future__ import annotations

from collections.abc import Sequence

import pypsa

from energy_model.build import add_pipelines
from energy_model.inputs import Inputs

OPTION_PIPELINES: dict[str, tuple[str, ...]] = {
    "tcp-full": ("Trans-Caspian Pipeline",),
    "tcp-stage1": ("Trans-Caspian Interconnector",),
    "iap": ("IAP",),
}
"""Pipelines (names in ``inputs/pipelines.csv``) that each option adds."""


POWER_OPTION_ASSETS: dict[str, dict[str, tuple[str, ...]]] = {
    "black-sea-cable": {
        "power_links": ("Black Sea cable", "AZ-GE reinforcement for the cable"),
        "offshore_wind": ("Caspian Breeze phase 1",),
    },
    "black-sea-cable-4gw": {
        "power_links": ("Black Sea cable 4 GW", "AZ-GE reinforcement for the 4 GW cable"),
        "offshore_wind": ("Caspian Breeze phase 1", "Caspian Breeze phase 2",
                          "Caspian Breeze phase 3"),
    },
}
"""Interconnectors (``power_links.csv``) and offshore wind (``offshore_wind.csv``) per option."""

POWER_OPTIONS: frozenset[str] = frozenset(POWER_OPTION_ASSETS)
"""Options that need the electricity layer."""


def options_need_power(options: Sequence[str]) -> bool:
    """Return whether any of ``options`` needs the electricity layer."""
    return any(o in POWER_OPTIONS for o in options)


def list_options() -> list[str]:
    """Return the names of the known options."""
    return sorted([*OPTION_PIPELINES, *POWER_OPTION_ASSETS])


def apply_options(n: pypsa.Network, options: Sequence[str], data: Inputs) -> None:
    """Add the assets of each named option to ``n``; raise ``KeyError`` for an unknown name.

    An option's assets are built in the model year whatever their earliest year (the option
    means "built"); its pipelines and cables take their data from ``inputs/``.
    """
    year = int(n.meta["year"])
    for option in options:
        if option in POWER_OPTION_ASSETS:
            _apply_power_option(n, POWER_OPTION_ASSETS[option], data)
            continue
        if option not in OPTION_PIPELINES:
            raise KeyError(f"unknown option {option!r}; known options: {list_options()}")
        rows = _latest(data.pipelines[data.pipelines.name.isin(OPTION_PIPELINES[option])], year)
        rows = rows[~rows.name.isin(n.links.index)]
        if rows.empty:
            raise ValueError(f"option {option!r} has no asset in inputs/pipelines.csv")
        add_pipelines(n, rows, data.parameters)


def _latest(rows, year: int):
    """Per name, the row valid in ``year`` or else the earliest row (a future asset)."""
    valid = rows[(rows.start_year <= year) & (rows.end_year.fillna(9999) >= year)]
    rest = rows[~rows.name.isin(valid.name)].sort_values("start_year").drop_duplicates("name")
    return rows.loc[list(valid.index) + list(rest.index)]


def _apply_power_option(n: pypsa.Network, assets: dict, data: Inputs) -> None:
    from energy_model.power import ac_bus, add_power_links
    from energy_model.timeseries import monthly_to_snapshots

    year = int(n.meta["year"])
    links = _latest(data.power_links[data.power_links.name.isin(assets["power_links"])], year)
    add_power_links(n, links[~links.name.isin(n.links.index)], data.parameters)
    wind = data.offshore_wind[data.offshore_wind.name.isin(assets["offshore_wind"])]
    wind = wind[~(wind.region + " " + wind.name).isin(n.generators.index)]
    if wind.empty:
        return
    prof = data.power_profiles[data.power_profiles.technology == "wind offshore"]
    monthly = prof.pivot(index="month", columns="region", values="capacity_factor")
    names = (wind.region + " " + wind.name).to_numpy()
    cf = monthly_to_snapshots(monthly[wind.region].set_axis(names, axis=1),
                              n.snapshot_weightings.objective, n.meta["resolution"])
    vom = data.power_technologies.set_index("technology").vom_eur_per_mwh["wind offshore"]
    n.add("Generator", names, bus=[ac_bus(r) for r in wind.region], carrier="wind offshore",
          p_nom=wind.capacity_mw.to_numpy(), p_max_pu=cf, marginal_cost=vom,
          co2_t_per_mwh_th=0.0, efficiency=1.0, origin="", export_share=wind.export_share.values)
