"""Cost-benefit appraisal of option sets: ENTSOG's CBA for gas, ENTSO-E's for the cable.

Benefits of an option set against its counterfactual (PINT: every set against ``reference``;
TOOT: ``all-but-<x>`` against ``all``, credited to ``x``), per model year, weighted by the
probabilities of the stresses (``inputs/stresses.csv``) and, when the study has a ``climate``
dimension, of the climatic cases:

* ``welfare`` (ENTSOG socio-economic welfare, ENTSO-E B1) = the change in the average-climate
  operating cost (supply, transport, power dispatch) without the objective's capex (extendable
  options pay their capex in the objective: removed here and charged below at the built size)
  and without the unserved-gas and CO2 cost the objective holds, which are valued separately;
* ``security`` (ENTSOG's security-of-supply benefit) = disrupted demand avoided × cost of
  disrupted gas, summed over the climatic cases with their probability per year (``average``
  1, design cases their 1-in-N) and over the disruption *events* with their yearly
  probabilities (``stresses.csv`` ``kind`` event; a combined disruption ``a+b`` has the product
  of its parts' probabilities: independent failures). Most event probabilities are estimates
  (``estimate`` true in ``stresses.csv``; ENTSOG's documents give none), so the benefit is also
  reported **per case without weights**: ``benefit_security_unweighted`` sums the avoided
  disrupted demand × CoDG of every design case and disruption event once (what the option
  saves if each happens once), and ``cba_security.csv`` lists it case by case. *Futures*
  (``kind`` future: a contract that ends, new demand) are scenarios, not events: they carry no
  event probability, and ``benefit_security_futures`` reports their avoided cost (design cases
  at their 1-in-N, the average year at 1) if they come true; neither enters the ENPV.
* ``co2`` (ENTSO-E B2) = CO2 avoided per country × that country's carbon price
  (``co2_prices.csv``: EU ETS for EU members, the stated policy price elsewhere);
* ``res_integration_mw`` (ENTSO-E B3, not monetised): offshore wind the set exports over its
  power links.

The yearly profile runs from the set's commissioning year over ``cba_horizon_yr`` years:
linear interpolation between model years, the first model year's value before it and the last
model year's value held constant after it. Capex is spread evenly over the construction years
before commissioning (re-invested if an asset's life ends within the period), fixed O&M runs
from commissioning, and a straight-line residual value is credited in the last year. All flows
are discounted to ``cba_base_year`` at the social rate and at the sensitivity rate.

An option bringing generation (the cable's wind) is appraised twice: ``generation=charged``
(the generation capex is charged to it, against the reference) and ``generation=both-arms``
(against its ``generation_twin``, which has the same generation and no cable, when the study
runs that set).

References
----------
ENTSOG, 2nd CBA Methodology for gas infrastructure projects (INV0292-18, October 2018, approved
by the European Commission in 2019): the monetised security-of-supply benefit, avoided
disrupted demand in the TYNDP's climatic (peak day, 2-week) and disruption cases valued at the
Cost of Disrupted Gas (B_SoS = sum over cases of p_case x sum_Z CoDG_Z x (DD_Z without -
DD_Z with)); section numbering as summarised in the project's reference notes
(modelling-methods, section 3.3), not checked against the PDF. ACER / Kantor-ECA, Study on the
estimation of the Cost of Disruption of Gas Supply in Europe (2018).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from energy_model.data.loading import Inputs
from energy_model.errors import EnergyModelError
from energy_model.finance import internal_rate, payback_year, present_value
from energy_model.units import GCV_MWH_PER_BCM

logger = logging.getLogger(__name__)

DESIGN_CASE_PROBABILITY = 0.05
"""Yearly probability of a design climatic case without a stated one (1-in-20, ENTSOG)."""

MONETISED = ("welfare", "security", "co2")


class NoComparisonError(EnergyModelError, ValueError):
    """The study has no set to compare with: neither ``reference`` nor ``all``."""


def stress_kind(stress: str, data: Inputs) -> str:
    """Return ``none``, ``event`` or ``future`` for a (combined) stress name.

    A combination is a future when any part is (``kind`` in ``stresses.csv``; empty = event).
    """
    if stress == "none":
        return "none"
    kinds = data.stresses.set_index("stress").get("kind")
    parts = ["slid" if x.startswith("slid-") else x for x in stress.split("+")]
    if kinds is not None and any(str(kinds.get(x, "")) == "future" for x in parts):
        return "future"
    return "event"


def _event_probability(stress: str, p: pd.Series, n_slid: int) -> float:
    """Yearly probability of an event: the product of its parts' (independent failures)."""
    out = 1.0
    for part in stress.split("+"):
        if part.startswith("slid-"):
            out *= float(p.get("slid", 0.0)) / max(n_slid, 1)
        else:
            out *= float(p.get(part, 0.0))
    return out


