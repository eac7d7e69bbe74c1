"""Every validation rule, triggered by a small broken copy of the tiny inputs."""

from __future__ import annotations

import pytest
from conftest import append_rows, edit_csv

from energy_model.cli import main
from energy_model.data.loading import load_inputs
from energy_model.data.validation import InputError, validate_inputs


def messages(directory) -> list[str]:
    return [str(p) for p in validate_inputs(directory)]


def set_cell(directory, fname, row, column, value):
    def f(df):
        df.loc[row, column] = value
        return df

    edit_csv(directory, fname, f)


def test_tiny_inputs_are_valid(tiny):
    assert validate_inputs(tiny) == []


@pytest.mark.parametrize(
    ("fname", "row", "column", "value", "expected"),
    [
        ("pipelines.csv", 0, "to", "XX", "pipelines.csv, row 2, column 'to': unknown endpoint ['XX']"),
        ("pipelines.csv", 1, "capacity_fwd", "-3", "pipelines.csv, row 3, column 'capacity_fwd': -3.0 is below"),
        ("pipelines.csv", 0, "capacity_fwd", "", "pipelines.csv, row 2, column 'capacity_fwd': is empty"),
        ("pipelines.csv", 0, "capacity_fwd", "2 bcm", "pipelines.csv, row 2, column 'capacity_fwd': '2 bcm' is not a number"),
        ("pipelines.csv", 0, "capacity_unit", "bcf/d", "pipelines.csv, row 2, column 'capacity_unit': unknown unit 'bcf/d'"),
        ("pipelines.csv", 0, "capacity_unit", "TWh", "column 'capacity_unit': unit 'TWh' is a energy unit"),
        ("pipelines.csv", 0, "start_year", "1850", "pipelines.csv, row 2, column 'start_year': year 1850 is out of range"),
        ("pipelines.csv", 0, "status", "rumoured", "column 'status': 'rumoured' is not allowed"),
        ("pipelines.csv", 0, "source_id", "NOPE", "pipelines.csv, row 2, column 'source_id': unknown sources ['NOPE']"),
        ("pipelines.csv", 0, "source_id", "", "pipelines.csv, row 2, column 'source_id': is empty"),
        ("pipelines.csv", 0, "estimate", "maybe", "column 'estimate': ['maybe'] are not numeric columns"),
        ("pipelines.csv", 0, "estimate", "capacity_fwd;status", "column 'estimate': ['status'] are not numeric"),
        ("pipelines.csv", 0, "estimate", "tariff_eur_per_mwh", "pipelines.csv, row 2, column 'note': an estimate without its reasoning"),
        ("pipelines.csv", 0, "estimate", "true", "pipelines.csv, row 2, column 'note': an estimate without its reasoning"),
        ("pipelines.csv", 0, "from", "T1", "pipelines.csv, row 2, column 'to': a pipeline from a node to itself"),
        ("gas_demand.csv", 0, "region", "ZZ", "gas_demand.csv, row 2, column 'region': unknown region ['ZZ']"),
        ("gas_demand.csv", 0, "year", "2099", "year 2099 is out of range"),
        ("gas_supply.csv", 0, "annual_max", "-1", "gas_supply.csv, row 2, column 'annual_max': -1.0 is below"),
        ("gas_demand_shape.csv", 0, "share", "0.5", "gas_demand_shape.csv, row 13, column 'share': shares of TR sum to"),
        ("sources.csv", 0, "url", "www.example.org", "sources.csv, row 2, column 'url': 'www.example.org' is not a web address"),
        ("sources.csv", 0, "date", "Nov 2026", "sources.csv, row 2, column 'date': 'Nov 2026' is not a date"),
        ("regions.csv", 1, "nato", "yes", "regions.csv, row 3, column 'nato': 'yes' is not a boolean"),
    ],
)
def test_each_rule_names_file_row_column(tiny, fname, row, column, value, expected):
    set_cell(tiny, fname, row, column, value)
    found = messages(tiny)
    assert any(expected in m for m in found), found
    assert all("Fix:" in m for m in found)


def test_estimate_may_name_the_estimated_columns(tiny):
    """``estimate`` names the estimated values; a list of numeric columns is valid and loads
    as a row with an estimate."""
    set_cell(tiny, "pipelines.csv", 0, "estimate", "tariff_eur_per_mwh;length_km")
    set_cell(tiny, "pipelines.csv", 0, "note", "tariff and length estimated")
    assert validate_inputs(tiny) == []
    assert bool(load_inputs(tiny).pipelines.estimate.iloc[0])


def test_all_problems_reported_at_once(tiny):
    set_cell(tiny, "pipelines.csv", 0, "to", "XX")
    set_cell(tiny, "gas_supply.csv", 0, "unit", "barrels")
    set_cell(tiny, "supply_prices.csv", 0, "source_id", "missing-id")
    found = messages(tiny)
    assert len(found) >= 3
    assert {m.split(",")[0] for m in found} >= {"pipelines.csv", "gas_supply.csv",
                                               "supply_prices.csv"}


