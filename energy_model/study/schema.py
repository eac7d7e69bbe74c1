"""Whole studies: every option x stress case of a study file, in parallel, with a cache.

A study file (YAML)::

    name: diversification-2030
    year: 2030
    options:                 # label -> list of option names; `reference` is the empty list
      reference: []
      tcp-full: [tcp-full]
    stresses: [none, russia-cut, slid]     # `slid` expands to one case per country
    resolution: daily        # optional: daily | weeks | hourly
    power: true              # optional: electricity layer on (default: on if an option needs it)
    solver: {solver: simplex}  # optional HiGHS options
    curtailment: cooperative # optional: cooperative (default) | least-cost
    isolated: false          # optional: also the isolated curtailment of every stressed case
    remaining_flexibility: false  # optional: ENTSOG remaining flexibility per case (slow)
    climates: [average, peak-day, two-week]  # optional (default all): ENTSOG climatic cases

:func:`run_study` solves every case (local processes by default, or a Dask cluster), keeps
each finished case in ``DIR/cache/<key>.json`` (the key hashes the inputs, the case and the
package version, so a re-run skips finished cases and recomputes changed ones), reports failed
cases without stopping the others, and writes ``DIR/results.nc`` (an xarray Dataset with
dimensions ``option``, ``stress``, ``country``, ``origin``), tidy CSV tables of the same numbers
(``indicators.csv``, ``cba.csv`` among them) and ``DIR/summary.md``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from energy_model.data.loading import Inputs
from energy_model.data.names import unknown_name
from energy_model.errors import EnergyModelError
from energy_model.optimization.solver import check_solver_options
from energy_model.scenarios.climates import CLIMATES
from energy_model.timeseries import RESOLUTIONS

logger = logging.getLogger(__name__)


STUDY_KEYS = {"name", "year", "options", "stresses", "resolution", "power", "solver",
              "curtailment", "isolated", "remaining_flexibility", "climates", "assume_built"}
"""Keys allowed in a study file."""


class StudyError(EnergyModelError, ValueError):
    """A study file is invalid; ``problems`` lists every problem."""

    def __init__(self, path: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} problem(s)\n"
                         + "\n".join(f"  - {p}" for p in problems))


class Study(BaseModel):
    """A validated study (the study file as a pydantic model: unknown keys are refused).

    :func:`validate_study` checks a parsed file first and names every problem by its key; this
    model then types the result.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    year: int
    options: dict[str, list[str]]
    stresses: list[str]
    resolution: Literal["daily", "weeks", "hourly", "hourly-days"] = "daily"
    power: StrictBool | None = None
    solver: dict = Field(default_factory=dict)
    curtailment: Literal["cooperative", "least-cost"] = "cooperative"
    isolated: StrictBool = False
    remaining_flexibility: StrictBool = False
    climates: list[str] = Field(default_factory=lambda: list(CLIMATES))
    assume_built: StrictBool = False
    """Build options whose earliest year is after ``year`` as if they were (else refused)."""

    def settings(self, power: bool) -> Settings:
        """Return the settings every case of the study shares, with the resolved ``power``."""
        return Settings(year=self.year, power=power, resolution=self.resolution,
                        solver=self.solver, curtailment=self.curtailment,
                        isolated=self.isolated,
                        isolated_average=all(c == "average" for c in self.climates),
                        remaining_flexibility=self.remaining_flexibility)


class Settings(BaseModel):
    """The settings shared by a study's cases: one frozen object, sent to workers, hashed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int
    power: StrictBool
    resolution: Literal["daily", "weeks", "hourly", "hourly-days"]
    solver: dict
    curtailment: Literal["cooperative", "least-cost"]
    isolated: bool
    isolated_average: bool
    """Also the average year's isolated variant (flows capped at their undisturbed values); a
    study with design cases has ENTSOG's uncooperative variant there instead."""
    remaining_flexibility: bool

    def payload(self) -> dict:
        """Return the settings as a JSON-ready dict (the keys of a case spec)."""
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class Case:
    """One option x climate x stress case of a study."""

    option: str
    option_names: tuple[str, ...]
    stress: str
    climate: str = "average"


class DuplicateKeyError(yaml.YAMLError):
    """A mapping of a study file gives the same key twice."""


class StudyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key given twice in one mapping (PyYAML keeps the last
    silently, so ``year`` written twice ran the second)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        """Construct a mapping; raise :class:`DuplicateKeyError` naming both lines."""
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: reported by SafeLoader itself
                continue
            line = key_node.start_mark.line + 1
            if first is not None:
                raise DuplicateKeyError(f"duplicate key {key!r} on line {line} (first given on "
                                        f"line {first}); give each key once")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def load_study(path: str | Path, data: Inputs) -> Study:
    """Read and validate a study file; raise :class:`StudyError` listing every problem."""
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=StudyLoader)  # a SafeLoader
    except UnicodeDecodeError as err:
        raise StudyError(str(path), [f"is not UTF-8 text (byte {err.start}: "
                                     f"{err.object[err.start:err.start + 1]!r}); save the "
                                     "file as UTF-8"]) from None
    except DuplicateKeyError as err:
        raise StudyError(str(path), [str(err)]) from None
    except (OSError, yaml.YAMLError) as err:
        raise StudyError(str(path), [f"cannot be read as YAML: {err}"]) from None
    problems = validate_study(raw, data)
    if problems:
        raise StudyError(str(path), problems)
    return Study(**raw)


