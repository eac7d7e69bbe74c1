"""Safe output directories: whole results or none, never deleting what the tool did not write.

:func:`output_dir` is used by every command that writes results::

    with output_dir("results/2030", force=False) as stage:
        (stage / "summary.json").write_text("...")

* Files are written into a staging directory beside the target (``.<name>.energy_model-tmp-*``)
  and moved into place only when the block finishes without an error; a failure leaves the
  target as it was.
* The target keeps a manifest, :data:`MANIFEST`, listing every file the tool wrote there. A
  target holding anything else is refused (:class:`OutputDirError`) unless ``force=True``;
  even then the other files are left alone. Only files listed in the manifest are ever
  replaced or removed.
* A lock file, :data:`LOCK`, held with ``flock`` for the whole block, makes a second run into the
  same directory stop with a message (or wait ``wait`` seconds). The operating system releases
  the lock when a process dies, so a killed run leaves no stale lock.

This module is a base layer: it imports nothing from the rest of the package.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from energy_model.errors import EnergyModelError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None

logger = logging.getLogger(__name__)

MANIFEST = ".energy_model-output.json"
"""Manifest file of an output directory: the files and directories the tool wrote."""

LOCK = ".energy_model.lock"
"""Lock file of an output directory (held while a run writes there)."""

_TMP_TAG = ".energy_model-tmp-"
_OWN = {MANIFEST, LOCK}


class OutputDirError(EnergyModelError, RuntimeError):
    """The output directory cannot be used (foreign files, a file in the way, not writable)."""


class OutputDirBusyError(OutputDirError):
    """Another run holds the lock of the output directory."""


def read_manifest(target: str | Path) -> dict:
    """Return the manifest of ``target`` (``{"files": [...], "dirs": [...]}``; empty if none)."""
    path = Path(target) / MANIFEST
    try:
        m = json.loads(path.read_text())
        return {"files": sorted(set(map(str, m.get("files", [])))),
                "dirs": sorted(set(map(str, m.get("dirs", []))))}
    except (OSError, ValueError, AttributeError, TypeError):
        return {"files": [], "dirs": []}


def foreign_entries(target: str | Path) -> list[str]:
    """Return the entries of ``target`` that the tool did not write (relative paths, sorted)."""
    target = Path(target)
    if not target.is_dir():
        return []
    m = read_manifest(target)
    files, dirs = set(m["files"]), set(m["dirs"])
    parents = {str(Path(f).parent) for f in files} - {"."}
    out: list[str] = []
    for path in sorted(target.rglob("*")):
        rel = path.relative_to(target).as_posix()
        if rel in _OWN or rel.startswith(_TMP_TAG) or rel in files or rel in dirs:
            continue
        if any(rel.startswith(d + "/") for d in dirs):
            continue
        if path.is_dir() and any(p == rel or p.startswith(rel + "/") for p in parents):
            continue
        out.append(rel)
    # report a foreign directory once, not every file under it
    return [r for r in out if not any(r.startswith(o + "/") for o in out)]


def check_output_dir(target: str | Path, force: bool = False) -> None:
    """Raise :class:`OutputDirError` now if ``target`` could not be written (before a long run)."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise OutputDirError(f"output directory {target} is an existing file; "
                             "choose a directory name with --out")
    foreign = foreign_entries(target)
    if foreign and not force:
        raise OutputDirError(_foreign_message(target, foreign))
    probe = target if target.exists() else next(p for p in target.resolve().parents
                                                if p.exists())
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputDirError(f"cannot write to {probe}; choose a writable place with --out")


def _foreign_message(target: Path, foreign: list[str]) -> str:
    shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
    return (f"output directory {target.resolve()} holds {len(foreign)} file(s) or folder(s) "
            f"energy_model did not write ({shown}); choose a new or empty directory, or pass "
            "--force to write there anyway (those files are kept)")


