"""The shipped dataset and the solved networks of the region."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pypsa
import pytest
from conftest import INPUTS, REPO

from energy_model import build_network, load_inputs, solve, trace_deliveries, validate_inputs
from energy_model.analysis.tables import contract_deliveries
from energy_model.cli import main
from energy_model.data.schema import MODEL_YEARS, TABLES
from energy_model.network.build import network_path


@pytest.fixture(scope="module")
def data():
    return load_inputs(INPUTS)


@pytest.fixture(scope="module")
def solved_2024(tmp_path_factory):
    """The 2024 case solved through the CLI, as a user runs it."""
    out = tmp_path_factory.mktemp("solve") / "2024"
    assert main(["solve", "--year", "2024", "--out", str(out), "--inputs", str(INPUTS)]) == 0
    return out


@pytest.fixture(scope="module")
def network_2024(solved_2024):
    return pypsa.Network(solved_2024 / "network.nc")


@pytest.fixture(scope="module")
def network_2026(data):
    return solve(build_network(2026, inputs=data))


def test_shipped_inputs_validate_cleanly():
    assert [str(p) for p in validate_inputs(INPUTS)] == []


def test_readme_provenance_table_is_current():
    from energy_model.data.provenance_shares import provenance_markdown, readme_table

    assert readme_table(INPUTS) == provenance_markdown(INPUTS), (
        "inputs/README.md provenance table is stale: run write_readme_table() "
        "(energy_model.data.provenance_shares)")


def test_primary_value_share_counts_a_sourced_capacity_next_to_an_estimated_tariff(tmp_path):
    """The stricter share asks only that the headline value (a pipeline's capacities) not be
    estimated: a row estimating its border tariff and nominal length still counts."""
    import shutil

    from energy_model.data.provenance_shares import summarise_provenance

    shutil.copytree(INPUTS, tmp_path / "inputs")
    path = tmp_path / "inputs" / "pipelines.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df["source_id"] = "I-transgaz-ip"  # a TSO's own figures
    df["note"] = "n"
    df["estimate"] = ["tariff_eur_per_mwh;length_km", "capacity_rev", "true"] * (len(df) // 3) \
        + ["false"] * (len(df) % 3)
    df.to_csv(path, index=False)
    t = summarise_provenance(tmp_path / "inputs").set_index("table")
    expected = (len(df) // 3 + len(df) % 3) / len(df)
    assert t.at["pipelines.csv", "primary_value_share"] == pytest.approx(expected, abs=0.006)
    assert t.at["pipelines.csv", "estimate_share"] == pytest.approx(
        3 * (len(df) // 3) / len(df), abs=0.006)


def test_design_demand_is_the_gas_demand_peak_day_unless_evidence_raises_it(data):
    """One source of truth: every 1-in-20 design day is the peak_day row of gas_demand.csv,
    except where design_demand.csv gives separate evidence of a higher day; the two-week rate
    is the design day x ENTSOG's two-week ratio (parameters.csv)."""
    from energy_model.data.design import TWO_WEEK_PARAMETER

    peak = data.gas_demand[data.gas_demand.metric == "peak_day"].set_index(["region", "year"])
    design = data.design_demand.set_index(["region", "year", "metric"]).value_internal
    raw = pd.read_csv(INPUTS / "design_demand.csv", dtype=str)
    given = {(r.region, int(r.year)) for r in raw.itertuples() if r.metric == "peak_day_1in20"}
    ratio = data.parameters[TWO_WEEK_PARAMETER]
    for (region, year), row in peak.iterrows():
        day = design[(region, year, "peak_day_1in20")]
        if (region, year) in given:
            assert day > row.value_internal, (region, year)
        else:
            assert day == pytest.approx(row.value_internal), (region, year)
        assert design[(region, year, "two_week_1in20")] == pytest.approx(ratio * day)
    assert len(design) == 2 * len(peak)


def test_turkmen_gas_reserved_for_the_trans_caspian_options_cannot_reach_iran(data):
    """Without a Trans-Caspian pipe the reserved Turkmen gas does not exist; with one it can
    leave only through that pipe (not through Turkmenistan-Iran to Tabriz-Ankara)."""
    gen = "TM Turkmen gas available for Trans-Caspian options"
    assert gen not in build_network(2030, inputs=data).generators.index
    n = build_network(2030, ["tcp-full"], inputs=data)
    out = n.links[n.links.bus0 == n.generators.at[gen, "bus"]]
    assert set(out.pipeline) == {"Trans-Caspian Pipeline"}


def test_design_cases_start_storage_at_february_fill_and_lng_at_80_percent(data):
    """Storage starts a design case at design_start_fill of working gas (GIE AGSI+ February
    mean), not at the nearly full level the reference solve's holding reward produced."""
    from energy_model.scenarios.climates import make_climate_case

    fill = data.parameters["design_start_fill"]
    assert 0.3 < fill < 0.8
    n = build_network(2030, inputs=data)
    make_climate_case(n, "two-week", data, {"e_initial": {}, "gas_plants": {}})
    st = n.stores[n.stores.carrier == "gas storage"]
    assert st.e_initial.to_numpy() == pytest.approx(fill * st.e_nom.to_numpy())
    # ENTSOG's 80 % LNG rule holds in every design case, not only under a stress
    lng = n.links.index[n.links.carrier == "LNG terminal"]
    assert len(lng) and lng.intersection(n.links_t.p_max_pu.columns).empty
    assert (n.links.loc[lng, "p_max_pu"] == data.parameters["design_lng_sendout"]).all()


@pytest.mark.slow
@pytest.mark.parametrize("year", [2024, 2026, 2030])
def test_the_undisturbed_year_serves_everyone(data, year):
    """With nothing disrupted every country's demand is met (Syria's and Albania's supply
    rules once left them short: demand equal to a contract or booking that losses or rounded
    monthly shares could not reach)."""
    from energy_model.analysis.tables import unserved_by_country

    unserved = unserved_by_country(solve(build_network(year, inputs=data)))
    assert unserved.max() < 1e-6, unserved[unserved > 1e-6].to_dict()  # [bcm/yr]


def test_every_bus_of_the_stored_networks_has_coordinates(data):
    n = build_network(2030, inputs=data)
    placed = n.buses[n.buses.node_kind != "meter"]
    assert placed.x.between(-180, 180).all() and placed.y.between(-90, 90).all()
    assert not ((placed.x == 0) & (placed.y == 0)).any(), "bus without coordinates"
    assert n.buses.at["TAP Kipoi", "x"] == pytest.approx(26.30)


def test_every_numeric_row_has_a_resolvable_source(data):
    known = set(data.sources.source_id)
    for fname, table in TABLES.items():
        if not table.sourced:
            continue
        df = pd.read_csv(INPUTS / fname, dtype=str, keep_default_na=False)
        for i, ids in enumerate(df.source_id):
            parts = [x.strip() for x in ids.split(";") if x.strip()]
            assert parts, f"{fname} row {i + 2} has no source"
            assert set(parts) <= known, f"{fname} row {i + 2}: {set(parts) - known}"
        est = df[df.estimate != "false"]
        assert (est.note.str.strip() != "").all(), f"{fname}: estimate without reasoning"


def test_cli_writes_every_result_file(solved_2024):
    flows = pd.read_csv(solved_2024 / "flows.csv")
    assert {"name", "from", "to", "capacity_bcm", "flow_bcm", "utilisation"} <= set(flows)
    assert (flows.flow_bcm <= flows.capacity_bcm * (1 + 1e-6) + 1e-9).all()
    deliveries = pd.read_csv(solved_2024 / "deliveries.csv")
    assert list(deliveries.columns) == ["country", "origin", "bcm"]
    summary = json.loads((solved_2024 / "summary.json").read_text())
    assert summary["total_system_cost_eur"] > 0
    assert set(summary["unserved_gas_bcm"]) >= {"TR", "IT", "GE"}


def test_global_balance_supply_equals_use_plus_losses(network_2024):
    n = network_2024
    w = n.snapshot_weightings.objective
    gen = n.generators[n.generators.carrier.isin(["gas supply", "unserved gas"])]
    supply = n.generators_t.p[gen.index].mul(w, axis=0).sum().sum()
    demand = n.loads_t.p.mul(w, axis=0).sum().sum()
    losses = (n.links_t.p0 + n.links_t.p1).mul(w, axis=0).sum().sum()
    store_change = -n.stores_t.p.mul(w, axis=0).sum().sum()
    assert supply == pytest.approx(demand + losses + store_change, rel=1e-6)
    assert losses > 0


def test_no_link_creates_energy(network_2024):
    n = network_2024
    assert (n.links.efficiency <= 1).all()
    assert (n.links.p_min_pu >= 0).all()
    gas = n.links.index[n.links.carrier.isin(["gas pipeline", "LNG terminal", "gas storage"])]
    assert (-n.links_t.p1[gas] <= n.links_t.p0[gas] + 1e-6).all().all()


def test_2026_delivers_azerbaijani_gas_to_all_16_recipients(network_2026, data):
    recipients = set(data.regions.loc[data.regions.az_gas_recipient, "code"])
    assert len(recipients) == 16
    physical = trace_deliveries(network_2026)
    physical = set(physical.loc[(physical.origin == "AZ") & (physical.bcm > 1e-4), "country"])
    meters = contract_deliveries(network_2026)
    commercial = set(meters.loc[(meters.seller == "AZ") & (meters.volume_bcm > 1e-4), "buyer"])
    missing = recipients - physical - commercial
    assert not missing, f"no Azerbaijani gas for {sorted(missing)}"


def test_stored_networks_are_current(data):
    for year in MODEL_YEARS:
        path = network_path(year, REPO / "networks")
        assert path.exists(), f"{path} missing: run `energy-model build --year {year}`"
        stored = pypsa.Network(path)
        fresh_path = path.with_suffix(".fresh.nc")
        try:
            build_network(year, inputs=data).export_to_netcdf(fresh_path)
            fresh = pypsa.Network(fresh_path)
        finally:
            fresh_path.unlink(missing_ok=True)
        assert stored.equals(fresh), (
            f"{path} is stale against inputs/: run `energy-model build --year {year}`")


def test_reoptimising_the_written_network_with_plain_pypsa_gives_the_same_cost(solved_2024):
    summary = json.loads((solved_2024 / "summary.json").read_text())
    n = pypsa.Network(solved_2024 / "network.nc")
    status, _ = n.optimize(solver_name="highs", log_to_console=False,
                           include_objective_constant=False)  # as energy_model solves
    assert status == "ok"
    assert n.objective == pytest.approx(summary["total_system_cost_eur"], rel=1e-6)


def test_more_pipeline_capacity_never_raises_cost(data):
    base = solve(build_network(2024, inputs=data))
    more = build_network(2024, inputs=data)
    pipes = more.links.index[more.links.carrier == "gas pipeline"]
    more.links.loc[pipes, "p_nom"] *= 1.5
    solve(more)
    assert more.objective <= base.objective * (1 + 1e-9)


def test_tracing_accounts_for_all_served_gas(network_2024):
    n = network_2024
    d = trace_deliveries(n)
    w = n.snapshot_weightings.objective
    served = n.loads_t.p.mul(w, axis=0).sum().sum()
    uns = n.generators_t.p[n.generators.index[n.generators.carrier == "unserved gas"]]
    served -= uns.mul(w, axis=0).sum().sum()
    assert d.bcm.sum() * 10.55e6 == pytest.approx(served, rel=1e-6)
    assert np.isfinite(d.bcm).all()
