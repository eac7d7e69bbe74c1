"""Cost-benefit analysis of option sets from a study's results (ENTSOG CBA style).

For each option set against its counterfactual, over the study's stress cases weighted by the
probabilities in ``inputs/stresses.csv`` (``slid`` shared equally among its per-country cases,
``none`` taking the rest):

* ``benefit_security`` = Σ_s p_s · (disrupted demand without − with) · cost of disrupted gas;
* ``benefit_co2`` = Σ_s p_s · (CO2 without − with) · CO2 price (0 without the electricity layer);
* ``benefit_supply`` = Σ_s p_s · (operating cost without − with) − the two above (the operating
  cost already contains unserved gas at its cost and CO2 at its price, so nothing is counted
  twice);
* ``capex`` and annual fixed O&M from ``inputs/options.csv``; ``enpv`` = −capex + (benefit −
  fixed O&M) · annuity factor(discount rate, lifetime); ``bcr`` = PV(benefit) / (capex +
  PV(fixed O&M)). The lifetime of a set is the shortest of its options'.

PINT (put in one at a time): every set against ``reference``. TOOT (take out one at a time): a
set labelled ``all-but-<x>`` against the set labelled ``all``, credited to what was taken out.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from energy_model.data.loading import Inputs
from energy_model.units import GCV_MWH_PER_BCM


def stress_weights(stresses: list[str], data: Inputs) -> pd.Series:
    """Return the probability weight of each stress case of a study (summing to 1)."""
    p = data.stresses.set_index("stress").probability
    slid = [s for s in stresses if s.startswith("slid-")]
    w = {s: float(p.get(s, 0.0)) for s in stresses if s != "none" and not s.startswith("slid-")}
    for s in slid:
        w[s] = float(p.get("slid", 0.0)) / len(slid)
    total = sum(w.values())
    if total > 1:
        w = {k: v / total for k, v in w.items()}
        total = 1.0
    if "none" in stresses:
        w["none"] = 1.0 - total
    out = pd.Series(w).reindex(stresses).fillna(0.0)
    return out / out.sum() if out.sum() > 0 else out


def annuity_factor(rate: float, years: float) -> float:
    """Return the present value of 1 per year for ``years`` at ``rate`` [yr]."""
    from energy_model.network.options import annuity

    return 1.0 / annuity(rate, years)


def compare(ds: xr.Dataset, option: str, counterfactual: str, data: Inputs) -> dict:
    """Return the expected annual benefits of ``option`` over ``counterfactual`` [EUR/yr]."""
    w = xr.DataArray(stress_weights(list(ds.stress.values), data), dims="stress")
    codg = data.cost_of_disrupted_gas.set_index("region").eur_per_mwh
    codg = xr.DataArray(codg.reindex(ds.country.values).fillna(codg.mean()).to_numpy(),
                        dims="country", coords={"country": ds.country.values})
    a, b = ds.sel(option=counterfactual), ds.sel(option=option)
    total = float(((a.total_cost - b.total_cost) * w).sum())
    dd = (a.unserved_gas.fillna(0) - b.unserved_gas.fillna(0)) * GCV_MWH_PER_BCM * codg
    security = float((dd.sum("country") * w).sum())
    co2_price = float(data.co2_prices.set_index("year").price_eur_per_t.get(
        int(ds.attrs["year"]), 0.0)) if ds.attrs.get("power") else 0.0
    dco2 = (a.co2.fillna(0) - b.co2.fillna(0)).sum("country") * 1e6 * co2_price
    co2 = float((dco2 * w).sum())
    return {"benefit_supply": total - security - co2, "benefit_security": security,
            "benefit_co2": co2, "benefit_total": total}


def appraise(ds: xr.Dataset, data: Inputs) -> pd.DataFrame:
    """Return the CBA table: one row per option set (PINT) and per TOOT comparison."""
    o = data.options.set_index("option")
    sets = json.loads(ds.attrs["options"])
    rate = data.parameters["discount_rate"]
    rows = []
    pairs = [(label, "reference", "PINT", label) for label in sets if label != "reference"] \
        if "reference" in sets else []
    if "all" in sets:
        pairs += [(label, "all", "TOOT", label.removeprefix("all-but-"))
                  for label in sets if label.startswith("all-but-")]
    for label, cf, method, credited in pairs:
        names = sorted(set(sets[cf]) ^ set(sets[label]))
        if not names or (ds.status.sel(option=[label, cf]) != "ok").any():
            continue
        terms = compare(ds, label, cf, data) if method == "PINT" else \
            {k: -v for k, v in compare(ds, label, cf, data).items()}
        capex = float(sum(o.at[x, "capex_meur"] for x in names)) * 1e6
        fom = float(sum(o.at[x, "capex_meur"] * o.at[x, "fom_share"] for x in names)) * 1e6
        life = float(min(o.at[x, "lifetime_yr"] for x in names))
        af = annuity_factor(rate, life)
        pv_benefit = terms["benefit_total"] * af
        rows.append({"option": credited, "method": method, "compared_with": cf,
                     "options": "+".join(names), "capex_eur": capex, "fom_eur_per_yr": fom,
                     "lifetime_yr": life, **terms,
                     "enpv_eur": -capex + (terms["benefit_total"] - fom) * af,
                     "bcr": pv_benefit / (capex + fom * af) if capex + fom > 0 else np.nan})
    return pd.DataFrame(rows)
