"""Safe output directories: whole results or none, never deleting what the tool did not write.

:func:`output_dir` is used by every command that writes results::

    with output_dir("results/2030", force=False) as stage:
        (stage / "summary.json").write_text("...")

* Files are written into a staging directory inside the target (``.energy_model-tmp-*``,
  recorded in the manifest before it is made) and moved into place only when the block finishes
  without an error; a failure leaves the target as it was. The staging directory of a killed
  run is removed by the next run into the same target.
* The target keeps a manifest, :data:`MANIFEST`, listing every file the tool wrote there. A
  target holding anything else is refused (:class:`OutputDirError`) unless ``force=True``;
  even then the other files are left alone: a run whose output has the name of such a file
  stops before it moves anything. Only regular files listed in the manifest are ever replaced
  or removed.
* The manifest is not trusted: an entry that is not a plain relative path inside the target
  (``..``, an absolute path, a path through a symbolic link) is ignored with a warning. No file
  is written, replaced or removed through a symbolic link, and the lock and manifest files are
  opened without following one.
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
import secrets
import shutil
import socket
import stat
import time
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

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

MAX_MANIFEST_BYTES = 16 * 2**20
"""Largest manifest read [bytes]; a larger one is ignored with a warning."""

_TMP_TAG = ".energy_model-tmp-"
_OWN = {MANIFEST, LOCK, f"{MANIFEST}.tmp"}
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_warned: set[tuple[str, str]] = set()


class OutputDirError(EnergyModelError, RuntimeError):
    """The output directory cannot be used (foreign files, a file in the way, not writable)."""


class OutputDirBusyError(OutputDirError):
    """Another run holds the lock of the output directory."""


class UnsafeFileError(OSError):
    """A file the tool reads is not a regular file of bounded size (a FIFO, device, symlink)."""


def read_regular_file(path: str | Path, max_bytes: int) -> bytes:
    """Return the bytes of ``path`` if it is a regular file of at most ``max_bytes``.

    The file is opened without following a symbolic link and without blocking (a FIFO neither
    hangs nor is read; ``/dev/zero`` is not read for ever).

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    UnsafeFileError
        When ``path`` is a symbolic link, not a regular file, or larger than ``max_bytes``.
    """
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError as err:
        if err.errno == errno.ELOOP or os.path.islink(path):
            raise UnsafeFileError(f"{path} is a symbolic link") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFileError(f"{path} is not a regular file (a FIFO, device or directory)")
        if st.st_size > max_bytes:
            raise UnsafeFileError(f"{path} is larger than {max_bytes} bytes")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise UnsafeFileError(f"{path} is larger than {max_bytes} bytes")
        return data
    finally:
        os.close(fd)


def is_inside_entry(rel: object) -> bool:
    """Whether ``rel`` is a plain relative path (``a/b.csv``: no ``..``, ``.``, absolute path)."""
    if not isinstance(rel, str) or not rel or "\\" in rel or "\0" in rel:
        return False
    if PurePosixPath(rel).is_absolute() or Path(rel).is_absolute() or Path(rel).drive:
        return False
    return all(part not in ("", ".", "..") for part in rel.split("/"))


def _warn_once(target: Path, text: str) -> None:
    if (str(target), text) not in _warned:
        _warned.add((str(target), text))
        logger.warning(text)


def _real_parents(target: Path, rel: str) -> bool:
    """Whether every folder of ``rel`` below ``target`` is a real directory or missing."""
    cur = target
    for part in rel.split("/")[:-1]:
        cur = cur / part
        try:
            mode = os.lstat(cur).st_mode
        except FileNotFoundError:
            return True  # made by the commit, inside the target
        if not stat.S_ISDIR(mode):
            return False
    return True


def _own_file(target: Path, rel: str) -> bool:
    """Whether ``target/rel`` is a regular file reached without a symbolic link."""
    if not _real_parents(target, rel):
        return False
    try:
        return stat.S_ISREG(os.lstat(target / rel).st_mode)
    except OSError:
        return False


def read_manifest(target: str | Path) -> dict:
    """Return the manifest of ``target``: ``{"files": [...], "dirs": [...], "staging": [...]}``.

    Entries that are not plain relative paths inside ``target`` are dropped with a warning; an
    unreadable or unsafe manifest (a FIFO, a symbolic link, too large or deep) counts as none.
    """
    target = Path(target)
    empty: dict = {"files": [], "dirs": [], "staging": []}
    path = target / MANIFEST
    try:
        m = json.loads(read_regular_file(path, MAX_MANIFEST_BYTES))
    except FileNotFoundError:
        return empty
    except (OSError, ValueError, RecursionError) as err:
        _warn_once(target, f"manifest {path} ignored: {err}")
        return empty
    if not isinstance(m, dict):
        return empty
    out: dict = {}
    for name in empty:
        entries = m.get(name, [])
        entries = entries if isinstance(entries, list) else []
        bad = [e for e in entries if not is_inside_entry(e)]
        if bad:
            _warn_once(target, f"manifest {path} lists {len(bad)} path(s) that are not inside "
                               f"{target} ({', '.join(map(repr, bad[:3]))}); they are ignored: "
                               "energy_model never writes or removes anything outside its "
                               "output directory")
        out[name] = sorted({e for e in entries if is_inside_entry(e)})
    out["staging"] = [s for s in out["staging"] if s.startswith(_TMP_TAG) and "/" not in s]
    return out


def foreign_entries(target: str | Path) -> list[str]:
    """Return the entries of ``target`` that the tool did not write (relative paths, sorted).

    A manifest entry counts as the tool's only while it is a regular file (or, for ``dirs``, a
    real directory) reached without a symbolic link.
    """
    target = Path(target)
    if not target.is_dir():
        return []
    m = read_manifest(target)
    files = {f for f in m["files"] if _own_file(target, f)}
    dirs = {d for d in m["dirs"] if _real_parents(target, d + "/x")}
    parents = {str(Path(f).parent) for f in files} - {"."}
    out: list[str] = []
    for path in sorted(target.rglob("*")):
        rel = path.relative_to(target).as_posix()
        if rel in _OWN or rel.startswith(_TMP_TAG) or rel in files:
            continue
        link = path.is_symlink()
        if not link and (rel in dirs or any(rel.startswith(d + "/") for d in dirs)):
            continue
        if not link and path.is_dir() and any(p == rel or p.startswith(rel + "/")
                                              for p in parents):
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
            "--force to write beside them (they are kept: a run that would replace one of "
            "them stops instead)")


@contextlib.contextmanager
def output_dir(target: str | Path, force: bool = False, keep: Iterable[str] = (),
               wait: float = 0.0, add: bool = False,
               replace: Iterable[str] = ()) -> Iterator[Path]:
    """Yield a staging directory whose files replace the tool's files in ``target`` on success.

    Parameters
    ----------
    target : path
        The output directory (created if missing, with its parents).
    force : bool
        Write into a directory that holds files the tool did not write. They are kept: if a
        staged file has the name of one of them, nothing is moved and
        :class:`OutputDirError` is raised.
    keep : iterable of str
        Sub-directories of ``target`` the caller writes into directly (a study's ``cache``);
        they are recorded as the tool's own and never staged or removed. Each must be a real
        directory inside ``target`` (not a symbolic link).
    wait : float
        Seconds to wait for another run's lock before giving up [s]; 0 fails at once.
    add : bool
        Add the staged files to the tool's files in ``target`` (a report next to a study's
        results) instead of replacing them: earlier files of the tool are kept.
    replace : iterable of str
        With ``add``, folders of ``target`` whose earlier files of the tool are replaced all
        the same (a report's ``figures``: a figure not drawn again is removed).

    Raises
    ------
    OutputDirError
        When ``target`` is a file, not writable, holds foreign files without ``force``, or a
        staged file would replace a file the tool did not write or be written through a
        symbolic link.
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
            old = read_manifest(target)
            _remove_stale_stages(target, old["staging"])
            foreign = foreign_entries(target)
            if foreign and not force:
                raise OutputDirError(_foreign_message(target, foreign))
            if foreign:
                logger.warning("writing into %s although it holds %d file(s) energy_model did "
                               "not write; they are left as they are", target, len(foreign))
            _check_keep(target, keep, old["dirs"])
            dirs = old["dirs"] + keep
            stage_name = f"{_TMP_TAG}{secrets.token_hex(6)}"
            _write_manifest(target, old["files"], dirs, [stage_name])
            for k in keep:
                (target / k).mkdir(parents=True, exist_ok=True)
            stage = target / stage_name
            stage.mkdir()
            try:
                yield stage
                _commit(stage, target, old["files"], dirs, add, tuple(replace))
            finally:
                shutil.rmtree(stage, ignore_errors=True)
    finally:
        if created:
            _remove_if_unused(target)


def _check_keep(target: Path, keep: list[str], own_dirs: list[str]) -> None:
    """Refuse a ``keep`` folder that is a link or a file, or a folder the tool did not make."""
    for k in keep:
        if not is_inside_entry(k) or not _real_parents(target, k + "/x"):
            raise OutputDirError(
                f"{target / k} is a symbolic link or a file, not a folder inside {target}; "
                "energy_model writes only inside its output directory: remove it or choose "
                "another --out")
        if k not in own_dirs and (target / k).exists():
            raise OutputDirError(
                f"{target / k} is a folder energy_model did not write, and the run would write "
                "into it; move it away or choose another --out")


def _remove_stale_stages(target: Path, staging: list[str]) -> None:
    """Remove the staging directories of killed runs (recorded in the manifest; lock held)."""
    for name in staging:
        path = target / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
            logger.info("removed %s, the staging folder of an interrupted run", path)


def _staged_files(stage: Path) -> list[str]:
    out = []
    for root, dirs, files in os.walk(stage):
        for name in [*files, *(d for d in dirs if os.path.islink(os.path.join(root, d)))]:
            out.append(Path(root, name).relative_to(stage).as_posix())
    return sorted(out)


def _commit(stage: Path, target: Path, old_files: list[str], dirs: list[str],
            add: bool = False, replace: tuple[str, ...] = ()) -> None:
    """Move every staged file into ``target``; remove old files of the tool not written again.

    Every destination is checked before anything moves: a staged file may replace only a
    regular file the manifest lists, reached without a symbolic link. With ``add``, the old
    files are kept and stay in the manifest, except those under the folders ``replace``.
    """
    new = _staged_files(stage)
    own = {f for f in old_files if _own_file(target, f)}
    through_link = [rel for rel in new if not _real_parents(target, rel)]
    if through_link:
        raise OutputDirError(
            f"cannot write {through_link[0]} into {target}: a folder on its way is a symbolic "
            "link or a file that energy_model did not write; nothing was written. Remove it "
            "or choose another --out")
    taken = [rel for rel in new if os.path.lexists(target / rel) and rel not in own]
    if taken:
        shown = ", ".join(taken[:5]) + (", ..." if len(taken) > 5 else "")
        raise OutputDirError(
            f"output directory {target.resolve()} holds {len(taken)} file(s) with the names of "
            f"outputs that energy_model did not write ({shown}); they are kept and nothing "
            "was written: move them away or choose another --out (--force never replaces "
            "files energy_model did not write)")
    def replaced(rel: str) -> bool:
        return not add or any(rel.startswith(r.rstrip("/") + "/") for r in replace)

    kept = sorted(f for f in own if not replaced(f))
    # listed before they move: whatever the tool has put there is in the manifest at any time
    _write_manifest(target, [*old_files, *new], dirs, [stage.name])
    for rel in new:
        dst = target / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage / rel, dst)  # same file system: the stage is inside the target
    for rel in sorted(set(old_files) - set(new)):
        if replaced(rel):
            path = target / rel
            if rel in own:
                path.unlink()
                logger.debug("removed %s (written by an earlier run)", path)
                _prune_empty_parents(target, rel, dirs)
            elif os.path.lexists(path):
                logger.warning("%s is listed as written by energy_model but is no longer a "
                               "regular file inside %s (replaced, or reached through a "
                               "symbolic link); it is left as it is", path, target)
    _write_manifest(target, [*new, *kept], dirs, [])


