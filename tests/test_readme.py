"""The README stays a short guide for users whose links hold and whose commands are the real ones;
the tables it links are written by scripts and stay true.

Figures and tables are generated into files the README links (``examples/readme_figures.md``
from ``examples/readme_figures.json``, ``examples/backcast_2024.md``, ``examples/benchmark.md``),
never pasted into it.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import REPO

FIGURES = REPO / "examples" / "readme_figures.json"
README = REPO / "README.md"
GUIDES = (README, REPO / "examples" / "README.md")

QUICK_START = (
    "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/energy-model validate "
    "inputs && .venv/bin/energy-model run examples/diversification.yaml --out "
    "results/diversification",
    'python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && .venv/bin/python -m pytest',
)
"""The two quick-start commands, verbatim (``.ci/run`` runs the second)."""

GENERATED = ("examples/readme_figures.md", "examples/backcast_2024.md", "examples/benchmark.md")
"""Files written by scripts that the README links instead of pasting their tables."""


def _figures() -> dict:
    if not FIGURES.exists():
        pytest.skip("examples/readme_figures.json not generated yet")
    return json.loads(FIGURES.read_text())["figures"]


def test_readme_is_short():
    lines = README.read_text().count("\n")
    assert lines <= 300, f"README.md has {lines} lines; method text belongs in the docstrings"


def test_quick_start_commands_are_quoted_verbatim():
    text = README.read_text()
    for command in QUICK_START:
        assert f"\n{command}\n" in text, f"README.md lost the quick-start command: {command}"
    assert QUICK_START[1] in (REPO / ".ci" / "run").read_text()


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(guide):
    text = re.sub(r"```.*?```", "", guide.read_text(), flags=re.S)
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    missing = [link for link in links if "://" not in link
               and not (guide.parent / link).exists()]
    assert not missing, f"{guide.name} links files that do not exist: {missing}"


def test_the_readme_links_the_generated_tables_and_pastes_none():
    text = README.read_text()
    for name in GENERATED:
        assert f"]({name})" in text, f"README.md does not link {name}"
        rows = [line for line in (REPO / name).read_text().splitlines()
                if line.startswith("|") and not set(line) <= set("|-: ")]
        pasted = [row for row in rows[1:] if row in text]
        assert not pasted, f"README.md pastes rows of {name} (link it instead): {pasted[:2]}"


def test_the_figures_table_is_what_the_script_writes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("readme_figures",
                                                  REPO / "examples" / "readme_figures.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    table = REPO / "examples" / "readme_figures.md"
    assert table.read_text() == script.render_table(_figures()), (
        "examples/readme_figures.md is stale: run examples/readme_figures.py --table")


def test_cheap_figures_match_the_code():
    import energy_model as em

    figures = _figures()
    f = figures["baseline_2026_cost"]
    n = em.solve(em.build_network(2026))
    assert round(n.objective / 1e9, 2) == pytest.approx(f["value"], abs=0.005), (
        "the 2026 baseline cost moved: run examples/readme_figures.py")
