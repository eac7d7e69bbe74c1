"""energy_model: gas and electricity flows between the Caspian and Europe with PyPSA.

>>> import energy_model as em
>>> n = em.build_network(2026)          # doctest: +SKIP
>>> em.solve(n)                         # doctest: +SKIP
>>> em.trace_deliveries(n)              # doctest: +SKIP

The package is layered by stage, each layer importing only from those below it::

    units, timeseries, provenance, outdir     conversions, snapshots, hashes, safe output dirs
    data/          schema, validation, loading of inputs/
    network/       gas, power, contracts, options, topology, build (assembles a year)
    scenarios/     stresses, climatic cases, curtailment rules
    optimization/  solve (HiGHS through linopy) and its checks
    analysis/      tracing, tables of a solved network, indicators, calibration, flexibility
    study/         study schema, case specs, one case, batches, orchestration (run), cache,
                   assembly, CBA, ranking, summary
    report/        text, figures, maps, HTML
    cli

Public names are imported lazily, so ``import energy_model`` (and ``energy-model --help``) does
not import PyPSA.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

logging.getLogger(__name__).addHandler(logging.NullHandler())  # the application configures logging

_PUBLIC = {
    "InputError": "energy_model.data.validation",
    "validate_inputs": "energy_model.data.validation",
    "Inputs": "energy_model.data.loading",
    "load_inputs": "energy_model.data.loading",
    "build_network": "energy_model.network.build",
    "SolveError": "energy_model.optimization.solver",
    "solve": "energy_model.optimization.solver",
    "trace_deliveries": "energy_model.analysis.trace",
    "StudyError": "energy_model.study.schema",
    "load_study": "energy_model.study.schema",
    "run_study": "energy_model.study.run",
}

__all__ = [
    "InputError",
    "Inputs",
    "SolveError",
    "StudyError",
    "build_network",
    "load_inputs",
    "load_study",
    "run_study",
    "solve",
    "trace_deliveries",
    "validate_inputs",
]

if TYPE_CHECKING:  # pragma: no cover
    from energy_model.analysis.trace import trace_deliveries
    from energy_model.data.loading import Inputs, load_inputs
    from energy_model.data.validation import InputError, validate_inputs
    from energy_model.network.build import build_network
    from energy_model.optimization.solver import SolveError, solve
    from energy_model.study.run import run_study
    from energy_model.study.schema import StudyError, load_study


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'energy_model' has no attribute {name!r}")