def stress_weights(stresses: list[str], data: Inputs) -> pd.Series:
    """Return the probability weight of each stress case of a study (summing to 1).

    Events carry their yearly probability (a combination: the product of its parts'); futures
    (:func:`stress_kind`) carry none (weight 0: they are reported separately); ``none`` takes
    the rest.
    """
    p = data.stresses.set_index("stress").probability
    n_slid = len({s for s in stresses if s.startswith("slid-")})
    w = {s: (_event_probability(s, p, n_slid) if stress_kind(s, data) == "event" else 0.0)
         for s in stresses if s != "none"}
    total = sum(w.values())
    if total > 1:
        w = {k: v / total for k, v in w.items()}
        total = 1.0
    if "none" in stresses:
        w["none"] = 1.0 - total
    out = pd.Series(w).reindex(stresses).fillna(0.0)
    return out / out.sum() if out.sum() > 0 else out


def climate_weights(ds: xr.Dataset) -> pd.Series:
    """Return each climatic case's probability per year [1/yr]: ``average`` 1, design cases
    from ``ds.climate_probability`` or ``ds.attrs["climate_probabilities"]`` (JSON), else
    :data:`DESIGN_CASE_PROBABILITY`."""
    climates = [str(c) for c in ds.climate.values]
    stated: dict[str, float] = {}
    if "climate_probability" in ds:
        stated = dict(zip(climates, map(float, ds.climate_probability.values), strict=True))
    elif "climate_probabilities" in ds.attrs:
        stated = json.loads(ds.attrs["climate_probabilities"])
    return pd.Series({c: 1.0 if c == average_climate(ds) else
                      float(stated.get(c, DESIGN_CASE_PROBABILITY)) for c in climates})


def average_climate(ds: xr.Dataset) -> str:
    """Return the climatic case that stands for the whole year (``average``, else the first)."""
    climates = [str(c) for c in ds.climate.values]
    return "average" if "average" in climates else climates[0]


def co2_price(data: Inputs, country: str, years: np.ndarray) -> np.ndarray:
    """Return the carbon price of ``country`` in ``years`` [EUR/tCO2].

    Its own rows of ``co2_prices.csv``, else the ``EU`` (ETS) rows for EU members, else 0;
    linear between stated years, the first and last stated price held outside them.
    """
    p = data.co2_prices
    rows = p[p.region == country]
    if rows.empty:
        eu = data.regions.set_index("code").eu
        if bool(eu.get(country, False)):
            rows = p[p.region == "EU"]
        else:
            logger.warning("no carbon price for %s: 0 used", country)
            return np.zeros(len(years))
    rows = rows.sort_values("year")
    return np.interp(years, rows.year.astype(float), rows.price_eur_per_t.astype(float))


