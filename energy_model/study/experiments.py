"""Experiments that build and solve: ENTSOG remaining flexibility and supply-source dependence,
survival time, the counterfactual without the cable options, the back-cast and the reference
network of a study's maps.

Each takes a builder (a callable returning a fresh, unsolved network) or the inputs and returns a
table; the tables are read by the pure functions of :mod:`energy_model.analysis`.

Survival time (JRC GEMFLOW) is the number of days until each country's first curtailment after a
disruption. Rodríguez-Gómez, Zaccarelli and Bolado-Lavín report the survival time and the gas not
served per country for disruptions of different lengths. Our operational definition (the paper's
exact formula was not found): a disruption starts on ``start`` with storage at the level the
undisturbed average year has on that date (reference solve,
:func:`energy_model.scenarios.climates.prepare_reference`), demand stays at the average year's,
and the survival time of a country is the number of whole days before its first day with unserved
gas (``days`` when it is never curtailed in the window). Rules of the window case: the network
keeps the ``days`` daily snapshots from ``start``; annual supply caps are pro-rated to the window
(``e_sum_max × days / 365``); contracts are suspended; storage starts at the reference level, not
cyclic, with the fill-level withdrawal curve of the short climatic cases. Curtailment is
least-cost with a small premium on early curtailment (:data:`EARLY_PREMIUM`), so gas is not
withheld today for tomorrow when today could be served.

References
----------
ENTSOG, TYNDP 2017 Annex F (methodology), §4.2: remaining flexibility and supply-source dependence
(disrupted over total demand) (``sources.csv`` D-entsog-annexf-2017-ind).

Regulation (EU) 2017/1938 of the European Parliament and of the Council concerning measures to
safeguard the security of gas supply, Annex II (N-1) and Annex IV (risk assessment).

Rodríguez-Gómez, N., Zaccarelli, N., Bolado-Lavín, R., "European ability to cope with a gas
crisis. Comparison between 2009 and 2014", Energy Policy 97 (2016) 461-474 (survival time).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pypsa

from energy_model.analysis.indicators import curtailment_rate, supply_sources
from energy_model.analysis.tables import demand_by_country, unserved_by_country
from energy_model.data.loading import Inputs
from energy_model.network import build
from energy_model.network.options import power_options
from energy_model.optimization import solver
from energy_model.scenarios.climates import FULL_RATE_FILL
from energy_model.scenarios.curtailment import refresh_unserved, suspend_contracts
from energy_model.scenarios.stresses import apply_stress

logger = logging.getLogger(__name__)

EARLY_PREMIUM: float = 1e-4
"""Relative premium on unserved gas per day earlier in the window [1/day] (a tie-break)."""

REFERENCE_NETWORK = "network.nc"
"""File name of the solved reference case a study writes for its maps."""


def remaining_flexibility(build, countries: list[str] | None = None,
                          warm: bool | None = None, reference: pypsa.Network | None = None,
                          resolver=None) -> pd.Series:
    """Return ENTSOG's remaining flexibility per country [-].

    For each country Z (separately): add 100 % of Z's gas demand, re-solve, and take
    RF_Z = 1 - (additional disrupted demand anywhere) / (added demand); RF_Z = 0 when Z is
    already curtailed before the increase (ENTSOG's rule).

    The demand steps are re-solves of one model built once
    (:class:`energy_model.optimization.resolve.Resolver`): each step changes the country's load
    and its unserved-gas limits in place, re-solves, and puts the load back; the answers equal
    a fresh build per country (tested).

    Parameters
    ----------
    build : callable
        Returns a fresh, unsolved network of the case (called once, twice when the case has
        contracts in force: the reference keeps them, the demand steps suspend them).
    countries : list of str, optional
        Countries to assess (default: every country with gas demand).
    warm : bool, optional
        Start each step from the last basis; default: as measured per case type
        (:func:`energy_model.optimization.resolve.prefer_warm`: warm on the year, cold on the
        short climatic cases).
    reference : pypsa.Network, optional
        ``build()`` already solved (contracts in force), when the caller has it: the reference
        is then not solved again.
    resolver : Resolver, optional
        A :class:`~energy_model.optimization.resolve.Resolver` of ``build()`` with its contracts
        suspended, shared with another sweep (:func:`supply_source_dependence` takes one too):
        the steps re-solve it from :meth:`~energy_model.optimization.resolve.Resolver.reset`
        with ``restart=True``, so they take the path of a Resolver of their own.

    Returns
    -------
    pandas.Series
        Remaining flexibility per country [fraction], named ``remaining_flexibility``.
    """
    from energy_model.optimization.resolve import Resolver, prefer_warm

    if resolver is None:
        n = build()
        caps = n.generators[["e_sum_min", "e_sum_max"]].copy()
        suspend_contracts(n)
        r = Resolver(n)
        contracts = not n.generators[["e_sum_min", "e_sum_max"]].equals(caps)
    else:
        r = resolver
        r.reset(restart=True)
        contracts = bool((r.n.generators.carrier == "contract").any())
    warm = prefer_warm(r.n) if warm is None else warm
    if not contracts:
        base = r.n  # no contract in force: the reference is the same case
    elif reference is not None:
        base = reference
    else:
        base = solver.solve(build())
    base_uns = unserved_by_country(base)
    demand = demand_by_country(base)
    out = {}
    for country in countries or list(demand.index[demand > 0]):
        if base_uns.get(country, 0.0) > 1e-6:
            out[country] = 0.0
            continue
        load = f"{country} gas demand"
        original = r.n.loads_t.p_set[load].copy()
        r.n.loads_t.p_set[load] = 2.0 * original
        refresh_unserved(r.n)
        r.solve(warm=warm, assign="generators")  # unserved gas is all a step needs
        extra = unserved_by_country(r.n).sum() - base_uns.sum()
        r.n.loads_t.p_set[load] = original
        refresh_unserved(r.n)
        out[country] = float(min(1.0, max(0.0, 1.0 - extra / demand[country])))
    return pd.Series(out, name="remaining_flexibility")


def supply_source_dependence(build, sources: list[str], resolver=None) -> pd.DataFrame:
    """Return ENTSOG's supply-source dependence: disrupted over total demand per country [-].

    For each source S: all supply of origin S is switched off (contracts suspended), the year is
    re-solved with the cost of disrupted gas as in the data, and SSD_{Z,S} = DD_Z / D_Z.

    Two choices differ from ENTSOG's definition (TYNDP 2017 Annex F §4.2.3-4.2.4), which models
    the year "as the succession of an Average Summer and an Average Winter" and sets the cost
    of disruption "flat and at the same level for each Zone". Here the year is the model's 365
    daily snapshots, so the winter days' transmission and withdrawal limits also bind (ENTSOG
    leaves those to its high-demand cases; the values are not directly comparable with TYNDP
    figures), and each region's shortfall costs its own cost of disrupted gas
    (``cost_of_disrupted_gas.csv``), so the LP decides whose demand is disrupted as in every
    other case of the model.

    One model is built (``build`` is called once) and each source's loss is a re-solve of it in
    place, from the basis of the year with every source
    (:class:`energy_model.optimization.resolve.Resolver`).

    Parameters
    ----------
    build : callable
        Returns a fresh, unsolved network of the case.
    sources : list of str
        Supply origins to switch off one at a time (see
        :func:`energy_model.analysis.indicators.supply_sources`).
    resolver : Resolver, optional
        A :class:`~energy_model.optimization.resolve.Resolver` of ``build()`` with its contracts
        suspended, shared with another sweep (``build`` is then not called); every source
        re-solves from the Resolver's first basis (``reset(restart=True)``).

    Returns
    -------
    pandas.DataFrame
        Country x source [fraction].
    """
    from energy_model.optimization.resolve import Resolver

    if resolver is None:
        n = build()
        suspend_contracts(n)
        r = Resolver(n)
    else:
        r = resolver
    demand = demand_by_country(r.n)
    cols = {}
    for source in sources:
        # each loss from the undisturbed year's basis: about 30 % fewer simplex iterations than
        # from the previous source's (which must first be put back), the same answers (measured
        # on the 2030 sweep: 4.8 s against 6.7 s, identical table)
        r.reset(restart=True)
        g = r.n.generators
        g.loc[(g.carrier == "gas supply") & (g.origin == source), "p_nom"] = 0.0
        r.solve(warm=True, assign="generators")  # unserved gas is all SSD needs
        cols[source] = curtailment_rate(unserved_by_country(r.n), demand)
    return pd.DataFrame(cols).fillna(0.0)


def tabulate_year_indicators(year: int, data: Inputs,
                             on_build: Callable[[], None] | None = None) -> pd.DataFrame:
    """Return the security-of-supply indicators of one undisturbed year as a long table.

    Columns ``option, stress, country, indicator, value, unit``: the indicators of
    :func:`energy_model.analysis.indicators.compute_indicators` on the solved year, the
    supply-source dependence on each source of
    :func:`energy_model.analysis.indicators.supply_sources` (over the model's daily year; how
    that differs from ENTSOG's seasonal year: :func:`supply_source_dependence`), and ENTSOG's
    remaining flexibility per country on each design case
    (``remaining_flexibility_peak-day``, ``remaining_flexibility_two-week``: ENTSOG assesses
    it on the high-demand situations, and so does a study, :func:`energy_model.study.case.
    case_remaining_flexibility`).

    The year is built once and solved from scratch once, as it is (the indicators, and the
    storage levels the design cases start from, :func:`energy_model.scenarios.climates.
    reference_state`), on a :class:`~energy_model.optimization.resolve.Resolver`; its
    contracts are then suspended in place and re-solved from that basis
    (:meth:`~energy_model.optimization.resolve.Resolver.rebase`) for the supply-source sweep.
    Each design case is built once and its demand steps re-solved in place, on a second thread
    while the sweep runs (HiGHS releases the GIL; the answers do not depend on the order).

    Parameters
    ----------
    year : int
        Model year [year].
    data : Inputs
        Loaded inputs.
    on_build : callable, optional
        Called with no argument as each of the four stages ends (for a progress bar): the
        year, then in the order they end the supply-source sweep and remaining flexibility on
        the peak day and on two weeks (from two threads).

    References
    ----------
    ENTSOG, TYNDP 2015, §6.3: remaining flexibility on the peak day and the 2-week uniform
    risk case, https://user-30078157.cld.bz/ENTSOG-TYNDP-2015/147 (accessed 2026-12-07).
    """
    from energy_model.analysis.indicators import compute_indicators
    from energy_model.optimization.resolve import Resolver
    from energy_model.scenarios.climates import make_climate_case, reference_state
    from energy_model.vocabulary import DESIGN_CLIMATES

    def stage() -> None:
        if on_build is not None:
            on_build()

    def build_year():
        return build.build_network(year, inputs=data)

    shared = Resolver(build_year())
    table = compute_indicators(shared.n, data)
    starts = {climate: reference_state(shared.n, climate) for climate in DESIGN_CLIMATES}
    stage()

    def design_flexibility() -> list[pd.DataFrame]:
        out = []
        for climate, start in starts.items():

            def build_case(climate=climate, start=start):
                n = build_year()
                make_climate_case(n, climate, data, start)
                return n

            rf = remaining_flexibility(build_case)
            out.append(pd.DataFrame({"country": rf.index,
                                     "indicator": f"remaining_flexibility_{climate}",
                                     "value": rf.to_numpy(), "unit": "fraction"}))
            stage()
        return out

    # the design cases (mostly Python: builds and small LPs) on a second thread while the
    # supply-source sweep (mostly HiGHS, which releases the GIL) runs here; a daemon thread, so
    # an interrupted or failed sweep does not wait for it
    design: dict[str, object] = {}

    def run_design() -> None:
        try:
            design["value"] = design_flexibility()
        except BaseException as err:  # re-raised in the calling thread below
            design["error"] = err

    worker = threading.Thread(target=run_design, name="energy_model-rf", daemon=True)
    worker.start()
    suspend_contracts(shared.n)
    shared.solve(warm=True, assign="generators")
    shared.rebase()
    ssd = supply_source_dependence(build_year, supply_sources(data), resolver=shared)
    stage()
    worker.join()
    if "error" in design:
        raise design["error"]
    flexibility = design["value"]
    ssd = ssd.stack().reset_index()
    ssd.columns = ["country", "source", "value"]
    extra = [ssd.assign(indicator="supply_source_dependence_" + ssd.source, unit="fraction")
             .drop(columns="source"), *flexibility]
    table = pd.concat([table, *extra], ignore_index=True)
    table.insert(0, "stress", "none")
    table.insert(0, "option", "reference")
    return table


def solve_with_counterfactual(year: int, options: Sequence[str], data: Inputs,
                              power: bool = False, resolution: str = "daily",
                              on_solve: Callable[[], None] | None = None
                              ) -> tuple[pypsa.Network, pypsa.Network | None]:
    """Solve a case and, if it includes an option needing electricity, the same case without it.

    The counterfactual keeps the electricity layer on and drops only the options that need it
    (the cable and its wind), so that the difference is what they bring: gas saved in power
    plants, CO2, cable flows (see :func:`energy_model.analysis.tables.tabulate_power`). The
    builder and the solver are looked up through their modules at call time, so that a caller
    (or a test) that replaces them sees the replacement.

    Parameters
    ----------
    year : int
        Model year [year].
    options : sequence of str
        Option names of the case.
    data : Inputs
        Loaded inputs.
    power : bool
        Electricity layer on (implied by the options that need it).
    resolution : str
        Time resolution (see :data:`energy_model.vocabulary.RESOLUTIONS`).
    on_solve : callable, optional
        Called after each solve (a progress bar).

    Returns
    -------
    tuple
        The solved case and the solved counterfactual (``None`` without such options).
    """
    cable = power_options(data)
    power = power or bool(set(options) & cable)
    n = solver.solve(build.build_network(year, list(options), data, power=power,
                                         resolution=resolution))
    if on_solve is not None:
        on_solve()
    if not set(options) & cable:
        return n, None
    others = [o for o in options if o not in cable]
    without = solver.solve(build.build_network(year, others, data, power=True,
                                               resolution=resolution))
    if on_solve is not None:
        on_solve()
    return n, without


def make_window_case(n: pypsa.Network, reference: pypsa.Network, start: str,
                     days: int) -> None:
    """Cut ``n`` (an unsolved daily year) to ``days`` days from ``start`` (``YYYY-MM-DD``).

    Storage starts at the level ``reference`` (the solved undisturbed year) has on the day
    before ``start``; annual supply caps are pro-rated to the window; contracts are suspended.
    """
    window = pd.date_range(start, periods=days, freq="D")
    e = reference.stores_t.e
    before = e.index[e.index < window[0]]
    e0 = e.loc[before[-1]] if len(before) else e.iloc[-1]
    n.set_snapshots(window)
    supply = n.generators.index[n.generators.carrier == "gas supply"]
    n.generators.loc[supply, "e_sum_max"] *= days / 365.0
    suspend_contracts(n)
    stores = n.stores.index[n.stores.carrier == "gas storage"]
    n.stores.loc[stores, "e_cyclic"] = False
    n.stores.loc[stores, "e_initial"] = e0.reindex(stores).fillna(0.0).clip(lower=0).to_numpy()
    store_of_bus = dict(zip(n.stores.loc[stores, "bus"], stores, strict=True))
    wd = n.links[(n.links.carrier == "gas storage") & n.links.bus0.isin(list(store_of_bus))]
    n.meta = {**n.meta, "climate": f"window-{start}-{days}d",
              "withdrawal_curve": {k: store_of_bus[b] for k, b in wd.bus0.items()},
              "full_rate_fill": FULL_RATE_FILL}
    refresh_unserved(n)


def survival_time(build, reference: pypsa.Network, stress: str, data: Inputs,
                  start: str, days: int = 60) -> pd.Series:
    """Return each country's survival time [days] for ``stress`` starting on ``start``.

    Parameters
    ----------
    build : callable
        Returns the unsolved daily network of the year (average climate).
    reference : pypsa.Network
        The solved undisturbed reference year (storage levels).
    stress : str
        Stress case applied in the window (:func:`energy_model.scenarios.stresses.apply_stress`).
    data : Inputs
        Loaded inputs.
    start : str
        First day of the disruption (``YYYY-MM-DD``).
    days : int
        Length of the window [days].
    """
    n = build()
    make_window_case(n, reference, start, days)
    apply_stress(n, stress, data)
    uns = n.generators.index[n.generators.carrier == "unserved gas"]
    premium = 1.0 + EARLY_PREMIUM * (days - np.arange(days))
    cost = pd.DataFrame(np.outer(premium, n.generators.loc[uns, "marginal_cost"].to_numpy()),
                        index=n.snapshots, columns=uns)
    n.generators_t.marginal_cost = pd.concat(
        [n.generators_t.marginal_cost.drop(columns=uns, errors="ignore"), cost], axis=1)
    solver.solve(n)
    p = n.generators_t.p[uns]
    by_country = p.T.groupby(n.buses.country.reindex(n.generators.loc[uns, "bus"]).values).sum().T
    out = {}
    for country, series in by_country.items():
        hit = np.flatnonzero(series.to_numpy() > 1e-3)
        out[country] = float(hit[0]) if len(hit) else float(days)
    return pd.Series(out, name="survival_days")


def solve_reference_case(year: int, options: Sequence[str], data: Inputs, power: bool,
                         resolution: str = "daily",
                         solver_options: dict | None = None) -> pypsa.Network:
    """Return the solved undisturbed average year of an option set (the maps' network)."""
    n = build.build_network(year, list(options), data, power=power, resolution=resolution)
    return solver.solve(n, solver_options=solver_options)


def write_reference_network(study, data: Inputs, power: bool, stage: Path) -> Path | None:
    """Solve the study's reference option set without stress and write ``stage/network.nc``.

    The option set labelled ``reference`` (else the first) in the average climate; the report
    draws its maps from this file (:func:`energy_model.report.html.write_report`). Returns the
    path, or None (logged) when the case cannot be solved: the study's results stand without it.
    """
    label = "reference" if "reference" in study.options else next(iter(study.options), None)
    if label is None:
        return None
    try:
        n = solve_reference_case(study.year, study.options[label], data, power,
                                 study.resolution, study.solver)
    except Exception as err:  # the maps are an extra: the results stand without them
        logger.warning("reference network not written: %s: %s", type(err).__name__, err)
        return None
    path = Path(stage) / REFERENCE_NETWORK
    n.export_to_netcdf(path)
    return path


def write_backcast(study_dir: str | Path, inputs: str | Path | None = None,
                   year: int = 2024) -> Path | None:
    """Solve ``year`` and write the published-against-modelled table ``study_dir/calibration.csv``.

    Returns the path, or None (logged) when the year has no calibration rows or cannot be solved.
    """
    from energy_model.analysis.calibration import compare_exports
    from energy_model.data.loading import load_inputs
    from energy_model.outdir import output_dir

    try:
        data = load_inputs(inputs)
        table = compare_exports(solver.solve(build.build_network(year, [], data)), data)
    except Exception as err:
        logger.warning("back-cast skipped: %s: %s", type(err).__name__, err)
        return None
    if table.empty:
        logger.info("back-cast skipped: no calibration rows for %d", year)
        return None
    with output_dir(study_dir, add=True) as stage:
        table.to_csv(stage / "calibration.csv", index=False)
    return Path(study_dir) / "calibration.csv"
