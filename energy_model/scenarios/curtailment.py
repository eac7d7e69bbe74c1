"""Curtailment rules of stressed cases: contracts suspended; cooperative, uncooperative and
isolated sharing.

* **Contracts suspended** in every stressed case (no minimum, no maximum: force majeure and
  emergency trading, as in ENTSOG's contract-free security-of-supply simulations).
* **Cooperative** (the study default): "if possible, all the Zones will share the same disrupted
  rate". Each region's unserved volume over the window is split into 100 bands of 1 % of its
  window demand, band k costing k × 10 EUR/MWh more: a convex penalty on the curtailment *rate*,
  so rates equalise to within one band wherever the network allows, and transport costs cannot
  tilt the result.
* **Uncooperative** (``isolated: true`` in a study): "Member States export gas only if own demand
  completely satisfied". In the short climatic cases a MILP with one binary per country and day:
  a country that curtails anything exports nothing from its grid bus, dedicated corridor transit
  keeps flowing. In the average year (a 365-day MILP is too slow) every cross-border flow is
  capped at its undisturbed value instead, kept only for studies without design cases.

References
----------
ENTSOG, TYNDP 2017 Annex F (methodology), §4.2: cooperative sharing of the disrupted rate
(``sources.csv`` D-entsog-annexf-2017-ind).
ENTSOG, Annual Report 2014, p. 31: the stress test's cooperative and non-cooperative behaviour
(``sources.csv`` D-entsog-ar-2014).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pypsa

from energy_model.network.topology import cross_border_links

logger = logging.getLogger(__name__)


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
    if uns.empty:
        return
    bus = n.generators.loc[uns, "bus"]
    slices = bus.map(bus.value_counts()).to_numpy(dtype=float)
    p = n.loads_t.p_set[(bus + " gas demand").to_list()].to_numpy(dtype=float)
    peak = p.max(axis=0)
    n.generators.loc[uns, "p_nom"] = np.maximum(peak, 1e-6) / slices
    with np.errstate(invalid="ignore", divide="ignore"):
        pu = np.where(peak > 0, p / np.where(peak > 0, peak, 1.0), 0.0)
    n.generators_t.p_max_pu[list(uns)] = pd.DataFrame(pu, index=n.snapshots, columns=uns)


def apply_cooperative_curtailment(n: pypsa.Network, tranches: int | None = None,
                                  step: float | None = None) -> None:
    """Ask for ENTSOG's cooperative curtailment: equal curtailment rates where possible.

    Sets ``n.meta["cooperative"]``; the solve adds a convex piecewise-linear penalty on each
    region's curtailment rate over the window (``tranches`` bands of 1/``tranches`` of its
    window demand, band k costing ``k x step`` EUR/MWh more), so rates equalise to within one
    band wherever the network allows, independent of transport costs
    (:mod:`energy_model.scenarios.constraints`; ENTSOG TYNDP 2017 Annex F §4.2).
    """
    from energy_model.scenarios.constraints import COOPERATIVE_BANDS, COOPERATIVE_STEP

    n.meta = {**n.meta, "cooperative": {"bands": int(tranches or COOPERATIVE_BANDS),
                                        "step": float(step if step is not None
                                                      else COOPERATIVE_STEP)}}


def apply_uncooperative_curtailment(n: pypsa.Network) -> None:
    """Ask for ENTSOG's uncooperative behaviour: a country exports only when it curtails nothing.

    Sets ``n.meta["uncooperative"]``; the solve adds one binary per country and snapshot
    (:mod:`energy_model.scenarios.constraints`; ENTSOG Annual Report 2014 stress test:
    "Member States export gas only if own demand completely satisfied").
    """
    n.meta = {**n.meta, "uncooperative": True}


ISOLATION_TIE_BREAK: float = 0.01
"""Cost on cross-border flows in the isolated variant [EUR/MWh]: own demand before exports."""


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