LABEL_FORBIDDEN: str = "|\n\r\t`<>"
"""Characters an option label may not hold: they break the Markdown tables of ``summary.md``
and the report (``|``, line breaks) or read as markup."""


def check_label(label: object) -> str | None:
    """Return the problem of an option label, or None: a non-empty text without
    :data:`LABEL_FORBIDDEN` characters."""
    if not isinstance(label, str):
        return (f"options: the label {label!r} is not text ({type(label).__name__}); write it "
                f"in quotes: '{label}'")
    if not label.strip():
        return "options: an empty label; give every option set a name"
    bad = sorted({c for c in label if c in LABEL_FORBIDDEN or not c.isprintable()})
    if bad:
        return (f"options: the label {label!r} holds {', '.join(repr(c) for c in bad)}; use "
                "letters, digits, spaces, '-', '+' or '_'")
    return None


def _names(key: str, value: object, what: str) -> tuple[list[str], list[str]]:
    """Return ``(names, problems)`` of a list of names given under ``key``: a nested list or
    mapping is a problem named by its key, not an "unhashable type"."""
    names, problems = [], []
    for x in value:  # type: ignore[attr-defined]
        if isinstance(x, str):
            names.append(x)
        else:
            problems.append(f"{key}: {x!r} is not a name; write each {what} name as text")
    return names, problems


def validate_study(raw: object, data: Inputs) -> list[str]:
    """Return every problem of a parsed study file (empty when valid)."""
    if not isinstance(raw, dict):
        return ["the file must be a mapping with keys " + ", ".join(sorted(STUDY_KEYS))]
    out = [unknown_name("key", k, STUDY_KEYS) for k in raw if k not in STUDY_KEYS]
    out += [f"missing key {k!r}" for k in ("name", "year", "options", "stresses") if k not in raw]
    if "name" in raw and not (isinstance(raw["name"], str) and raw["name"]):
        out.append("key 'name': give a non-empty text")
    if "year" in raw and (type(raw["year"]) is not int or raw["year"] not in (2024, 2026, 2030)):
        out.append(f"key 'year': {raw['year']!r} is not a model year (2024, 2026, 2030); "
                   "write one of them as a whole number")
    known_options = set(data.options.option)
    opts = raw.get("options")
    if "options" in raw:
        if not isinstance(opts, dict) or not opts:
            out.append("key 'options': give a mapping from a label to a list of option names")
        else:
            for label, names in opts.items():
                problem = check_label(label)
                if problem:
                    out.append(problem)
                if not isinstance(names, list):
                    out.append(f"options.{label}: give a list of option names ([] for none)")
                    continue
                names, bad = _names(f"options.{label}", names, "option")
                out += bad
                for name in names:
                    if name not in known_options:
                        out.append(f"options.{label}: "
                                   f"{unknown_name('option', name, known_options)}")
                twice = sorted({x for x in names if names.count(x) > 1})
                if twice:
                    out.append(f"options.{label}: {', '.join(map(repr, twice))} listed twice; "
                               "list each option once (twice would count its cost twice)")
    stresses = raw.get("stresses")
    if "stresses" in raw:
        from energy_model.scenarios.stresses import stress_name_problem

        if not isinstance(stresses, list) or not stresses:
            out.append("key 'stresses': give a list of stress names (`none` = undisturbed)")
        else:
            names, bad = _names("stresses", stresses, "stress")
            out += bad
            out += [f"stresses: {p}" for p in (stress_name_problem(s, data) for s in names) if p]
    if isinstance(opts, dict) and type(raw.get("year")) is int and not raw.get("assume_built"):
        from energy_model.network.options import early_option_problems

        names = [x for v in opts.values() if isinstance(v, list) for x in v
                 if isinstance(x, str) and x in known_options]
        out += [f"options: {p}" for p in early_option_problems(names, raw["year"], data)]
    if not isinstance(raw.get("resolution", "daily"), str) or raw.get(
            "resolution", "daily") not in RESOLUTIONS:
        out.append(f"key 'resolution': {raw['resolution']!r} is not one of {list(RESOLUTIONS)}")
    if "power" in raw and not isinstance(raw["power"], bool):
        out.append("key 'power': write true or false")
    if not isinstance(raw.get("curtailment", "cooperative"), str) or raw.get(
            "curtailment", "cooperative") not in ("cooperative", "least-cost"):
        out.append(f"key 'curtailment': {raw['curtailment']!r} is not 'cooperative' or "
                   "'least-cost'")
    for key in ("isolated", "remaining_flexibility", "assume_built"):
        if key in raw and not isinstance(raw[key], bool):
            out.append(f"key {key!r}: write true or false")
    if "climates" in raw:
        cl = raw["climates"]
        if not isinstance(cl, list) or not cl:
            out.append(f"key 'climates': give a list of climatic cases from {list(CLIMATES)}")
        else:
            names, bad = _names("climates", cl, "climatic case")
            out += bad
            out += [f"climates: {unknown_name('climatic case', c, CLIMATES)}"
                    for c in names if c not in CLIMATES]
            if any(c != "average" for c in names) and raw.get("resolution", "daily") != "daily":
                out.append("key 'climates': the peak-day and two-week cases need "
                           "resolution: daily")
    if "solver" in raw and not isinstance(raw["solver"], dict):
        out.append("key 'solver': give a mapping of HiGHS options")
    elif "solver" in raw:
        out += [f"solver: {p}" for p in check_solver_options(raw["solver"])]
    return out
