"""The package is layered: no import cycle, each layer imports only from those below it, and
``analysis/`` never solves.

The import graph sees every form of import of a package module, at module level or inside a
function: ``import a.b``, ``from a import b`` (``b`` a module or a name), relative imports
(``from . import x``, ``from ..a import b``) and ``importlib.import_module("energy_model...")``
with a literal name. ``from energy_model.study import runner`` is an import of the module
``energy_model.study.runner``, not of the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "energy_model"

LAYERS: list[set[str]] = [
    {"errors", "units", "timeseries", "provenance", "outdir", "vocabulary", "finance"},
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

SOLVING_CALLS = {"optimize", "solve", "Resolver", "build_network", "optimize_and_run_non_linear",
                 "optimize_with_rolling_horizon", "optimize_mga", "lopf"}
"""Names whose call builds or solves a network: none may be called in ``analysis/``."""

NUMERIC_SOLVES = ("np.linalg.", "numpy.linalg.", "scipy.", "sp.")
"""Call prefixes of linear-algebra ``solve`` functions, which are not network solves."""


def module_name(path: Path, root: Path = PACKAGE) -> str:
    """Return the dotted module name of ``path`` under the package directory ``root``."""
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool,
                     known: set[str]) -> set[str]:
    """Return the package modules that ``source`` (the text of ``module``) imports.

    Parameters
    ----------
    source : str
        Python source text.
    module : str
        Dotted name of the module the text belongs to (for relative imports).
    is_package : bool
        The text is a package's ``__init__.py`` (relative imports start from the package itself).
    known : set of str
        Every module of the package: ``from p import x`` is an import of ``p.x`` when that
        module exists, else of ``p``.
    """
    root = module.split(".")[0]
    here = module.split(".") if is_package else module.split(".")[:-1]
    out: set[str] = set()

    def add(name: str) -> None:
        if name == root or name.startswith(root + "."):
            out.add(name)

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - (node.level - 1)] if node.level > 1 else here
                base_name = ".".join(base + ([node.module] if node.module else []))
            else:
                base_name = node.module or ""
            for alias in node.names:
                sub = f"{base_name}.{alias.name}"
                add(sub if sub in known else base_name)
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                add(arg.value)
    return out


def _is_import_module(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id in ("import_module", "__import__"))


def graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Return module -> imported package modules for every module under ``root``."""
    files = {module_name(p, root): p for p in root.rglob("*.py")}
    known = set(files)
    return {m: imported_modules(p.read_text(), m, p.name == "__init__.py", known) - {m}
            for m, p in files.items() if m != root.name}


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


