"""Stress cases applied to a built network.

The catalogue is data: ``inputs/stresses.csv`` and ``inputs/stress_actions.csv`` say what each
stress does. Actions: ``cut_supply``, ``outage``, ``scale_price``, ``scale_gas_demand``,
``peak_days``, ``scale_capacity_factor``, ``add_power_demand``; ``slid`` is one case per country
(``slid-XX``). A combined disruption names several stresses joined by ``+``
(``russia-cut+tanap-outage``): they are applied one after the other to the same network (an
N-2 contingency when each is a single failure). Stresses with ``screen`` true in
``stresses.csv`` are the elements of the N-2 screening (:mod:`energy_model.study.screen`).
Every stressed case suspends the contracts (no minimum, no maximum), so a case that
loses a route stays feasible, reroutes gas freely and reports unserved gas.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pypsa

from energy_model import units
from energy_model.data.loading import Inputs
from energy_model.errors import UsageError
from energy_model.network.topology import check_no_energy_creation, entry_links
from energy_model.scenarios.curtailment import refresh_unserved, suspend_contracts

logger = logging.getLogger(__name__)


def list_stresses(data: Inputs) -> list[str]:
    """Return the stress names of the catalogue (``slid`` expands to ``slid-XX`` per country)."""
    return sorted(data.stresses.stress)


COMBINE: str = "+"
"""Joins the stresses of a combined disruption (``russia-cut+tanap-outage``)."""


def split_stress(stress: str) -> list[str]:
    """Return the parts of a (combined) stress name: ``"a+b"`` -> ``["a", "b"]``."""
    return stress.split(COMBINE)


def stress_name_problem(stress: object, data: Inputs) -> str | None:
    """Return why ``stress`` is not a valid study stress (``None`` when it is).

    Valid: ``none``, ``slid`` (expanded by the study), a catalogue name, ``slid-XX`` of a
    country with gas demand, or two or more of the latter joined by ``+`` (each at most once;
    ``none`` and bare ``slid`` cannot be combined).
    """
    from energy_model.data.names import unknown_name

    known = set(data.stresses.stress)
    if not isinstance(stress, str) or not stress:
        return f"{stress!r} is not a stress name (give text)"
    if stress in ("none", "slid"):
        return None
    parts = split_stress(stress)
    if len(parts) > 1:
        if len(set(parts)) < len(parts):
            return f"{stress!r} names the same stress twice"
        bad = [p for p in parts if p in ("none", "slid")]
        if bad:
            return (f"{stress!r}: {bad[0]!r} cannot be part of a combined disruption (use "
                    "'slid-XX' for one country's largest entry)")
    for part in parts:
        if part.startswith("slid-"):
            if part.removeprefix("slid-") not in set(data.demand_regions()):
                return f"{stress!r}: {part!r} names no country with gas demand"
        elif part not in known:
            return unknown_name("stress", part, known | {"none", "slid"}) + (
                f" (in {stress!r})" if len(parts) > 1 else "")
    return None


def screen_elements(data: Inputs) -> list[str]:
    """Return the single failures of the N-2 screening: stresses with ``screen`` true."""
    st = data.stresses
    if "screen" not in st.columns:
        return []
    flag = st.screen.astype(str).str.strip().str.lower().isin(("true", "1", "yes"))
    return list(st.stress[flag])


def apply_stress(n: pypsa.Network, stress: str, data: Inputs) -> None:
    """Apply a stress (``none``, a catalogue name, ``slid-XX``, or such names joined by ``+``)
    to ``n``. The parts of a combination are applied one after the other; the unserved-gas
    limits are refreshed once at the end."""
    if stress == "none":
        return
    suspend_contracts(n)
    refresh = False
    for part in split_stress(stress):
        refresh |= _apply_part(n, part, data)
    if refresh:
        refresh_unserved(n)
        check_no_energy_creation(n)


def _apply_part(n: pypsa.Network, stress: str, data: Inputs) -> bool:
    """Apply one stress of the catalogue (or ``slid-XX``); return whether unserved-gas limits
    need a refresh."""
    if stress.startswith("slid-"):
        apply_slid(n, stress.removeprefix("slid-"))
        return False
    if stress == "slid":
        raise ValueError("stress 'slid' is one case per country: use 'slid-XX' (a study "
                         "expands 'slid' itself)")
    if stress not in set(data.stresses.stress):
        raise KeyError(f"unknown stress {stress!r}; known: {list_stresses(data)}")
    for _, a in data.stress_actions[data.stress_actions.stress == stress].iterrows():
        _apply_stress_action(n, stress, a, data)
    return True


def _value(a: pd.Series) -> float:
    """Return an action's value in the internal unit of its dimension (``%`` -> fraction)."""
    v = float(a.value)
    return v * units.get_unit(a.unit).factor if isinstance(a.unit, str) and a.unit and \
        units.get_unit(a.unit).dimension == "fraction" else v


