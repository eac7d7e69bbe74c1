"""Uncertainty for the investment study: candidates, scenario windows and the stochastic network.

The investment study (:mod:`energy_model.study.invest`) asks one two-stage question: which
capacities to build before knowing which event and which design window the year brings. This
module turns the data into that problem, with PyPSA's own stochastic networks
(``n.set_scenarios``):

* **Candidates** (:func:`add_candidates`): each gas option of ``inputs/options.csv`` is applied
  to the network as its catalogue says (:func:`energy_model.network.options.apply_options`) and
  every Link it adds or enlarges becomes extendable between its old and its new capacity. One
  option is one decision: its Links are tied to a common built fraction by linking constraints
  (:func:`energy_model.optimization.stochastic.link_candidates`), and the option's annualised
  capex plus fixed O&M (:func:`energy_model.network.options.annual_option_cost`) sits on its
  largest Link as ``capital_cost``, so the built fraction costs that fraction of the option.
  Stores an option adds (new storage) keep their full working gas and start at the mean fill of
  the existing stores, and their withdrawal pays the median supply price (the gas was bought
  before the window; without it the new store would bring free gas); their injection and
  withdrawal Links are the decision.
* **Scenarios** (:func:`read_invest_scenarios`, ``inputs/invest_scenarios.csv``): mutually
  exclusive annual events (single and combined disruptions and futures of the stress catalogue,
  each a list of stresses), each with a probability; crossed with the ENTSOG design windows
  (1-in-20 peak day, 1-in-20 two weeks, :mod:`energy_model.scenarios.climates`).
* **Windows** (:func:`window_network`): every scenario is a daily network of the same 14 days;
  the peak-day case has its design demand on day 1 and no demand, supply floor or flow on days
  2–14 (they cost nothing), so the two design windows share one snapshot set.
* **Stacking** (:func:`stack_scenarios`): capacities that a stress changes (a cut supply, an
  outage) become availabilities (``p_max_pu``), because PyPSA keeps ``p_nom`` of extendable
  components in the first stage; everything else that differs (demand, prices, storage start)
  is written per scenario into the stochastic network.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pypsa

from energy_model.data.loading import Inputs
from energy_model.network.options import annual_option_cost, apply_options, options_need_power
from energy_model.scenarios.climates import CASE_DAYS, make_climate_case
from energy_model.scenarios.curtailment import refresh_unserved
from energy_model.scenarios.stresses import apply_stress

logger = logging.getLogger(__name__)

SCENARIO_FILE = "invest_scenarios.csv"
"""The scenario table in the inputs directory."""

WINDOW_DAYS: int = max(CASE_DAYS["peak-day"], CASE_DAYS["two-week"])
"""Days of every scenario window [d]: the two-week case; the peak day is padded."""

_DYNAMIC = {"Generator": ("p_max_pu", "p_min_pu"), "Link": ("p_max_pu", "p_min_pu"),
            "Load": ("p_set",), "Store": ("e_max_pu", "e_min_pu")}


def read_invest_scenarios(directory: str | Path) -> pd.DataFrame:
    """Return the events of ``invest_scenarios.csv``: ``probability`` [-] and ``stresses`` (list).

    Raises ``ValueError`` when the probabilities are outside [0, 1] or do not sum to 1.
    """
    t = pd.read_csv(Path(directory) / SCENARIO_FILE, dtype={"scenario": str})
    t["stresses"] = t.stresses.fillna("none").map(lambda s: [x for x in s.split(";") if x])
    p = t.probability.astype(float)
    if (p < 0).any() or (p > 1).any() or abs(p.sum() - 1.0) > 1e-9:
        raise ValueError(f"{SCENARIO_FILE}: probabilities must lie in [0, 1] and sum to 1 "
                         f"(sum {p.sum():.6f})")
    return t.set_index("scenario")[["stresses", "probability", "note"]]


def add_candidates(n: pypsa.Network, options: Sequence[str], data: Inputs) -> pd.DataFrame:
    """Apply ``options`` to ``n`` as extendable candidates; return their Links.

    Returns
    -------
    pandas.DataFrame
        One row per candidate Link: ``candidate``, ``link``, ``base_mw`` (capacity without the
        option) [MW], ``increment_mw`` (capacity the full option adds) [MW], ``master`` (the
        Link that carries the cost) and ``annual_cost_eur`` (the option's annualised capex +
        fixed O&M at full size, on every row of the option) [EUR/yr].
    """
    if options_need_power(options, data):
        raise ValueError("invest: options needing the electricity layer are not candidates "
                         f"(got {sorted(options)}); the design windows fix gas plants to their "
                         "average-year dispatch, so a cable or plant could not change gas use")
    rows = []
    for option in options:
        before = _capacities(n)
        stores_before = set(n.stores.index)
        apply_options(n, [option], data)
        after = _capacities(n)
        grown = after[after > before.reindex(after.index).fillna(0.0) + 1e-6]
        if grown.empty:
            logger.warning("candidate %s adds no link capacity; skipped", option)
            continue
        base = before.reindex(grown.index).fillna(0.0)
        inc = grown - base
        master = str(inc.idxmax())
        cost = annual_option_cost(data, option)
        n.links.loc[grown.index, "p_nom"] = base
        n.links.loc[grown.index, "p_nom_min"] = base
        n.links.loc[grown.index, "p_nom_max"] = grown
        n.links.loc[grown.index, "p_nom_extendable"] = True
        n.links.loc[grown.index, "capital_cost"] = 0.0
        n.links.loc[master, "capital_cost"] = cost / inc[master]
        _fill_new_stores(n, sorted(set(n.stores.index) - stores_before))
        rows += [{"candidate": option, "link": k, "base_mw": float(base[k]),
                  "increment_mw": float(inc[k]), "master": k == master,
                  "annual_cost_eur": cost} for k in grown.index]
    return pd.DataFrame(rows, columns=["candidate", "link", "base_mw", "increment_mw", "master",
                                       "annual_cost_eur"])


def _capacities(n: pypsa.Network) -> pd.Series:
    """Return each Link's capacity: ``p_nom_max`` if extendable, else ``p_nom`` [MW]."""
    ext = n.links.p_nom_extendable.astype(bool)
    return n.links.p_nom.where(~ext, n.links.p_nom_max).astype(float)


