"""A corpus of broken inputs (CSV tables and YAML study files), each refused before any solve.

Every case of ``csv_cases.yaml`` mutates a copy of ``tests/data/tiny``; ``energy-model validate``
must exit 1 and ``energy-model solve`` exit 2, both naming the file, row and column and giving a
fix. Every case of ``study_cases.yaml`` is a study file that ``energy-model run`` must refuse
(exit 2) naming the key. The solver is replaced by a function that fails the test if called.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from energy_model.cli import main

HERE = Path(__file__).parent
TINY = HERE.parent / "data" / "tiny"
CSV_CASES = yaml.safe_load((HERE / "csv_cases.yaml").read_text())
STUDY_CASES = yaml.safe_load((HERE / "study_cases.yaml").read_text())


def test_the_corpus_has_at_least_40_kinds():
    assert len(CSV_CASES) + len(STUDY_CASES) >= 40
    ids = [c["id"] for c in CSV_CASES + STUDY_CASES]
    assert len(ids) == len(set(ids))


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def apply_mutation(directory: Path, case: dict) -> None:
    """Apply one case of ``csv_cases.yaml`` to the copy ``directory``."""
    path = directory / case["file"]
    op = case["op"]
    if op == "delete_file":
        path.unlink()
        return
    if op == "raw":
        path.write_bytes(case["text"].encode(case.get("encoding", "utf-8")))
        return
    df = _read(path)
    if op == "set":
        df.loc[df.index[case["row"]], case["column"]] = case["value"]
    elif op == "append":
        df = pd.concat([df, pd.DataFrame([case["row"]])], ignore_index=True).fillna("")
    elif op == "header_only":
        df = df.iloc[0:0]
    elif op == "drop_rows":
        mask = pd.Series(True, index=df.index)
        for col, value in case["where"].items():
            mask &= df[col] == str(value)
        assert mask.any(), f"case {case['id']}: no row matches {case['where']}"
        df = df[~mask]
    elif op == "drop_column":
        df = df.drop(columns=[case["column"]])
    else:
        raise AssertionError(f"unknown op {op!r}")
    df.to_csv(path, index=False)


@pytest.fixture
def no_solver(monkeypatch):
    """Fail the test if anything reaches the network builder or the solver."""

    def fail(*args, **kwargs):
        raise AssertionError("a broken input reached the model")

    monkeypatch.setattr("linopy.Model.solve", fail)
    monkeypatch.setattr("energy_model.optimization.solver.solve", fail)
    monkeypatch.setattr("energy_model.network.build.build_network", fail)


@pytest.mark.parametrize("case", CSV_CASES, ids=[c["id"] for c in CSV_CASES])
def test_broken_csv_is_refused_with_file_row_column_and_fix(case, tmp_path, no_solver, capsys):
    inputs = tmp_path / "inputs"
    shutil.copytree(TINY, inputs)
    apply_mutation(inputs, case)

    assert main(["validate", str(inputs)]) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if case["expect"] in line]
    assert lines, err
    assert all("Fix: " in line for line in lines)

    code = main(["solve", "--year", "2030", "--inputs", str(inputs), "--out",
                 str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and case["expect"] in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("case", STUDY_CASES, ids=[c["id"] for c in STUDY_CASES])
def test_broken_study_file_is_refused_naming_the_key(case, tmp_path, no_solver, capsys):
    study = tmp_path / "study.yaml"
    study.write_bytes(case["text"].encode(case.get("encoding", "utf-8")))
    code = main(["run", str(study), "--inputs", str(TINY), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert case["expect"] in err and "Traceback" not in err
    assert str(study) in err
    assert not (tmp_path / "out").exists()
