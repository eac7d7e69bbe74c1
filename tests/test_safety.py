"""Issue 12, "nothing lost, no silent wrong answers": one test per problem of the issue's list.

Each test reproduces a problem found by a careful user (data loss, stale answers, silently
accepted inputs, unchecked targets, concurrent runs, interrupts, unclear errors) and checks that
it is now refused with a message, or no longer happens.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path

import pytest

from energy_model.cli import main
from energy_model.outdir import (
    LOCK,
    MANIFEST,
    OutputDirBusyError,
    OutputDirError,
    foreign_entries,
    output_dir,
)

# --- data loss: --out must never delete what the tool did not write -------------------------


def _populate(d: Path) -> None:
    (d / "sub").mkdir(parents=True)
    (d / "notes.txt").write_text("my notes")
    (d / "sub" / "thesis.tex").write_text("chapter 1")


def test_out_dir_with_foreign_files_is_refused_and_untouched(tmp_path):
    _populate(tmp_path / "work")
    with pytest.raises(OutputDirError, match=r"did not write .*notes\.txt.*--force"):
        with output_dir(tmp_path / "work") as stage:
            (stage / "summary.json").write_text("{}")
    assert (tmp_path / "work" / "notes.txt").read_text() == "my notes"
    assert (tmp_path / "work" / "sub" / "thesis.tex").read_text() == "chapter 1"
    assert not (tmp_path / "work" / "summary.json").exists()


def test_force_writes_beside_foreign_files_and_keeps_them(tmp_path):
    work = tmp_path / "work"
    _populate(work)
    with output_dir(work, force=True) as stage:
        (stage / "summary.json").write_text("{}")
    assert (work / "notes.txt").read_text() == "my notes"
    assert (work / "sub" / "thesis.tex").read_text() == "chapter 1"
    assert json.loads((work / MANIFEST).read_text())["files"] == ["summary.json"]
    # a second forced run replaces only its own file, still keeps the others
    with output_dir(work, force=True) as stage:
        (stage / "flows.csv").write_text("a\n")
    assert not (work / "summary.json").exists()
    assert (work / "flows.csv").exists() and (work / "notes.txt").exists()


def test_rerun_replaces_own_files_without_force(tmp_path):
    out = tmp_path / "out"
    with output_dir(out) as stage:
        (stage / "a.csv").write_text("1")
        (stage / "b.csv").write_text("1")
    with output_dir(out) as stage:
        (stage / "a.csv").write_text("2")
    assert (out / "a.csv").read_text() == "2" and not (out / "b.csv").exists()
    assert foreign_entries(out) == []


def test_failed_write_leaves_earlier_results_whole(tmp_path):
    out = tmp_path / "out"
    with output_dir(out) as stage:
        (stage / "a.csv").write_text("old")
    with pytest.raises(RuntimeError, match="boom"), output_dir(out) as stage:
        (stage / "a.csv").write_text("new")
        raise RuntimeError("boom")
    assert (out / "a.csv").read_text() == "old"
    assert not [p for p in tmp_path.iterdir() if "tmp" in p.name]  # staging removed


def test_out_dir_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputDirError, match="is an existing file"):
        with output_dir(tmp_path / "f"):
            pass


def test_cli_solve_into_a_working_directory_is_refused_before_solving(tiny, tmp_path,
                                                                      monkeypatch, capsys):
    """`energy-model solve --out .` wiped a working directory; now it stops with a message."""
    work = tmp_path / "work"
    _populate(work)
    monkeypatch.chdir(work)
    monkeypatch.setattr("energy_model.optimization.solver.solve", _no_solve)
    assert main(["solve", "--year", "2030", "--inputs", str(tiny), "--out", "."]) == 2
    err = capsys.readouterr().err
    assert "did not write" in err and "--force" in err and "Traceback" not in err
    assert (work / "notes.txt").exists() and (work / "sub" / "thesis.tex").exists()


def test_cli_solve_with_force_keeps_the_working_directory(tiny, tmp_path, monkeypatch):
    work = tmp_path / "work"
    _populate(work)
    assert main(["solve", "--year", "2030", "--inputs", str(tiny), "--out", str(work),
                 "--force"]) == 0
    assert (work / "notes.txt").read_text() == "my notes"
    assert (work / "sub" / "thesis.tex").exists() and (work / "summary.json").exists()
    # again without --force: the directory still holds the user's files, so refused
    assert main(["solve", "--year", "2030", "--inputs", str(tiny), "--out", str(work)]) == 2


def _no_solve(*args, **kwargs):
    raise AssertionError("the solver must not be called")


# --- two runs into one out dir: a lock ----------------------------------------------------------


def _hold_lock(out: str, ready, release) -> None:
    with output_dir(out) as stage:
        (Path(stage) / "a.csv").write_text("first")
        ready.set()
        release.wait(30)


def test_second_run_into_the_same_out_dir_stops_with_a_message(tmp_path):
    out = tmp_path / "out"
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(str(out), ready, release))
    proc.start()
    try:
        assert ready.wait(60)
        with pytest.raises(OutputDirBusyError, match=r"in use by another energy-model run \(pid"):
            with output_dir(out) as stage:
                (stage / "a.csv").write_text("second")
    finally:
        release.set()
        proc.join(60)
    assert (out / "a.csv").read_text() == "first"
    with output_dir(out, wait=5) as stage:  # free again once the first run ended
        (stage / "a.csv").write_text("third")
    assert (out / "a.csv").read_text() == "third"
    assert (out / LOCK).exists()


def test_lock_of_a_killed_run_is_released(tmp_path):
    out = tmp_path / "out"
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(str(out), ready, release))
    proc.start()
    assert ready.wait(60)
    proc.kill()
    proc.join(60)
    deadline = time.monotonic() + 10
    with output_dir(out, wait=max(deadline - time.monotonic(), 0)) as stage:
        (stage / "a.csv").write_text("after kill")
    assert (out / "a.csv").read_text() == "after kill"


# --- stale answers: caches keyed by content, records validated ---------------------------------

ONE_CASE = {"name": "one", "year": 2030, "options": {"reference": []}, "stresses": ["none"],
            "climates": ["average"]}


def _study(data, **changes):
    from energy_model.study.schema import Study

    return Study(**{**ONE_CASE, **changes})


def test_edited_inputs_are_reloaded_in_the_same_session(tiny, tmp_path):
    """A second run_study on an edited directory used the inputs loaded the first time."""
    from conftest import edit_csv

    from energy_model.study.runner import run_study

    first = run_study(_study(None), tmp_path / "a", inputs=tiny, workers=1, progress=False)
    edit_csv(tiny, "supply_prices.csv",
             lambda df: df.assign(price_eur_per_mwh=df.price_eur_per_mwh.where(
                 df.region != "RU", "40")))
    second = run_study(_study(None), tmp_path / "b", inputs=tiny, workers=1, progress=False)
    assert second.attrs["inputs_sha256"] != first.attrs["inputs_sha256"]
    fresh = _fresh_cost(tiny)
    assert float(second.total_cost.item()) == pytest.approx(fresh, rel=1e-9)
    assert float(second.total_cost.item()) > float(first.total_cost.item())


def _fresh_cost(directory) -> float:
    from energy_model.data.loading import load_inputs
    from energy_model.network.build import build_network
    from energy_model.optimization.solver import solve
    from energy_model.scenarios.curtailment import apply_cooperative_curtailment

    n = build_network(2030, (), load_inputs(directory))
    apply_cooperative_curtailment(n)
    return float(solve(n).objective)


def test_worker_refuses_inputs_changed_after_hashing(tiny):
    from conftest import append_rows

    from energy_model.provenance import hash_inputs
    from energy_model.study.cache import InputsChangedError, cached_inputs

    h = hash_inputs(tiny)
    append_rows(tiny, "sources.csv", [dict(source_id="T-9", publisher="x", title="x",
                                           url="https://example.org", date="2026")])
    with pytest.raises(InputsChangedError, match="changed after the study started"):
        cached_inputs(tiny, h)


@pytest.fixture
def cached_run(tiny, tmp_path):
    from energy_model.study.runner import run_study

    out = tmp_path / "out"
    ds = run_study(_study(None), out, inputs=tiny, workers=1, progress=False)
    (record,) = (out / "cache").glob("*.json")
    return tiny, out, ds, record


def _count_cases(monkeypatch) -> list:
    """Record every case spec the study hands to the workers (one task per option set)."""
    import energy_model.study.batch as batch

    calls: list = []
    real = batch.run_option_set
    monkeypatch.setattr(batch, "run_option_set", lambda specs: calls.extend(specs) or real(specs))
    return calls


@pytest.mark.parametrize(("damage", "why"), [
    (lambda t: t[: len(t) // 2], "not JSON, perhaps truncated"),
    (lambda t: t.replace('"total_cost_eur": ', '"total_cost_eur": 1'), "checksum mismatch"),
    (lambda t: "[1, 2]", "not a schema-1 record"),
])
def test_bad_cache_record_is_recomputed_with_a_warning_naming_it(cached_run, monkeypatch,
                                                                 caplog, damage, why):
    from energy_model.study.runner import run_study

    tiny, out, ds, record = cached_run
    record.write_text(damage(record.read_text()))
    calls = _count_cases(monkeypatch)
    again = run_study(_study(None), out, inputs=tiny, workers=1, progress=False)
    assert len(calls) == 1
    assert any(str(record) in r.getMessage() and why in r.getMessage() for r in caplog.records)
    assert float(again.total_cost.item()) == float(ds.total_cost.item())
    assert json.loads(record.read_text())["result"]["total_cost_eur"] == float(ds.total_cost.item())


def test_valid_cache_record_is_used(cached_run, monkeypatch):
    from energy_model.study.runner import run_study

    tiny, out, _, _ = cached_run
    calls = _count_cases(monkeypatch)
    run_study(_study(None), out, inputs=tiny, workers=1, progress=False)
    assert calls == []


# --- clear errors: build_network, the infeasible hint ------------------------------------------


@pytest.mark.parametrize(("year", "error", "match"), [
    (2025, ValueError, "no model data for 2025: the model years are 2024, 2026, 2030"),
    (1990, ValueError, "no model data for 1990"),
    ("2026", TypeError, "year must be a whole number such as 2030, not '2026' \\(str\\)"),
    (2026.0, TypeError, "not 2026.0 \\(float\\)"),
    (True, TypeError, "not True \\(bool\\)"),
])
def test_build_network_refuses_a_year_without_data_or_of_the_wrong_type(tiny, year, error,
                                                                        match):
    from energy_model.network.build import build_network

    with pytest.raises(error, match=match):
        build_network(year, inputs=tiny)


def test_build_network_refuses_an_option_string(tiny):
    """An option given as a string was read letter by letter."""
    from energy_model.network.build import build_network

    with pytest.raises(TypeError, match=r"not the string 'px' \(write \['px'\]\)"):
        build_network(2030, "px", inputs=tiny)


def test_infeasible_contract_is_named_from_the_infeasible_set(tiny):
    from conftest import append_rows

    from energy_model.network.build import build_network
    from energy_model.optimization.solver import SolveError, solve

    append_rows(tiny, "contracts.csv", [dict(
        name="impossible", seller="AZ", buyer="TR", delivery_points="P2", start_year="2020",
        min_annual="0.9", max_annual="1", unit="bcm/yr", kind="physical", source_id="T-1",
        estimate="false")])
    with pytest.raises(SolveError) as err:
        solve(build_network(2030, inputs=tiny))
    text = str(err.value)
    assert "infeasible set" in text and "meter P2" in text
    assert "Likely cause: contract(s) impossible (contracts.csv)" in text


def test_infeasibility_without_contracts_does_not_blame_contracts(tiny):
    from energy_model.network.build import build_network
    from energy_model.optimization.solver import SolveError, solve

    n = build_network(2030, inputs=tiny)
    n.add("Generator", "must-run", bus="TR", p_nom=1e6, p_min_pu=1.0, marginal_cost=0.0,
          carrier="gas supply")
    with pytest.raises(SolveError) as err:
        solve(n)
    text = str(err.value)
    assert "nodal_balance of Bus TR" in text
    assert "Components forced to run at those buses: Generator must-run (p_min_pu=1)" in text
    assert "contract" not in text.lower()


def _load_study_text(tiny, tmp_path, text: bytes):
    from energy_model.data.loading import load_inputs
    from energy_model.study.schema import load_study

    path = tmp_path / "study.yaml"
    path.write_bytes(text)
    return load_study(path, load_inputs(tiny))


def test_study_year_as_a_float_is_rejected(tiny, tmp_path):
    """`year: 2030.0` passed validation and wrote all-NaN results."""
    from energy_model.study.schema import StudyError

    with pytest.raises(StudyError, match=r"key 'year': 2030.0 is not a model year"):
        _load_study_text(tiny, tmp_path, b"name: x\nyear: 2030.0\noptions: {reference: []}\n"
                                         b"stresses: [none]\n")


def test_study_option_list_as_a_string_is_rejected(tiny, tmp_path):
    from energy_model.study.schema import StudyError

    with pytest.raises(StudyError, match=r"options.a: give a list of option names"):
        _load_study_text(tiny, tmp_path, b"name: x\nyear: 2030\noptions: {a: px}\n"
                                         b"stresses: [none]\n")


def test_non_utf8_study_file_is_a_message_not_a_traceback(tiny, tmp_path):
    from energy_model.study.schema import StudyError

    with pytest.raises(StudyError, match=r"study.yaml: 1 problem\(s\)\n  - is not UTF-8 text "
                                         r"\(byte 7: b'\\xe9'\); save the file as UTF-8"):
        _load_study_text(tiny, tmp_path, "name: d\xe9j\xe0\nyear: 2030\n".encode("latin-1"))


# --- the CLI: one message and a non-zero exit, a traceback only with --debug -------------------


def _study_file(tmp_path, text: str | bytes) -> str:
    path = tmp_path / "study.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


GOOD_STUDY = "name: t\nyear: 2030\noptions: {reference: []}\nstresses: [none]\n"


@pytest.mark.parametrize(("args", "expected"), [
    (["solve", "--year", "2025"], "no model data for 2025"),
    (["solve", "--year", "2030", "--option", "nope"], "nope"),
    (["run", "STUDY:name: t\nyear: 2030.0\noptions: {reference: []}\nstresses: [none]\n"],
     "key 'year': 2030.0 is not a model year"),
    (["run", "STUDY:name: t\nyear: 2030\noptions: {reference: [nope]}\nstresses: [none]\n"],
     "options.reference: unknown option 'nope'"),
    (["run", "STUDY:name: t\nyear: 2030\noptions: {reference: []}\nstresses: [meteor]\n"],
     "stresses: unknown stress 'meteor'"),
    (["run", "STUDY-LATIN1"], "is not UTF-8 text"),
    (["run", "STUDY:" + GOOD_STUDY, "--out", "FILE"], "is an existing file"),
    (["run", str(Path("no") / "such" / "study.yaml")], "cannot be read"),
])
def test_cli_expected_failures_are_one_message(tiny, tmp_path, monkeypatch, capsys, args,
                                               expected):
    monkeypatch.setattr("energy_model.optimization.solver.solve", _no_solve)
    monkeypatch.setattr("linopy.Model.solve", _no_solve)
    args = list(args)
    if args[1].startswith("STUDY:"):
        args[1] = _study_file(tmp_path, args[1].removeprefix("STUDY:"))
    elif args[1] == "STUDY-LATIN1":
        args[1] = _study_file(tmp_path, "name: d\xe9j\xe0\n".encode("latin-1"))
    if "--out" in args:
        (tmp_path / "file").write_text("x")
        args[args.index("--out") + 1] = str(tmp_path / "file")
    else:
        args += ["--out", str(tmp_path / "out")]
    code = main([*args, "--inputs", str(tiny)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert expected in err
    assert "Traceback" not in err


def test_cli_solver_failure_is_one_message_naming_the_culprit(tiny, tmp_path, capsys):
    from conftest import append_rows

    append_rows(tiny, "contracts.csv", [dict(
        name="impossible", seller="AZ", buyer="TR", delivery_points="P2", start_year="2020",
        min_annual="0.9", max_annual="1", unit="bcm/yr", kind="physical", source_id="T-1",
        estimate="false")])
    code = main(["solve", "--year", "2030", "--inputs", str(tiny), "--out",
                 str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "contract(s) impossible" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_cli_debug_shows_the_traceback(tiny, tmp_path):
    with pytest.raises(ValueError, match="no model data for 2025"):
        main(["solve", "--year", "2025", "--inputs", str(tiny), "--out", str(tmp_path / "o"),
              "--debug"])


# --- interrupts: Ctrl-C / SIGTERM keep finished cases, kill -9 leaves no worker ------------------

DRIVER = '''
import signal, sys, time
# as in a terminal (a background job of a non-interactive shell starts with SIGINT ignored)
signal.signal(signal.SIGINT, signal.default_int_handler)
import energy_model.scenarios.stresses as stresses
real = stresses.apply_stress

def slow_stress(n, stress, data):
    if stress == "p3-outage":
        time.sleep(120)
    return real(n, stress, data)

stresses.apply_stress = slow_stress  # the last case of each option set hangs
from energy_model.cli import main
sys.exit(main(["run", sys.argv[1], "--inputs", sys.argv[2], "--out", sys.argv[3],
               "--workers", "2", "-q"]))
'''

INTERRUPT_STUDY = ("name: stop\nyear: 2030\noptions: {reference: [], px: [px]}\n"
                   "stresses: [none, russia-cut, p3-outage]\nclimates: [average]\n")


def _start_driver(tiny, tmp_path):
    import subprocess
    import sys

    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    study = _study_file(tmp_path, INTERRUPT_STUDY)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, str(driver), study, str(tiny), str(out)],
                            stderr=subprocess.PIPE, text=True)
    cache = out / "cache"
    deadline = time.monotonic() + 240
    while len(list(cache.glob("*.json"))) < 4:  # the four fast cases are done
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the fast cases did not finish"
        time.sleep(0.5)
    return proc, out


def _workers_of(pid: int) -> list:
    import psutil

    return psutil.Process(pid).children(recursive=True)


def _wait_gone(procs, timeout: float = 30) -> list:
    import psutil

    _, alive = psutil.wait_procs(procs, timeout=timeout)
    return alive


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_interrupt_stops_workers_and_keeps_finished_cases(tiny, tmp_path, sig):
    import signal

    proc, out = _start_driver(tiny, tmp_path)
    workers = _workers_of(proc.pid)
    assert workers
    proc.send_signal(getattr(signal, sig))
    try:
        code = proc.wait(timeout=60)  # the slow cases would take 120 s more
    finally:
        proc.kill()
    err = proc.stderr.read()
    assert code == 130, err
    assert "study interrupted after 4 of 6 case(s)" in err and "kept in the cache" in err
    assert "Traceback" not in err
    assert _wait_gone(workers) == []
    assert len(list((out / "cache").glob("*.json"))) == 4
    assert not (out / "results.nc").exists()  # no partial results written


def test_killed_main_process_leaves_no_worker(tiny, tmp_path):
    proc, _ = _start_driver(tiny, tmp_path)
    workers = _workers_of(proc.pid)
    assert workers
    proc.kill()
    proc.wait(30)
    assert _wait_gone(workers) == []


# --- reproducible studies: --check against a stored baseline, bit-identical re-runs -------------

BASELINE = Path(__file__).parent / "baseline"


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The shipped baseline study run twice from scratch, each checked against the baseline."""
    from conftest import TINY

    tmp = tmp_path_factory.mktemp("repro")
    outs = []
    for k in (1, 2):
        out = tmp / f"run{k}"
        code = main(["run", str(BASELINE / "tiny_study.yaml"), "--inputs", str(TINY), "--out",
                     str(out), "--workers", "1", "-q", "--check", str(BASELINE / "tiny")])
        outs.append((code, out))
    return outs


