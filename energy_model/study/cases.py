"""The cases of a study: expansion of option sets x stresses, and their cache keys."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from energy_model.data.loading import Inputs
from energy_model.network.options import early_option_notes, power_options
from energy_model.provenance import code_hash, package_version
from energy_model.study.schema import Case, Settings, Study


def expand_cases(study: Study, data: Inputs) -> list[Case]:
    """Return every case of ``study``: option x climate x stress.

    ``slid`` becomes one ``slid-XX`` case per gas country; every stress, SLID included, is
    crossed with every climatic case of ``study.climates``.
    """
    stresses: list[str] = []
    for s in study.stresses:
        if s == "slid":
            stresses += [f"slid-{c}" for c in data.demand_regions()]
        else:
            stresses.append(s)
    return [Case(label, tuple(names), s, climate) for label, names in study.options.items()
            for climate in study.climates for s in stresses]


def early_options(study: Study, data: Inputs) -> list[str]:
    """Return a note for each option the study builds before its earliest year."""
    names = {x for names in study.options.values() for x in names}
    return early_option_notes(names, study.year, data)


def study_power(study: Study, data: Inputs) -> bool:
    """Return whether the study's cases include the electricity layer."""

    if study.power is not None:
        return study.power
    needs = power_options(data)
    return any(set(names) & needs for names in study.options.values())


def case_key(case: Case, settings: Settings, inputs_hash: str) -> str:
    """Return the cache key of a case: a hash of inputs, case, settings and package code."""
    payload = json.dumps({"case": asdict(case), "settings": settings.payload(),
                          "inputs": inputs_hash, "version": package_version(),
                          "code": code_hash()},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]