def test_missing_file_and_columns(tiny):
    (tiny / "storage.csv").unlink()
    edit_csv(tiny, "lng_terminals.csv", lambda df: df.drop(columns=["sendout_unit"]))
    found = messages(tiny)
    assert any(m.startswith("storage.csv: file is missing") for m in found)
    assert any("lng_terminals.csv, row 1: missing column(s) ['sendout_unit']" in m for m in found)


def test_duplicates_overlaps_and_contract_bounds(tiny):
    append_rows(tiny, "pipelines.csv", [dict(
        name="P1", asset="P", **{"from": "AZ", "to": "T1"}, capacity_fwd="3", capacity_rev="0",
        capacity_unit="bcm/yr", length_km="1000", start_year="2010", status="operating",
        source_id="T-1", estimate="false")])
    append_rows(tiny, "contracts.csv", [dict(
        name="C", seller="AZ", buyer="TR", delivery_points="P1;NOPE", start_year="2020",
        min_annual="2", max_annual="1", unit="bcm/yr", kind="physical", source_id="T-1",
        estimate="false")])
    found = messages(tiny)
    assert any("row 6, column 'start_year': period of 'P1' overlaps" in m for m in found), found
    assert any("contracts.csv, row 2, column 'min_annual': min_annual > max_annual" in m
               for m in found)
    assert any("column 'delivery_points': unknown delivery points ['NOPE']" in m for m in found)


def test_demand_coverage_is_checked(tiny):
    edit_csv(tiny, "gas_demand.csv", lambda df: df[df.year != "2030"])
    edit_csv(tiny, "cost_of_disrupted_gas.csv", lambda df: df.iloc[0:0])
    found = messages(tiny)
    assert any("no annual demand for TR in 2030" in m for m in found)
    assert any("no cost of disrupted gas for TR" in m for m in found)


def test_load_raises_with_every_problem(tiny):
    set_cell(tiny, "pipelines.csv", 0, "to", "XX")
    set_cell(tiny, "pipelines.csv", 1, "length_km", "far")
    with pytest.raises(InputError) as err:
        load_inputs(tiny)
    assert len(err.value.problems) == 2
    assert "2 problem(s)" in str(err.value)


def test_cli_validate_exit_codes(tiny, capsys):
    assert main(["validate", str(tiny)]) == 0
    set_cell(tiny, "pipelines.csv", 0, "to", "XX")
    assert main(["validate", str(tiny)]) == 1
    assert "pipelines.csv, row 2, column 'to'" in capsys.readouterr().err


# --- issue 12: data that used to pass validation and silently change the answer -------------

LNG_P1 = dict(name="P1", region="TR", sendout="1", sendout_unit="bcm/yr", start_year="2000",
              status="operating", source_id="T-1", estimate="false")
STORE = dict(name="S1", region="TR", working_gas="0", working_gas_unit="TWh", injection="1",
             injection_unit="GWh/d", withdrawal="1", withdrawal_unit="GWh/d", start_year="2000",
             status="operating", source_id="T-1", estimate="false")


def _cell(fname, row, column, value):
    return lambda d: set_cell(d, fname, row, column, value)


def _param(name, value):
    return lambda d: edit_csv(d, "parameters.csv", lambda df: df.assign(
        value=df.value.where(df.parameter != name, value)))


@pytest.mark.parametrize(("mutate", "expected"), [
    (_cell("gas_supply.csv", 1, "annual_max", "NaN"),
     "gas_supply.csv, row 3, column 'annual_max': 'NaN' is not a finite number"),
    (_cell("pipelines.csv", 2, "capacity_fwd", "inf"),
     "pipelines.csv, row 4, column 'capacity_fwd': 'inf' is not a finite number"),
    (_cell("pipelines.csv", 2, "capacity_fwd", "1e30"),
     "pipelines.csv, row 4, column 'capacity_fwd': 1e+30 is implausibly large"),
    (_cell("pipelines.csv", 2, "capacity_fwd", "1_000"),
     "pipelines.csv, row 4, column 'capacity_fwd': '1_000' is not a number"),
    (_cell("stresses.csv", 1, "probability", "1.5"),
     "stresses.csv, row 3, column 'probability': 1.5 is above 1"),
    (_param("compressor_fuel_per_1000km", "1.5"),
     "parameters.csv, row 2, column 'value': compressor_fuel_per_1000km = 1.5 is a fraction "
     "outside 0..1"),
    (_cell("pipelines.csv", 0, "length_km", "200000"),
     "pipelines.csv, row 2, column 'length_km': compressor fuel over 200000 km leaves an "
     "efficiency of -1"),
    (lambda d: append_rows(d, "lng_terminals.csv", [LNG_P1]),
     "lng_terminals.csv, row 2, column 'name': name 'P1' is already used in pipelines.csv"),
    (lambda d: edit_csv(d, "gas_supply.csv", lambda df: df.iloc[0:0]),
     "gas_supply.csv, row 2: the table has a header but no rows"),
    (_cell("gas_supply.csv", 5, "year", "2031"),
     "gas_supply.csv, row 7, column 'year': 2031 is not a model year"),
    (lambda d: edit_csv(d, "supply_prices.csv", lambda df: df.iloc[:-1]),
     "gas_supply.csv, row 7, column 'region': supplier RU has no price in 2030"),
    (lambda d: append_rows(d, "storage.csv", [STORE]),
     "storage.csv, row 2, column 'working_gas': zero working gas but injection or withdrawal"),
    (_cell("stress_actions.csv", 0, "target", "RUS"),
     "stress_actions.csv, row 2, column 'target': cut_supply target 'RUS' is not a known "
     "supplier"),
    (_cell("stress_actions.csv", 1, "target", "P33"),
     "stress_actions.csv, row 3, column 'target': outage target 'P33' is not a known asset"),
    (_cell("stress_actions.csv", 1, "value", "2"),
     "stress_actions.csv, row 3, column 'value': outage value 2 fraction is outside 0..1"),
    (_cell("stress_actions.csv", 1, "value", ""),
     "stress_actions.csv, row 3, column 'value': outage needs a value"),
    (_cell("option_assets.csv", 0, "target", "PY"),
     "option_assets.csv, row 2, column 'target': add_pipeline target 'PY' is not a known "
     "pipeline"),
    (lambda d: append_rows(d, "stresses.csv", [dict(stress="meteor", description="x",
                                                    probability="0.1", source_id="T-1",
                                                    estimate="false")]),
     "stresses.csv, row 5, column 'stress': stress 'meteor' has no action in "
     "stress_actions.csv"),
])
def test_silent_changes_are_now_problems(tiny, mutate, expected):
    mutate(tiny)
    found = messages(tiny)
    assert any(expected in m for m in found), found
    assert all("Fix:" in m for m in found)


