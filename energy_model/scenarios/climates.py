"""ENTSOG climatic cases: the average year, the 1-day Design Case and the 14-day Uniform Risk case.

Climates
--------
``average``
    The daily model year as built (365 days, monthly demand shape, contracts in force).
``peak-day``
    ENTSOG's 1-day Design Case: one gas day of 24 h at each country's 1-in-20 peak-day demand
    (``design_demand.csv`` metric ``peak_day_1in20``), all countries at once (ENTSOG assumes
    100 % simultaneity; TYNDP 2017 Main Report §2.2.2.4).
``two-week``
    ENTSOG's 14-day Uniform Risk case: 14 consecutive gas days at each country's 1-in-20
    two-week *average* daily demand (metric ``two_week_1in20``; GRIP CEE 2014–2023
    definitions: "a 14-day average daily demand situation … close to 1-in-20 years").
``two-week-dunkelflaute`` (library only, not yet a study climate; needs the electricity layer)
    ENTSOG's 2-week Dunkelflaute case (TYNDP 2020 onward): the ``two-week`` case with wind and
    solar output cut to :data:`DUNKELFLAUTE_FACTOR` of the window's average-year capacity
    factors, and gas plants free to burn *more* than their average-year dispatch (never less:
    still no coal-for-gas switching), so the missing wind and solar falls on gas (and other
    dispatchable plants) as in ENTSOG's high gas-for-power case.

How a short case is built (rules of this module, with their sources)
--------------------------------------------------------------------
* **Window.** The case starts on :data:`CASE_START` (1 February) of the model year: ENTSOG's
  TYNDP 2015 (§6.3.1.1) assesses storage deliverability "in February"; the 1 February start
  also lies after the average year's December–January withdrawals, so storage is not full.
  The network keeps only the window's snapshots (1 or 14 days of 24 h), so a short case solves
  in a fraction of the average year's time.
* **Demand.** Every gas load is set to its design rate on every day of the window (a constant
  14-day average for ``two-week``). With the electricity layer on, the region's mean
  gas-for-power rate is taken off, because the power plants burn their gas explicitly.
* **Supply limits.** Annual caps (``e_sum_max``) are lifted: one or fourteen days cannot exhaust
  an annual volume, so the daily rate (``p_nom``, including the swing factor) binds, as in
  ENTSOG's high-demand cases that cap each source at its daily potential.
* **Contracts.** Suspended (no minimum, no maximum), as in every stressed case
  (:func:`energy_model.scenarios.curtailment.suspend_contracts`): ENTSOG's security-of-supply
  simulations have no contracts.
* **Storage.** ``e_cyclic`` off; every site starts at the observed 1 February fill level,
  ``design_start_fill`` of ``parameters.csv`` x working gas (:func:`design_start_fill`: the
  GIE AGSI+ five-year mean of the EU fill in early February, about 55 %; source and method in
  the data). The undisturbed average year's own level on that date is not used: with constant
  supply prices its withdrawal timing is degenerate, and the tie-break that kept gas in
  storage until needed started the cases nearly full (Türkiye 88–91 %, Italy 96 %). Without
  the parameter (small test datasets) the case starts at the reference's level.
  Withdrawal depends on the fill level (ENTSOG/GSE withdrawal curves, TYNDP 2017 Annex F
  §2.2.5): full rate at or above
  :data:`FULL_RATE_FILL` of working gas, falling linearly to zero at empty, on the fill at the
  end of each day (slightly conservative); no per-site curve is in the data, so the threshold
  is an estimate. The constraint is added at solve time
  (:func:`energy_model.scenarios.constraints.add_case_constraints`).
* **LNG send-out.** Every LNG terminal delivers at most ``design_lng_sendout`` of its capacity
  on the case days (``parameters.csv``: ENTSOG's 80 % LNG deliverability in high-demand
  cases, GRIP CEE 2014–2023 p.25; :func:`design_lng_sendout`), in every design case, not
  only under a stress.
* **No coal-for-gas switching** (ENTSOG TYNDP 2015 §6.3.1.3: no flexibility between coal and
  gas under the 1-day Design Case and 2-week Uniform Risk). Without the electricity layer gas for
  power is part of the fixed demand already. With it, each gas plant's dispatch is fixed to its
  average-year dispatch on the case days, so its gas demand cannot move to coal.

The climates a study may list and their names are defined once in :mod:`energy_model.vocabulary`
(``CLIMATES``); ``two-week-dunkelflaute`` is a library case (``LIBRARY_CLIMATES``) until the study
default is restricted to cases that need no electricity layer.

References
----------
ENTSOG, "Ten-Year Network Development Plan 2015", §6.3.1 (storage in February, no coal-for-gas
switching); "TYNDP 2017 Main Report", §1.3 and §2.2.2.4 (storage start from the whole-year
simulation, 100 % simultaneity), and Annex F §2.2.5 (withdrawal curves).
ENTSOG, "GRIP Central Eastern Europe 2014-2023": the 1-day Design Case and the 14-day Uniform Risk
case.
Kittel, M. and Schill, W.-P., "Quantifying the Dunkelflaute" (2024): the renewable drought factor.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pypsa

from energy_model import units
from energy_model.data.loading import Inputs
from energy_model.errors import UsageError
from energy_model.scenarios.curtailment import refresh_unserved, suspend_contracts
from energy_model.vocabulary import (  # noqa: F401 (DESIGN_CLIMATES: re-exported)
    CLIMATES,
    DESIGN_CLIMATES,
    LIBRARY_CLIMATES,
)

logger = logging.getLogger(__name__)

CASE_DAYS: dict[str, int] = {"peak-day": 1, "two-week": 14, "two-week-dunkelflaute": 14}
"""Length of each short case [days]."""

DESIGN_METRIC: dict[str, str] = {"peak-day": "peak_day_1in20", "two-week": "two_week_1in20",
                                  "two-week-dunkelflaute": "two_week_1in20"}
"""Metric of ``design_demand.csv`` that sets each case's demand rate."""

