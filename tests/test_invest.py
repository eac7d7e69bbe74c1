"""Hand-derived answers of the two-stage investment problem (energy_model.optimization.stochastic).

The toy: supply A (10 EUR/MWh, 1000 MW) feeds demand at B only through a candidate pipeline
A->B (annualised cost c = 5000 EUR/MW/yr, 0-1000 MW); gas not delivered costs V = 600 EUR/MWh.
One daily snapshot (h = 24 h). Two scenarios: demand 100 MW (p = 0.8) or 300 MW (p = 0.2).

One MW of pipeline saves (V - 10) h = 14,160 EUR in every scenario whose demand exceeds it, so
the expected marginal value is 14,160 below 100 MW and 0.2 x 14,160 = 2,832 between 100 and
300 MW (a newsvendor): with c = 5000 the risk-neutral optimum is x* = 100 MW and
SP = 5000 x 100 + 0.8 x 24,000 + 0.2 x (24,000 + 14,400 x 200) = 1,100,000 EUR.
"""

from __future__ import annotations

import pandas as pd
import pypsa
import pytest

from energy_model.optimization import stochastic as st
from energy_model.scenarios.uncertainty import expected_value_network, stack_scenarios

C, V, P, H = 5000.0, 600.0, 10.0, 24.0
WEIGHTS = {"low": 0.8, "high": 0.2}
DEMAND = {"low": 100.0, "high": 300.0}


def _toy(demand: float) -> pypsa.Network:
    n = pypsa.Network()
    n.set_snapshots(pd.date_range("2030-02-01", periods=1, freq="D"))
    n.snapshot_weightings.loc[:, :] = H
    n.add("Bus", ["A", "B"], carrier="gas")
    n.add("Generator", "supply A", bus="A", p_nom=1000, marginal_cost=P)
    n.add("Link", "A-B", bus0="A", bus1="B", p_nom_extendable=True, p_nom_max=1000,
          capital_cost=C)
    n.add("Load", "demand B", bus="B", p_set=demand)
    n.add("Generator", "unserved B", bus="B", p_nom=1e4, marginal_cost=V)
    return n


CANDS = pd.DataFrame([{"candidate": "pipe", "link": "A-B", "base_mw": 0.0,
                       "increment_mw": 1000.0, "master": True, "annual_cost_eur": C * 1000}])


@pytest.fixture(scope="module")
def problem():
    nets = {s: _toy(d) for s, d in DEMAND.items()}
    n = stack_scenarios(nets, WEIGHTS)
    return nets, n, st.solve_portfolio(n, CANDS)


def test_risk_neutral_size_is_the_newsvendor_quantile(problem):
    _, _, sp = problem
    assert sp["fractions"]["pipe"] * 1000 == pytest.approx(100.0, abs=1e-6)
    assert sp["expected"] == pytest.approx(1_100_000.0, rel=1e-9)
    assert sp["objective"] == pytest.approx(sp["expected"], rel=1e-9)


def test_cvar_optimum_builds_for_the_tail(problem):
    # alpha = 0.8: the tail is exactly the high scenario, so the value between 100 and 300 MW is
    # [(1 - w) 0.2 + w] x 14,160 = 8,496 EUR/MW at w = 0.5 > c: the pipeline grows by 200 MW.
    _, n, sp = problem
    ra = st.solve_portfolio(n, CANDS, alpha=0.8, omega=0.5)
    assert (ra["fractions"]["pipe"] - sp["fractions"]["pipe"]) * 1000 == pytest.approx(200.0)
    assert ra["cvar"] == pytest.approx(P * H * 300)  # nothing unserved in the tail any more
    # below the switching weight w* = (c / 14,160 - 0.2) / 0.8 = 0.1914 it stays at 100 MW
    low = st.solve_portfolio(n, CANDS, alpha=0.8, omega=0.15)
    assert low["fractions"]["pipe"] * 1000 == pytest.approx(100.0, abs=1e-6)


