"""Provenance of results: hashes of the inputs and the code, and the package version."""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def hash_inputs(directory: str | Path) -> str:
    """Return the SHA-256 of all CSV files of an inputs directory (names and contents)."""
    h = hashlib.sha256()
    for path in sorted(Path(directory).glob("*.csv")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def package_version() -> str:
    """Return the installed version of energy_model, or ``"unknown"``."""
    try:
        return version("energy_model")
    except PackageNotFoundError:
        return "unknown"


def code_hash() -> str:
    """Return a hash of the package's source files, so a code change invalidates the cache."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]