def test_study_matches_the_stored_baseline(two_runs, capsys):
    for code, out in two_runs:
        assert code == 0, out
        assert (out / "results.nc").exists()


def test_rerun_on_the_same_inputs_is_bit_identical(two_runs):
    (_, a), (_, b) = two_runs
    files = sorted(p.name for p in a.iterdir() if p.suffix in (".nc", ".csv", ".md"))
    assert "results.nc" in files and "costs.csv" in files
    for name in files:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_check_lists_a_difference_and_exits_non_zero(two_runs, tmp_path, capsys):
    import xarray as xr
    from conftest import TINY

    ds = xr.open_dataset(BASELINE / "tiny" / "results.nc").load()
    ds["total_cost"][0, 0, 0] *= 1.01
    ds["status"] = ds.status.astype(object)
    ds["status"][1, 0, 1] = "failed"
    (tmp_path / "moved").mkdir()
    ds.to_netcdf(tmp_path / "moved" / "results.nc")
    (_, out) = two_runs[0]
    capsys.readouterr()
    code = main(["run", str(BASELINE / "tiny_study.yaml"), "--inputs", str(TINY), "--out",
                 str(out), "--workers", "1", "-q", "--check", str(tmp_path / "moved")])
    text = capsys.readouterr().out
    assert code == 1
    assert "2 difference(s)" in text, text
    assert "total_cost[" in text and "instead of" in text
    assert "status[" in text and "'ok' instead of 'failed'" in text


