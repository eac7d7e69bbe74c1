"""The HTML report, its figures and maps (tiny data), opened in headless Chromium."""

from __future__ import annotations

import base64
import fcntl
import json
import logging
import os
import re
import select
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from conftest import TINY

from energy_model import load_inputs
from energy_model.report.figures import make_figures
from energy_model.report.html import markdown_to_html, write_report
from energy_model.report.maps import MapError, corridor_flows, locate_buses, write_flow_map

BASELINE = Path(__file__).parent / "data" / "report" / "flow_map_tiny.png"
XY = {"AZ": (49.87, 40.41), "TR": (32.85, 39.92), "RU": (37.62, 55.76), "T1": (41.0, 40.5)}
CHROMIUM = next((p for p in (shutil.which("chromium"), "/usr/bin/chromium",
                             shutil.which("chromium-browser")) if p and Path(p).exists()), None)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def solved_tiny():
    from energy_model.network.build import build_network
    from energy_model.optimization.solver import solve

    n = solve(build_network(2030, [], TINY))
    for bus, (x, y) in XY.items():
        n.buses.loc[bus, ["x", "y"]] = x, y
    return n


@pytest.fixture(scope="module")
def network():
    return solved_tiny()


@pytest.fixture(scope="module")
def report(tmp_path_factory, network):
    from energy_model.study.runner import run_study
    from energy_model.study.schema import load_study

    out = tmp_path_factory.mktemp("report")
    path = out / "study.yaml"
    path.write_text(yaml.safe_dump({"name": "tiny-report", "year": 2030,
                                    "options": {"reference": [], "px": ["px"]},
                                    "stresses": ["none", "p3-outage"]}))
    run_study(load_study(path, load_inputs(TINY)), out / "results", inputs=TINY, workers=1,
              progress=False)
    return write_report(out / "results", network=network)


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.refs = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src", ""))
        for key in ("src", "href"):
            if key in a:
                self.refs.append(a[key])


def test_every_figure_is_an_embedded_non_empty_png(report):
    page = _Images()
    page.feed(report.read_text())
    names = sorted(p.stem for p in (report.parent / "figures").glob("*.png"))
    assert {"flow_map", "peak_day_map", "origin_mix", "disruption_heatmap", "cba"} <= set(names)
    assert len(page.images) == len(names)
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.split(",", 1)[1])
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    # nothing outside the page: no scheme but data: in any src or href, no absolute path
    for ref in page.refs:
        assert not re.match(r"[a-z]+://|//|/", ref), ref
    text = report.read_text()
    assert "<h2>Question</h2>" in text and "<h2>Method</h2>" in text
    assert "Rule: options are ranked" in text  # summary.md embedded
    assert "href='cba.csv'" in text and "<figcaption>" in text


def test_report_files_join_the_output_manifest(report):
    from energy_model.outdir import foreign_entries, read_manifest

    files = read_manifest(report.parent)["files"]
    assert "report.html" in files and "figures/flow_map.png" in files and "results.nc" in files
    assert foreign_entries(report.parent) == []


def test_the_study_writes_the_maps_network_and_the_report_never_solves(report, tmp_path,
                                                                          monkeypatch):
    assert (report.parent / "network.nc").exists()  # the solved reference case, for the maps
    calls = []
    monkeypatch.setattr("energy_model.optimization.solver.solve", lambda *a, **k: calls.append(a))
    monkeypatch.setattr("linopy.Model.solve", lambda *a, **k: calls.append(a))
    shutil.copytree(report.parent, tmp_path / "study")
    (tmp_path / "study" / "network.nc").unlink()  # no maps then, and nothing solved for them
    assert write_report(tmp_path / "study").exists()
    assert write_report(report.parent).exists()
    assert calls == []


def test_missing_inputs_skip_figures_without_failing(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="energy_model.report")
    assert make_figures(None, tmp_path) == []
    assert "backcast skipped: no calibration.csv" in caplog.text
    page = write_report(tmp_path)  # an empty directory still gives a page
    assert page.exists() and "<img" not in page.read_text()


def test_map_needs_coordinates():
    from energy_model.network.build import build_network

    n = build_network(2030, [], TINY)
    n.buses[["x", "y"]] = 0.0
    with pytest.raises(MapError, match="no coordinates"):
        locate_buses(n)


def test_corridor_flows_by_hand(network):
    f = corridor_flows(network).set_index(["bus0", "bus1"])
    # TR's 1 bcm/yr: 0.495 from AZ over P1 (1000 km, losses) and P2, the rest from RU (P3)
    from energy_model.units import mwh_to_bcm

    assert mwh_to_bcm(f.loc[("T1", "TR"), "energy_mwh"]) == pytest.approx(0.495, abs=1e-6)
    assert mwh_to_bcm(f.loc[("RU", "TR"), "energy_mwh"]) == pytest.approx(0.505, abs=1e-6)
    assert f.loc[("RU", "TR"), "utilisation"] == pytest.approx(0.505 / 5, abs=1e-6)