def _fill_new_stores(n: pypsa.Network, stores: list[str]) -> None:
    """Start new gas stores at the mean fill of the existing ones (set again per window)."""
    if stores:
        n.stores.loc[stores, "e_initial"] = np.nan  # marks them for :func:`window_network`


def window_network(base: pypsa.Network, climate: str, stresses: Sequence[str], data: Inputs,
                   reference: dict | None) -> pypsa.Network:
    """Return the unsolved ``climate`` window of ``base`` under ``stresses`` (14 daily days).

    ``base`` is the daily average-year network with its candidates; ``reference`` the
    :func:`energy_model.scenarios.climates.reference_state` of the undisturbed year. The
    peak-day case is padded to :data:`WINDOW_DAYS`: demand, supply floors and flows are zero
    on its days 2–14.
    """
    n = base.copy()
    new = n.stores.index[n.stores.e_initial.isna()]
    make_climate_case(n, "two-week" if climate == "peak-day" else climate, data, reference)
    if climate == "peak-day":
        _make_peak_day(n, data)
    if len(new):
        old = n.stores.index.difference(new)
        fill = float((n.stores.e_initial[old].sum() / n.stores.e_nom[old].sum())
                     if n.stores.e_nom[old].sum() > 0 else 0.5)
        n.stores.loc[new, "e_initial"] = n.stores.e_nom[new] * fill
        # the gas a new store starts with was bought before the window: its withdrawal pays the
        # median supply price, so the store adds deliverability, not free gas
        g = n.generators
        price = float(g.marginal_cost[g.carrier == "gas supply"].median())
        buses = set(n.stores.bus[new])
        wd = n.links.index[(n.links.carrier == "gas storage") & n.links.bus0.isin(buses)]
        n.links.loc[wd, "marginal_cost"] = n.links.marginal_cost[wd] + price
    for stress in stresses:
        apply_stress(n, stress, data)
    n.meta = {**n.meta, "climate": climate, "stresses": list(stresses)}
    return n


def _make_peak_day(n: pypsa.Network, data: Inputs) -> None:
    from energy_model.scenarios.climates import design_demand_mw

    rate = design_demand_mw(data, int(n.meta["year"]), "peak-day")
    loads = n.loads.index[n.loads.carrier == "gas demand"]
    p = n.loads_t.p_set.reindex(columns=loads).copy()
    for load in loads:
        region = n.loads.at[load, "bus"]
        if region in rate.index:
            p[load] = float(rate[region])
    p.iloc[1:] = 0.0
    n.loads_t.p_set = pd.concat([n.loads_t.p_set.drop(columns=loads), p], axis=1)
    idle = n.snapshots[1:]
    for c in ("Generator", "Link"):
        static = n.c[c].static
        dyn = n.c[c].dynamic
        pu = n.get_switchable_as_dense(c, "p_max_pu")
        pu.loc[idle] = 0.0
        dyn["p_max_pu"] = pu
        lo = n.get_switchable_as_dense(c, "p_min_pu")
        lo.loc[idle] = 0.0
        dyn["p_min_pu"] = lo
        static["p_min_pu"] = static["p_min_pu"].clip(upper=0.0)
    refresh_unserved(n)
    n.generators_t.p_max_pu.loc[idle] = 0.0