# --- the issue's list of inputs that validate used to pass (cases of tests/broken/) -------------

ISSUE_EXAMPLES = [
    "nan-literal", "supply-nan", "supply-header-only", "codg-header-only",
    "lng-named-like-pipeline", "supply-non-model-year", "inf", "absurd-1e30",
    "probability-above-1", "parameter-fraction", "compressor-fuel-eats-all-gas",
    "zero-working-gas", "missing-supply-price", "cut-supply-misspelt", "outage-misspelt",
    "option-target-misspelt",
]


def _corpus():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "broken_corpus", Path(__file__).parent / "broken" / "test_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("case_id", ISSUE_EXAMPLES)
def test_inputs_that_silently_changed_the_answer_are_refused(tiny, case_id):
    from energy_model.data.loading import load_inputs
    from energy_model.data.validation import InputError

    corpus = _corpus()
    (case,) = [c for c in corpus.CSV_CASES if c["id"] == case_id]
    corpus.apply_mutation(tiny, case)
    with pytest.raises(InputError) as err:
        load_inputs(tiny)
    assert case["expect"] in str(err.value)


def test_header_only_storage_is_reported(tiny, caplog):
    """All storage gone: allowed (the tiny data has none) but never silent."""
    from conftest import edit_csv

    from energy_model.data.loading import load_inputs

    edit_csv(tiny, "storage.csv", lambda df: df.iloc[0:0])
    load_inputs(tiny)
    assert "storage.csv has a header but no rows: the model has no storage" in caplog.text


