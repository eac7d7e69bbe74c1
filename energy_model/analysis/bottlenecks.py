"""Bottlenecks of a solved network: links and terminals running at capacity, and their value.

A link is *at capacity* in a snapshot when its flow is at least :data:`AT_CAPACITY` of its
available capacity (``p_nom_opt × p_max_pu``). Its **shadow price** is the value of one more MW
of capacity in that snapshot: PyPSA bounds the flow of a fixed-capacity link by a variable bound,
not a constraint, so there is no stored dual (``links_t.mu_upper`` stays empty); the dual is
recovered from the nodal prices by the link's optimality condition,

    mu_upper = sum_k efficiency_k × price(bus_k) - price(bus0) - marginal_cost   (>= 0),

the efficiency-weighted price spread across the link (ports 1, 2, … of a multi-port link, such as
the contract meters' ``bus2``) less its cost of use. It is zero when the link is not binding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pypsa

from energy_model.analysis.tables import link_utilisation
from energy_model.units import mwh_to_bcm

AT_CAPACITY: float = 0.99
"""Utilisation from which a link counts as at capacity [-]."""

CARRIERS: tuple[str, ...] = ("gas pipeline", "LNG terminal", "gas storage", "AC", "DC")
"""Link carriers assessed (power plants are left out: a plant at full load is not a bottleneck)."""

COLUMNS: dict[str, str] = {
    "link": "PyPSA link name (a pipeline direction, LNG terminal, storage injection/withdrawal "
            "or power interconnector direction)",
    "carrier": "link carrier",
    "from": "bus the flow leaves",
    "to": "bus the flow enters",
    "capacity_mw": "capacity [MW] (p_nom_opt; a daily snapshot carries 24 MWh per MW)",
    "days_at_capacity": "days (snapshot hours / 24) with flow >= 99 % of the available capacity",
    "utilisation": "energy carried / energy the available capacity allows over the window [-]",
    "flow_bcm": "energy carried [bcm/yr] (gas links) or [TWh/yr] (power links)",
    "shadow_price_eur_per_mwh": "mean shadow price of the capacity over the days at capacity "
                                "[EUR/MWh]: what one more MWh/h of capacity would save",
    "congestion_rent_meur": "shadow price x flow summed over the year [million EUR/yr]",
}
"""Column legend of :func:`find_bottlenecks` and ``bottlenecks.csv``."""


def link_shadow_prices(n: pypsa.Network, links: pd.Index) -> pd.DataFrame:
    """Return the shadow price of the capacity of ``links`` in every snapshot [EUR/MWh]."""
    price = n.buses_t.marginal_price
    value = pd.DataFrame(0.0, index=n.snapshots, columns=links)
    value -= _bus_price(price, n.links.loc[links, "bus0"]).to_numpy()
    port = 1
    while f"bus{port}" in n.links:
        buses = n.links.loc[links, f"bus{port}"]
        eff = _efficiency(n, links, port)
        used = buses.fillna("").ne("").to_numpy()
        term = _bus_price(price, buses.where(used, "")).to_numpy() * eff.to_numpy()
        value += np.where(used, term, 0.0)
        port += 1
    mc = n.get_switchable_as_dense("Link", "marginal_cost")[links]
    return (value - mc.to_numpy()).clip(lower=0.0)


def find_bottlenecks(n: pypsa.Network, threshold: float = AT_CAPACITY) -> pd.DataFrame:
    """Return the links at capacity on at least one day, most days first.

    Columns as in :data:`COLUMNS`; rounded to meaningful precision (days to 0.1, prices to 0.01
    EUR/MWh, flows to 0.001 bcm).
    """
    links = n.links.index[n.links.carrier.isin(CARRIERS)]
    cols = list(COLUMNS)
    if links.empty or n.links_t.p0.empty:
        return pd.DataFrame(columns=cols)
    cap = n.links.loc[links, "p_nom_opt"]
    avail = n.get_switchable_as_dense("Link", "p_max_pu")[links] * cap
    flow = n.links_t.p0[links]
    hours = n.snapshot_weightings.objective
    with np.errstate(divide="ignore", invalid="ignore"):
        util = flow / avail.where(avail > 1e-6)
    at = util >= threshold
    days = at.mul(hours, axis=0).sum() / 24.0
    keep = days[days > 0].index
    if keep.empty:
        return pd.DataFrame(columns=cols)
    mu = link_shadow_prices(n, keep)
    hours_at = at[keep].mul(hours, axis=0)
    mean_mu = (mu * hours_at).sum() / hours_at.sum()
    energy = flow[keep].mul(hours, axis=0)
    gas = n.links.loc[keep, "carrier"].isin(("gas pipeline", "LNG terminal", "gas storage"))
    carried = energy.sum()
    carried = carried.where(~gas, mwh_to_bcm(carried)).where(gas, carried / 1e6)
    out = pd.DataFrame({
        "link": keep,
        "carrier": n.links.loc[keep, "carrier"].to_numpy(),
        "from": n.links.loc[keep, "bus0"].to_numpy(),
        "to": n.links.loc[keep, "bus1"].to_numpy(),
        "capacity_mw": cap[keep].round(1).to_numpy(),
        "days_at_capacity": days[keep].round(1).to_numpy(),
        "utilisation": link_utilisation(n, keep).round(3).to_numpy(),
        "flow_bcm": carried.round(3).to_numpy(),
        "shadow_price_eur_per_mwh": mean_mu.round(2).to_numpy(),
        "congestion_rent_meur": ((mu * energy).sum() / 1e6).round(2).to_numpy(),
    })
    return out.sort_values(["days_at_capacity", "shadow_price_eur_per_mwh"],
                           ascending=False).reset_index(drop=True)


def bottleneck_records(n: pypsa.Network) -> list[list]:
    """Return :func:`find_bottlenecks` as JSON-ready rows (for a study's case results)."""
    return find_bottlenecks(n).astype(object).values.tolist()


def bottleneck_table(cases: dict[tuple[str, ...], list[list]],
                     keys: tuple[str, ...] = ("option", "stress")) -> pd.DataFrame:
    """Return one table of the bottlenecks of many cases (``keys`` columns first)."""
    parts = [pd.DataFrame(rows, columns=list(COLUMNS)).assign(
        **dict(zip(keys, case, strict=True))) for case, rows in cases.items() if rows]
    if not parts:
        return pd.DataFrame(columns=[*keys, *COLUMNS])
    out = pd.concat(parts, ignore_index=True)
    return out[[*keys, *COLUMNS]]


def _bus_price(price: pd.DataFrame, buses: pd.Series) -> pd.DataFrame:
    """Return the price of each link's bus (0 where the bus is empty or has no price)."""
    return price.reindex(columns=buses.to_numpy()).fillna(0.0)


def _efficiency(n: pypsa.Network, links: pd.Index, port: int) -> pd.DataFrame:
    attr = "efficiency" if port == 1 else f"efficiency{port}"
    try:
        return n.get_switchable_as_dense("Link", attr)[links]
    except (KeyError, AttributeError):
        return pd.DataFrame(np.broadcast_to(n.links.loc[links, attr].to_numpy(),
                                            (len(n.snapshots), len(links))),
                            index=n.snapshots, columns=links)


def scarcity_days(n: pypsa.Network) -> dict[str, float]:
    """Return, per country, the days its gas price is set by unserved gas [days].

    On such a day the price equals the cost of disrupted gas of the country's unserved-gas
    generator (600 EUR/MWh in the data): the price then measures scarcity, not a market price,
    and a yearly mean that includes such days is flagged in study summaries.
    """
    g = n.generators[n.generators.carrier == "unserved gas"]
    if g.empty:
        return {}
    price = n.buses_t.marginal_price.reindex(columns=g.bus.to_numpy()).fillna(0.0)
    codg = g.marginal_cost.to_numpy()
    hours = n.snapshot_weightings.objective.to_numpy()
    scarce = price.to_numpy() >= codg - 0.01
    days = (scarce * hours[:, None]).sum(axis=0) / 24.0
    country = g.bus.map(n.buses.country).fillna(g.bus).to_numpy()
    out = pd.Series(days, index=country).groupby(level=0).max()
    return {str(k): round(float(v), 1) for k, v in out.items()}
