"""Where :func:`run_study` was first defined; kept so that existing imports keep working.

The study layer is split by job: :mod:`energy_model.study.spec` (case specifications),
:mod:`energy_model.study.case` (one case), :mod:`energy_model.study.batch` (many cases on kept
models) and :mod:`energy_model.study.run` (orchestration). Import from those.
"""

from __future__ import annotations

from energy_model.study.case import (
    case_remaining_flexibility,
    isolated_average_unserved,
    run_case,
    summarise_case,
)
from energy_model.study.run import group_cases, run_cases, run_study

__all__ = ["case_remaining_flexibility", "group_cases", "isolated_average_unserved",
           "run_case", "run_cases", "run_study", "summarise_case"]