def compare(ds: xr.Dataset, option: str, counterfactual: str, data: Inputs) -> dict:
    """Return the expected benefits of ``option`` over ``counterfactual`` in the year of ``ds``.

    Returns ``welfare``, ``security``, ``co2`` [EUR/yr] (CO2 at the model year's prices) and
    ``co2_mt`` (avoided CO2 per country [Mt/yr], a Series).
    """
    w = xr.DataArray(stress_weights(list(ds.stress.values), data), dims="stress")
    codg = data.cost_of_disrupted_gas.set_index("region").eur_per_mwh
    codg = xr.DataArray(codg.reindex(ds.country.values).fillna(codg.mean()).to_numpy(),
                        dims="country", coords={"country": ds.country.values})
    a, b = ds.sel(option=counterfactual), ds.sel(option=option)
    dd = ((a.unserved_gas.fillna(0) - b.unserved_gas.fillna(0)) * GCV_MWH_PER_BCM * codg
          ).sum("country")
    events = xr.DataArray([stress_kind(str(x), data) == "event" for x in ds.stress.values],
                          dims="stress")
    futures = xr.DataArray([stress_kind(str(x), data) == "future" for x in ds.stress.values],
                           dims="stress")
    if "climate" in ds.dims:
        wc = climate_weights(ds)
        security = float((dd * xr.DataArray(wc, dims="climate") * w).sum())
        design = xr.DataArray([c != average_climate(ds) for c in map(str, ds.climate.values)],
                              dims="climate")
        unweighted = float(dd.where(design & events, 0.0).sum())
        fut = float((dd.where(futures, 0.0) * xr.DataArray(wc, dims="climate")).sum())
        avg = average_climate(ds)
        a, b, dd = a.sel(climate=avg), b.sel(climate=avg), dd.sel(climate=avg)
    else:
        security = float((dd * w).sum())
        unweighted = float(dd.where(events, 0.0).sum())
        fut = float(dd.where(futures, 0.0).sum())
    year = int(ds.attrs["year"])
    power = bool(ds.attrs.get("power"))
    dco2 = (a.co2.fillna(0) - b.co2.fillna(0)) if power else xr.zeros_like(a.unserved_gas)
    ets = float(co2_price(data, "EU", np.array([year]))[0]) if power else 0.0
    dcost = (a.total_cost - a.capex.fillna(0)) - (b.total_cost - b.capex.fillna(0))
    welfare = float(((dcost - dd - dco2.sum("country") * 1e6 * ets) * w).sum())
    co2_mt = (dco2 * w).sum("stress").to_series()
    co2_mt = co2_mt[co2_mt != 0]
    co2 = sum(float(v) * 1e6 * float(co2_price(data, c, np.array([year]))[0])
              for c, v in co2_mt.items())
    return {"welfare": welfare, "security": security, "co2": co2, "co2_mt": co2_mt,
            "security_unweighted": unweighted, "security_futures": fut}


def benefit_profile(by_year: dict[int, dict], data: Inputs, years: np.ndarray) -> pd.DataFrame:
    """Return the benefits in ``years`` [EUR] (and ``co2_mt`` [Mt]) from model-year values.

    Linear between model years; the first model year's value before it, the last one's after
    it (held constant). CO2 is interpolated in tonnes per country, then priced in each year
    at the country's price (``co2``) and, as a sensitivity, at the EU ETS for all (``co2_at_ets``).
    """
    xs = np.array(sorted(by_year), dtype=float)
    out = pd.DataFrame(index=pd.Index(years, name="year"))
    for k in ("welfare", "security"):
        out[k] = np.interp(years, xs, [by_year[int(x)][k] for x in xs])
    co2 = pd.concat({int(x): by_year[int(x)]["co2_mt"] for x in xs}, axis=1).fillna(0.0)
    out["co2"], out["co2_mt"], out["co2_at_ets"] = 0.0, 0.0, 0.0
    ets = co2_price(data, "EU", years)
    for country, row in co2.iterrows():
        mt = np.interp(years, xs, row.reindex(xs.astype(int)).to_numpy())
        out["co2"] += mt * 1e6 * co2_price(data, str(country), years)
        out["co2_mt"] += mt
        out["co2_at_ets"] += mt * 1e6 * ets
    return out


@dataclass(frozen=True)
class Asset:
    """One investment of an appraisal: ``capex`` [EUR] built over ``construction`` years
    before ``commissioning``, ``fom_share`` of it per year [1/yr], lasting ``life`` [yr]."""

    capex: float
    fom_share: float
    life: float
    commissioning: int
    construction: int


def cost_flows(assets: list[Asset], end: int) -> pd.DataFrame:
    """Return capex, fixed O&M and residual value per year up to ``end`` [EUR].

    Capex evenly over the construction years, re-invested when an asset's life ends before
    ``end``; O&M from commissioning; straight-line residual value of the last installation
    credited in ``end``.
    """
    start = min(a.commissioning - a.construction for a in assets)
    out = pd.DataFrame(0.0, index=pd.RangeIndex(start, end + 1, name="year"),
                       columns=["capex", "fom", "residual_value"])
    for a in assets:
        if a.capex <= 0:
            continue
        life = max(round(a.life), 1)
        installed = a.commissioning
        for y0 in range(a.commissioning, end + 1, life):
            for y in range(y0 - a.construction, y0):
                out.loc[y, "capex"] += a.capex / a.construction
            installed = y0
        out.loc[a.commissioning:end, "fom"] += a.capex * a.fom_share
        used = end - installed + 1
        out.loc[end, "residual_value"] += a.capex * max(life - used, 0) / life
    return out