def test_markdown_tables_become_html_tables():
    out = markdown_to_html("# T\n\ntext `x`\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n")
    assert "<h2>T</h2>" in out and "<code>x</code>" in out
    assert "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>" in out


def test_flow_map_matches_the_baseline_image(tmp_path, network):
    from matplotlib.testing.compare import compare_images

    actual = write_flow_map(network, tmp_path / "flow_map_tiny.png")
    if os.environ.get("EM_UPDATE_BASELINES"):
        BASELINE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(actual, BASELINE)
    # RMS of the pixel difference [0-255]: font hinting may differ a little, a changed map not
    assert compare_images(str(BASELINE), str(actual), tol=6) is None


# --- headless Chromium over the DevTools protocol (--remote-debugging-pipe: no sockets) -------

class _Pipe:
    def __init__(self, proc, write_fd, read_fd):
        self.proc, self.w, self.r, self.buf, self.next_id = proc, write_fd, read_fd, b"", 0
        self.events: list[dict] = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        return self.wait(lambda m, i=self.next_id: m.get("id") == i)

    def wait(self, done, timeout=30.0):
        end = time.monotonic() + timeout
        while True:
            while b"\0" in self.buf:
                raw, self.buf = self.buf.split(b"\0", 1)
                msg = json.loads(raw)
                if "method" in msg:
                    self.events.append(msg)
                if done(msg):
                    return msg
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            if select.select([self.r], [], [], left)[0]:
                chunk = os.read(self.r, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self.buf += chunk


def _as_fds_3_and_4(read_fd: int, write_fd: int) -> None:
    """In the child: put ``read_fd`` on fd 3 and ``write_fd`` on fd 4 (via fds >= 10)."""
    a, b = fcntl.fcntl(read_fd, fcntl.F_DUPFD, 10), fcntl.fcntl(write_fd, fcntl.F_DUPFD, 10)
    os.dup2(a, 3)
    os.dup2(b, 4)


def open_in_chromium(page: Path, profile: Path) -> tuple[list[dict], dict]:
    """Load ``page`` in headless Chromium; return the DevTools events and the images' state."""
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()
    # Chromium reads commands on fd 3 and writes answers on fd 4
    proc = subprocess.Popen(
        [CHROMIUM, *CHROMIUM_FLAGS, "--remote-debugging-pipe", f"--user-data-dir={profile}",
         "about:blank"],
        pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=lambda: _as_fds_3_and_4(to_chrome_r, from_chrome_w))
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    cdp = _Pipe(proc, to_chrome_w, from_chrome_r)
    try:
        target = cdp.send("Target.createTarget", {"url": "about:blank"})["result"]["targetId"]
        session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True}
                           )["result"]["sessionId"]
        for domain in ("Network", "Runtime", "Log", "Page"):
            cdp.send(f"{domain}.enable", session=session)
        cdp.send("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
        cdp.wait(lambda m: m.get("method") == "Page.loadEventFired")
        state = cdp.send("Runtime.evaluate", {"returnByValue": True, "expression": (
            "JSON.stringify(Array.from(document.images).map("
            "i => [i.complete, i.naturalWidth, i.naturalHeight]))")}, session=session)
        return cdp.events, json.loads(state["result"]["result"]["value"])
    finally:
        proc.kill()
        proc.wait()
        os.close(to_chrome_w)
        os.close(from_chrome_r)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not found (Debian: apt-get install "
                    "chromium; .ci/run installs it)")
def test_report_opens_in_chromium_without_errors_or_requests(report, tmp_path):
    events, images = open_in_chromium(report, tmp_path / "profile")
    errors = [e for e in events if e["method"] == "Runtime.exceptionThrown"
              or (e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] == "error")
              or (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    assert errors == []
    urls = [e["params"]["request"]["url"] for e in events
            if e["method"] == "Network.requestWillBeSent"]
    assert [u for u in urls if not u.startswith(("data:", report.resolve().as_uri()))] == []
    assert len(images) >= 5
    assert all(done and w > 100 and h > 100 for done, w, h in images)


def test_cli_report_writes_the_page_and_prints_its_path(report, tmp_path, capsys):
    from energy_model import cli

    study = tmp_path / "study"
    shutil.copytree(report.parent, study)
    assert cli.main(["report", str(study), "--no-maps"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == f"report: {(study / 'report.html').resolve()}"
    assert "data:image/png;base64," in (study / "report.html").read_text()
    assert cli.main(["report", str(tmp_path / "nothing")]) == 2