CASE_START: str = "02-01"
"""Month-day on which the short cases start (1 February, ENTSOG TYNDP 2015 §6.3.1.1)."""

FULL_RATE_FILL: float = 0.5
"""Fill level [fraction of working gas] at or above which storage withdraws at full rate.

Estimate: ENTSOG uses GSE withdrawal curves per site (not public in the data found); typical
European UGS curves keep the nominal rate down to 40–60 % fill and fall roughly linearly below.
ENTSOG TYNDP 2015 used a flat 80 % deliverability on high-demand days instead."""


DUNKELFLAUTE_FACTOR: float = 0.5
"""Wind and solar output in the two-week Dunkelflaute case [fraction of the window's average].

Estimate: Kittel & Schill (2024, "Quantifying the Dunkelflaute", 38 weather years) find that in
the most extreme European renewable drought (winter 1996/97, 55 days, perfect interconnection)
the wind-solar portfolio still delivered 47 % of its long-run mean; a 14-day 1-in-20 event over
the modelled region is taken at about the same depth (0.5). ENTSOG's own 2WDF load factors are
not in the sources found."""

DUNKELFLAUTE_CARRIERS: tuple[str, ...] = ("wind onshore", "wind offshore", "solar")
"""Generator carriers whose output the Dunkelflaute case cuts."""

START_FILL_PARAMETER: str = "design_start_fill"
"""Parameter of ``parameters.csv``: storage fill at the start of a design case [fraction]."""


def prepare_reference(n: pypsa.Network) -> None:
    """Make ``n`` (the undisturbed average year, unsolved) the reference of the short cases.

    The reference is the plain average year: it no longer rewards gas held in storage (the
    start level of a design case comes from :func:`design_start_fill`); it gives the gas
    plants' dispatch of the case days (:func:`reference_state`).
    """


LNG_SENDOUT_PARAMETER: str = "design_lng_sendout"
"""Parameter of ``parameters.csv``: LNG send-out in a design case [fraction of capacity]."""


def design_lng_sendout(data: Inputs) -> float:
    """Return the LNG send-out available in a design case [fraction of terminal capacity].

    ``design_lng_sendout`` of ``parameters.csv`` (1.0 when the data have no such parameter).

    References
    ----------
    ENTSOG, *GRIP Central-Eastern Europe 2014–2023*, p. 25: LNG terminals at 80 % in the
    high-demand situations.
    """
    value = data.parameters.get(LNG_SENDOUT_PARAMETER)
    return 1.0 if value is None or pd.isna(value) else float(value)


