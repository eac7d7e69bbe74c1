"""Bottlenecks: days at capacity and the capacity's shadow price, by hand on the tiny network."""

from __future__ import annotations

import pytest
from conftest import edit_csv

import energy_model as em
from energy_model.analysis.bottlenecks import bottleneck_records, bottleneck_table, find_bottlenecks
from energy_model.units import bcm_to_mwh


def _tight(tiny):
    """AZ gas at 10 EUR/MWh (5 bcm/yr available) behind P1 cut to 0.5 bcm/yr; RU at 30 sets TR."""
    edit_csv(tiny, "gas_supply.csv",
             lambda df: df.assign(annual_max=df.annual_max.where(df.region != "AZ", "5")))
    edit_csv(tiny, "pipelines.csv",
             lambda df: df.assign(capacity_fwd=df.capacity_fwd.where(df.name != "P1", "0.5")))
    return em.solve(em.build_network(2024, inputs=tiny))


def test_binding_pipeline_every_day_with_its_price_spread(tiny):
    n = _tight(tiny)
    b = find_bottlenecks(n).set_index("link")
    assert list(b.index) == ["P1"]                     # P2 and P3 have spare capacity
    row = b.loc["P1"]
    assert row.days_at_capacity == pytest.approx(len(n.snapshots))
    eff = n.links.at["P1", "efficiency"]
    # by hand: one more MW of P1 brings eff MWh to T1 (priced 30 by Russian gas) for 10 at AZ
    assert row.shadow_price_eur_per_mwh == pytest.approx(eff * 30 - 10, abs=0.01)
    assert row.flow_bcm == pytest.approx(0.5, abs=1e-3)
    assert row.congestion_rent_meur == pytest.approx((eff * 30 - 10) * bcm_to_mwh(0.5) / 1e6,
                                                     rel=1e-3)


def test_no_bottleneck_when_capacity_is_ample(tiny):
    n = em.solve(em.build_network(2024, inputs=tiny))
    b = find_bottlenecks(n)
    assert (b.shadow_price_eur_per_mwh >= 0).all()
    assert "P3" not in set(b.link)                      # 5 bcm/yr for 1 bcm/yr of demand


def test_records_round_trip_into_one_table(tiny):
    rows = bottleneck_records(_tight(tiny))
    table = bottleneck_table({("reference", "none"): rows, ("x", "russia-cut"): []})
    assert list(table.columns[:3]) == ["option", "stress", "link"]
    assert table.link.tolist() == ["P1"]


def test_days_priced_by_unserved_gas(tiny):
    from energy_model.analysis.bottlenecks import scarcity_days

    assert scarcity_days(_tight(tiny)) == {"TR": 0.0}
    edit_csv(tiny, "gas_supply.csv", lambda df: df.assign(annual_max="0.1"))  # 0.2 for 1 bcm
    n = em.solve(em.build_network(2024, inputs=tiny))
    assert scarcity_days(n) == {"TR": pytest.approx(len(n.snapshots), abs=0.1)}


def test_one_utilisation_in_flows_bottlenecks_and_maps(tiny):
    """A pipeline derated to half its capacity for half the year and full on the other half is
    used at 100 % of what was available: tables, bottlenecks and maps all say so."""
    from energy_model.analysis.tables import tabulate_flows
    from energy_model.report.maps import corridor_flows

    edit_csv(tiny, "gas_supply.csv",
             lambda df: df.assign(annual_max=df.annual_max.where(df.region != "AZ", "5")))
    edit_csv(tiny, "pipelines.csv",
             lambda df: df.assign(capacity_fwd=df.capacity_fwd.where(df.name != "P1", "0.5")))
    n = em.build_network(2024, inputs=tiny)
    half = n.snapshots[: len(n.snapshots) // 2]
    n.links_t.p_max_pu["P1"] = 1.0
    n.links_t.p_max_pu.loc[half, "P1"] = 0.5
    em.solve(n)
    flows = tabulate_flows(n)
    p1 = flows.loc[(flows["from"] == n.links.at["P1", "bus0"]) & (flows["to"]
                                                                  == n.links.at["P1", "bus1"])]
    b = find_bottlenecks(n).set_index("link")
    c = corridor_flows(n).set_index(["bus0", "bus1"])
    pair = (n.links.at["P1", "bus0"], n.links.at["P1", "bus1"])
    if c.loc[[pair]].shape[0] == 1 and (n.links.bus0 == pair[0]).sum() == 1:
        assert c.loc[pair, "utilisation"] == pytest.approx(1.0, abs=1e-4)
    assert b.loc["P1", "utilisation"] == pytest.approx(1.0, abs=1e-3)
    assert p1.utilisation.iloc[0] == pytest.approx(1.0, abs=1e-4)
