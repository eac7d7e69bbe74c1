"""The package is layered: no import cycle, and each layer imports only from those below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "energy_model"

LAYERS: list[set[str]] = [
    {"errors", "units", "timeseries", "provenance", "outdir"},
    {"data"},
    {"network"},
    {"scenarios"},
    {"optimization"},
    {"analysis"},
    {"study"},
    {"report"},
    {"cli", "__main__"},
]
"""Layers from the bottom up; a module may import from its own layer and those below."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Return the energy_model modules imported anywhere in ``path`` (lazy imports included)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("energy_model"):
                out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("energy_model")}
    return out


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in PACKAGE.rglob("*.py")
            if module_name(p) != "energy_model"}


def layer_of(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    for i, layer in enumerate(LAYERS):
        if top in layer:
            return i
    raise AssertionError(f"module {module} is in no layer; add it to LAYERS")


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for dep in sorted(g.get(m, ())):
            if dep not in g:
                continue
            if state.get(dep) == 1:
                return [*stack[stack.index(dep):], dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(g):
        if m not in state and (cycle := visit(m)):
            return cycle
    return None


def test_no_import_cycle():
    assert find_cycle(graph()) is None, f"import cycle: {' -> '.join(find_cycle(graph()))}"


@pytest.mark.parametrize("module", sorted(graph()))
def test_module_imports_only_from_its_layer_or_below(module):
    g = graph()
    mine = layer_of(module)
    upward = sorted(d for d in g[module] if d in g and layer_of(d) > mine)
    assert not upward, f"{module} (layer {mine}) imports from higher layers: {upward}"


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_action_registries_match_the_schema():
    from energy_model.data import schema
    from energy_model.network.options import OPTION_ACTIONS

    assert set(OPTION_ACTIONS) == set(schema.OPTION_ACTIONS)
