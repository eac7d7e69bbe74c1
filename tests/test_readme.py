"""README figures stay true: every stored figure is quoted as produced, the cheap ones recomputed.

The figures come from ``examples/readme_figures.py`` (``examples/readme_figures.json``). The
README check is active once README.md names that file (the lead merges the section).
"""

from __future__ import annotations

import json

import pytest
from conftest import REPO

FIGURES = REPO / "examples" / "readme_figures.json"
README = REPO / "README.md"


def _figures() -> dict:
    if not FIGURES.exists():
        pytest.skip("examples/readme_figures.json not generated yet")
    return json.loads(FIGURES.read_text())["figures"]


def test_readme_quotes_every_figure_as_the_script_produced_it():
    figures = _figures()
    text = README.read_text()
    if "readme_figures" not in text:
        pytest.skip("README.md does not quote examples/readme_figures.json yet")
    stale = {k: f["text"] for k, f in figures.items() if f["text"] not in text}
    assert not stale, ("README.md does not quote these figures as examples/readme_figures.py "
                       f"produced them: {stale}; run the script and update README.md")


def test_cheap_figures_match_the_code():
    import energy_model as em

    figures = _figures()
    f = figures["baseline_2026_cost"]
    n = em.solve(em.build_network(2026))
    assert round(n.objective / 1e9, 2) == pytest.approx(f["value"], abs=0.005), (
        "the 2026 baseline cost moved: run examples/readme_figures.py and update README.md")
