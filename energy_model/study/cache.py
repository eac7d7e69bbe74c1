"""The case cache of a study and the per-process cache of loaded inputs, both keyed by content.

* Loaded inputs are kept per process under the SHA-256 of the inputs' files
  (:func:`energy_model.provenance.hash_inputs`), never under their path: a worker that is handed
  an edited directory loads it again, and a worker that finds the files changed since the study
  hashed them refuses the case instead of caching an answer under the wrong key.
* A finished case is one JSON record ``DIR/cache/<key>.json``::

      {"schema": 1, "key": "<case key>", "sha256": "<hash of the result>", "result": {...}}

  :func:`read_record` reads a record only if it is a regular file (not a symbolic link, FIFO or
  device) of at most :data:`MAX_RECORD_BYTES`, nested at most :data:`MAX_DEPTH` levels, then
  checks the schema version, the key, the checksum and the fields of the result; a truncated,
  damaged, unsafe or foreign record is ignored with a warning naming the file, and the case is
  computed again (the record is then replaced).
* The checksum detects corruption (a truncated or damaged file, an accidental edit), not
  tampering: anyone who can write the cache can also recompute the checksum, just as they can
  edit ``results.nc``. A cache is as trustworthy as the folder it is in; delete ``DIR/cache/``
  to recompute every case.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import tempfile
from pathlib import Path

from energy_model.data.loading import Inputs, load_inputs
from energy_model.errors import EnergyModelError
from energy_model.outdir import read_regular_file
from energy_model.provenance import hash_inputs

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
"""Version of the cache record layout; records of another version are recomputed."""

RESULT_FIELDS: dict[str, type | tuple[type, ...]] = {
    "status": str,
    "total_cost_eur": (int, float),
    "capex_eur": (int, float),
    "gas_demand_bcm": dict,
    "unserved_gas_bcm": dict,
    "price_eur_per_mwh": dict,
    "deliveries": list,
}
"""Fields every cached result must have, with their JSON types."""

MAX_RECORD_BYTES = 64 * 2**20
"""Largest cache record read [bytes]; a larger file is ignored and the case recomputed."""

MAX_DEPTH = 32
"""Deepest nesting of JSON arrays and objects read from a cache record (a record has 4)."""

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")

_INPUTS: dict[str, Inputs] = {}
"""Loaded inputs of this process by inputs hash."""


class InputsChangedError(EnergyModelError, RuntimeError):
    """The inputs directory changed after the study hashed it."""


def cached_inputs(directory: str | Path, expected_hash: str | None = None) -> Inputs:
    """Return the inputs of ``directory``, loaded once per process and content.

    Raises :class:`InputsChangedError` when the files no longer hash to ``expected_hash``.
    """
    h = hash_inputs(directory)
    if expected_hash is not None and h != expected_hash:
        raise InputsChangedError(
            f"the inputs in {directory} changed after the study started (hash {h[:12]} instead "
            f"of {expected_hash[:12]}); run the study again once the edits are finished")
    data = _INPUTS.get(h)
    if data is None:
        data = _INPUTS[h] = load_inputs(directory)
        if hash_inputs(directory) != h:
            del _INPUTS[h]
            raise InputsChangedError(f"the inputs in {directory} changed while being loaded; "
                                     "run the study again once the edits are finished")
    return data


def clear_inputs_cache() -> None:
    """Forget the inputs loaded in this process (a study calls it when its run ends)."""
    _INPUTS.clear()


def result_checksum(result: dict) -> str:
    """Return the SHA-256 of a result's canonical JSON."""
    return hashlib.sha256(json.dumps(result, sort_keys=True).encode()).hexdigest()


def write_record(path: str | Path, key: str, result: dict) -> None:
    """Write a finished case atomically as a checksummed record."""
    path = Path(path)
    body = {"schema": SCHEMA_VERSION, "key": key, "sha256": result_checksum(result),
            "result": result}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps(body))
        os.replace(tmp, path)  # replaces a symbolic link itself, never what it points to
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def json_depth(text: str) -> int:
    """Return the deepest nesting of arrays and objects in JSON ``text`` (strings skipped)."""
    depth = deepest = 0
    for m in _BRACKET.finditer(_STRING.sub('""', text)):
        depth += 1 if m.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def read_record(path: str | Path, key: str) -> dict | None:
    """Return the cached result at ``path``, or ``None`` (with a warning) when it is not valid."""
    path = Path(path)
    if not os.path.lexists(path):
        return None
    problem = _record_problem(path, key)
    if isinstance(problem, str):
        logger.warning("cache record %s is not valid (%s); the case is computed again",
                       path, problem)
        return None
    return problem


def _record_problem(path: Path, key: str) -> dict | str:
    try:
        text = read_regular_file(path, MAX_RECORD_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return f"cannot be read: {err}"
    if json_depth(text) > MAX_DEPTH:
        return f"nested more than {MAX_DEPTH} levels deep"
    try:
        body = json.loads(text)
    except (ValueError, RecursionError) as err:
        return f"not JSON, perhaps truncated: {err}"
    if not isinstance(body, dict) or body.get("schema") != SCHEMA_VERSION:
        return f"not a schema-{SCHEMA_VERSION} record"
    if body.get("key") != key:
        return f"written for key {body.get('key')!r}, not {key!r}"
    result = body.get("result")
    if not isinstance(result, dict):
        return "no result mapping"
    if body.get("sha256") != result_checksum(result):
        return "checksum mismatch: the record was edited or damaged"
    for name, kind in RESULT_FIELDS.items():
        if not isinstance(result.get(name), kind):
            return f"field {name!r} missing or of the wrong type"
    try:
        finite = math.isfinite(result["total_cost_eur"])
    except OverflowError:
        finite = False
    if result["status"] != "ok" or not finite:
        return "not a finished case"
    return result