@dataclass(frozen=True)
class Pair:
    """One comparison: the set ``with_`` against ``without``, credited to ``option``."""

    with_: str
    without: str
    method: str
    option: str
    generation: str


def list_pairs(sets: dict[str, list[str]], data: Inputs) -> list[Pair]:
    """Return the PINT, TOOT and same-generation comparisons a study's sets allow.

    Raises
    ------
    NoComparisonError
        If the study has neither a ``reference`` set nor an ``all`` set with ``all-but-<x>``.
    """
    o = data.options.set_index("option")
    gen = o.generation_capex_meur.fillna(0.0)

    def arm(names):
        return "charged" if any(gen.get(x, 0.0) > 0 for x in names) else "none"

    pairs = []
    if "reference" in sets:
        for label in (s for s in sets if s != "reference"):
            added = set(sets[label]) - set(sets["reference"])
            pairs.append(Pair(label, "reference", "PINT", label, arm(added)))
            for x in sorted(added):
                twin = o.generation_twin.get(x)
                if not isinstance(twin, str) or not twin:
                    continue
                target = sorted((set(sets[label]) - {x}) | {twin})
                match = [s for s in sets if sorted(sets[s]) == target]
                if match:
                    pairs.append(Pair(label, match[0], "PINT", label, "both-arms"))
                else:
                    logger.warning("no set %s in the study: %s is appraised with its "
                                   "generation charged only", target, label)
    if "all" in sets:
        for label in (s for s in sets if s.startswith("all-but-")):
            added = set(sets["all"]) - set(sets[label])
            pairs.append(Pair("all", label, "TOOT", label.removeprefix("all-but-"),
                              arm(added)))
    if not pairs and set(sets) == {"reference"}:
        raise NoComparisonError(
            "the study has only the 'reference' option set, so there is no option to appraise: "
            "add option sets (label: [option names]) beside `reference: []`")
    if not pairs:
        raise NoComparisonError(
            "the study has no 'reference' option set (for PINT) and no 'all' set with "
            "'all-but-<x>' sets (for TOOT): add `reference: []` to its options to appraise them")
    return pairs


def build_assets(pair: Pair, sets: dict[str, list[str]], data: Inputs,
                 built: float) -> list[Asset]:
    """Return the investments of ``pair``: its added options at their built size, with the
    generation capex when ``pair.generation == "charged"``."""
    o = data.options.set_index("option")
    extendable = set(data.option_assets.option[data.option_assets.action
                                               == "extendable_pipeline"])
    out = []
    for x in sorted(set(sets[pair.with_]) - set(sets[pair.without])):
        r = o.loc[x]
        when = int(r.commissioning_year if pd.notna(r.commissioning_year) else r.earliest_year)
        build = int(r.construction_years) if pd.notna(r.construction_years) \
            and r.construction_years > 0 else 1
        share = built if x in extendable else 1.0
        out.append(Asset(r.capex_meur * 1e6 * share, r.fom_share, r.lifetime_yr, when, build))
        if pair.generation == "charged" and pd.notna(r.generation_capex_meur):
            out.append(Asset(r.generation_capex_meur * 1e6,
                             float(np.nan_to_num(r.generation_fom_share)),
                             float(r.generation_lifetime_yr
                                   if pd.notna(r.generation_lifetime_yr) else r.lifetime_yr),
                             when, build))
    return out


