"""summary.md and the ranking on a hand-made study Dataset (no solve)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from energy_model.study.ranking import rank_options, ties
from energy_model.study.summary import format_summary, tabulate_costs

OPTIONS = ["reference", "a", "b", "c"]
STRESSES = ["none", "russia-cut"]
COUNTRIES = ["RS", "HU", "TR"]


def make_ds(climate: bool = True) -> xr.Dataset:
    """reference leaves Serbia 1.0 and Hungary 0.5 bcm short in the isolated russia-cut; a and b
    remove Serbia's (a tie), c removes nothing; b costs less than a."""
    shape = (len(OPTIONS), len(STRESSES), len(COUNTRIES))
    coop = np.zeros(shape)
    iso = np.zeros(shape)
    iso[0, 1] = [1.0, 0.5, 0.0]
    iso[1, 1] = [0.0, 0.5, -3.6e-15]
    iso[2, 1] = [0.0, 0.5, 0.0]
    iso[3, 1] = [1.0, 0.5, 0.0]
    dims = ("option", "stress", "country")
    ds = xr.Dataset(
        {"unserved_gas": (dims, coop), "unserved_gas_isolated": (dims, iso),
         "gas_demand": (dims, np.full(shape, 5.0)),
         "price": (dims, np.full(shape, 40.0)),
         "scarcity_days": (dims, np.zeros(shape)),
         "total_cost": (dims[:2], np.array([[10e9, 9e9]] * 4)),
         "status": (dims[:2], np.full(shape[:2], "ok")),
         "option_capex": ("option", [0.0, 0.3e9, 0.2e9, 0.1e9])},
        coords={"option": OPTIONS, "stress": STRESSES, "country": COUNTRIES},
        attrs={"study": "t", "year": 2030, "resolution": "daily", "power": 1,
               "inputs_sha256": "0" * 64, "energy_model_version": "x",
               "options": json.dumps({"reference": [], "a": ["tcp-full"], "b": ["sgc-expansion"],
                                      "c": ["lng-expansion"]}),
               "bottlenecks": json.dumps([{
                   "option": "c", "climate": "average", "stress": "none", "link": "TANAP east",
                   "carrier": "gas pipeline", "from": "X", "to": "Y", "capacity_mw": 1.0,
                   "days_at_capacity": 365.0, "utilisation": 1.0, "flow_bcm": 16.0,
                   "shadow_price_eur_per_mwh": 2.5, "congestion_rent_meur": 400.0}])},
    )
    ds.scarcity_days.loc[{"option": "reference", "stress": "none", "country": "RS"}] = 12
    if climate:
        ds = ds.expand_dims(climate=["average"]).transpose("option", "climate", ...)
        ds["option_capex"] = ds.option_capex.isel(climate=0, drop=True)
    return ds


def test_equal_disrupted_demand_is_a_tie_ordered_by_cost():
    r = rank_options(make_ds())
    assert r.loc["a", "rank"] == r.loc["b", "rank"] == 1
    assert list(r.index[:2]) == ["b", "a"]          # b is cheaper: first within the tie
    assert r.loc["c", "rank"] == r.loc["reference", "rank"] == 3
    assert ties(r) == [["b", "a"], ["reference", "c"]] or ties(r) == [["b", "a"], ["c", "reference"]]
    assert r.loc["a", "isolated_bcm"] == 0.5
    assert r.loc["reference", "cost_bn_eur_per_yr"] == 9.0 or r.loc["reference", "cost_rank"] >= 1
    assert not (r.select_dtypes("number") < 0).any().any()      # no -3.6e-15 left


def test_summary_names_the_countries_and_says_what_each_option_does():
    text = format_summary(make_ds())
    assert "Rule: options are ranked" in text
    assert "Ties (same rank): b = a" in text
    assert "Serbia" in text and "Hungary" in text and "Türkiye" in text
    assert "`a` removes it in Serbia" in text
    # c is lng-expansion: TANAP east (not on its route) never explains its inertia
    line = next(x for x in text.splitlines() if x.startswith("- `c` changes no"))
    assert line.startswith("- `c` changes no recipient's disrupted demand or margin in any case. "
                           "No gas link or terminal of its own route binds")
    assert "TANAP" not in line
    ds = make_ds()
    b = json.loads(ds.attrs["bottlenecks"])
    b.append({**b[0], "link": "Dortyol FSRU 2", "carrier": "LNG terminal",
              "days_at_capacity": 14.0, "stress": "russia-cut"})
    b.append({**b[0], "link": "AZ-GE", "carrier": "AC", "days_at_capacity": 365.0})
    ds.attrs["bottlenecks"] = json.dumps(b)
    line = next(x for x in format_summary(ds).splitlines() if x.startswith("- `c` changes no"))
    assert "On its own route Dortyol FSRU 2 is full 14 days (russia-cut" in line
    assert "AZ-GE" not in line and "TANAP" not in line
    assert "Trans-Caspian" in text                 # option description in plain words
    assert "Contracts: binding" in text and "suspended in every stressed case" in text
    assert "† " in text or "†" in text             # Serbia's price set by unserved gas
    assert "## Legend" in text and "`cost_rank`" in text
    assert "-0.00" not in text and "e-15" not in text


def test_summary_without_climate_dimension():
    assert "`a` removes it in Serbia" in format_summary(make_ds(climate=False))


def test_summary_shows_cba_when_given():
    cba = pd.DataFrame({"option": ["a"], "method": ["PINT"], "discount_rate": [0.04],
                        "enpv_eur": [1.23e9], "bcr": [1.5]})
    text = format_summary(make_ds(), cba=cba)
    assert "1,230" in text and "1.50" in text


def test_costs_csv_has_option_capex():
    costs = tabulate_costs(make_ds()).set_index(["option", "stress"])
    assert costs.loc[("a", "none"), "option_capex_meur_per_yr"].item() == 300.0
    assert costs.loc[("a", "none"), "total_meur"].item() == 10300.0


def test_margin_breaks_a_disrupted_demand_tie_and_says_so():
    # peak-day case: a and b remove Serbia's shortfall (equal), b leaves Hungary 3 mcm/d more
    # margin; the ranking separates them by margin and names it; c = reference on both: a tie
    ds = make_ds(climate=False).expand_dims(climate=["peak-day"]).transpose("option",
                                                                             "climate", ...)
    ds["option_capex"] = ds.option_capex.isel(climate=0, drop=True)
    ds = ds.assign_coords(window_days=("climate", [1.0]))
    margin = np.zeros((4, 1, 2, 3))
    margin[2, 0, 1, 1] = 3.0       # b: HU can absorb 3 mcm/d more under russia-cut
    margin[:, 0, :, 2] = 50.0      # TR: not a recipient here, ignored
    ds["absorbable"] = (("option", "climate", "stress", "country"), margin)
    ds.attrs["recipients"] = json.dumps(["RS", "HU"])
    r = rank_options(ds)
    assert r.loc["b", "rank"] == 1 and r.loc["a", "rank"] == 2
    assert r.loc["a", "decided_by"] == "margin" and r.loc["b", "decided_by"] == "margin"
    assert r.loc["b", "margin_mcm_d"] == 3.0 and r.loc["a", "margin_mcm_d"] == 0.0
    assert r.loc["c", "rank"] == r.loc["reference", "rank"] == 3
    assert {r.loc["c", "decided_by"], r.loc["reference", "decided_by"]} == {
        "tie", "disrupted demand"}
