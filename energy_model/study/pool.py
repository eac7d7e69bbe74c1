"""Running a study's cases in worker processes (or on Dask) so that an interrupt loses nothing.

* Ctrl-C (SIGINT) or SIGTERM to the main process cancels the queued cases, terminates the
  workers at once (a running solve is abandoned) and raises :class:`StudyInterruptedError`; every
  case that finished before is already in the cache, so running the study again continues where
  it stopped.
* Workers ignore SIGINT (the main process decides) and die with the main process: on Linux the
  kernel sends them SIGKILL when it dies (``PR_SET_PDEATHSIG``), elsewhere a watchdog thread
  exits when the parent process is gone. A ``kill -9`` of the main process leaves no worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

logger = logging.getLogger(__name__)


class StudyInterruptedError(KeyboardInterrupt):
    """The study was interrupted; finished cases are in the cache."""


def init_worker(parent: int) -> None:
    """Prepare a worker process: ignore SIGINT, die with the process ``parent``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # terminate() stops a solve at once
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="energy_model-parent-watch", daemon=True).start()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into ``KeyboardInterrupt`` in the main thread while the block runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def execute(todo: dict, run_case: Callable[[dict], dict], workers: int | None,
            scheduler: str | None) -> Iterator[tuple[object, dict]]:
    """Yield ``(key, result)`` as tasks finish; a failure becomes a result with its error.

    ``todo`` maps each task's key to its argument for ``run_case`` (a study passes one task per
    option set: its cases' specs, :func:`energy_model.study.batch.run_option_set`). ``workers``
    local processes (1: in this process), or a Dask scheduler address.
    """
    if not todo:
        return
    done = 0
    try:
        with sigterm_as_interrupt():
            for case, result in _dispatch(todo, run_case, workers, scheduler):
                done += 1
                yield case, result
    except KeyboardInterrupt:
        raise StudyInterruptedError(
            f"study interrupted after {done} of {len(todo)} task(s) to run; the finished "
            "cases are kept in the cache: run the same command again to continue") from None


def _dispatch(todo: dict, run_case, workers: int | None, scheduler: str | None):
    if scheduler:
        yield from _dispatch_dask(todo, run_case, scheduler)
        return
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        for case, spec in todo.items():
            try:
                yield case, run_case(spec)
            except Exception as err:
                yield case, {"status": "failed", "error": f"{type(err).__name__}: {err}"}
        return
    pool = ProcessPoolExecutor(max_workers=workers, initializer=init_worker,
                               initargs=(os.getpid(),))
    finished = False
    futures: dict = {}
    try:
        futures = {pool.submit(run_case, spec): case for case, spec in todo.items()}
        pending = set(futures)
        while pending:
            # a short timeout: a signal delivered to another thread only raises in the main
            # thread when it runs Python code again
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in done:
                yield futures[fut], result_of(fut.result, fut.exception)
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:  # interrupted (or the consumer stopped): drop the queue, stop the workers now
            _terminate(pool, futures)


def _terminate(pool: ProcessPoolExecutor, futures) -> None:
    for fut in futures:
        fut.cancel()
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for p in processes:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in processes:
        with contextlib.suppress(Exception):
            p.join(5)
            if p.is_alive():
                p.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    logger.warning("stopped %d worker process(es)", len(processes))


def _dispatch_dask(todo: dict, run_case, scheduler: str):
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    with Client(scheduler) as client:
        futures = {client.submit(run_case, spec, pure=False): case
                   for case, spec in todo.items()}
        try:
            for fut in dask_completed(futures):
                yield futures[fut], result_of(fut.result, fut.exception)
        finally:
            client.cancel(list(futures))


def result_of(result, exception) -> dict:
    """Return a future's result, or a failed result holding its error."""
    try:
        err = exception()
        if err is None:
            return result()
    except BaseException as exc:
        err = exc
    return {"status": "failed", "error": f"{type(err).__name__}: {err}"}