def built_share(ds: xr.Dataset, pair: Pair, sets: dict[str, list[str]], data: Inputs) -> float:
    """Return the built share of the pair's extendable options (1 without any) [fraction].

    The largest annualised capex the optimiser built (``ds.capex``, in the objective) over
    the study's cases, over the annualised capex of the full size: the size that delivers
    every benefit counted (cases that built less are not re-run at that size).
    """
    from energy_model.network.options import annual_option_cost

    a = data.option_assets
    ext = sorted((set(sets[pair.with_]) - set(sets[pair.without]))
                 & set(a.option[a.action == "extendable_pipeline"]))
    if not ext:
        return 1.0
    full = sum(annual_option_cost(data, x) for x in ext)
    d = float((ds.capex.sel(option=pair.with_) - ds.capex.sel(option=pair.without)).max())
    return float(np.clip(d / full, 0.0, 1.0)) if full > 0 else 1.0


def res_integration(pair: Pair, sets: dict[str, list[str]], data: Inputs) -> float:
    """Return the offshore wind the pair's added options export over their own power links
    (capacity × export share) [MW] (ENTSO-E B3, quantitative only)."""
    a = data.option_assets
    added = set(sets[pair.with_]) - set(sets[pair.without])
    linked = set(a.option[a.action == "add_power_link"]) & added
    targets = a.target[(a.action == "add_offshore_wind") & a.option.isin(linked)]
    w = data.offshore_wind.set_index("name")
    return float(sum(w.at[t, "capacity_mw"] * w.at[t, "export_share"] for t in targets))


