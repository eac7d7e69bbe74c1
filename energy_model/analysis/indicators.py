"""Security-of-supply indicators computed from the networks.

The EU N-1 formula (Regulation (EU) 2017/1938, Annex II), ENTSOG's import-route diversification
(IRD), the HHI of supply by origin, the Russian share, demand-weighted marginal prices, the
curtailment rate of a solved case (over its window: a year, the peak day or two weeks, ENTSOG's
time basis) and ENTSOG's reporting bands (GRIP CEE 2017). Remaining flexibility and
supply-source dependence re-solve cases: :mod:`energy_model.analysis.flexibility`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pypsa

from energy_model.analysis.tables import demand_by_country, unserved_by_country
from energy_model.data.loading import Inputs
from energy_model.network.topology import entry_links


def n_minus_1(n: pypsa.Network, data: Inputs, d_eff_mw: dict[str, float] | None = None
              ) -> pd.DataFrame:
    """Return the N-1 indicator per country [%] (Reg. (EU) 2017/1938, Annex II).

    N-1 = (EP_m + P_m + S_m + LNG_m - I_m) / D_max x 100, and the demand-side variant with
    D_max - D_eff in the denominator. EP_m: pipeline entry capacity; P_m: production capacity;
    S_m: storage withdrawal capacity; LNG_m: LNG send-out; D_max: the peak-day demand; all in MW
    (a daily rate). I_m, the single largest infrastructure: entries are grouped by their
    ``asset`` (one pipeline system counts once, e.g. all TANAP offtakes) and LNG terminals count
    one by one; the largest is I_m. Storage and production are left out of I_m because the
    data aggregates most of them per country (so no row is a single facility), as ENTSOG's
    single-largest-infrastructure disruption also leaves them out.
    ``d_eff_mw``: demand-side measures per country [MW] (none in the data: 0).
    """
    year = int(n.meta["year"])
    peak = data.gas_demand[(data.gas_demand.metric == "peak_day") & (data.gas_demand.year == year)]
    peak = peak.set_index("region").value_internal
    rows = []
    for country in peak.index:
        if country not in n.buses.index:
            continue
        entries = entry_links(n, country)
        pipes = entries[entries.carrier == "gas pipeline"]
        lng = entries[entries.carrier == "LNG terminal"]
        gens = n.generators[(n.generators.carrier == "gas supply")
                            & (n.generators.bus == country)]
        wd = n.links[(n.links.carrier == "gas storage") & (n.links.bus1 == country)]
        groups = pd.concat([pipes.groupby("asset").p_nom.sum(), lng.p_nom])
        ep, p, s, lng_cap = pipes.p_nom.sum(), gens.p_nom.sum(), wd.p_nom.sum(), lng.p_nom.sum()
        i_m = groups.max() if len(groups) else 0.0
        d_max = float(peak[country])
        d_eff = (d_eff_mw or {}).get(country, 0.0)
        supply = ep + p + s + lng_cap - i_m
        rows.append({
            "country": country, "EP_mw": ep, "P_mw": p, "S_mw": s, "LNG_mw": lng_cap,
            "I_mw": i_m, "I_name": groups.idxmax() if len(groups) else "", "D_max_mw": d_max,
            "n_minus_1": 100.0 * supply / d_max,
            "n_minus_1_demand_side": 100.0 * supply / (d_max - d_eff),
        })
    return pd.DataFrame(rows).set_index("country")


def import_route_diversification(n: pypsa.Network, country: str) -> float:
    """Return ENTSOG's IRD of ``country`` from firm entry capacities [0-10,000].

    IRD = sum over neighbouring zones of (their share of entry capacity in %)^2 + sum over direct
    import sources of (share)^2 + sum over LNG terminals of (share)^2. Here a neighbouring zone is
    the sending bus's country (transit buses count as the corridor's source), a direct import
    source is an external supplier bus, and each terminal counts alone.
    """
    entries = entry_links(n, country)
    total = entries.p_nom.sum()
    if total <= 0:
        return float("nan")
    share = entries.p_nom / total * 100.0
    lng = entries.carrier == "LNG terminal"
    kind = n.buses.node_kind.reindex(entries.bus0).values
    supplier = (kind == "supply") & ~lng.values
    zone = n.buses.country.reindex(entries.bus0).values
    border = ~lng.values & ~supplier
    by_zone = share[border].groupby(zone[border]).sum()
    by_source = share[supplier].groupby(zone[supplier]).sum()
    return float((by_zone ** 2).sum() + (by_source ** 2).sum() + (share[lng.values] ** 2).sum())


def hhi_by_origin(deliveries: pd.DataFrame) -> pd.Series:
    """Return the HHI of each country's supply by origin [0-10,000] from traced deliveries."""
    share = deliveries.bcm / deliveries.groupby("country").bcm.transform("sum") * 100.0
    return (share ** 2).groupby(deliveries.country).sum()


