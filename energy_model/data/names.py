"""Names a user types: where the shipped inputs are, the catalogues, and "did you mean".

Light on purpose (standard library only) so the command line can list the catalogues and
suggest names without importing pandas or PyPSA.
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Iterable
from pathlib import Path

SHIPPED_INPUTS: Path = Path(__file__).resolve().parents[2] / "inputs"
"""The ``inputs/`` directory shipped beside the package (the repository's, in a checkout)."""


def resolve_inputs(directory: str | Path | None = None) -> Path:
    """Return the inputs directory to read: ``directory``, or the shipped one when ``None``."""
    return SHIPPED_INPUTS if directory is None else Path(directory)


def suggest(name: str, known: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest known names, or ``""``.

    >>> suggest("russia-cutt", ["russia-cut", "tanap-outage"])
    "; did you mean 'russia-cut'?"
    """
    close = difflib.get_close_matches(str(name), list(known), n=3, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?"


def unknown_name(kind: str, name: str, known: Iterable[str]) -> str:
    """Return the message for an unknown ``kind`` (option, stress, climate) with suggestions."""
    known = sorted(known)
    hint = suggest(name, known)
    return (f"unknown {kind} {name!r}{hint}" if hint
            else f"unknown {kind} {name!r}; known: {', '.join(known)}")


def read_catalogue(table: str, directory: str | Path | None = None) -> dict[str, str]:
    """Return ``name -> description`` of ``options`` or ``stresses`` (first column -> description).

    Reads the CSV with the standard library; no validation (``energy-model validate`` does it).
    """
    rows = read_rows(table, directory)
    key = next(iter(rows[0])) if rows else table
    return {r[key]: (r.get("description") or "").strip() for r in rows}



def read_rows(table: str, directory: str | Path | None = None) -> list[dict[str, str]]:
    """Return the rows of ``<table>.csv`` as dicts of strings (standard library, no validation).

    Names and cells are stripped of ASCII spaces and tabs, as
    :func:`energy_model.data.validation.read_table` strips them for validation and loading.
    """
    path = resolve_inputs(directory) / f"{table}.csv"
    with path.open(newline="", encoding="utf-8") as f:
        return [{str(k).strip(" \t"): (v.strip(" \t") if isinstance(v, str) else v)
                 for k, v in row.items()} for row in csv.DictReader(f)]
