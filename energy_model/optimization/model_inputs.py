"""The model inputs of a network: a record of them, what changed since, and putting them back.

:class:`~energy_model.optimization.resolve.Resolver` compares the network's inputs with those of
its last solve to find what to write into the kept model, and restores the inputs of its first
solve on ``reset``. The inputs are every static column except PyPSA's outputs (custom columns
included), every input time series, the snapshots, the snapshot weightings and the keys of
``n.meta`` that add constraints at solve time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pypsa

from energy_model.errors import EnergyModelError

MODEL_META: tuple[str, ...] = ("withdrawal_curve", "full_rate_fill", "cooperative",
                               "uncooperative")
"""Keys of ``n.meta`` that add constraints at solve time (scenarios.constraints)."""


class RebuildRequiredError(EnergyModelError, ValueError):
    """The change needs a new HiGHS model (or a fresh network) and cannot be applied in place."""


def capture_inputs(n: pypsa.Network) -> dict:
    """Return the network's model inputs: key -> a copy (see the module doc).

    Keys: ``"snapshots"``, ``"weights"``, ``"meta"``, ``("index", component)`` and
    ``(component, attribute, is_time_series)``; a static column is kept as an array in the
    order of the component's index.
    """
    meta = n.meta or {}
    out: dict = {"snapshots": n.snapshots.copy(),
                 "weights": n.snapshot_weightings.copy(),
                 "meta": repr([meta.get(k) for k in MODEL_META])}
    for c in n.components:
        static = c.static
        out[("index", c.name)] = static.index
        if static.empty:
            continue
        outputs = _outputs(c)
        for col in static.columns:
            if col not in outputs:
                out[(c.name, col, False)] = static[col].to_numpy(copy=True)
        for attr, df in c.dynamic.items():
            if attr not in outputs and not df.empty:
                out[(c.name, attr, True)] = df.copy()
    return out


_OUTPUTS: dict[str, frozenset] = {}


def _outputs(c) -> frozenset:
    """Return the output attributes of a PyPSA component (cached per component)."""
    if c.name not in _OUTPUTS:
        _OUTPUTS[c.name] = frozenset(c.defaults.index[c.defaults.status.str.startswith("Output")])
    return _OUTPUTS[c.name]


def changed_inputs(old: dict, new: dict) -> dict:
    """Return the keys whose values differ: key -> the names (components) that changed."""
    out: dict = {}
    for key in old.keys() | new.keys():
        a, b = old.get(key), new.get(key)
        if a is None or b is None:  # an attribute or time series that appeared or went
            x = a if a is not None else b
            if isinstance(key, tuple) and len(key) == 3:
                out[key] = set(x.columns if isinstance(x, pd.DataFrame)
                               else new.get(("index", key[0]), old[("index", key[0])]))
            else:
                out[key] = None
            continue
        if isinstance(a, str):
            if a != b:
                out[key] = None
        elif isinstance(a, pd.Index):
            if not a.equals(b):
                out[key] = None
        elif isinstance(a, np.ndarray):  # a static column
            if a.shape != b.shape:
                out[key] = None
                continue
            diff = _differ(a, b)
            if diff.any():
                out[key] = set(new[("index", key[0])][diff])
        else:  # DataFrame: a time series (names as columns) or the snapshot weightings
            if not (a.index.equals(b.index) and a.columns.equals(b.columns)):
                if isinstance(key, tuple) and a.index.equals(b.index):
                    common = a.columns.intersection(b.columns)
                    diff = _differ(a[common].to_numpy(), b[common].to_numpy()).any(axis=0)
                    out[key] = set(a.columns.symmetric_difference(b.columns)) | set(
                        common[diff])
                else:
                    out[key] = None
                continue
            diff = _differ(a.to_numpy(), b.to_numpy())
            if diff.any():
                out[key] = set(a.columns[diff.any(axis=0)]) if isinstance(key, tuple) else None
    return out


def _differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return where two arrays differ, NaN equal to NaN."""
    if a.dtype.kind in "fiub" and b.dtype.kind in "fiub":
        a, b = a.astype(float), b.astype(float)
        return ~((a == b) | (np.isnan(a) & np.isnan(b)))
    same = (a == b) | (pd.isna(a) & pd.isna(b))
    return ~np.asarray(same, dtype=bool)


def restore_inputs(n: pypsa.Network, original: dict) -> None:
    """Write the inputs of ``original`` (:func:`capture_inputs`) back into ``n`` where changed."""
    changed = changed_inputs(original, capture_inputs(n))
    by_name = {c.name: c for c in n.components}
    for key in changed:
        if key == "weights":
            n.snapshot_weightings = original["weights"].copy()
        elif key == "snapshots":
            raise RebuildRequiredError("the snapshots changed: build a fresh network")
        elif isinstance(key, tuple) and key[0] == "index":
            comp = key[1]
            now = by_name[comp].static.index
            if not original[key].difference(now).empty:
                raise RebuildRequiredError(f"{comp}s were removed: build a fresh network")
            extra = now.difference(original[key])
            if not extra.empty:
                n.remove(comp, extra)
    for key in changed:
        if not isinstance(key, tuple) or len(key) != 3:
            continue
        comp, attr, dynamic = key
        c = by_name[comp]
        value = original.get(key)
        if dynamic:
            c.dynamic[attr] = (value.copy() if value is not None
                               else pd.DataFrame(index=n.snapshots))
        elif value is not None:
            index = original[("index", comp)]
            c.static[attr] = pd.Series(value, index=index).reindex(c.static.index)
        elif attr in c.static:
            del c.static[attr]