def test_long_lived_dask_cluster_sees_edited_inputs(tiny, tmp_path):
    distributed = pytest.importorskip("distributed")
    from conftest import edit_csv

    from energy_model.study.runner import run_study

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        first = run_study(_study(None), tmp_path / "a", inputs=tiny,
                          scheduler=cluster.scheduler_address, progress=False)
        edit_csv(tiny, "supply_prices.csv",
                 lambda df: df.assign(price_eur_per_mwh=df.price_eur_per_mwh.where(
                     df.region != "RU", "40")))
        second = run_study(_study(None), tmp_path / "b", inputs=tiny,
                           scheduler=cluster.scheduler_address, progress=False)
    assert float(second.total_cost.item()) == pytest.approx(_fresh_cost(tiny), rel=1e-9)
    assert float(second.total_cost.item()) > float(first.total_cost.item())


# --- issue 24: the tool owns only what it wrote, inside its folder -----------------------------


def _with_manifest_entry(out: Path, entry: str) -> None:
    m = json.loads((out / MANIFEST).read_text())
    m["files"].append(entry)
    (out / MANIFEST).write_text(json.dumps(m))


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "through-symlink"])
def test_manifest_entries_outside_the_folder_are_never_removed(tmp_path, caplog, kind):
    """A results folder whose manifest lists `../x`, `/abs/x` or `link/x` deleted those files."""
    out, home = tmp_path / "out", tmp_path / "home"
    home.mkdir()
    victim = home / "thesis.tex"
    victim.write_text("chapter 1")
    with output_dir(out) as stage:
        (stage / "a.csv").write_text("1")
    if kind == "through-symlink":
        (out / "link").symlink_to(home, target_is_directory=True)
        m = json.loads((out / MANIFEST).read_text())
        m["dirs"] = ["link"]  # a manifest claiming the link as its own folder, too
        (out / MANIFEST).write_text(json.dumps(m))
    entry = {"dotdot": "../home/thesis.tex", "absolute": str(victim),
             "through-symlink": "link/thesis.tex"}[kind]
    _with_manifest_entry(out, entry)
    with output_dir(out, force=True) as stage:
        (stage / "a.csv").write_text("2")
    assert victim.read_text() == "chapter 1"
    assert (out / "a.csv").read_text() == "2"
    assert entry not in json.loads((out / MANIFEST).read_text())["files"]
    if kind != "through-symlink":
        assert "not inside" in caplog.text and "ignored" in caplog.text