def test_header_only_storage_is_a_warning(tiny, caplog):
    assert not [p for p in validate_inputs(tiny) if p.file == "storage.csv"]
    assert "storage.csv has a header but no rows" in caplog.text


# --- issue 24: one reader of numbers and names for validation, loading and stresses ----------


@pytest.mark.parametrize("text", ["2\u00a0", "\u0662", "\uff12", "20_00", "\u00a02", "2\u2009"])
def test_numbers_python_accepts_but_loading_would_lose_are_refused(tiny, text):
    set_cell(tiny, "pipelines.csv", 0, "capacity_fwd", text)
    found = [m for m in messages(tiny) if m.startswith("pipelines.csv, row 2, column "
                                                       "'capacity_fwd'")]
    assert found, messages(tiny)
    with pytest.raises(InputError):
        load_inputs(tiny)


def test_a_number_that_validates_loads_to_the_same_value(tiny):
    set_cell(tiny, "pipelines.csv", 0, "capacity_fwd", " 2.0e0 ")
    set_cell(tiny, "pipelines.csv", 0, "start_year", " 2000")
    assert validate_inputs(tiny) == []
    p = load_inputs(tiny).pipelines
    assert p.capacity_fwd.iloc[0] == 2.0 and p.start_year.iloc[0] == 2000


def test_plain_spaces_around_names_are_stripped_for_loading_and_stresses(tiny):
    from energy_model.network.build import build_network
    from energy_model.scenarios.stresses import apply_stress

    set_cell(tiny, "stress_actions.csv", 0, "target", "RU ")
    set_cell(tiny, "stress_actions.csv", 1, "target", "P3 ")
    set_cell(tiny, "pipelines.csv", 0, "to", "T1 ")
    set_cell(tiny, "pipelines.csv", 0, "capacity_unit", " bcm/yr")
    assert validate_inputs(tiny) == []
    data = load_inputs(tiny)
    assert list(data.stress_actions.target) == ["RU", "P3"]
    assert data.pipelines["to"].iloc[0] == "T1"
    n = build_network(2030, inputs=data)
    apply_stress(n, "russia-cut", data)
    ru = n.generators[(n.generators.carrier == "gas supply") & (n.generators.origin == "RU")]
    assert len(ru) and (ru.p_nom == 0).all()


def test_swing_is_bounded(tiny):
    set_cell(tiny, "gas_supply.csv", 0, "swing", "50")
    assert any("gas_supply.csv, row 2, column 'swing': 50 is above the maximum 2" in m
               for m in messages(tiny))


def test_a_storage_outage_that_validates_hits_the_storage(tiny):
    """validate accepts a storage name as an outage target; the stress must then act on it."""
    from energy_model.network.build import build_network
    from energy_model.scenarios.stresses import apply_stress

    append_rows(tiny, "storage.csv", [{**STORE, "working_gas": "1"}])
    append_rows(tiny, "stresses.csv", [dict(stress="s1-outage", description="x",
                                            probability="0.1", source_id="T-1",
                                            estimate="false")])
    append_rows(tiny, "stress_actions.csv", [dict(stress="s1-outage", action="outage",
                                                  target="S1", value="1", unit="fraction",
                                                  source_id="T-1", estimate="false")])
    assert validate_inputs(tiny) == []
    data = load_inputs(tiny)
    n = build_network(2030, inputs=data)
    apply_stress(n, "s1-outage", data)
    hit = n.links.loc[["S1 injection", "S1 withdrawal"]]
    assert (hit.p_nom * hit.p_max_pu == 0).all()  # no flow either way
