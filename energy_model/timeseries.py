"""Time resolution: snapshots, their weights, and monthly data mapped onto them.

Resolutions
-----------
``daily``
    365 gas days of 24 h (the default).
``weeks``
    Four representative weeks at hourly resolution (starting 15 January, April, July and
    October), each standing for its season (Dec–Feb, Mar–May, Jun–Aug, Sep–Nov): an hour weighs
    the season's hours / 168.
``hourly``
    8760 hours.
``hourly-days``
    The hourly year as 12 days of 24 hours, one per month, each hour weighing the month's days
    (288 snapshots). Every hourly input of the model repeats day by day within a month (monthly
    demand shares, capacity factors and prices, flat electricity demand, one diurnal solar
    shape), so each day of a month is the same LP day as this representative one: dispatch and
    flows are the hourly year's. The one approximation is storage: a Store's level is checked
    after each of the 24 representative hours scaled by the month's days, not on the real
    day-by-day path, which matters only when a gas storage site runs full or empty within a
    month (``examples/benchmark.py`` reports the difference on the cable flows).

Every snapshot belongs to a *period* (a month, or a season for ``weeks``). Monthly data
(demand shares, capacity factors) is mapped onto snapshots through the months a period stands
for, and annual volumes are spread so that the weighted sum over the year is exact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from energy_model.errors import UsageError
from energy_model.vocabulary import RESOLUTIONS

DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
"""Days of each month in a 365-day model year."""

SEASONS: dict[int, tuple[int, ...]] = {1: (12, 1, 2), 4: (3, 4, 5), 7: (6, 7, 8), 10: (9, 10, 11)}
"""Representative month of each season (``weeks`` resolution) and the months it stands for."""


def make_snapshots(year: int, resolution: str = "daily") -> pd.Series:
    """Return the snapshot weights [h] indexed by timestamp for ``year`` and ``resolution``."""
    if resolution == "daily":
        idx = pd.date_range(f"{year}-01-01", periods=365, freq="D")
        return pd.Series(24.0, index=idx)
    if resolution == "hourly":
        idx = pd.date_range(f"{year}-01-01", periods=8760, freq="h")
        return pd.Series(1.0, index=idx)
    if resolution == "hourly-days":
        parts = [pd.Series(float(days), index=pd.date_range(f"{year}-{m:02d}-01", periods=24,
                                                            freq="h"))
                 for m, days in enumerate(DAYS_IN_MONTH, start=1)]
        return pd.concat(parts)
    if resolution == "weeks":
        parts = []
        for month, months in SEASONS.items():
            idx = pd.date_range(f"{year}-{month:02d}-15", periods=168, freq="h")
            hours = DAYS_IN_MONTH[[m - 1 for m in months]].sum() * 24.0
            parts.append(pd.Series(hours / 168.0, index=idx))
        return pd.concat(parts)
    raise UsageError(f"unknown resolution {resolution!r}; use one of {RESOLUTIONS}")


def snapshot_months(snapshots: pd.DatetimeIndex, resolution: str) -> list[tuple[int, ...]]:
    """Return, for each snapshot, the months its period stands for."""
    if resolution == "weeks":
        return [SEASONS[m] for m in snapshots.month]
    return [(m,) for m in snapshots.month]


def spread_annual(annual: pd.Series, shares: pd.DataFrame, weights: pd.Series,
                  resolution: str) -> pd.DataFrame:
    """Spread annual volumes over snapshots following monthly shares.

    Parameters
    ----------
    annual : pandas.Series
        Annual volume per column [MWh/yr].
    shares : pandas.DataFrame
        Share of the annual volume per month (index 1..12) and column [-].
    weights : pandas.Series
        Snapshot weights [h].
    resolution : str
        See :data:`RESOLUTIONS`.

    Returns
    -------
    pandas.DataFrame
        Rate per snapshot and column [MW]; its weighted sum is ``annual`` exactly.
    """
    months = snapshot_months(weights.index, resolution)
    hours = weights.groupby(weights.index.month).transform("sum").to_numpy()  # per period
    per_period = {m: shares.loc[list(m), annual.index].sum().to_numpy() for m in set(months)}
    share = np.vstack([per_period[m] for m in months])  # one look-up per period, not per day
    rate = share / hours[:, None] * annual.to_numpy()
    out = pd.DataFrame(rate, index=weights.index, columns=annual.index)
    total = out.mul(weights, axis=0).sum()
    return out * (annual / total.where(total > 0, 1.0))


def monthly_to_snapshots(monthly: pd.DataFrame, weights: pd.Series, resolution: str,
                         solar_columns: list[str] | None = None) -> pd.DataFrame:
    """Map monthly means (index 1..12) onto snapshots.

    A period standing for several months takes their day-weighted mean. For hourly snapshots, the
    ``solar_columns`` are shaped by :func:`solar_diurnal_shape` (daily mean preserved).
    """
    months = snapshot_months(weights.index, resolution)
    per_period = {m: np.average(monthly.loc[list(m)].to_numpy(), axis=0,
                                weights=DAYS_IN_MONTH[[x - 1 for x in m]]) for m in set(months)}
    values = np.vstack([per_period[m] for m in months])
    out = pd.DataFrame(values, index=weights.index, columns=monthly.columns)
    if resolution != "daily" and solar_columns:
        shape = solar_diurnal_shape(weights.index)
        out[solar_columns] = (out[solar_columns].mul(shape, axis=0)).clip(upper=1.0)
    return out


def solar_diurnal_shape(index: pd.DatetimeIndex, sunrise: float = 6.0,
                        sunset: float = 18.0) -> np.ndarray:
    """Return a half-sine daylight shape per hour with daily mean 1 [-].

    A geometric approximation (no irradiance data is shipped): zero outside ``sunrise``-
    ``sunset`` (local hours), a half sine in between, scaled to a mean of 1 over 24 h.
    """
    h = index.hour.to_numpy() + 0.5
    day = (h > sunrise) & (h < sunset)
    s = np.where(day, np.sin(np.pi * (h - sunrise) / (sunset - sunrise)), 0.0)
    mean = np.sin(np.pi * (np.arange(24) + 0.5 - sunrise) / (sunset - sunrise))
    mean = np.where((np.arange(24) + 0.5 > sunrise) & (np.arange(24) + 0.5 < sunset), mean, 0)
    return s / mean.mean()
