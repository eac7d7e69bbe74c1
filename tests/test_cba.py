"""Cost-benefit appraisal: hand-computed profiles, discounting, weighting and cost rules."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from conftest import TINY

from energy_model import load_inputs
from energy_model.study.cba import (
    Asset,
    NoComparisonError,
    Pair,
    appraise_tables,
    benefit_profile,
    build_assets,
    compare,
    cost_flows,
    list_pairs,
    present_value,
)

GCV = 10.55e6  # MWh per bcm
CODG = 600.0  # EUR/MWh, tiny cost_of_disrupted_gas


@pytest.fixture(scope="module")
def data():
    return load_inputs(TINY)


def make_ds(options: dict, unserved: dict, cost: dict, capex: dict | None = None,
            climates: list[str] | None = None, climate_p: list[float] | None = None,
            stresses=("none", "p3-outage")) -> xr.Dataset:
    """A study Dataset by hand: ``unserved``/``cost``/``capex`` map option -> array over
    stress (x climate) [bcm in TR / EUR / EUR/yr]."""
    labels = list(options)
    shape = (len(labels), len(stresses), *([len(climates)] if climates else []))
    dims = ("option", "stress", *(["climate"] if climates else []))

    def grid(values):
        return np.array([np.broadcast_to(np.asarray(values.get(k, 0.0), float), shape[1:])
                         for k in labels])

    uns = grid(unserved)[..., None]
    coords = {"option": labels, "stress": list(stresses), "country": ["TR"]}
    if climates:
        coords["climate"] = climates
    ds = xr.Dataset(
        {"total_cost": (dims, grid(cost)), "capex": (dims, grid(capex or {})),
         "status": (dims, np.full(shape, "ok")),
         "unserved_gas": ((*dims, "country"), uns),
         "co2": ((*dims, "country"), np.zeros_like(uns))},
        coords=coords, attrs={"year": 2030, "power": 0, "options": json.dumps(options)})
    if climate_p:
        ds["climate_probability"] = ("climate", climate_p)
    return ds


def test_cost_flows_with_construction_lag_reinvestment_and_residual_value():
    # 100 built over 2028-2029 for 2030, 1 %/yr O&M, 50-yr life, period to 2054 (25 yr):
    # residual 100 x (50 - 25) / 50 = 50
    f = cost_flows([Asset(100.0, 0.01, 50, 2030, 2)], 2054)
    assert f.capex.loc[2028] == f.capex.loc[2029] == 50.0
    assert f.capex.sum() == 100.0
    assert f.fom.loc[2029] == 0.0 and f.fom.loc[2030] == f.fom.loc[2054] == 1.0
    assert f.residual_value.loc[2054] == pytest.approx(50.0)
    assert f.residual_value.sum() == pytest.approx(50.0)
    # a 10-yr asset in a 15-yr period is re-bought in 2039 for 2040 and half used at the end
    g = cost_flows([Asset(30.0, 0.0, 10, 2030, 1)], 2044)
    assert g.capex[g.capex > 0].to_dict() == {2029: 30.0, 2039: 30.0}
    assert g.residual_value.loc[2044] == pytest.approx(15.0)


def test_benefit_profile_interpolates_holds_and_prices_co2_per_country():
    data = SimpleNamespace(
        co2_prices=pd.DataFrame({"region": ["EU", "EU", "TR"], "year": [2026, 2030, 2026],
                                 "price_eur_per_t": [100.0, 140.0, 0.0]}),
        regions=pd.DataFrame({"code": ["BG", "TR", "GE"], "eu": [True, False, False]}))
    co2 = pd.Series({"BG": 1.0, "TR": 2.0, "GE": 3.0})  # Mt/yr avoided
    by_year = {2026: {"welfare": 10.0, "security": 0.0, "co2_mt": co2},
               2030: {"welfare": 50.0, "security": 4.0, "co2_mt": co2}}
    p = benefit_profile(by_year, data, np.arange(2024, 2035))
    assert p.welfare[2024] == 10.0  # before the first model year: its value
    assert p.welfare[2028] == pytest.approx(30.0)  # halfway between 2026 and 2030
    assert p.welfare[2034] == 50.0 and p.security[2034] == 4.0  # held after the last
    # BG at the EU ETS (120 in 2028, 140 held after 2030), TR at its own 0, GE none -> 0
    assert p.co2[2028] == pytest.approx(1e6 * 120.0)
    assert p.co2[2034] == pytest.approx(1e6 * 140.0)
    assert p.co2_mt[2028] == pytest.approx(6.0)
    assert p.co2_at_ets[2028] == pytest.approx(6e6 * 120.0)  # sensitivity: ETS for all


def test_discounting_by_hand():
    flows = pd.Series([110.0, 121.0], index=[2027, 2028])
    assert present_value(flows, 0.10, 2026) == pytest.approx(200.0)
    assert present_value(pd.Series([100.0], index=[2025]), 0.04, 2026) == pytest.approx(104.0)


def test_security_benefit_weights_stresses_and_climatic_cases(data):
    # stresses: none 0.9, p3-outage 0.1 (tiny stresses.csv); climates: average 1, design 0.05
    climates = ["average", "peak-day", "two-week"]
    ref = [[0.0, 0.01, 0.1], [0.5, 0.02, 0.2]]  # bcm disrupted, [stress][climate]
    dcost = [[5e6, 9e9, 9e9], [0.5 * GCV * CODG + 7e6, 9e9, 9e9]]
    ds = make_ds({"reference": [], "px": ["px"]}, {"reference": ref},
                 {"reference": dcost}, climates=climates, climate_p=[1.0, 0.05, 0.05])
    b = compare(ds, "px", "reference", data)
    expected = GCV * CODG * (0.9 * (0.05 * 0.01 + 0.05 * 0.1)
                             + 0.1 * (0.5 + 0.05 * 0.02 + 0.05 * 0.2))
    assert b["security"] == pytest.approx(expected)
    # welfare from the average climate only, without the disrupted-demand cost it holds
    assert b["welfare"] == pytest.approx(0.9 * 5e6 + 0.1 * 7e6)
    # without a climate dimension: the stress cases alone
    flat = compare(ds.sel(climate="average", drop=True).drop_vars("climate_probability"),
                   "px", "reference", data)
    assert flat["security"] == pytest.approx(GCV * CODG * 0.1 * 0.5)


def test_appraisal_by_hand_with_lag_discounting_and_residual(data):
    # px: EUR 100 m, 1 %/yr O&M, 50 yr, commissioning 2026 (earliest), 1 construction year
    # benefit 10 m/yr (no-stress welfare) from 2026 over 25 yr, base year 2026
    ds = make_ds({"reference": [], "px": ["px"]}, {}, {"reference": [10e6, 10e6]})
    cba, by_year = appraise_tables(ds, data)
    row = cba.set_index("discount_rate").loc[0.04]
    af = sum(1.04 ** -t for t in range(25))
    assert row.pv_welfare_eur == pytest.approx(10e6 * af)
    assert row.pv_capex_eur == pytest.approx(100e6 * 1.04)  # spent in 2025
    assert row.pv_fom_eur == pytest.approx(1e6 * af)
    assert row.pv_residual_value_eur == pytest.approx(50e6 / 1.04 ** 24)
    cost = 100e6 * 1.04 + 1e6 * af - 50e6 / 1.04 ** 24
    assert row.enpv_eur == pytest.approx(10e6 * af - cost)
    assert row.bcr == pytest.approx(10e6 * af / cost)
    assert {0.04, 0.07} == set(cba.discount_rate)
    assert row.end_year == 2050
    y = by_year.set_index(["year", "indicator"]).value
    assert y[(2025, "capex")] == 100e6 and y[(2026, "welfare")] == 10e6
    assert y[(2050, "residual_value")] == pytest.approx(50e6)
    # IRR: the net flows discount to 0 at the IRR
    irr = row.irr
    net = by_year[by_year.indicator == "net"].set_index("year").value
    assert present_value(net, irr, 2025) == pytest.approx(0.0, abs=1.0)


def test_extendable_option_capex_is_counted_once_at_its_built_size(data):
    # the optimiser built half of px-extendable: annualised capex 0.5 x full in its objective
    from energy_model.finance import annuity

    full = 100e6 * (annuity(0.07, 50) + 0.01)
    ds = make_ds({"reference": [], "px-extendable": ["px-extendable"]}, {},
                 {"reference": [30e6, 30e6],
                  "px-extendable": [10e6 + 0.5 * full, 10e6 + 0.3 * full]},
                 capex={"px-extendable": [0.5 * full, 0.3 * full]})
    cba, _ = appraise_tables(ds, data)
    row = cba.set_index("discount_rate").loc[0.04]
    assert row.built_share == pytest.approx(0.5)  # the largest size built in any case
    assert row.capex_eur == pytest.approx(50e6)
    # welfare = operating-cost saving without the objective's capex: 30 - 10 in both cases
    assert row.benefit_welfare == pytest.approx(20e6)


def test_generation_is_charged_or_in_both_arms():
    options = pd.DataFrame({
        "option": ["cable", "wind"], "capex_meur": [1000.0, 0.0], "fom_share": [0.0, 0.0],
        "lifetime_yr": [40.0, 30.0], "earliest_year": [2030, 2032],
        "commissioning_year": [2032, 2032], "construction_years": [4.0, 3.0],
        "generation_capex_meur": [6000.0, 6000.0], "generation_fom_share": [0.02, 0.02],
        "generation_lifetime_yr": [30.0, 30.0], "generation_twin": ["wind", np.nan]})
    data = SimpleNamespace(options=options, option_assets=pd.DataFrame(
        {"option": ["cable"], "action": ["add_power_link"], "target": ["x"]}))
    sets = {"reference": [], "cable": ["cable"], "wind": ["wind"]}
    pairs = list_pairs(sets, data)
    assert Pair("cable", "reference", "PINT", "cable", "charged") in pairs
    assert Pair("cable", "wind", "PINT", "cable", "both-arms") in pairs
    charged = build_assets(Pair("cable", "reference", "PINT", "cable", "charged"), sets, data,
                           1.0)
    both = build_assets(Pair("cable", "wind", "PINT", "cable", "both-arms"), sets, data, 1.0)
    assert sum(a.capex for a in charged) == pytest.approx(7000e6)
    assert sum(a.capex for a in both) == pytest.approx(1000e6)  # the wind is in both arms
    assert {a.construction for a in charged} == {4}


def test_no_reference_is_a_clear_error(data):
    with pytest.raises(NoComparisonError, match="no 'reference' option set"):
        list_pairs({"a": ["px"], "b": []}, data)


def test_security_benefit_events_futures_and_per_case(data):
    # russia-cut and p3-outage are events of 0.1 each (tiny stresses.csv): their combination
    # has 0.1 x 0.1; a future (here russia-cut relabelled) carries no event probability and is
    # reported on its own; the unweighted benefit counts every design case and event once
    import dataclasses

    from energy_model.study.cba import security_cases, stress_weights

    stresses = ("none", "p3-outage", "russia-cut+p3-outage")
    climates = ["average", "peak-day"]
    ref = [[0.0, 0.0], [0.0, 0.01], [0.0, 0.02]]  # bcm disrupted, [stress][climate]
    ds = make_ds({"reference": [], "px": ["px"]}, {"reference": ref}, {}, climates=climates,
                 climate_p=[1.0, 0.05], stresses=stresses)
    w = stress_weights(list(stresses), data)
    assert w["russia-cut+p3-outage"] == pytest.approx(0.01)
    assert w["none"] == pytest.approx(1 - 0.1 - 0.01)
    b = compare(ds, "px", "reference", data)
    assert b["security"] == pytest.approx(GCV * CODG * 0.05 * (0.1 * 0.01 + 0.01 * 0.02))
    assert b["security_unweighted"] == pytest.approx(GCV * CODG * (0.01 + 0.02))
    assert b["security_futures"] == 0.0
    st = data.stresses.copy()
    st.loc[st.stress == "russia-cut", "kind"] = "future"
    fut = dataclasses.replace(data, stresses=st)
    assert stress_weights(list(stresses), fut)["russia-cut+p3-outage"] == 0.0
    b = compare(ds, "px", "reference", fut)
    assert b["security_futures"] == pytest.approx(GCV * CODG * 0.05 * 0.02)
    assert b["security_unweighted"] == pytest.approx(GCV * CODG * 0.01)
    cases = security_cases(ds, data).set_index(["climate", "stress"])
    row = cases.loc[("peak-day", "russia-cut+p3-outage")]
    assert row.benefit_if_once_eur == pytest.approx(GCV * CODG * 0.02)
    assert row.probability_per_yr == pytest.approx(0.05 * 0.01)
