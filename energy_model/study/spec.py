"""The specification of one case: a typed, frozen value built once from a study and its settings.

A :class:`CaseSpec` is everything a worker needs to solve one case and nothing else: the inputs
(directory and content hash), the case (option set, climate, stress; :class:`~energy_model.
study.schema.Case`), the settings the study's cases share (:class:`~energy_model.study.schema.
Settings`, where every default lives: the ``cooperative`` curtailment rule, the average year's
isolated variant) and where its finished record goes in the cache. It is frozen and picklable,
so it travels unchanged to local worker processes and to Dask workers, and its fields are typed:
a worker never restates a default.

A new kind of study (screening, investment) turns its own file into :class:`CaseSpec` values with
:func:`case_spec` (or its own specification type) and hands them to the case engine
(:mod:`energy_model.study.case`, :mod:`energy_model.study.batch`) through
:func:`energy_model.study.run.run_cases`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from energy_model.study.cases import case_key
from energy_model.study.schema import Case, Settings

AVERAGE = "average"
"""The climatic case of the whole (average) year; every other climate is a short design case."""

IsolatedVariant = Literal["none", "same", "capped", "uncooperative"]
"""How a case's isolated unserved gas is found (:meth:`CaseSpec.isolated_variant`)."""


@dataclass(frozen=True)
class CaseSpec:
    """One case of a study, ready for a worker.

    Attributes
    ----------
    inputs : str
        Absolute path of the inputs directory.
    inputs_hash : str or None
        SHA-256 of the inputs' files (:func:`energy_model.provenance.hash_inputs`); a worker
        that finds other content refuses the case (``None``: not checked).
    case : Case
        Option set (label and option names), stress and climatic case.
    settings : Settings
        The settings every case of the study shares (year, power, resolution, solver options,
        curtailment rule, isolated variants, remaining flexibility).
    key : str
        Cache key (:func:`energy_model.study.cases.case_key`); empty when not cached.
    cache : str or None
        Path of the case's cache record, written by the worker as soon as the case is solved.
    """

    inputs: str
    inputs_hash: str | None
    case: Case
    settings: Settings
    key: str = ""
    cache: str | None = None

    @property
    def options(self) -> list[str]:
        """Names of the options built in this case."""
        return list(self.case.option_names)

    @property
    def stress(self) -> str:
        """Stress name (``none``: undisturbed)."""
        return self.case.stress

    @property
    def climate(self) -> str:
        """Climatic case (``average`` or a design case such as ``peak-day``)."""
        return self.case.climate

    @property
    def solver(self) -> dict:
        """HiGHS options (a copy: the spec stays unchanged)."""
        return dict(self.settings.solver)

    @property
    def cooperative(self) -> bool:
        """Whether the cooperative curtailment bands apply (ENTSOG's equal sharing)."""
        return self.settings.curtailment == "cooperative"

    def isolated_variant(self) -> IsolatedVariant:
        """Return how this case's isolated unserved gas is found (the one place that decides).

        ``none``: not asked (or the average year of a study with design cases, where ENTSOG
        assesses uncooperative behaviour); ``same``: the undisturbed average year, where the
        isolated answer is the cooperative one; ``capped``: the average year with every
        cross-border flow capped at its undisturbed value; ``uncooperative``: a short case solved
        with the uncooperative rule (a country exports only when it curtails nothing).
        """
        if not self.settings.isolated:
            return "none"
        if self.climate != AVERAGE:
            return "uncooperative"
        if not self.settings.isolated_average:
            return "none"
        return "same" if self.stress == "none" else "capped"

    def option_set_key(self) -> str:
        """Return the key of what this case shares with its option set's other cases.

        The undisturbed average year (and the storage states of the short cases) depends on the
        inputs, the option set and the settings that shape the built year, not on the stress or
        the climate.
        """
        s = self.settings
        return json.dumps([self.inputs, self.inputs_hash, s.year, self.options, s.power,
                           s.resolution, s.solver], default=str, sort_keys=True)

    def label(self) -> str:
        """Return ``option / climate / stress`` for messages."""
        return f"{self.case.option} / {self.climate} / {self.stress}"


def case_spec(case: Case, settings: Settings, inputs: str | Path, inputs_hash: str | None,
              cache_dir: str | Path | None = None) -> CaseSpec:
    """Return the :class:`CaseSpec` of ``case`` (keyed and placed in ``cache_dir`` if given)."""
    key = case_key(case, settings, inputs_hash) if inputs_hash is not None else ""
    cache = str(Path(cache_dir) / f"{key}.json") if cache_dir is not None and key else None
    return CaseSpec(inputs=str(Path(inputs).resolve()), inputs_hash=inputs_hash, case=case,
                    settings=settings, key=key, cache=cache)


def one_case_spec(inputs: str | Path, year: int, options: list[str] | tuple[str, ...],
                  stress: str = "none", climate: str = AVERAGE, *, power: bool = False,
                  resolution: str = "daily", solver: dict | None = None,
                  curtailment: str = "cooperative", isolated: bool = False,
                  inputs_hash: str | None = None, label: str = "case") -> CaseSpec:
    """Return the :class:`CaseSpec` of one case outside a study (experiments, tests, screening).

    Parameters
    ----------
    inputs : path
        Inputs directory.
    year : int
        Model year.
    options : list of str
        Names of the options built.
    stress, climate : str
        Stress (``a+b`` combines) and climatic case.
    power, resolution, solver, curtailment, isolated
        As the study keys of the same names (:class:`~energy_model.study.schema.Study`).
    inputs_hash : str, optional
        Content hash of ``inputs`` that a worker checks (``None``: not checked).
    label : str
        Option-set label used in messages.
    """
    settings = Settings(year=year, power=power, resolution=resolution, solver=solver or {},
                        curtailment=curtailment, isolated=isolated,
                        isolated_average=climate == AVERAGE, remaining_flexibility=False)
    return case_spec(Case(label, tuple(options), stress, climate), settings, inputs, inputs_hash)
