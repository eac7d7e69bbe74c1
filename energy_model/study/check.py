"""Compare a study's results with a stored baseline run (``energy-model run --check BASELINE``).

:func:`compare_results` reads ``results.nc`` of both runs and lists every difference:

* coordinates (options, stresses, climates, countries, origins) added or missing;
* variables missing from the new run (a variable only in the new run is a note, not a failure);
* the case status (``ok``/``failed``) of any case;
* numbers outside the tolerance ``|new - baseline| <= atol + rtol * |baseline|`` (NaN equals
  NaN), with ``rtol`` = :data:`RTOL` and ``atol`` from the variable's unit (:data:`ATOL`).

The tolerances are far below any figure the model reports (bcm to 6 decimals, EUR/MWh to 4) and
far above the noise of a deterministic HiGHS solve, so a difference means the answer changed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

RTOL: float = 1e-6
"""Relative tolerance of every number [-]."""

ATOL: dict[str, float] = {"EUR": 1.0, "EUR/yr": 1.0, "bcm": 1e-6, "mcm/d": 1e-4,
                          "EUR/MWh": 1e-4, "%": 1e-4, "fraction": 1e-6, "-": 1e-4, "Mt": 1e-6,
                          "TWh": 1e-6}
"""Absolute tolerance by unit (1e-6 for any other unit)."""

DEFAULT_ATOL: float = 1e-6

MAX_LISTED: int = 5
"""Differences listed per variable (the count of all of them is given)."""


def compare_results(new: str | Path, baseline: str | Path, rtol: float = RTOL,
                    atol: dict[str, float] | None = None) -> tuple[list[str], list[str]]:
    """Return ``(differences, notes)`` between two study directories (or results.nc files).

    An empty ``differences`` means the runs agree within the tolerances.
    """
    atol = {**ATOL, **(atol or {})}
    with _open(new) as a, _open(baseline) as b:
        diffs: list[str] = []
        notes: list[str] = []
        for dim in sorted(set(a.dims) | set(b.dims)):
            ca = [str(x) for x in a[dim].values] if dim in a.coords else []
            cb = [str(x) for x in b[dim].values] if dim in b.coords else []
            if ca != cb:
                diffs.append(f"dimension {dim!r}: {sorted(set(ca) - set(cb))} added, "
                             f"{sorted(set(cb) - set(ca))} missing"
                             + ("" if set(ca) != set(cb) else " (order differs)"))
        if diffs:
            return diffs, notes
        for name in sorted(set(b.data_vars) - set(a.data_vars)):
            diffs.append(f"variable {name!r} is missing from the new run")
        for name in sorted(set(a.data_vars) - set(b.data_vars)):
            notes.append(f"variable {name!r} is new (not in the baseline)")
        if a.attrs.get("inputs_sha256") != b.attrs.get("inputs_sha256"):
            notes.append("the inputs differ from the baseline's (inputs_sha256)")
        for name in sorted(set(a.data_vars) & set(b.data_vars)):
            diffs += _compare_variable(name, a[name], b[name], rtol, atol)
        return diffs, notes


def _open(path: str | Path) -> xr.Dataset:
    path = Path(path)
    if path.is_dir():
        path = path / "results.nc"
    if not path.exists():
        raise FileNotFoundError(f"no results.nc at {path}: give a study output directory")
    return xr.open_dataset(path).load()


def _compare_variable(name: str, a: xr.DataArray, b: xr.DataArray, rtol: float,
                      atol: dict[str, float]) -> list[str]:
    if a.dims != b.dims:
        return [f"{name}: dimensions {a.dims} instead of {b.dims}"]
    b = b.transpose(*a.dims)
    if not (np.issubdtype(a.dtype, np.number) and np.issubdtype(b.dtype, np.number)):
        bad = a.values != b.values
        return _listed(name, a, bad, lambda i: f"{str(a.values[i])!r} instead of "
                                            f"{str(b.values[i])!r}")
    tol = atol.get(str(b.attrs.get("units", "")), DEFAULT_ATOL)
    x, y = a.values.astype(float), b.values.astype(float)
    both_nan = np.isnan(x) & np.isnan(y)
    with np.errstate(invalid="ignore"):
        bad = ~both_nan & ~(np.abs(x - y) <= tol + rtol * np.abs(y))
    unit = b.attrs.get("units", "")
    return _listed(name, a, bad, lambda i: f"{x[i]:.9g} instead of {y[i]:.9g} {unit}".rstrip())


def _listed(name: str, a: xr.DataArray, bad: np.ndarray, describe) -> list[str]:
    idx = list(zip(*np.nonzero(np.atleast_1d(bad)), strict=True))
    out = []
    for i in idx[:MAX_LISTED]:
        where = ", ".join(f"{d}={a[d].values[k]}" for d, k in zip(a.dims, i, strict=True))
        out.append(f"{name}[{where}]: {describe(i if a.ndim else ())}")
    if len(idx) > MAX_LISTED:
        out.append(f"{name}: {len(idx) - MAX_LISTED} more difference(s)")
    return out
