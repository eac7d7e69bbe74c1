"""Survival time (JRC GEMFLOW): days until each country's first curtailment after a disruption.

Rodríguez-Gómez, Zaccarelli and Bolado-Lavín (EC JRC), "European ability to cope with a gas
crisis", Energy Policy 97 (2016) 461-474, report the *survival time* and the gas not served per
country for disruptions of different lengths. Our operational definition (the paper's exact
formula was not found): a disruption starts on ``start`` with storage at the level the
undisturbed average year has on that date (reference solve,
:func:`energy_model.scenarios.climates.prepare_reference`), demand stays at the average year's,
and the survival time of a country is the number of whole days before its first day with
unserved gas (``days`` when it is never curtailed in the window).

Rules of the window case: the network keeps the ``days`` daily snapshots from ``start``; annual
supply caps are pro-rated to the window (``e_sum_max × days / 365``); contracts are suspended;
storage starts at the reference level, not cyclic, with the fill-level withdrawal curve of the
short climatic cases. Curtailment is least-cost with a small premium on early curtailment
(:data:`EARLY_PREMIUM`), so gas is not withheld today for tomorrow when today could be served:
every country is served as long as the system can.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pypsa

from energy_model.data.loading import Inputs
from energy_model.optimization.solver import solve
from energy_model.scenarios.climates import FULL_RATE_FILL
from energy_model.scenarios.curtailment import refresh_unserved, suspend_contracts
from energy_model.scenarios.stresses import apply_stress

EARLY_PREMIUM: float = 1e-4
"""Relative premium on unserved gas per day earlier in the window [1/day] (a tie-break)."""


def make_window_case(n: pypsa.Network, reference: pypsa.Network, start: str,
                     days: int) -> None:
    """Cut ``n`` (an unsolved daily year) to ``days`` days from ``start`` (``YYYY-MM-DD``)."""
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
    solve(n)
    p = n.generators_t.p[uns]
    by_country = p.T.groupby(n.buses.country.reindex(n.generators.loc[uns, "bus"]).values).sum().T
    out = {}
    for country, series in by_country.items():
        hit = np.flatnonzero(series.to_numpy() > 1e-3)
        out[country] = float(hit[0]) if len(hit) else float(days)
    return pd.Series(out, name="survival_days")
