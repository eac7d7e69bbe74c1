"""Money over time: annuities, present values, internal rate of return and payback.

Plain functions of rates [fraction per year], years [yr] and yearly cash flows [EUR], used by the
options' annualised cost (:func:`energy_model.network.options.annual_option_cost`) and the
cost-benefit appraisal (:mod:`energy_model.study.cba`). Flows are indexed by calendar year and
discounted to a base year at the end-of-year convention: a flow in ``base_year + t`` is divided by
``(1 + rate) ** t``.

References
----------
ENTSOG, "2nd ENTSOG Methodology for Cost-Benefit Analysis of Gas Infrastructure Projects"
(approved 2019): discounting of yearly cash flows, economic net present value, internal rate of
return and residual value.
European Commission, DG REGIO, "Guide to Cost-Benefit Analysis of Investment Projects" (2014),
Annex on financial analysis (capital recovery factor, discounted payback).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def annuity(rate: float, years: float) -> float:
    """Return the capital recovery factor for ``rate`` [-] over ``years`` [yr] [1/yr].

    ``rate / (1 - (1 + rate) ** -years)``, or ``1 / years`` at a rate of zero.

    >>> round(annuity(0.07, 2), 6)
    0.553092
    """
    return rate / (1.0 - (1.0 + rate) ** -years) if rate > 0 else 1.0 / years


def annuity_factor(rate: float, years: float) -> float:
    """Return the present value of 1 per year for ``years`` at ``rate`` [yr]: 1 / annuity."""
    return 1.0 / annuity(rate, years)


def present_value(flows: pd.Series, rate: float, base_year: int) -> float:
    """Return the value of yearly ``flows`` [EUR] discounted to ``base_year`` at ``rate`` [EUR]."""
    t = flows.index.to_numpy() - base_year
    return float((flows.to_numpy() / (1 + rate) ** t).sum())


def internal_rate(net: pd.Series) -> float:
    """Return the internal rate of return of yearly net flows [fraction], NaN if not defined.

    The rate in (-0.9, 10) at which :func:`present_value` of ``net`` is zero (Brent's method);
    NaN when the flows do not change sign or no root lies in that interval.
    """
    from scipy.optimize import brentq

    if not ((net < 0).any() and (net > 0).any()):
        return float("nan")
    f = lambda r: present_value(net, r, int(net.index[0]))  # noqa: E731
    lo, hi = -0.9, 10.0
    return float(brentq(f, lo, hi)) if f(lo) * f(hi) < 0 else float("nan")


def payback_year(net: pd.Series, rate: float, base_year: int) -> float:
    """Return the first year [year] in which the discounted cumulative net flow turns >= 0.

    NaN when it never does or never was negative.
    """
    t = net.index.to_numpy() - base_year
    cum = np.cumsum(net.to_numpy() / (1 + rate) ** t)
    ok = np.flatnonzero((cum >= 0) & (np.arange(len(cum)) >= np.argmin(cum)))
    return float(net.index[ok[0]]) if len(ok) and cum.min() < 0 else float("nan")