def test_vss_and_evpi(problem):
    nets, n, sp = problem
    vi = st.value_of_information(nets, WEIGHTS, CANDS, sp, expected_value_network(nets, WEIGHTS),
                                 n)
    # EV problem: demand 140 MW -> x = 140; EEV = 700,000 + 0.8 x 2,400 x 10 + 0.2 x (33,600 +
    # 14,400 x 160) = 1,186,720; WS = 0.8 x 524,000 + 0.2 x 1,572,000 = 733,600.
    assert vi["ev_fractions"]["pipe"] * 1000 == pytest.approx(140.0)
    assert vi["EEV"] == pytest.approx(1_186_720.0)
    assert vi["WS"] == pytest.approx(733_600.0)
    assert vi["VSS"] == pytest.approx(86_720.0)
    assert vi["EVPI"] == pytest.approx(366_400.0)


def test_mga_range_within_five_percent(problem):
    # cost(x) = 2,016,000 - 9,160 x below 100 MW and 883,200 + 2,168 x above; budget 1,155,000
    _, n, sp = problem
    alt = st.explore_near_optimal(n, CANDS, sp["objective"], slack=0.05)
    assert alt.loc["min pipe", "pipe"] * 1000 == pytest.approx(2_016_000 / 9160 - 1_155_000 / 9160)
    assert alt.loc["max pipe", "pipe"] * 1000 == pytest.approx((1_155_000 - 883_200) / 2168)
    ranges = st.near_optimal_ranges(alt, sp["fractions"])
    assert ranges.at["pipe", "verdict"] == "must-have"


def test_cvar_of_a_discrete_distribution():
    costs = pd.Series({"a": 0.0, "b": 10.0, "c": 100.0})
    w = pd.Series({"a": 0.5, "b": 0.3, "c": 0.2})
    assert st.cvar(costs, w, 0.8) == pytest.approx(100.0)
    assert st.cvar(costs, w, 0.5) == pytest.approx((0.3 * 10 + 0.2 * 100) / 0.5)


def test_bundle_links_follow_one_fraction():
    # a candidate of two links (100 MW and 50 MW increments); the second link is the bottleneck
    # for a demand of 30 MW, so the fraction is 0.6 and the first link is sized 60 MW with it
    n = pypsa.Network()
    n.set_snapshots(pd.date_range("2030-02-01", periods=1, freq="D"))
    n.add("Bus", ["A", "M", "B"])
    n.add("Generator", "supply", bus="A", p_nom=1000, marginal_cost=1)
    n.add("Link", "A-M", bus0="A", bus1="M", p_nom_extendable=True, p_nom_max=100,
          capital_cost=1.0)
    n.add("Link", "M-B", bus0="M", bus1="B", p_nom_extendable=True, p_nom_max=50)
    n.add("Load", "d", bus="B", p_set=30)
    n.add("Generator", "unserved", bus="B", p_nom=1e3, marginal_cost=1000)
    cands = pd.DataFrame([
        {"candidate": "x", "link": "A-M", "base_mw": 0.0, "increment_mw": 100.0,
         "master": True, "annual_cost_eur": 100.0},
        {"candidate": "x", "link": "M-B", "base_mw": 0.0, "increment_mw": 50.0,
         "master": False, "annual_cost_eur": 100.0}])
    r = st.solve_portfolio(n, cands)
    assert r["fractions"]["x"] == pytest.approx(0.6)
    assert r["network"].links.p_nom_opt["A-M"] == pytest.approx(60.0)


