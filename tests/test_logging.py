"""Library use leaves logging to the application; ``energy-model -q`` prints no solver banner."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO, TINY

LIBRARY_USE = f"""
import logging
import energy_model as em
n = em.solve(em.build_network(2030, inputs={str(TINY)!r}))
print(logging.getLogger("energy_model").level, len(logging.getLogger().handlers),
      logging.getLogger().level)
"""


def _run(args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env,
                          cwd=REPO, check=True)


def test_library_use_writes_no_info_and_changes_no_logging_level():
    out = _run(["-W", "ignore", "-c", LIBRARY_USE])
    assert out.stdout.split() == ["0", "0", "30"]  # NOTSET, no root handler, root at WARNING
    assert "INFO" not in out.stderr and "HiGHS" not in out.stderr, out.stderr


def test_quiet_command_line_prints_no_solver_banner(tmp_path):
    out = _run(["-W", "ignore", "-m", "energy_model.cli", "-q", "solve", "--year", "2030",
                "--inputs", str(TINY), "--out", str(tmp_path / "out")])
    assert "HiGHS" not in out.stderr and "INFO" not in out.stderr, out.stderr
    assert "HiGHS" not in out.stdout


def test_overlapping_redirects_on_two_threads_give_stdout_back():
    # descriptor 1 is the process's: blocks that overlap on two threads must not leave it
    # pointing at the sink (the first to enter redirects, the last to leave restores)
    import logging
    import threading

    from energy_model.optimization.solver import _stdout_to_stderr

    quiet = logging.getLogger("energy_model.optimization.solver")
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # the sink is /dev/null (with INFO it is stderr, which
    before = os.fstat(1)             # under `pytest -s` may be the same terminal as stdout)
    inside, release = threading.Event(), threading.Event()

    def other():
        with _stdout_to_stderr():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=other)
    try:
        t.start()
        inside.wait(5)
        with _stdout_to_stderr():
            redirected = os.fstat(1)
            release.set()  # the other thread leaves first, this one last
            t.join()
        after = os.fstat(1)
    finally:
        release.set()
        quiet.setLevel(level)  # not left at WARNING for the tests that follow
    assert (redirected.st_dev, redirected.st_ino) != (before.st_dev, before.st_ino)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)