def design_start_fill(data: Inputs) -> float | None:
    """Return the storage fill at the start of a design case [fraction of working gas].

    ``design_start_fill`` of ``parameters.csv``: the observed 1 February fill level (GIE
    AGSI+ multi-year mean), or ``None`` when the data have no such parameter.

    References
    ----------
    GIE AGSI+ (aggregated gas storage inventory), EU fill levels in early February
    2021–2025, as reported with their five-year average (TASS from GIE data, 6 Feb 2026).
    """
    value = data.parameters.get(START_FILL_PARAMETER)
    return None if value is None or pd.isna(value) else float(value)


def case_window(year: int, climate: str) -> pd.DatetimeIndex:
    """Return the daily snapshots of a short ``climate`` case in ``year``."""
    if climate not in CASE_DAYS:
        raise UsageError(f"{climate!r} is not a short case; use one of {list(CASE_DAYS)}")
    return pd.date_range(f"{year}-{CASE_START}", periods=CASE_DAYS[climate], freq="D")


def design_demand_mw(data: Inputs, year: int, climate: str) -> pd.Series:
    """Return each region's design demand rate of ``climate`` in ``year`` [MW]."""
    d = data.design_demand
    d = d[(d.year == year) & (d.metric == DESIGN_METRIC[climate])]
    return d.set_index("region").value_internal.astype(float)


def reference_state(avg: pypsa.Network, climate: str) -> dict:
    """Return what a short case takes from the solved average year ``avg``.

    ``avg`` is the solved undisturbed average year (:func:`prepare_reference`).

    ``e_initial``: each Store's level at the end of the day before the window [MWh];
    ``gas_plants``: each gas plant Link's dispatch ``p0`` on the window days [MW] (empty
    without the electricity layer). JSON-ready (lists and floats).
    """
    window = case_window(int(avg.meta["year"]), climate)
    e = avg.stores_t.e
    before = e.index[e.index < window[0]]
    if len(before):
        e_init = e.loc[before[-1]]
    else:  # window starts on the first day: the cyclic level at the end of the year
        e_init = e.iloc[-1]
    plants = avg.links.index[avg.links.carrier.isin(("gas CCGT", "gas OCGT"))]
    p0 = avg.links_t.p0.reindex(columns=plants).reindex(window).fillna(0.0)
    return {"e_initial": {k: float(v) for k, v in e_init.items()},
            "gas_plants": {k: [float(x) for x in p0[k]] for k in plants}}


def make_climate_case(n: pypsa.Network, climate: str, data: Inputs,
                      reference: dict | None = None) -> None:
    """Turn a built daily network ``n`` into the ``climate`` case, in place (rules: module doc).

    Parameters
    ----------
    n : pypsa.Network
        An unsolved network from :func:`energy_model.network.build.build_network` at daily
        resolution (the average year).
    climate : str
        One of :data:`energy_model.vocabulary.CLIMATES` or
        :data:`~energy_model.vocabulary.LIBRARY_CLIMATES`; ``average`` leaves ``n`` unchanged.
    reference : dict, optional
        :func:`reference_state` of the solved undisturbed average year (gas plants' dispatch;
        storage start only when ``data`` has no ``design_start_fill``; without either, storage
        starts at :data:`FULL_RATE_FILL` of working gas, logged).
    """
    if climate == "average":
        n.meta = {**n.meta, "climate": "average"}
        return
    if climate not in CASE_DAYS:
        raise UsageError(f"unknown climate {climate!r}; known: "
                         f"{[*CLIMATES, *LIBRARY_CLIMATES]}")
    if n.meta.get("resolution") != "daily":
        raise UsageError("short climatic cases are built from the daily network")
    if climate == "two-week-dunkelflaute" and not n.meta.get("power"):
        raise UsageError("the two-week-dunkelflaute case needs the electricity layer "
                         "(build_network(..., power=True))")
    year = int(n.meta["year"])
    window = case_window(year, climate)
    n.set_snapshots(window)
    _set_design_demand(n, data, year, climate)
    gens = n.generators
    supply = gens.index[gens.carrier == "gas supply"]
    n.generators.loc[supply, "e_sum_max"] = np.inf
    n.generators.loc[supply, "e_sum_min"] = -np.inf
    suspend_contracts(n)
    stores = n.stores.index[n.stores.carrier == "gas storage"]
    n.stores.loc[stores, "e_cyclic"] = False
    fill = design_start_fill(data)
    if fill is not None:
        start = n.stores.loc[stores, "e_nom"] * fill
    elif reference is None:
        logger.warning("%s case without an average-year reference: storage starts at %.0f %%",
                       climate, 100 * FULL_RATE_FILL)
        start = n.stores.loc[stores, "e_nom"] * FULL_RATE_FILL
    else:
        start = pd.Series(reference["e_initial"]).reindex(stores).fillna(0.0)
    n.stores.loc[stores, "e_initial"] = start.clip(lower=0.0).to_numpy()
    store_of_bus = dict(zip(n.stores.loc[stores, "bus"], stores, strict=True))
    wd = n.links[(n.links.carrier == "gas storage") & n.links.bus0.isin(list(store_of_bus))]
    curve = {link: store_of_bus[b] for link, b in wd.bus0.items()}
    lng = n.links.index[n.links.carrier == "LNG terminal"]
    n.links.loc[lng, "p_max_pu"] = n.links.loc[lng, "p_max_pu"].clip(
        upper=design_lng_sendout(data))
    _fix_gas_plants(n, reference, floor_only=climate == "two-week-dunkelflaute")
    if climate == "two-week-dunkelflaute":
        _cut_wind_and_solar(n)
    refresh_unserved(n)
    n.meta = {**n.meta, "climate": climate, "withdrawal_curve": curve,
              "full_rate_fill": FULL_RATE_FILL}