@contextlib.contextmanager
def output_dir(target: str | Path, force: bool = False, keep: Iterable[str] = (),
               wait: float = 0.0, add: bool = False) -> Iterator[Path]:
    """Yield a staging directory whose files replace the tool's files in ``target`` on success.

    Parameters
    ----------
    target : path
        The output directory (created if missing, with its parents).
    force : bool
        Write into a directory that holds files the tool did not write (they are kept).
    keep : iterable of str
        Sub-directories of ``target`` the caller writes into directly (a study's ``cache``);
        they are recorded as the tool's own and never staged or removed.
    wait : float
        Seconds to wait for another run's lock before giving up [s]; 0 fails at once.
    add : bool
        Add the staged files to the tool's files in ``target`` (a report next to a study's
        results) instead of replacing them: earlier files of the tool are kept.

    Raises
    ------
    OutputDirError
        When ``target`` is a file, not writable, or holds foreign files without ``force``.
    OutputDirBusyError
        When another run writes to ``target``.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise OutputDirError(f"output directory {target} is an existing file; "
                             "choose a directory name with --out")
    created = not target.exists()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputDirError(f"cannot create output directory {target}: {err.strerror or err}; "
                             "choose a writable place with --out") from None
    keep = [str(k) for k in keep]
    try:
        with _locked(target, wait):
            foreign = foreign_entries(target)
            if foreign and not force:
                raise OutputDirError(_foreign_message(target, foreign))
            if foreign:
                logger.warning("writing into %s although it holds %d file(s) energy_model did "
                               "not write; they are left as they are", target, len(foreign))
            old = read_manifest(target)
            _write_manifest(target, old["files"], old["dirs"] + keep)
            for k in keep:
                (target / k).mkdir(parents=True, exist_ok=True)
            stage = _make_stage(target)
            try:
                yield stage
                _commit(stage, target, old["files"], old["dirs"] + keep, add)
            finally:
                shutil.rmtree(stage, ignore_errors=True)
    finally:
        if created:
            _remove_if_unused(target)


def _make_stage(target: Path) -> Path:
    try:
        return Path(tempfile.mkdtemp(prefix=f".{target.resolve().name}{_TMP_TAG}",
                                     dir=target.resolve().parent))
    except OSError:  # parent not writable: stage inside the target (same file system)
        return Path(tempfile.mkdtemp(prefix=_TMP_TAG, dir=target))


def _commit(stage: Path, target: Path, old_files: list[str], dirs: list[str],
            add: bool = False) -> None:
    """Move every staged file into ``target``; remove old files of the tool not written again.

    With ``add``, the old files are kept and stay in the manifest.
    """
    new = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if not p.is_dir())
    for rel in new:
        dst = target / rel
        if dst.is_dir():
            raise OutputDirError(f"cannot write {dst}: a directory is in the way")
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(stage / rel, dst)
        except OSError as err:
            if err.errno != errno.EXDEV:
                raise
            shutil.move(str(stage / rel), dst)  # staging on another file system
    for rel in sorted(set(old_files) - set(new)) if not add else []:
        path = target / rel
        if path.is_file() or path.is_symlink():
            path.unlink()
            logger.debug("removed %s (written by an earlier run)", path)
    _write_manifest(target, [*new, *old_files] if add else new, dirs)


def _write_manifest(target: Path, files: Iterable[str], dirs: Iterable[str]) -> None:
    body = {"written_by": "energy_model", "files": sorted(set(files)),
            "dirs": sorted(set(dirs))}
    tmp = target / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps(body, indent=1) + "\n")
    os.replace(tmp, target / MANIFEST)


def _remove_if_unused(target: Path) -> None:
    """Remove a directory this call created when it holds nothing but the tool's own files."""
    try:
        entries = {p.name for p in target.iterdir()}
        if entries <= _OWN and not read_manifest(target)["files"]:
            for name in entries:
                (target / name).unlink()
            target.rmdir()
    except OSError:
        pass


@contextlib.contextmanager
def _locked(target: Path, wait: float) -> Iterator[None]:
    path = target / LOCK
    try:
        fh = open(path, "a+")
    except OSError as err:
        raise OutputDirError(f"cannot write to output directory {target}: "
                             f"{err.strerror or err}; choose a writable place with --out") from None
    try:
        if fcntl is not None:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        fh.seek(0)
                        holder = fh.read().strip() or "another process"
                        raise OutputDirBusyError(
                            f"output directory {target.resolve()} is in use by another "
                            f"energy-model run ({holder}); wait for it to finish or choose "
                            "another --out") from None
                    time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} on {socket.gethostname()} since "
                 f"{time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        fh.flush()
        yield
    finally:
        fh.close()