def stack_scenarios(nets: Mapping[str, pypsa.Network], weights: Mapping[str, float],
                    objective_scale: float = 1.0) -> pypsa.Network:
    """Return one stochastic network of the deterministic networks ``nets`` (same components).

    Parameters
    ----------
    nets : mapping
        Scenario name -> unsolved network; all share snapshots and component names.
    weights : mapping
        Scenario name -> probability [-] (sums to 1).
    objective_scale : float
        Factor on the snapshots' objective weighting [-] (the design windows' recurrence,
        :mod:`energy_model.study.invest`); energy weightings are unchanged.

    Notes
    -----
    A non-extendable capacity that differs between scenarios is set to its largest value and
    the difference moved into ``p_max_pu`` (and ``p_min_pu``); an extendable Link's ``p_nom``
    that a stress scales becomes the same factor on ``p_max_pu``. References: PyPSA 1.4
    stochastic networks (``n.set_scenarios``; static index ``(scenario, name)``).
    """
    names = list(nets)
    nets = {s: nets[s].copy() for s in names}
    align_capacities(nets)
    n = nets[names[0]].copy()
    n.snapshot_weightings["objective"] = n.snapshot_weightings.objective * objective_scale
    n.set_scenarios({s: float(weights[s]) for s in names})
    for c, attrs in _DYNAMIC.items():
        comp = n.c[c]
        for attr in attrs:
            frames = {s: nets[s].get_switchable_as_dense(c, attr) for s in names}
            comp.dynamic[attr] = pd.concat(frames, axis=1, names=["scenario", "name"])
    for c in ("Generator", "Link", "Store", "Load"):
        comp = n.c[c]
        if comp.static.empty:
            continue
        for attr in ("marginal_cost", "e_initial", "p_set", "p_min_pu", "p_max_pu"):
            if attr not in comp.static.columns:
                continue
            for s in names:
                vals = nets[s].c[c].static[attr]
                comp.static.loc[(s, list(vals.index)), attr] = vals.to_numpy()
    return n


def align_capacities(nets: dict[str, pypsa.Network]) -> None:
    """Give every scenario the same capacities; move differences into ``p_max_pu``.

    The reference is the largest value over the scenarios (``p_nom`` of fixed components,
    ``p_nom_max`` of extendable ones, whose bounds are first-stage and must agree).
    """
    for c in ("Generator", "Link"):
        first = next(iter(nets.values())).c[c].static
        ext = first.p_nom_extendable.astype(bool)
        bounds = ["p_nom", "p_nom_min", "p_nom_max"]
        ref = {b: pd.DataFrame({s: m.c[c].static[b] for s, m in nets.items()}).max(axis=1)
               for b in bounds}
        for m in nets.values():
            st = m.c[c].static
            key = st.p_nom_max.where(ext, st.p_nom)
            ref_key = ref["p_nom_max"].where(ext, ref["p_nom"])
            ratio = (key / ref_key.replace(0.0, np.nan)).fillna(1.0)
            hit = ratio.index[(ratio - 1.0).abs() > 1e-12]
            if len(hit):
                for pu in ("p_max_pu", "p_min_pu"):
                    dense = m.get_switchable_as_dense(c, pu, inds=hit)
                    m.c[c].dynamic[pu] = pd.concat(
                        [m.c[c].dynamic[pu].drop(columns=hit, errors="ignore"),
                         dense * ratio[hit]], axis=1)
            fixed = st.index[~ext]
            st.loc[fixed, "p_nom"] = ref["p_nom"][fixed]
            grow = st.index[ext]
            for b in bounds:
                st.loc[grow, b] = ref[b][grow]


def expected_value_network(nets: Mapping[str, pypsa.Network],
                           weights: Mapping[str, float],
                           objective_scale: float = 1.0) -> pypsa.Network:
    """Return the deterministic expected-value network: every scenario-dependent number averaged.

    Demand, availabilities, prices and storage starts are the probability-weighted means
    (PyPSA's stochastic documentation: the EV problem replaces the random parameters by their
    expectation).
    """
    names = list(nets)
    nets = {s: nets[s].copy() for s in names}
    align_capacities(nets)
    n = nets[names[0]].copy()
    n.snapshot_weightings["objective"] = n.snapshot_weightings.objective * objective_scale
    w = {s: float(weights[s]) for s in names}
    for c, attrs in _DYNAMIC.items():
        for attr in attrs:
            n.c[c].dynamic[attr] = sum(nets[s].get_switchable_as_dense(c, attr) * w[s]
                                       for s in names)
    for c in ("Generator", "Link", "Store", "Load"):
        for attr in ("marginal_cost", "e_initial"):
            if attr in n.c[c].static.columns:
                n.c[c].static[attr] = sum(nets[s].c[c].static[attr] * w[s] for s in names)
    return n
