"""Security-of-supply indicators computed from the networks.

The EU N-1 formula (Regulation (EU) 2017/1938, Annex II), ENTSOG's import-route diversification
(IRD), the HHI of supply by origin, the Russian share, demand-weighted marginal prices, the
curtailment rate of a solved case (over its window: a year, the peak day or two weeks, ENTSOG's
time basis) and ENTSOG's reporting bands (GRIP CEE 2017). Remaining flexibility and
supply-source dependence re-solve cases: :mod:`energy_model.study.experiments`.

N-1 is computed from the network's capacities alone (:func:`n_minus_1`). In a study it is computed
on each case's network, so under a stress it is the infrastructure standard of what remains (under
``russia-cut`` an entry fed only by Russian supply is an idle route); the undisturbed value is the
``stress=none`` entry. Entry capacity counts only what its upstream can deliver
(:func:`deliverable_entries`), so N-1 can differ from a published technical-capacity value: the
gross value, ``n_minus_1_gross``, counts every entry. Published national values differ also by
the area calculated (a market area rather than the whole country), by storage connected to a
neighbour's grid, and by the national D_max.

References
----------
Regulation (EU) 2017/1938 of the European Parliament and of the Council of 25 October 2017
concerning measures to safeguard the security of gas supply, Annex II (the N-1 formula).
ENTSOG, TYNDP 2017 Annex F (methodology), §4.2: import-route diversification, curtailment rate,
remaining flexibility, supply-source dependence (``sources.csv`` D-entsog-annexf-2017-ind).
ENTSOG, "GRIP Central Eastern Europe 2017", Fig. 3.3: the disrupted-rate and remaining-flexibility
bands.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pypsa

from energy_model.analysis.tables import demand_by_country, unserved_by_country
from energy_model.data.loading import Inputs
from energy_model.network.topology import entry_links

AGGREGATE_MARKERS: tuple[str, ...] = ("aggregate", "domestic", "production", "total", ",", "+")
"""Name fragments that mark a storage or production row as an aggregate of several facilities
(such a row is not a *single* infrastructure and cannot be I_m)."""


def _site(name: str) -> str:
    """Return the facility a storage row belongs to (expansion rows join their site)."""
    return re.sub(r" (expansion|at the) .*$", "", name)


def _is_facility(name: str) -> bool:
    low = name.lower()
    return not any(m in low for m in AGGREGATE_MARKERS)


def peak_demand_mw(data: Inputs, year: int) -> tuple[pd.Series, pd.Series]:
    """Return D_max per region [MW] and where it comes from.

    D_max is the 1-in-20 peak day of ``design_demand.csv`` (Annex II: "total daily gas demand
    … during a day of exceptionally high gas demand occurring with a statistical probability
    of once in 20 years"); regions without a design row fall back to ``gas_demand.csv``'s
    ``peak_day``.
    """
    d = data.design_demand
    design = d[(d.year == year) & (d.metric == "peak_day_1in20")].set_index("region")
    g = data.gas_demand
    peak = g[(g.metric == "peak_day") & (g.year == year)].set_index("region").value_internal
    d_max = design.value_internal.combine_first(peak)
    origin = pd.Series("design_demand peak_day_1in20", index=design.index).reindex(d_max.index)
    return d_max.astype(float), origin.fillna("gas_demand peak_day")


def deliverable_entries(n: pypsa.Network, country: str) -> pd.DataFrame:
    """Return the entries of ``country`` with the capacity that can serve it [MW].

    Column ``deliverable_mw`` = min(``p_nom``, what can reach the entry's upstream bus): a
    neighbour's grid bus counts as able to deliver the full capacity (a market); a supplier,
    transit or LNG bus delivers at most its supply Generators' ``p_nom`` plus the capacity of
    the Links into it (after losses). An entry whose upstream can deliver nothing is an idle
    route; the part of an entry above its upstream capacity is dedicated transit or an idle
    share. Both are reported as ``unusable_mw`` and left out of EP_m.
    """
    entries = entry_links(n, country).copy()
    kind = n.buses.node_kind.reindex(entries.bus0).to_numpy()
    gens = n.generators[n.generators.carrier == "gas supply"]
    gen_cap = gens.groupby("bus").p_nom.sum()
    links = n.links[n.links.p_nom > 0]
    inflow = (links.p_nom * links.efficiency).groupby(links.bus1).sum()
    upstream = (gen_cap.reindex(entries.bus0).fillna(0.0).to_numpy()
                + inflow.reindex(entries.bus0).fillna(0.0).to_numpy())
    cap = entries.p_nom.to_numpy()
    deliverable = np.where(kind == "grid", cap, np.minimum(cap, upstream))
    entries["deliverable_mw"] = deliverable
    entries["unusable_mw"] = cap - deliverable
    return entries


def n_minus_1(n: pypsa.Network, data: Inputs, d_eff_mw: dict[str, float] | None = None
              ) -> pd.DataFrame:
    """Return the N-1 indicator per country [%] (Reg. (EU) 2017/1938, Annex II).

    N-1 = (EP_m + P_m + S_m + LNG_m - I_m) / D_max x 100, and the demand-side variant
    (EP_m + P_m + S_m + LNG_m - I_m) / (D_max - D_eff) x 100. All terms are daily rates [MW]:

    * ``D_max``: the 1-in-20 peak day (:func:`peak_demand_mw`).
    * ``EP_m``: entry capacity of pipelines that can serve the country
      (:func:`deliverable_entries`); capacity that cannot (idle routes, dedicated transit) is
      ``EP_unusable_mw`` with the entries named in ``EP_unusable``, and ``n_minus_1_gross``
      counts it as a plain technical-capacity N-1 would.
    * ``P_m``: production (supply Generators on the country's grid bus), ``S_m``: storage
      withdrawal, ``LNG_m``: LNG send-out capacity.
    * ``I_m``: the single largest infrastructure over all of them: an entry pipeline system
      (entries grouped by ``asset``, e.g. all TANAP offtakes), an LNG terminal, a storage site
      (expansion rows join their site) or a production facility. Rows whose name marks an
      aggregate (:data:`AGGREGATE_MARKERS`, e.g. "Germany storage (aggregate)") are not single
      facilities and cannot be I_m. ``I_kind`` says which kind it is; ``I_entry_mw`` is the
      largest single entry alone
      (ENTSOG's SLID convention, without storage and production).
    * ``d_eff_mw``: demand-side measures per country [MW] (none in the data: 0).
    """
    year = int(n.meta["year"])
    d_max_all, d_src = peak_demand_mw(data, year)
    rows = []
    for country in d_max_all.index:
        if country not in n.buses.index:
            continue
        entries = deliverable_entries(n, country)
        pipes = entries[entries.carrier == "gas pipeline"]
        lng = entries[entries.carrier == "LNG terminal"]
        gens = n.generators[(n.generators.carrier == "gas supply")
                            & (n.generators.bus == country)]
        wd = n.links[(n.links.carrier == "gas storage") & (n.links.bus1 == country)]
        sites = wd.index.str.removesuffix(" withdrawal").map(_site)
        candidates = [
            (pipes.groupby("asset").deliverable_mw.sum().loc[lambda x: x.index.map(_is_facility)],
             "entry"),
            (lng.deliverable_mw.loc[lambda x: x.index.map(_is_facility)], "LNG"),
            (wd.p_nom.groupby(sites).sum().loc[lambda x: x.index.map(_is_facility)], "storage"),
            (gens.p_nom.loc[gens.index.map(_is_facility)], "production"),
        ]
        cand = pd.concat([c.rename(lambda x, k=k: f"{k}: {x}") for c, k in candidates])
        cand = cand[cand > 0]
        ep, p, s = pipes.deliverable_mw.sum(), gens.p_nom.sum(), wd.p_nom.sum()
        lng_cap = lng.deliverable_mw.sum()
        i_m = float(cand.max()) if len(cand) else 0.0
        entry_groups = pd.concat([candidates[0][0], candidates[1][0]])
        unusable = entries[entries.unusable_mw > 1e-6]
        d_max = float(d_max_all[country])
        d_eff = (d_eff_mw or {}).get(country, 0.0)
        supply = ep + p + s + lng_cap - i_m
        name = cand.idxmax() if len(cand) else ""
        rows.append({
            "country": country, "EP_mw": ep, "EP_unusable_mw": unusable.unusable_mw.sum(),
            "EP_unusable": "; ".join(unusable.index), "P_mw": p, "S_mw": s, "LNG_mw": lng_cap,
            "I_mw": i_m, "I_name": name.split(": ", 1)[-1], "I_kind": name.split(": ", 1)[0],
            "I_entry_mw": float(entry_groups.max()) if len(entry_groups) else 0.0,
            "D_max_mw": d_max, "D_max_source": d_src[country],
            "n_minus_1": 100.0 * supply / d_max,
            "n_minus_1_demand_side": 100.0 * supply / (d_max - d_eff),
            "n_minus_1_gross": 100.0 * (supply + unusable.unusable_mw.sum()) / d_max,
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


def supply_sources(data: Inputs) -> list[str]:
    """Return the supply origins whose loss supply-source dependence measures.

    The external suppliers of ``regions.csv`` plus Azerbaijan and Turkmenistan.
    """
    r = data.regions
    return sorted(set(r.code[r.kind == "supplier"]) | {"AZ", "TM"})


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