def _apply_stress_action(n: pypsa.Network, stress: str, a: pd.Series, data: Inputs) -> None:
    g, links = n.generators, n.links
    if a.action == "cut_supply":
        cut = g.index[(g.carrier == "gas supply") & (g.origin == a.target)]
        g.loc[cut, "p_nom"] = 0.0
    elif a.action == "outage":
        hit = links.index[(links.get("pipeline") == a.target) | (links.get("asset") == a.target)
                          | (links.index == a.target)  # storage: its two links, as validated
                          | links.index.isin([f"{a.target} injection", f"{a.target} withdrawal"])]
        if hit.empty:
            logger.warning("stress %s: no link %r in this network", stress, a.target)
        keep = 1.0 - _value(a)
        # a storage site's withdrawal: its availability, so that its fill-level curve (whose
        # coefficient is the capacity) stays the same LP and a kept model re-solves in place
        store = hit[links.loc[hit, "carrier"] == "gas storage"]
        links.loc[store, "p_max_pu"] *= keep
        hit = hit.difference(store)
        links.loc[hit, "p_nom"] *= keep
        p_max = links.loc[hit, "p_nom_max"].to_numpy()
        finite = np.where(np.isinf(p_max), 0.0, p_max) * keep
        links.loc[hit, "p_nom_max"] = np.where(np.isinf(p_max), np.inf if keep > 0 else 0.0,
                                               finite)
    elif a.action == "scale_price":
        idx = g.index[(g.carrier == "gas supply") & (g.origin == a.target)]
        g.loc[idx, "marginal_cost"] *= _value(a)
    elif a.action == "scale_gas_demand":
        loads = _gas_loads(n, a.target)
        winter = n.snapshots.month.isin([12, 1, 2])
        n.loads_t.p_set.loc[winter, loads] *= _value(a)
    elif a.action == "peak_days":
        _apply_peak_days(n, data, int(float(a.value)), a.target)
    elif a.action == "scale_capacity_factor":
        idx = g.index[g.carrier == a.target]
        cols = n.generators_t.p_max_pu.columns.intersection(idx)
        n.generators_t.p_max_pu[cols] = (n.generators_t.p_max_pu[cols] * _value(a)).clip(0, 1)
    elif a.action == "add_power_demand":
        if not n.meta.get("power"):
            raise UsageError(f"stress {stress!r} needs the electricity layer (power=True)")
        load = f"{a.target} electricity demand"
        n.loads_t.p_set[load] += units.to_mw(a.value, a.unit)
        g.loc[f"{a.target} unserved electricity", "p_nom"] = n.loads_t.p_set[load].max()
    else:
        raise UsageError(f"stress {stress!r}: unknown action {a.action!r}")


def _gas_loads(n: pypsa.Network, target: str) -> pd.Index:
    loads = n.loads.index[n.loads.carrier == "gas demand"]
    return loads if target == "all" else loads[n.loads.loc[loads, "bus"] == target]


def _apply_peak_days(n: pypsa.Network, data: Inputs, days: int, target: str) -> None:
    """Raise gas demand to each region's peak-day rate over ``days`` consecutive days.

    The window is the one with the highest total gas demand. With the electricity layer on, the
    peak-day rate is reduced by the region's mean gas-for-power rate, which the power plants
    burn explicitly. With representative weeks (days), the January week (day) stands for the
    spell.
    """
    loads = _gas_loads(n, target)
    total = n.loads_t.p_set[loads].sum(axis=1).to_numpy()
    w = n.snapshot_weightings.objective.to_numpy()
    if n.meta["resolution"] in ("weeks", "hourly-days"):
        sel = n.snapshots[n.snapshots.month == 1]
    else:
        window = min(round(days * 24 / w[0]), len(total))
        sums = np.convolve(total, np.ones(window), mode="valid")
        start = int(np.argmax(sums))
        sel = n.snapshots[start:start + window]
    year = int(n.meta["year"])
    peak = data.gas_demand[(data.gas_demand.metric == "peak_day") & (data.gas_demand.year == year)]
    peak = peak.set_index("region").value_internal
    if n.meta.get("power"):
        gfp = data.gas_for_power[data.gas_for_power.year == year].set_index("region").value_mwh
        peak = peak.sub(gfp.reindex(peak.index).fillna(0.0) / units.HOURS_PER_YEAR)
    for load in loads:
        region = n.loads.at[load, "bus"]
        if region in peak.index:
            n.loads_t.p_set.loc[sel, load] = np.maximum(n.loads_t.p_set.loc[sel, load],
                                                        peak[region])


def apply_slid(n: pypsa.Network, country: str) -> None:
    """Remove the single largest entry infrastructure of ``country`` (ENTSOG SLID).

    Entries are those of :func:`energy_model.network.topology.entry_links` (pipelines from other
    countries, offtakes from the corridor's transit buses, LNG terminals; storage and production
    excluded, as in ENTSOG's definition). Pipelines of one ``asset`` count as one infrastructure
    (all TANAP offtakes together); the largest by capacity is switched off.
    """
    entry = largest_entry(n, country)
    if entry is None:
        logger.warning("SLID %s: no entry infrastructure", country)
        return
    links = n.links.index[(n.links.bus1 == country)
                          & ((n.links.get("asset") == entry) | (n.links.index == entry))]
    n.links.loc[links, ["p_nom", "p_nom_max"]] = 0.0
    n.meta = {**n.meta, "slid_removed": entry}


def largest_entry(n: pypsa.Network, country: str) -> str | None:
    """Return the largest entry of ``country``: a pipeline ``asset`` or an LNG terminal."""

    entries = entry_links(n, country)
    if entries.empty:
        return None
    pipes = entries[entries.carrier == "gas pipeline"]
    lng = entries[entries.carrier == "LNG terminal"]
    groups = pd.concat([pipes.groupby("asset").p_nom.sum(), lng.p_nom])
    return str(groups.idxmax())
