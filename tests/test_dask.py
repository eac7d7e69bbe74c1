"""A study on a Dask cluster of separate worker processes (tiny data, so it runs in .ci/run).

Two worker processes (``LocalCluster(processes=True)``, each with its nanny, as ``dask scheduler``
plus two ``dask worker`` would start them); the study goes through the command line's
``--scheduler`` and must equal the local run; a worker killed while it solves is reported and
its cases run again.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

import pytest
import yaml
from conftest import TINY

from energy_model import load_inputs
from energy_model.study.run import run_study
from energy_model.study.schema import load_study

distributed = pytest.importorskip("distributed")

STUDY = {"name": "tiny-dask", "year": 2030, "options": {"reference": [], "px": ["px"]},
         "stresses": ["none", "p3-outage"], "climates": ["average", "peak-day"]}


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as c:
        yield c


@pytest.fixture(scope="module")
def study_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("dask") / "study.yaml"
    path.write_text(yaml.safe_dump(STUDY))
    return path


@pytest.fixture(scope="module")
def local(study_file, tmp_path_factory):
    study = load_study(study_file, load_inputs(TINY))
    return run_study(study, tmp_path_factory.mktemp("local") / "out", inputs=TINY, workers=1,
                     progress=False)


def _same(ds, local) -> None:
    assert (ds.status == "ok").all()
    assert ds.total_cost.values == pytest.approx(local.total_cost.values, rel=1e-9)
    assert ds.unserved_gas.fillna(0).values == pytest.approx(
        local.unserved_gas.fillna(0).values, abs=1e-6)


def test_a_study_on_separate_worker_processes_equals_the_local_run(cluster, study_file, local,
                                                                   tmp_path):
    import xarray as xr

    from energy_model.cli import main

    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        workers = client.run(os.getpid)
    assert len(set(workers.values()) - {os.getpid()}) == 2  # two processes, not this one
    out = tmp_path / "out"
    code = main(["-q", "run", str(study_file), "--out", str(out), "--inputs", str(TINY),
                 "--scheduler", cluster.scheduler_address])
    assert code == 0
    with xr.open_dataset(out / "results.nc") as ds:
        _same(ds.load(), local)
    assert len(list((out / "cache").glob("*.json"))) == int(local.status.size)


def _kill_a_busy_worker(address: str, killed: list[int], stop: threading.Event) -> None:
    """Kill (SIGKILL) the process of the first worker seen running a study task."""
    with distributed.Client(address, set_as_default=False) as client:
        while not stop.is_set():
            busy = {w: keys for w, keys in client.processing().items()
                    if any("run_on_dask_worker" in str(k) for k in keys)}
            if busy:
                worker = sorted(busy)[0]
                pid = client.run(os.getpid, workers=[worker])[worker]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.05)


def test_a_worker_killed_mid_run_is_reported_and_its_cases_run_again(cluster, study_file,
                                                                      local, tmp_path, caplog):
    study = load_study(study_file, load_inputs(TINY))
    killed: list[int] = []
    stop = threading.Event()
    killer = threading.Thread(target=_kill_a_busy_worker,
                              args=(cluster.scheduler_address, killed, stop))
    killer.start()
    try:
        with caplog.at_level(logging.WARNING, logger="energy_model"):
            ds = run_study(study, tmp_path / "out", inputs=TINY,
                           scheduler=cluster.scheduler_address, progress=False)
    finally:
        stop.set()
        killer.join()
    assert killed, "no worker was busy: nothing was killed"
    assert "left the cluster" in caplog.text
    _same(ds, local)


def test_the_screening_on_separate_worker_processes_equals_the_local_run(cluster, study_file):
    import pandas as pd

    from energy_model.study.screen import run_screen

    study = load_study(study_file, load_inputs(TINY))
    local = run_screen(study, TINY, workers=1)
    remote = run_screen(study, TINY, scheduler=cluster.scheduler_address)
    key = ["option", "climate", "rule", "stress", "country"]
    a, b = (t.sort_values(key).reset_index(drop=True) for t in (local, remote))
    countries = a.country.nunique()
    assert countries > 0 and len(a) == local.attrs["cases"] * countries  # no case dropped
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=0.0, atol=1e-9)
    assert remote.attrs["cases"] == local.attrs["cases"]
