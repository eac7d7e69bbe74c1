"""Units and conversions: the only place where gas volumes become energy.

Internal units
--------------
* energy: MWh, gas on gross calorific value (GCV);
* power (a flow rate): MW (= MWh/h); a daily snapshot carries a weight of 24 h;
* annual volume: MWh/yr;
* money: EUR; prices: EUR/MWh; length: km.

Conventions
-----------
* One bcm of natural gas holds ``GCV_MWH_PER_BCM`` = 10.55 TWh (GCV), the convention used by ENTSOG
  in its TYNDP and Summer/Winter Supply Outlooks and by the reference data of this project
  (``inputs/parameters.csv`` row ``gcv_per_bcm`` cites the source). Publishers quote bcm at
  different reference conditions (0, 15 or 20 degC); the spread is a few percent and is not
  corrected here.
* Lower (net) calorific value: ``LHV = GCV * LHV_PER_GCV`` with LHV_PER_GCV = 0.9, the ratio used
  by Eurostat's energy balances for natural gas (``inputs/parameters.csv`` row ``lhv_to_gcv``).
* Annual rates convert to power over a year of ``HOURS_PER_YEAR`` = 8760 h (365 gas days).

Examples
--------
>>> round(to_mw(1.0, "bcm/yr"), 1)
1204.3
>>> to_mwh(1.0, "TWh")
1000000.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from energy_model.errors import UnknownKeyError, UsageError

GCV_MWH_PER_BCM: float = 10.55e6
"""Energy in one bcm of natural gas [MWh GCV per bcm]."""

LHV_PER_GCV: float = 0.9
"""Ratio of lower to gross calorific value of natural gas [-]."""

HOURS_PER_YEAR: float = 8760.0
"""Hours in a model year of 365 days [h]."""

HOURS_PER_DAY: float = 24.0
"""Hours in a gas day [h]."""


@dataclass(frozen=True)
class Unit:
    """A unit string known to the library.

    Parameters
    ----------
    dimension : str
        One of ``energy`` [MWh], ``power`` [MW], ``annual`` [MWh/yr], ``price`` [EUR/MWh],
        ``money`` [EUR], ``length`` [km], ``fraction`` [-], ``emission`` [tCO2/MWh],
        ``co2 price`` [EUR/tCO2].
    factor : float
        Multiplier to the internal unit of the dimension.
    """

    dimension: str
    factor: float


UNITS: dict[str, Unit] = {
    # stocks of energy (storage working gas)
    "MWh": Unit("energy", 1.0),
    "GWh": Unit("energy", 1e3),
    "TWh": Unit("energy", 1e6),
    "bcm": Unit("energy", GCV_MWH_PER_BCM),
    "mcm": Unit("energy", GCV_MWH_PER_BCM / 1e3),
    # flow rates
    "MW": Unit("power", 1.0),
    "GW": Unit("power", 1e3),
    "GWh/d": Unit("power", 1e3 / HOURS_PER_DAY),
    "mcm/d": Unit("power", GCV_MWH_PER_BCM / 1e3 / HOURS_PER_DAY),
    # annual volumes
    "MWh/yr": Unit("annual", 1.0),
    "GWh/yr": Unit("annual", 1e3),
    "TWh/yr": Unit("annual", 1e6),
    "bcm/yr": Unit("annual", GCV_MWH_PER_BCM),
    "mcm/yr": Unit("annual", GCV_MWH_PER_BCM / 1e3),
    # others
    "EUR/MWh": Unit("price", 1.0),
    "EUR": Unit("money", 1.0),
    "MEUR": Unit("money", 1e6),
    "km": Unit("length", 1.0),
    "tCO2/MWh": Unit("emission", 1.0),
    "EUR/tCO2": Unit("co2 price", 1.0),
    "fraction": Unit("fraction", 1.0),
    "yr": Unit("time", 8760.0),
    "days": Unit("time", 24.0),
    "h": Unit("time", 1.0),
    "%": Unit("fraction", 0.01),
}
"""Every unit string allowed in ``inputs/``, with its dimension and factor to internal units."""


def get_unit(unit: str) -> Unit:
    """Return the :class:`Unit` for a unit string, raising ``KeyError`` with the allowed list."""
    try:
        return UNITS[unit]
    except KeyError:
        allowed = ", ".join(sorted(UNITS))
        raise UnknownKeyError(f"unknown unit {unit!r}; allowed: {allowed}") from None


def to_mwh(value, unit: str):
    """Convert an energy stock (``bcm``, ``TWh`` …) or an annual volume to [MWh] (GCV)."""
    u = get_unit(unit)
    if u.dimension not in ("energy", "annual"):
        raise UsageError(f"{unit!r} is a {u.dimension} unit, not an energy or annual volume")
    return _scale(value, u.factor)


def to_mw(value, unit: str):
    """Convert a flow rate or an annual volume to a mean rate [MW] (GCV).

    Annual volumes are spread evenly over ``HOURS_PER_YEAR``.
    """
    u = get_unit(unit)
    if u.dimension == "power":
        return _scale(value, u.factor)
    if u.dimension == "annual":
        return _scale(value, u.factor / HOURS_PER_YEAR)
    raise UsageError(f"{unit!r} is a {u.dimension} unit, not a rate or annual volume")


def _scale(value, factor: float):
    if isinstance(value, (pd.Series, pd.DataFrame, np.ndarray)):
        return value * factor
    return float(value) * factor


def mwh_to_bcm(value):
    """Convert energy [MWh GCV] to volume [bcm]."""
    return _scale(value, 1.0 / GCV_MWH_PER_BCM)


def bcm_to_mwh(value):
    """Convert volume [bcm] to energy [MWh GCV]."""
    return _scale(value, GCV_MWH_PER_BCM)


def mw_to_bcm_per_year(value):
    """Convert a constant rate [MW] to an annual volume [bcm/yr]."""
    return _scale(value, HOURS_PER_YEAR / GCV_MWH_PER_BCM)


def mcm_per_day_to_gwh_per_day(value):
    """Convert a daily volume [mcm/d] to daily energy [GWh/d] (GCV)."""
    return _scale(value, GCV_MWH_PER_BCM / 1e6)


def gcv_to_lhv(value):
    """Convert energy on gross calorific value to lower calorific value [same unit]."""
    return _scale(value, LHV_PER_GCV)


def lhv_to_gcv(value):
    """Convert energy on lower calorific value to gross calorific value [same unit]."""
    return _scale(value, 1.0 / LHV_PER_GCV)
