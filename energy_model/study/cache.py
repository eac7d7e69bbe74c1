"""The case cache of a study and the per-process cache of loaded inputs, both keyed by content.

* Loaded inputs are kept per process under the SHA-256 of the inputs' files
  (:func:`energy_model.provenance.hash_inputs`), never under their path: a worker that is handed
  an edited directory loads it again, and a worker that finds the files changed since the study
  hashed them refuses the case instead of caching an answer under the wrong key.
* A finished case is one JSON record ``DIR/cache/<key>.json``::

      {"schema": 1, "key": "<case key>", "sha256": "<hash of the result>", "result": {...}}

  :func:`read_record` checks the schema version, the key, the checksum and the fields of the
  result; a truncated, edited or foreign record is ignored with a warning naming the file, and
  the case is computed again (the record is then overwritten).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from pathlib import Path

from energy_model.data.loading import Inputs, load_inputs
from energy_model.errors import EnergyModelError
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
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(body))
    os.replace(tmp, path)


def read_record(path: str | Path, key: str) -> dict | None:
    """Return the cached result at ``path``, or ``None`` (with a warning) when it is not valid."""
    path = Path(path)
    if not path.exists():
        return None
    problem = _record_problem(path, key)
    if isinstance(problem, str):
        logger.warning("cache record %s is not valid (%s); the case is computed again",
                       path, problem)
        return None
    return problem


def _record_problem(path: Path, key: str) -> dict | str:
    try:
        body = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as err:
        return f"cannot be read: {err}"
    except ValueError as err:
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
    if result["status"] != "ok" or not math.isfinite(result["total_cost_eur"]):
        return "not a finished case"
    return result
