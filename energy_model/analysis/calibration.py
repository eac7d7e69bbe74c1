"""Compare a solved year with published statistics (``inputs/calibration.csv``).

Each row of the table names a published figure (e.g. Azerbaijani exports to Türkiye in 2024),
the delivery points whose annual flow the model sums for it, and the tolerance within which the
model counts as calibrated. The model is never pinned to these figures: they are only compared.
"""

from __future__ import annotations

import pandas as pd
import pypsa

from energy_model.analysis.tables import link_energy
from energy_model.data.loading import Inputs, load_inputs
from energy_model.units import mwh_to_bcm


def compare_exports(n: pypsa.Network, data: Inputs | str = "inputs") -> pd.DataFrame:
    """Return model against published volumes for the network's year [bcm/yr].

    Columns: ``item, published_bcm, model_bcm, deviation, tolerance, within_tolerance, source_id``.
    ``deviation`` is relative to the published figure.
    """
    data = data if isinstance(data, Inputs) else load_inputs(data)
    year = int(n.meta["year"])
    table = data.calibration[data.calibration.year == year]
    energy = link_energy(n)
    rows = []
    for _, r in table.iterrows():
        points = [p.strip() for p in r.points.split(";")]
        missing = [p for p in points if p not in energy.index]
        if missing:
            raise KeyError(f"calibration item {r['item']!r}: no link named {missing} in {year}")
        model = mwh_to_bcm(energy[points].sum())
        published = mwh_to_bcm(r.value_mwh)
        dev = (model - published) / published if published else float("nan")
        rows.append({"item": r["item"], "published_bcm": published, "model_bcm": model,
                     "deviation": dev, "tolerance": r.tolerance,
                     "within_tolerance": abs(dev) <= r.tolerance, "source_id": r.source_id})
    return pd.DataFrame(rows).round(4)