def test_cli_force_never_overwrites_a_file_the_tool_did_not_write(tiny, tmp_path, capsys):
    """`solve --out inputs --force` overwrote the inputs' contracts.csv ("those files are kept")."""
    before = (tiny / "contracts.csv").read_bytes()
    code = main(["solve", "--year", "2030", "--inputs", str(tiny), "--out", str(tiny),
                 "--force", "-q"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "contracts.csv" in err and "did not write" in err and "nothing was written" in err
    assert (tiny / "contracts.csv").read_bytes() == before
    assert not (tiny / "summary.json").exists() and not (tiny / "network.nc").exists()


def test_force_does_not_write_through_a_symlinked_folder(tmp_path):
    """A `figures` symlink in --out led the tool's writes to a folder outside it."""
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "figures").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(OutputDirError, match="symbolic link"), \
            output_dir(out, force=True) as stage:
        (stage / "figures").mkdir()
        (stage / "figures" / "map.png").write_bytes(b"png")
    assert list(elsewhere.iterdir()) == []


def test_lock_file_symlink_is_not_followed(tmp_path):
    """A `.energy_model.lock` symlink to a user's file had that file truncated by the lock."""
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "notes.txt"
    victim.write_text("my notes")
    (out / LOCK).symlink_to(victim)
    with pytest.raises(OutputDirError, match="symbolic link"), output_dir(out) as stage:
        (stage / "a.csv").write_text("1")
    assert victim.read_text() == "my notes"


def test_cache_folder_symlink_is_refused(tmp_path):
    """A `cache` symlink in --out made a study write its records outside the folder."""
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "cache").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(OutputDirError, match="symbolic link"), \
            output_dir(out, force=True, keep=("cache",)):
        pass