def test_invest_study_on_the_tiny_inputs(tiny, tmp_path):
    """The whole study on the tiny data: files written, and the optimum's invariants."""
    import json

    from energy_model.data.loading import load_inputs
    from energy_model.report.invest import summarise_invest, write_invest_report
    from energy_model.study.invest import load_invest_study, run_invest

    (tiny / "invest_scenarios.csv").write_text(
        "scenario,stresses,probability,unit,source_id,estimate,note\n"
        "none,none,0.7,fraction,T-1,false,\np3-outage,p3-outage,0.3,fraction,T-1,false,\n")
    spec = tmp_path / "invest.yaml"
    spec.write_text("year: 2030\ncandidates: [px-extendable]\nomegas: [0, 0.5]\n"
                    "mga_directions: 0\n")
    out = tmp_path / "out"
    summary = run_invest(load_invest_study(spec, load_inputs(tiny)), out, inputs=tiny)
    page = write_invest_report(out)
    for name in ("portfolio.csv", "risk_curve.csv", "value_of_information.csv",
                 "mga_ranges.csv", "disrupted_demand.csv", "summary.json", "mga_ranges.png"):
        assert (out / name).exists(), name
    assert page.exists() and "Investment under uncertainty" in page.read_text()
    assert json.loads((out / "summary.json").read_text())["size"]["scenarios"] == 4
    voi = summary["value_of_information_meur_per_yr"]
    assert voi["VSS"] >= -1e-6 and voi["EVPI"] >= -1e-6
    assert summary["expected_cost_meur_per_yr"] <= \
        summary["expected_cost_reference_meur_per_yr"] + 1e-6
    ranges = pd.read_csv(out / "mga_ranges.csv").set_index("candidate")
    assert ranges.at["px-extendable", "min"] <= ranges.at["px-extendable", "optimal"] + 1e-9
    assert ranges.at["px-extendable", "optimal"] <= ranges.at["px-extendable", "max"] + 1e-9
    assert "What should be built" in summarise_invest(out)


def test_whole_project_options_count_as_candidate_fractions(tmp_path):
    """The main study's tcp-10/20/30 are the Trans-Caspian candidate at 1/3, 2/3, 1 plus SGC."""
    from energy_model.study.invest import option_sets

    spec = tmp_path / "main.yaml"
    spec.write_text("options:\n  reference: []\n  tcp-10: [tcp-10]\n  tcp-30: [tcp-30]\n"
                    "  storage: [georgia-storage]\n  cable: [black-sea-cable]\n")
    cands = pd.DataFrame({"candidate": ["tcp-extendable", "sgc-expansion", "georgia-storage"]})
    sets, notes = option_sets(spec, cands)
    assert sets["reference"].empty
    assert sets["tcp-10"].to_dict() == pytest.approx({"tcp-extendable": 1 / 3,
                                                      "sgc-expansion": 1.0})
    assert sets["tcp-30"].to_dict() == pytest.approx({"tcp-extendable": 1.0,
                                                      "sgc-expansion": 1.0})
    assert sets["storage"].to_dict() == {"georgia-storage": 1.0}
    assert sets["cable"].empty
    assert any("SCP looping +20" in x for x in notes)
    assert any("black-sea-cable is not a candidate" in x for x in notes)


def test_mga_slack_ignores_the_existing_capacity():
    # The pipe exists at 50 MW (charged C per MW in PyPSA's objective, 250,000 EUR): the
    # expected cost is cost(x) - 250,000, optimum 850,000 at x = 100, budget 892,500, so
    # x in [(1,766,000 - 892,500) / 9,160, (892,500 - 633,200) / 2,168] (old code: on the
    # objective, 1,155,000, a wider range).
    def toy(demand: float) -> pypsa.Network:
        n = _toy(demand)
        n.links.loc["A-B", ["p_nom", "p_nom_min"]] = 50.0
        return n

    cands = CANDS.assign(base_mw=50.0, increment_mw=950.0, annual_cost_eur=C * 950)
    n = stack_scenarios({s: toy(d) for s, d in DEMAND.items()}, WEIGHTS)
    sp = st.solve_portfolio(n, cands)
    assert sp["expected"] == pytest.approx(850_000.0)
    alt = st.explore_near_optimal(n, cands, sp["objective"], slack=0.05)
    x = alt["pipe"] * 950 + 50
    assert x["min pipe"] == pytest.approx((1_766_000 - 892_500) / 9160)
    assert x["max pipe"] == pytest.approx((892_500 - 633_200) / 2168)
    assert alt.loc["max pipe", "cost"] == pytest.approx(892_500.0)
