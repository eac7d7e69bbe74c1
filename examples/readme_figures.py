"""Regenerate the results and timings the README links, into ``examples/readme_figures.json``
and the table ``examples/readme_figures.md``.

Run from anywhere::

    .venv/bin/python examples/readme_figures.py            # results (a few solves, ~1-3 min)
    .venv/bin/python examples/readme_figures.py --tests    # also time the test suite
    .venv/bin/python examples/readme_figures.py --study    # also run and time the main study
    .venv/bin/python examples/readme_figures.py --table    # only rewrite the table from the JSON

Each figure is stored with its value, its text (``text``), the command that produced it and, for
timings, the machine's load average (``os.getloadavg``) before and after: on the shared 2-core
machine a high load stretches wall time. The README links the table instead of pasting numbers;
``tests/test_readme.py`` fails when the table no longer matches the JSON, and recomputes the
cheap results (``check: true``) to fail when the code's output moved away from them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIGURES = Path(__file__).with_name("readme_figures.json")
TABLE = Path(__file__).with_name("readme_figures.md")

WHAT = {
    "baseline_2026_cost": "2026 gas-only baseline: total system cost",
    "cable_1_3gw_twh": "2030, 1.3 GW Black Sea cable: energy carried",
    "cable_1_3gw_gas_saved": "2030, 1.3 GW Black Sea cable: gas for power saved",
    "cable_4gw_twh": "2030, 4 GW Black Sea cable: energy carried",
    "cable_4gw_gas_saved": "2030, 4 GW Black Sea cable: gas for power saved",
    "tests_wall_time": "the default test suite, wall time",
    "main_study_wall_time": "the main study (examples/diversification.yaml), wall time",
}
"""What each stored figure is, in the table's words (unknown keys are shown by their key)."""


def baseline_2026() -> dict:
    """Total system cost of the 2026 gas-only baseline (``examples/01_baseline.py``)."""
    import energy_model as em

    n = em.solve(em.build_network(2026))
    v = round(n.objective / 1e9, 2)
    return {"baseline_2026_cost": {
        "value": v, "text": f"{v:.2f} bn EUR", "unit": "bn EUR", "check": True,
        "command": ".venv/bin/python examples/01_baseline.py --year 2026"}}


def cable_2030() -> dict:
    """The Black Sea cable in 2030 (``examples/02_black_sea_cable.py``): TWh and gas saved."""
    import energy_model as em
    from energy_model.analysis.tables import summarise_cables, summarise_power

    data = em.load_inputs()
    out = {}
    base = None
    for key, options in (("no_cable", []), ("cable_1_3gw", ["black-sea-cable"]),
                         ("cable_4gw", ["black-sea-cable-4gw"])):
        n = em.solve(em.build_network(2030, options, data, power=True))
        gas = float(summarise_power(n).gas_for_power_bcm.sum())
        twh = sum(v["forward_twh"] + v["reverse_twh"] for k, v in summarise_cables(n).items()
                  if "Black Sea" in k)
        base = gas if base is None else base
        if options:
            cmd = ".venv/bin/python examples/02_black_sea_cable.py --year 2030"
            out[f"{key}_twh"] = {"value": round(twh, 1), "text": f"carries {twh:.1f} TWh",
                                 "unit": "TWh/yr", "check": False, "command": cmd}
            saved = base - gas
            out[f"{key}_gas_saved"] = {"value": round(saved, 2),
                                       "text": f"{saved:.2f} bcm/yr", "unit": "bcm/yr",
                                       "check": False, "command": cmd}
    return out


def time_command(key: str, cmd: list[str], what: str) -> dict:
    """Run ``cmd`` from the repository root and return its wall time as a figure."""
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, check=False, stdout=subprocess.DEVNULL)
    sec = time.perf_counter() - t0
    load1 = os.getloadavg()[0]
    m, s = divmod(round(sec), 60)
    return {key: {"value": round(sec, 1), "text": f"{m} min {s:02d} s", "unit": "s",
                  "check": False, "timing": True, "what": what, "command": " ".join(cmd),
                  "load_average": [round(load0, 2), round(load1, 2)],
                  "cpus": os.cpu_count()}}


def render_table(figures: dict) -> str:
    """Return the Markdown table of ``figures`` (what ``examples/readme_figures.md`` holds)."""
    lines = ["# Figures quoted from the model", "",
             "Written by `examples/readme_figures.py` from `examples/readme_figures.json`; do not "
             "edit by hand: run the script.", "",
             "| figure | value | command | machine load (1 min, before / after) |",
             "|---|---|---|---|"]
    for key, f in figures.items():
        load = " / ".join(f"{x:.2f}" for x in f["load_average"]) if f.get("timing") else ""
        lines.append(f"| {WHAT.get(key, key)} | {f['text']} | `{f['command']}` | {load} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", action="store_true", help="also time the test suite")
    parser.add_argument("--study", action="store_true", help="also run the main study")
    parser.add_argument("--table", action="store_true",
                        help="only rewrite examples/readme_figures.md from the stored JSON")
    args = parser.parse_args()
    if args.table:
        TABLE.write_text(render_table(json.loads(FIGURES.read_text())["figures"]))
        print(f"written to {TABLE}")
        return
    logging.basicConfig(level=logging.WARNING)
    warnings.simplefilter("ignore", FutureWarning)
    old = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    figures = dict(old.get("figures", {}))
    figures.update(baseline_2026())
    figures.update(cable_2030())
    py = str(Path(sys.executable))
    if args.tests:
        figures.update(time_command("tests_wall_time", [py, "-m", "pytest", "-q"],
                                    "the whole test suite"))
    if args.study:
        figures.update(time_command(
            "main_study_wall_time",
            [py, "-m", "energy_model.cli", "run", "examples/diversification.yaml", "--out",
             "results/diversification", "--force", "-q"], "the main study, 2 workers"))
    FIGURES.write_text(json.dumps({"generated_by": "examples/readme_figures.py",
                                   "figures": figures}, indent=1, ensure_ascii=False) + "\n")
    TABLE.write_text(render_table(figures))
    for key, f in figures.items():
        load = f" (load average {f['load_average']})" if f.get("timing") else ""
        print(f"{key}: {f['text']}{load}  <- {f['command']}")
    print(f"\nwritten to {FIGURES} and {TABLE}")


if __name__ == "__main__":
    main()