def _set_design_demand(n: pypsa.Network, data: Inputs, year: int, climate: str) -> None:
    rate = design_demand_mw(data, year, climate)
    if n.meta.get("power"):
        gfp = data.gas_for_power[data.gas_for_power.year == year].set_index("region").value_mwh
        rate = rate.sub(gfp.reindex(rate.index).fillna(0.0) / units.HOURS_PER_YEAR).clip(0.0)
    loads = n.loads.index[n.loads.carrier == "gas demand"]
    missing = sorted(set(n.loads.loc[loads, "bus"]) - set(rate.index))
    if missing:
        logger.warning("%s %d: no design demand for %s; average-year demand kept", climate, year,
                       missing)
    for load in loads:
        region = n.loads.at[load, "bus"]
        if region in rate.index:
            n.loads_t.p_set[load] = float(rate[region])


def _cut_wind_and_solar(n: pypsa.Network) -> None:
    """Scale wind and solar availability by :data:`DUNKELFLAUTE_FACTOR` on the case days."""
    gens = n.generators.index[n.generators.carrier.isin(DUNKELFLAUTE_CARRIERS)]
    if gens.empty:
        logger.warning("two-week-dunkelflaute: no wind or solar Generators to cut")
        return
    pu = n.get_switchable_as_dense("Generator", "p_max_pu", inds=gens)
    n.generators_t.p_max_pu = pd.concat(
        [n.generators_t.p_max_pu.drop(columns=gens, errors="ignore"),
         pu * DUNKELFLAUTE_FACTOR], axis=1)


def _fix_gas_plants(n: pypsa.Network, reference: dict | None, floor_only: bool = False) -> None:
    """Fix gas plants to their average-year dispatch: no coal-for-gas switching (ENTSOG).

    ``floor_only``: the dispatch is only a floor (the Dunkelflaute case, where gas plants must
    run harder than in the average year); the upper limit stays the plant's own.
    """
    plants = n.links.index[n.links.carrier.isin(("gas CCGT", "gas OCGT"))]
    if plants.empty:
        return
    if reference is None:
        raise UsageError("a short case with the electricity layer needs the average-year "
                         "reference (gas-plant dispatch)")
    p0 = pd.DataFrame({k: reference["gas_plants"].get(k, [0.0] * len(n.snapshots))
                       for k in plants}, index=n.snapshots)
    p_nom = n.links.loc[plants, "p_nom"].replace(0.0, np.nan)
    pu = (p0 / p_nom).clip(0.0, 1.0).fillna(0.0)
    n.links_t.p_min_pu = pd.concat([n.links_t.p_min_pu.drop(columns=plants, errors="ignore"),
                                    pu], axis=1)
    if floor_only:
        return
    n.links_t.p_max_pu = pd.concat([n.links_t.p_max_pu.drop(columns=plants, errors="ignore"),
                                    pu], axis=1)