def test_foreign_cache_folder_is_not_claimed(tmp_path):
    """With --force, a user's own `cache/` folder became the study's and hid its files."""
    out = tmp_path / "out"
    (out / "cache").mkdir(parents=True)
    (out / "cache" / "notes.txt").write_text("mine")
    with pytest.raises(OutputDirError, match="did not write, and the run would write into it"), \
            output_dir(out, force=True, keep=("cache",)):
        pass
    assert foreign_entries(out) == ["cache"]


def test_cli_build_does_not_write_through_a_symlink(tiny, tmp_path, capsys):
    """`build` wrote gas_2030.nc through a symlink to a file outside --out."""
    out = tmp_path / "networks"
    out.mkdir()
    victim = tmp_path / "precious.nc"
    victim.write_text("not a network")
    (out / "gas_2030.nc").symlink_to(victim)
    assert main(["build", "--year", "2030", "--inputs", str(tiny), "--out", str(out)]) == 2
    assert "gas_2030.nc" in capsys.readouterr().err
    assert main(["build", "--year", "2030", "--inputs", str(tiny), "--out", str(out),
                 "--force"]) == 2
    assert "gas_2030.nc" in capsys.readouterr().err
    assert victim.read_text() == "not a network"


def test_cli_build_keeps_a_manifest_and_other_years(tiny, tmp_path):
    """`build` had no manifest or lock; a second year must not remove the first."""
    out = tmp_path / "networks"
    assert main(["build", "--year", "2030", "--inputs", str(tiny), "--out", str(out)]) == 0
    assert json.loads((out / MANIFEST).read_text())["files"] == ["gas_2030.nc"]
    assert main(["build", "--year", "2026", "--inputs", str(tiny), "--out", str(out)]) == 0
    assert json.loads((out / MANIFEST).read_text())["files"] == ["gas_2026.nc", "gas_2030.nc"]
    assert (out / "gas_2030.nc").exists() and (out / "gas_2026.nc").exists()
    (out / "notes.txt").write_text("mine")
    assert main(["build", "--year", "2030", "--inputs", str(tiny), "--out", str(out)]) == 2
    assert (out / "notes.txt").read_text() == "mine"