def appraise_tables(ds: xr.Dataset, data: Inputs,
                    others: tuple[xr.Dataset, ...] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(cba, cba_by_year)`` for the sets of ``ds`` (and other model years' runs).

    ``others`` are Datasets of the same study at other model years; each adds its year to the
    benefit profile where its sets solved. ``cba`` has one row per comparison and discount
    rate; ``cba_by_year`` the undiscounted flows per comparison, year and indicator.
    """
    sets = json.loads(ds.attrs["options"])
    p = data.parameters
    rates = [p["social_discount_rate"], p["cba_sensitivity_discount_rate"]]
    base, horizon = int(p["cba_base_year"]), int(p["cba_horizon_yr"])
    rows, flows = [], []
    for pair in list_pairs(sets, data):
        runs = [d for d in (ds, *others) if _solved(d, pair)]
        if ds not in runs:
            logger.warning("%s vs %s not appraised: a case did not solve", pair.with_,
                           pair.without)
            continue
        by_year = {int(d.attrs["year"]): compare(d, pair.with_, pair.without, data)
                   for d in runs}
        share = built_share(ds, pair, sets, data)
        assets = build_assets(pair, sets, data, share)
        start = max((a.commissioning for a in assets), default=int(ds.attrs["year"]))
        end = start + horizon - 1
        cost = cost_flows(assets, end) if assets else \
            pd.DataFrame(0.0, index=pd.RangeIndex(start, end + 1, name="year"),
                         columns=["capex", "fom", "residual_value"])
        table = cost.join(benefit_profile(by_year, data, np.arange(start, end + 1))).fillna(0.0)
        table["net"] = table[list(MONETISED)].sum(axis=1) - table.capex - table.fom \
            + table.residual_value
        ident = {"option": pair.option, "method": pair.method, "compared_with": pair.without,
                 "generation": pair.generation}
        flows.append(_long(table, ident))
        now = by_year[int(ds.attrs["year"])]
        for rate in rates:
            pv = {k: present_value(table[k], rate, base)
                  for k in (*MONETISED, "co2_at_ets", "capex", "fom", "residual_value")}
            benefits = sum(pv[k] for k in MONETISED)
            ets = pv.pop("co2_at_ets")
            cost_pv = pv["capex"] + pv["fom"] - pv["residual_value"]
            rows.append({
                **ident, "options": "+".join(sorted(set(sets[pair.with_])
                                                    ^ set(sets[pair.without]))),
                "discount_rate": rate, "base_year": base, "commissioning_year": start,
                "end_year": end, "built_share": share,
                "capex_eur": sum(a.capex for a in assets),
                "fom_eur_per_yr": sum(a.capex * a.fom_share for a in assets),
                **{f"benefit_{k}": now[k] for k in MONETISED},
                "benefit_security_unweighted": now["security_unweighted"],
                "benefit_security_futures": now["security_futures"],
                "benefit_total": sum(now[k] for k in MONETISED),
                "co2_avoided_mt_per_yr": float(now["co2_mt"].sum()),
                "res_integration_mw": res_integration(pair, sets, data),
                **{f"pv_{k}_eur": v for k, v in pv.items()},
                "pv_benefits_eur": benefits, "enpv_eur": benefits - cost_pv,
                "enpv_co2_at_ets_eur": benefits - pv["co2"] + ets - cost_pv,
                "bcr": benefits / cost_pv if cost_pv > 0 else np.nan,
                "irr": internal_rate(table.net), "payback_year": payback_year(table.net, rate,
                                                                              base)})
    by_year = pd.concat(flows, ignore_index=True) if flows else pd.DataFrame()
    return pd.DataFrame(rows), by_year


def appraise(ds: xr.Dataset, data: Inputs, others: tuple[xr.Dataset, ...] = ()) -> pd.DataFrame:
    """Return the CBA table (see :func:`appraise_tables`)."""
    return appraise_tables(ds, data, others)[0]


def write_cba(ds: xr.Dataset, data: Inputs, out: Path,
              others: tuple[xr.Dataset, ...] = ()) -> None:
    """Write ``cba.csv``, ``cba_by_year.csv`` and ``cba_security.csv`` (the security benefit
    per case, without weights) to ``out``.

    Raises
    ------
    NoComparisonError
        If the study has nothing to compare with (then nothing is written).
    """
    cba, by_year = appraise_tables(ds, data, others)
    cba.to_csv(Path(out) / "cba.csv", index=False)
    by_year.to_csv(Path(out) / "cba_by_year.csv", index=False)
    security_cases(ds, data).round(6).to_csv(Path(out) / "cba_security.csv", index=False)


def security_cases(ds: xr.Dataset, data: Inputs, reference: str = "reference") -> pd.DataFrame:
    """Return the security benefit of each option set per case, without weights.

    One row per option set (against ``reference``), climate and stress: ``kind`` (event,
    future, none), the avoided disrupted demand [bcm over the case's window], its value at each
    country's cost of disrupted gas if the case happens once [EUR] and the yearly probability
    the expected benefit uses (climate x event; empty for futures).
    """
    if reference not in ds.option.values:
        return pd.DataFrame()
    codg = data.cost_of_disrupted_gas.set_index("region").eur_per_mwh
    codg = xr.DataArray(codg.reindex(ds.country.values).fillna(codg.mean()).to_numpy(),
                        dims="country", coords={"country": ds.country.values})
    d = ds if "climate" in ds.dims else ds.expand_dims(climate=["average"])
    wc = climate_weights(d) if "climate" in ds.dims else pd.Series({"average": 1.0})
    p = data.stresses.set_index("stress").probability
    n_slid = len({s for s in map(str, d.stress.values) if s.startswith("slid-")})
    ref = d.unserved_gas.sel(option=reference).fillna(0.0)
    rows = []
    for opt in map(str, d.option.values):
        if opt == reference:
            continue
        avoided = ref - d.unserved_gas.sel(option=opt).fillna(0.0)
        value = (avoided * GCV_MWH_PER_BCM * codg).sum("country")
        for clim in map(str, d.climate.values):
            for stress in map(str, d.stress.values):
                kind = stress_kind(stress, data)
                prob = (float(wc[clim]) * _event_probability(stress, p, n_slid)
                        if kind == "event" else np.nan)
                rows.append({"option": opt, "compared_with": reference, "climate": clim,
                             "stress": stress, "kind": kind,
                             "avoided_disrupted_demand_bcm": float(
                                 avoided.sel(climate=clim, stress=stress).sum()),
                             "benefit_if_once_eur": float(value.sel(climate=clim,
                                                                    stress=stress)),
                             "probability_per_yr": prob})
    return pd.DataFrame(rows)


def _long(table: pd.DataFrame, ident: dict) -> pd.DataFrame:
    df = table.rename(columns={"co2_mt": "co2_avoided"}).reset_index().melt(
        id_vars="year", var_name="indicator", value_name="value")
    df["unit"] = np.where(df.indicator == "co2_avoided", "Mt", "EUR")
    return df.assign(**ident)[[*ident, "year", "indicator", "value", "unit"]]


def _solved(ds: xr.Dataset, pair: Pair) -> bool:
    labels = set(map(str, ds.option.values))
    if not {pair.with_, pair.without} <= labels:
        return False
    return bool((ds.status.sel(option=[pair.with_, pair.without]) == "ok").all())
