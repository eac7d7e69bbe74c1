"""Curtailment rules of stressed cases: contracts suspended, cooperative and isolated sharing."""

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
    slices = n.generators.loc[uns, "bus"].value_counts()
    for g in uns:
        bus = n.generators.at[g, "bus"]
        p = n.loads_t.p_set[f"{bus} gas demand"]
        n.generators.loc[g, "p_nom"] = max(float(p.max()), 1e-6) / slices[bus]
        n.generators_t.p_max_pu[g] = p / p.max() if p.max() > 0 else 0.0


def apply_cooperative_curtailment(n: pypsa.Network, tranches: int = 10,
                                  step: float = 1e-3) -> None:
    """Spread curtailment so that curtailment rates equalise where infrastructure allows.

    ENTSOG's cooperative behaviour: each region's unserved-gas Generator is split into
    ``tranches`` equal slices of its demand, the k-th priced at the cost of disrupted gas times
    ``1 + step * k``. Every region's first slice is then cheaper than any region's second, so
    the optimiser curtails all regions slice by slice and their rates differ by at most one
    slice (1 / ``tranches`` of demand) unless the network prevents it.
    """
    uns = n.generators[n.generators.carrier == "unserved gas"]
    if uns.empty:
        return
    profiles = n.generators_t.p_max_pu[uns.index]
    n.remove("Generator", uns.index)
    for k in range(tranches):
        names = uns.index + f" {k + 1}/{tranches}"
        n.add("Generator", names, bus=uns.bus.values, carrier="unserved gas",
              p_nom=(uns.p_nom / tranches).values,
              marginal_cost=(uns.marginal_cost * (1 + step * k)).values,
              p_max_pu=profiles.set_axis(names, axis=1), origin="UNS")


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