def test_shipped_networks_folder_is_the_tools_own():
    """The repository's networks/ has a manifest, so `energy-model build` can refresh it."""
    import energy_model

    assert foreign_entries(Path(energy_model.__file__).parents[1] / "networks") == []


def _hold_stage(out: str, ready) -> None:
    with output_dir(out) as stage:
        (Path(stage) / "a.csv").write_text("half")
        ready.set()
        time.sleep(120)


def test_staging_folder_of_a_killed_run_is_removed_by_the_next(tmp_path):
    """SIGKILL during a write left an empty staging folder behind for ever."""
    out = tmp_path / "out"
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    proc = ctx.Process(target=_hold_stage, args=(str(out), ready))
    proc.start()
    assert ready.wait(60)
    proc.kill()
    proc.join(60)
    with output_dir(out, wait=10) as stage:
        (stage / "a.csv").write_text("whole")
    left = [p for p in tmp_path.rglob("*") if "energy_model-tmp" in p.name]
    assert left == []
    assert (out / "a.csv").read_text() == "whole"
    assert foreign_entries(out) == []


# --- a study run twice into its own folder keeps a fresh report --------------------------------


def _run_tiny(out: Path, *extra: str) -> int:
    from conftest import TINY

    return main(["run", str(BASELINE / "tiny_study.yaml"), "--inputs", str(TINY), "--out",
                 str(out), "--workers", "1", "-q", *extra])