def _prune_empty_parents(target: Path, rel: str, dirs: list[str]) -> None:
    """Remove the folders of a removed file that are now empty (not the ``keep`` folders)."""
    parts = rel.split("/")[:-1]
    while parts:
        sub = "/".join(parts)
        if sub in dirs:
            return
        try:
            (target / sub).rmdir()
        except OSError:  # not empty, or not a folder
            return
        parts.pop()


def _write_manifest(target: Path, files: Iterable[str], dirs: Iterable[str],
                    staging: Iterable[str] = ()) -> None:
    body = {"written_by": "energy_model", "files": sorted(set(files)),
            "dirs": sorted(set(dirs)), "staging": sorted(set(staging))}
    tmp = target / f"{MANIFEST}.tmp"
    if os.path.islink(tmp) or os.path.isfile(tmp):
        os.unlink(tmp)  # left by a killed run (a symbolic link is removed, never followed)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps(body, indent=1) + "\n")
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
        fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _NONBLOCK, 0o644)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise OSError(errno.EINVAL, "the lock file is not a regular file")
    except OSError as err:
        why = ("the lock file is a symbolic link" if err.errno == errno.ELOOP
               else err.strerror or str(err))
        raise OutputDirError(f"cannot write to output directory {target}: {why} ({path}); "
                             "remove it or choose another --out") from None
    fh = os.fdopen(fd, "r+")
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
                        holder = fh.read(200).strip() or "another process"
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