def solving_calls(source: str) -> list[str]:
    """Return the calls in ``source`` that build or solve a network (``name`` at ``line``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = (node.func.attr if isinstance(node.func, ast.Attribute)
                    else node.func.id if isinstance(node.func, ast.Name) else None)
            if name in SOLVING_CALLS and not ast.unparse(node.func).startswith(NUMERIC_SOLVES):
                found.append(f"{ast.unparse(node.func)} at line {node.lineno}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "energy_model.optimization"):
            found.append(f"import from {node.module} at line {node.lineno}")
    return found


def test_no_import_cycle():
    assert find_cycle(graph()) is None, f"import cycle: {' -> '.join(find_cycle(graph()))}"


@pytest.mark.parametrize("module", sorted(graph()))
def test_module_imports_only_from_its_layer_or_below(module):
    g = graph()
    mine = layer_of(module)
    upward = sorted(d for d in g[module] if d in g and layer_of(d) > mine)
    assert not upward, f"{module} (layer {mine}) imports from higher layers: {upward}"


@pytest.mark.parametrize("path", sorted(PACKAGE.joinpath("analysis").glob("*.py")),
                         ids=lambda p: p.name)
def test_analysis_never_solves(path):
    calls = solving_calls(path.read_text())
    assert not calls, (f"{path.name} builds or solves ({calls}): experiments that solve live in "
                       "energy_model/study/experiments.py")


def test_the_solve_check_sees_a_solve_and_passes_linear_algebra():
    assert solving_calls("from energy_model.optimization.solver import solve\nsolve(n)\n")
    assert solving_calls("def f(n):\n    n.optimize()\n")
    assert solving_calls("def f(b):\n    return Resolver(b())\n")
    assert not solving_calls("import numpy as np\nx = np.linalg.solve(a, b)\n")


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


FORMS = {
    "import energy_model.study.runner": "energy_model.study.runner",
    "import energy_model.study.runner as r": "energy_model.study.runner",
    "from energy_model.study import runner": "energy_model.study.runner",
    "from energy_model.study.runner import run_study": "energy_model.study.runner",
    "from . import runner": "energy_model.study.runner",
    "from .runner import run_study": "energy_model.study.runner",
    "from ..study import runner": "energy_model.study.runner",
    "def f():\n    from energy_model.study import runner": "energy_model.study.runner",
    "import importlib\nimportlib.import_module('energy_model.study.runner')":
        "energy_model.study.runner",
    "from energy_model.study import Study": "energy_model.study",
}


@pytest.mark.parametrize("source", sorted(FORMS))
def test_every_form_of_import_is_seen(source):
    known = {"energy_model.study", "energy_model.study.runner", "energy_model.study.batch"}
    assert imported_modules(source, "energy_model.study.batch", False, known) == {FORMS[source]}


def test_a_planted_cycle_is_caught(tmp_path):
    """A copy of the package with ``from energy_model.study import runner`` planted (inside a
    function) in a module that ``runner`` imports: the two modules now form a cycle."""
    import shutil

    def sources_only(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if n == "__pycache__"
                or (not n.endswith(".py") and not Path(folder, n).is_dir())]

    copy = tmp_path / "energy_model"
    shutil.copytree(PACKAGE, copy, ignore=sources_only)
    before = graph(copy)
    runner = "energy_model.study.runner"
    if runner not in before:  # the study layer was reorganised: plant on its orchestrator
        runner = max((m for m in before if m.startswith("energy_model.study.")),
                     key=lambda m: len(before[m]))
    target = next(d for d in sorted(before[runner])
                  if d.startswith("energy_model.") and runner not in before[d] and d in before
                  and d != "energy_model.study")
    pair = {runner, target}
    assert find_cycle({m: before[m] & pair for m in pair}) is None
    path = copy / Path(*target.split(".")[1:]).with_suffix(".py")
    short = runner.rsplit(".", 1)
    path.write_text(path.read_text() + "\n\ndef _planted():\n"
                    f"    from {short[0]} import {short[1]}  # noqa: F401\n")
    after = graph(copy)
    assert find_cycle(after) is not None
    assert find_cycle({m: after[m] & pair for m in pair}) is not None


def test_the_vocabulary_is_defined_once_and_imports_nothing_heavy():
    import subprocess
    import sys

    from energy_model import timeseries
    from energy_model.data import schema
    from energy_model.scenarios import climates
    from energy_model.vocabulary import (
        CLIMATES,
        DESIGN_CLIMATES,
        LIBRARY_CLIMATES,
        MODEL_YEARS,
        RESOLUTIONS,
    )

    assert schema.MODEL_YEARS is MODEL_YEARS and timeseries.RESOLUTIONS is RESOLUTIONS
    assert climates.CLIMATES is CLIMATES
    assert set(climates.CASE_DAYS) == set(DESIGN_CLIMATES) | set(LIBRARY_CLIMATES)
    assert set(climates.DESIGN_METRIC) == set(climates.CASE_DAYS)
    assert not set(LIBRARY_CLIMATES) & set(CLIMATES)
    code = ("import sys, energy_model.vocabulary, energy_model.cli; "
            "print(sorted(m for m in ('pandas', 'pypsa', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=PACKAGE.parent)
    assert out.stdout.strip() == "[]"


def test_action_registries_match_the_schema():
    from energy_model.data import schema
    from energy_model.network.options import OPTION_ACTIONS

    assert set(OPTION_ACTIONS) == set(schema.OPTION_ACTIONS)