def test_readme_run_twice_into_the_same_folder_leaves_a_fresh_report(tmp_path, capsys):
    """The second `run … --out DIR` deleted report.html and figures/ and wrote no new report."""
    out = tmp_path / "results"
    assert _run_tiny(out) == 0
    page = out / "report.html"
    first = page.stat().st_mtime_ns
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert figures
    (out / "report.html").write_text("stale")  # the second run must replace it
    capsys.readouterr()
    assert _run_tiny(out) == 0, capsys.readouterr().err
    assert f"report: {page.resolve()}" in capsys.readouterr().out
    assert page.stat().st_mtime_ns > first and page.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in (out / "figures").iterdir()) == figures
    assert foreign_entries(out) == []


def test_report_replaces_its_own_figures_and_keeps_the_results(tmp_path):
    """`energy-model report` again kept figures it no longer drew next to the new page."""
    from energy_model.report.html import write_report

    with output_dir(tmp_path) as stage:
        (stage / "summary.md").write_text("# t\n")
        (stage / "figures").mkdir()
        (stage / "figures" / "old_map.png").write_bytes(b"png")
    write_report(tmp_path, maps=False)
    assert (tmp_path / "report.html").exists() and (tmp_path / "summary.md").exists()
    assert not (tmp_path / "figures" / "old_map.png").exists()
    assert foreign_entries(tmp_path) == []


def test_report_that_cannot_be_written_is_an_error(tmp_path, capsys):
    """A user's own report.html in --out was overwritten (with --force) and exit was 0."""
    out = tmp_path / "results"
    out.mkdir()
    (out / "report.html").write_text("my own page")
    assert _run_tiny(out, "--force") == 2
    err = capsys.readouterr().err
    assert "report.html not written" in err and "did not write (report.html)" in err
    assert (out / "report.html").read_text() == "my own page"
    assert (out / "results.nc").exists()  # the study's results stand


# --- cache records: regular files of bounded size and depth only --------------------------------


def _unsafe_record(path: Path, kind: str) -> None:
    import os

    from energy_model.study.cache import write_record

    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "symlink-out-of-the-cache":
        # a valid record outside the cache; the same refusal of links covers /dev/zero (not
        # used here: the old code would read it until the machine runs out of memory)
        outside = path.parent.parent / "elsewhere.json"
        write_record(outside, "key", _FINISHED)
        path.symlink_to(outside)
    elif kind == "deeply-nested":
        path.write_text("[" * 200_000 + "]" * 200_000)


@pytest.mark.parametrize(("kind", "why"), [
    ("fifo", "not a regular file"),
    ("symlink-out-of-the-cache", "symbolic link"),
    ("deeply-nested", "nested more than"),
])
def test_unsafe_cache_record_warns_and_is_recomputed(tmp_path, caplog, kind, why):
    """A FIFO hung the study for ever; deeply nested JSON crashed it; links were followed."""
    import threading

    from energy_model.study.cache import read_record

    (tmp_path / "cache").mkdir()
    path = tmp_path / "cache" / "key.json"
    _unsafe_record(path, kind)
    box: list = []
    reader = threading.Thread(target=lambda: box.append(_catch(read_record, path, "key")),
                              daemon=True)
    reader.start()
    reader.join(60)  # a guard against a hang, not a timing assertion
    hung = reader.is_alive()
    if hung and kind == "fifo":  # release the reader stuck on the FIFO
        import os

        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    assert not hung, "reading the cache record hung"
    assert box == [None]
    assert any(str(path) in r.getMessage() and why in r.getMessage() for r in caplog.records)


_FINISHED = {"status": "ok", "total_cost_eur": 1.0, "capex_eur": 0.0, "gas_demand_bcm": {},
             "unserved_gas_bcm": {}, "price_eur_per_mwh": {}, "deliveries": []}


def _catch(func, *args):
    try:
        return func(*args)
    except BaseException as err:  # the test shows what escaped
        return err


def test_deeply_nested_cache_record_does_not_stop_the_study(cached_run, monkeypatch):
    from energy_model.study.runner import run_study

    tiny, out, ds, record = cached_run
    _unsafe_record(record, "deeply-nested")
    calls = _count_cases(monkeypatch)
    again = run_study(_study(None), out, inputs=tiny, workers=1, progress=False)
    assert len(calls) == 1
    assert float(again.total_cost.item()) == float(ds.total_cost.item())