def origin_share(deliveries: pd.DataFrame, origin: str = "RU") -> pd.Series:
    """Return the share of ``origin`` in each country's delivered gas [-]."""
    total = deliveries.groupby("country").bcm.sum()
    part = deliveries[deliveries.origin == origin].groupby("country").bcm.sum()
    return part.reindex(total.index).fillna(0.0) / total


def curtailment_rate(unserved_bcm: pd.Series, demand_bcm: pd.Series) -> pd.Series:
    """Return ENTSOG's curtailment rate per country: disrupted over total demand [-]."""
    demand = demand_bcm.reindex(unserved_bcm.index)
    return (unserved_bcm / demand).where(demand > 0)


CURTAILMENT_BANDS: tuple[tuple[float, str], ...] = (
    (1e-5, "none"), (0.05, "0-5 %"), (0.10, "5-10 %"), (0.50, "10-50 %"), (np.inf, "> 50 %"))
"""ENTSOG disrupted-rate bands (upper bound [fraction], label): GRIP CEE 2017 Fig. 3.3
(no disruption; 0.001 % < DR <= 5 %; 5-10 %; 10-50 %; > 50 %)."""

RF_BANDS: tuple[tuple[float, str], ...] = (
    (0.0, "0 %"), (0.01, "0-1 %"), (0.05, "1-5 %"), (0.20, "5-20 %"), (np.inf, "> 20 %"))
"""ENTSOG remaining-flexibility bands (upper bound [fraction], label): GRIP CEE 2017 Fig. 3.3
(0 % < RF <= 1 %; 1-5 %; 5-20 %; > 20 %; RF = 0 shown as its own band)."""


def _band(values, bands: tuple[tuple[float, str], ...]):
    import xarray as xr

    def label(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        out = np.full(v.shape, "", dtype=object)
        done = np.isnan(v)
        for upper, name in bands:
            hit = ~done & (v <= upper)
            out[hit] = name
            done |= hit
        return out.astype(str)

    if isinstance(values, xr.DataArray):
        return xr.apply_ufunc(label, values)
    if isinstance(values, pd.Series):
        return pd.Series(label(values.to_numpy()), index=values.index, name=values.name)
    return label(values)


def curtailment_band(rate):
    """Return ENTSOG's disrupted-rate band of each curtailment rate [fraction] ("" for NaN)."""
    return _band(rate, CURTAILMENT_BANDS)


def rf_band(rf):
    """Return ENTSOG's remaining-flexibility band of each RF [fraction] ("" for NaN)."""
    return _band(rf, RF_BANDS)


def compute_indicators(n: pypsa.Network, data: Inputs) -> pd.DataFrame:
    """Return the indicators of one solved network as a long table.

    Columns ``country, indicator, value, unit``; indicators ``n_minus_1``,
    ``n_minus_1_demand_side``, ``ird``, ``hhi_origin``, ``russian_share``, ``price``,
    ``curtailment_rate``, ``disrupted_demand``.
    """
    from energy_model.analysis.trace import trace_deliveries

    nm1 = n_minus_1(n, data)
    deliveries = trace_deliveries(n)
    uns = unserved_by_country(n)
    demand = demand_by_country(n)
    loads = n.loads[n.loads.carrier == "gas demand"]
    w = n.snapshot_weightings.objective
    served = n.loads_t.p[loads.index].mul(w, axis=0)
    price = (n.buses_t.marginal_price[loads.bus].mul(served.to_numpy()).sum()
             / served.sum().replace(0, float("nan")).to_numpy())
    price.index = n.buses.country.reindex(loads.bus).values
    parts = {
        ("n_minus_1", "%"): nm1.n_minus_1,
        ("n_minus_1_demand_side", "%"): nm1.n_minus_1_demand_side,
        ("ird", "-"): pd.Series({c: import_route_diversification(n, c) for c in nm1.index}),
        ("hhi_origin", "-"): hhi_by_origin(deliveries),
        ("russian_share", "fraction"): origin_share(deliveries, "RU"),
        ("price", "EUR/MWh"): price,
        ("curtailment_rate", "fraction"): curtailment_rate(uns, demand),
        ("disrupted_demand", "bcm"): uns,
    }
    rows = [pd.DataFrame({"country": s.index, "indicator": name, "value": s.to_numpy(),
                          "unit": unit}) for (name, unit), s in parts.items()]
    return pd.concat(rows, ignore_index=True).dropna(subset=["value"])
