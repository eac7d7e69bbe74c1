"""Compare a solved year with published statistics: the back-cast (``inputs/calibration.csv``).

Each row of the table names a published figure (e.g. TurkStream deliveries to Europe in 2024),
what the model measures for it (``measure``: ``flow`` sums the annual flow of the ``points``,
pipelines or LNG terminals; ``origin`` is the gas of ``origin`` traced to the consumers of
``region``), and the band within which the model counts as matching: ``tolerance`` relative to
the figure, or ``tolerance_abs`` in the row's unit, whichever is wider. Rows with status
``unmatched`` are figures the model structurally cannot reproduce (the reason is in ``reason``);
they are shown, not tested. The model is never pinned to these figures: they are only compared.

Each row also says whether the item is ``emergent`` (nothing in the inputs equals or bounds it
at the target: a match is evidence that the model reproduces the year) or ``pinned`` (an input
row, e.g. a 2024 contract maximum or a zero capacity, holds it at the target; ``pinned_by``
names it): a pinned item in its band shows only that the model honours its inputs.
:func:`summarise_backcast` counts both and gives the pass rate of emergent items alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pypsa

from energy_model import units
from energy_model.analysis.tables import contract_deliveries, link_energy
from energy_model.analysis.trace import trace_deliveries
from energy_model.data.loading import Inputs, load_inputs
from energy_model.network.contracts import META_KEY
from energy_model.units import mwh_to_bcm

MAX_UNMATCHED = 3
"""Largest number of back-cast items that may be declared structurally unmatched."""

BINDING = 0.995
"""Share of a bound above which a limit counts as binding in :func:`explain_items`."""


def _points(cell: object) -> list[str]:
    return [p.strip() for p in str(cell).split(";") if p.strip()] if pd.notna(cell) else []


def measure_item(n: pypsa.Network, row: pd.Series, energy: pd.Series,
                 traced: pd.DataFrame | None) -> float:
    """Return the model's value of one calibration row [MWh/yr] (NaN if it has no points).

    A ``flow`` point that is not in the network of the year (not in service, or no capacity in
    that direction) counts as zero flow.
    """
    if row.measure == "origin":
        t = traced if traced is not None else trace_deliveries(n)
        hit = t[(t.country == row.region) & (t.origin == row.origin)]
        return units.to_mwh(float(hit.bcm.sum()), "bcm")
    points = _points(row.points)
    if not points:
        return float("nan")
    # a point not in service in the year (or with no capacity) carries nothing; names are
    # checked against pipelines.csv and lng_terminals.csv when the inputs are validated
    return float(energy.reindex(points, fill_value=0.0).sum())


def compare_exports(n: pypsa.Network, data: Inputs | str | None = None) -> pd.DataFrame:
    """Return the back-cast: model against published volumes for the network's year [bcm/yr].

    Columns: ``item, published_bcm, model_bcm, deviation, tolerance, band_bcm,
    within_tolerance, status, basis, measures, reason, source_id``. ``deviation`` is relative to the
    published figure (NaN for a published zero); ``band_bcm`` is the allowed absolute
    difference; ``within_tolerance`` is False for ``unmatched`` rows.
    """
    data = data if isinstance(data, Inputs) else load_inputs(data)
    year = int(n.meta["year"])
    table = data.calibration[data.calibration.year == year]
    energy = link_energy(n)
    traced = trace_deliveries(n) if (table.measure == "origin").any() else None
    rows = []
    for _, r in table.iterrows():
        model = mwh_to_bcm(measure_item(n, r, energy, traced))
        published = mwh_to_bcm(r.value_mwh)
        tol_abs = (mwh_to_bcm(units.to_mwh(r.tolerance_abs, r.unit))
                   if pd.notna(r.tolerance_abs) else 0.0)
        band = max(r.tolerance * abs(published), tol_abs)
        dev = (model - published) / published if published else float("nan")
        compared = r.status == "compared"
        rows.append({"item": r["item"], "published_bcm": published, "model_bcm": model,
                     "deviation": dev, "tolerance": r.tolerance, "band_bcm": band,
                     "within_tolerance": bool(compared and abs(model - published) <= band + 1e-9),
                     "status": r.status, "basis": r.get("basis", "emergent"),
                     "measures": r.measures, "reason": r.reason,
                     "source_id": r.source_id})
    return pd.DataFrame(rows).round(4)


def summarise_backcast(table: pd.DataFrame) -> dict[str, float]:
    """Return counts of a :func:`compare_exports` table: emergent and pinned items, and the
    share of compared emergent items within their band [fraction]."""
    compared = table[table.status == "compared"]
    emergent = compared[compared.basis == "emergent"]
    return {"emergent": len(emergent),
            "pinned": int((compared.basis == "pinned").sum()),
            "unmatched": int((table.status == "unmatched").sum()),
            "emergent_within": int(emergent.within_tolerance.sum()),
            "emergent_pass_rate": float(emergent.within_tolerance.mean()) if len(emergent)
            else float("nan")}


def explain_items(n: pypsa.Network, data: Inputs | str | None = None) -> pd.DataFrame:
    """Return, per back-cast item, the limits that bind on its points in the solved network.

    A pipeline or terminal counts as full when its annual flow is at least :data:`BINDING` of
    its capacity over the year; a contract meter when its metered volume is at its maximum or
    minimum; an external supply (a bus of kind ``supply``) when its annual output is at its
    cap. Where none binds the flow is set by prices (the merit order of supplies and transport
    costs). Columns: ``item, driver``.
    """
    data = data if isinstance(data, Inputs) else load_inputs(data)
    year = int(n.meta["year"])
    table = data.calibration[data.calibration.year == year]
    energy = link_energy(n)
    hours = float(n.snapshot_weightings.generators.sum())
    full = energy >= BINDING * n.links.p_nom_opt.reindex(energy.index) * hours
    w = n.snapshot_weightings.generators
    out_gen = -n.generators_t.p.mul(w, axis=0).sum()
    meters = n.generators[n.generators.carrier == "contract"]
    records = n.meta.get(META_KEY, {})
    supply = n.generators[(n.generators.carrier == "gas supply")
                          & (n.buses.node_kind.reindex(n.generators.bus).values == "supply")]
    produced = n.generators_t.p[supply.index].mul(w, axis=0).sum()
    capped = supply.index[np.isfinite(supply.e_sum_max)
                          & (produced >= BINDING * supply.e_sum_max)]
    rows = []
    for _, r in table.iterrows():
        drivers = []
        for p in _points(r.points):
            if p in full.index and full[p]:
                drivers.append(f"capacity of {p}")
            for m in meters.index[meters.bus.isin(n.links.loc[[p], _port_columns(n)].values.ravel())
                                  ] if p in n.links.index else []:
                vol = out_gen[m]
                names = ", ".join(c["name"] for c in records.get(m, []))
                if vol >= -BINDING * meters.at[m, "e_sum_min"] and meters.at[m, "e_sum_min"] < 0:
                    drivers.append(f"contract maximum ({names})")
                elif meters.at[m, "e_sum_max"] < 0 and vol <= -meters.at[m, "e_sum_max"] * (
                        2 - BINDING):
                    drivers.append(f"contract minimum ({names})")
            bus0 = n.links.bus0.get(p)
            for g in capped[supply.loc[capped, "bus"] == bus0] if bus0 is not None else []:
                drivers.append(f"supply cap of {g}")
        rows.append({"item": r["item"],
                     "driver": "; ".join(dict.fromkeys(drivers)) or "prices (merit order)"})
    return pd.DataFrame(rows)


def _port_columns(n: pypsa.Network) -> list[str]:
    return [c for c in n.links.columns if c.startswith("bus") and c[3:].isdigit() and c != "bus0"
            and c != "bus1"]


def azerbaijani_supply_views(n: pypsa.Network) -> pd.DataFrame:
    """Return Azerbaijani gas per country in the physical and the commercial view [bcm/yr].

    ``physical``: gas of Azerbaijani origin traced to each country's consumers (proportional
    mixing); ``commercial``: volumes of contracts whose seller is Azerbaijan, by buyer.
    """
    phys = trace_deliveries(n)
    phys = phys[phys.origin == "AZ"].groupby("country").bcm.sum()
    meters = contract_deliveries(n)
    comm = (meters[meters.seller == "AZ"].groupby("buyer").volume_bcm.sum()
            if "seller" in meters.columns else pd.Series(dtype=float))
    out = pd.DataFrame({"physical_bcm": phys, "commercial_bcm": comm}).fillna(0.0)
    out.index.name = "country"
    return out[(out.abs() > 1e-4).any(axis=1)].round(3)


def backcast_markdown(n: pypsa.Network, data: Inputs | str | None = None) -> str:
    """Return the README section of the back-cast (tables generated from the solved year)."""
    data = data if isinstance(data, Inputs) else load_inputs(data)
    table = compare_exports(n, data)
    drivers = explain_items(n, data).set_index("item").driver
    lines = [f"### Back-cast of {int(n.meta['year'])}", "",
             "Generated by `energy_model.analysis.calibration.backcast_markdown` from the solved "
             "network and `inputs/calibration.csv`; `tests/test_calibration.py` fails when a "
             "compared item leaves its band (relative tolerance, or the absolute one where "
             "given, whichever is wider).", "",
             "| item | published [bcm/yr] | model [bcm/yr] | deviation | band [bcm/yr] | "
             "status | basis | driver in the model |", "|---|---:|---:|---:|---:|---|---|---|"]
    for _, r in table.iterrows():
        dev = "" if pd.isna(r.deviation) else f"{r.deviation:+.0%}"
        model = "" if pd.isna(r.model_bcm) else f"{r.model_bcm:.2f}"
        status = ("ok" if r.within_tolerance else "OUTSIDE") if r.status == "compared" \
            else "unmatched"
        lines.append(f"| {r['item']} | {r.published_bcm:.2f} | {model} | {dev} | "
                     f"±{r.band_bcm:.2f} | {status} | {r.basis} | "
                     f"{drivers.get(r['item'], '')} |")
    c = summarise_backcast(table)
    lines += ["", f"Compared items: {c['emergent']} emergent (nothing in the inputs holds them at "
              f"the target), {c['emergent_within']} of them in their band "
              f"({c['emergent_pass_rate']:.0%}); {c['pinned']} pinned by an input row "
              "(a match shows only that the model honours its inputs); "
              f"{c['unmatched']} unmatched."]
    unmatched = table[table.status == "unmatched"]
    if len(unmatched):
        lines += ["", "Structurally unmatched items (at most "
                  f"{MAX_UNMATCHED}):", ""]
        lines += [f"- **{r['item']}**: {r.reason}" for _, r in unmatched.iterrows()]
    views = azerbaijani_supply_views(n)
    lines += ["", "#### Azerbaijani gas: physical and commercial view", "",
              "Physical: gas of Azerbaijani origin traced to each country's consumers. "
              "Commercial: deliveries under contracts with an Azerbaijani seller, by buyer "
              "(a virtual or swap contract delivers elsewhere than its buyer).", "",
              "| country | physical [bcm/yr] | commercial [bcm/yr] |", "|---|---:|---:|"]
    lines += [f"| {c} | {v.physical_bcm:.2f} | {v.commercial_bcm:.2f} |"
              for c, v in views.iterrows()]
    lines.append(f"| total | {views.physical_bcm.sum():.2f} | {views.commercial_bcm.sum():.2f} |")
    return "\n".join(lines) + "\n"
