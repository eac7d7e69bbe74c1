"""Running a study's cases in worker processes (or on Dask) so that an interrupt loses nothing.

* Ctrl-C (SIGINT) or SIGTERM to the main process cancels the queued cases, terminates the
  workers at once (a running solve is abandoned) and raises :class:`StudyInterruptedError`; every
  case that finished before is already in the cache, so running the study again continues where
  it stopped.
* Workers ignore SIGINT (the main process decides) and die with the main process: on Linux the
  kernel sends them SIGKILL when it dies (``PR_SET_PDEATHSIG``), elsewhere a watchdog thread
  exits when the parent process is gone. A ``kill -9`` of the main process leaves no worker.
* A worker process that dies (killed, out of memory) breaks the local pool: the tasks left
  unfinished are run again in a new pool, then each still lost one alone in its own process; a
  task that kills its worker that third time fails with the reason, the others finish. On Dask,
  the scheduler re-runs the tasks of a worker that leaves; the study logs which worker left, and
  a task the scheduler gives up on (``KilledWorker``) fails with the reason.
* Progress per case: a task reports every case it finishes (:func:`report_case_done`) through a
  queue (local processes) or a Dask event topic, and :func:`execute` hands each report to its
  ``on_case`` callback as it arrives, so a progress bar advances per case, not per task.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

logger = logging.getLogger(__name__)


_PROGRESS: Callable[[str], None] | None = None
"""Where this process reports finished cases (set while a study's task runs)."""


class StudyInterruptedError(KeyboardInterrupt):
    """The study was interrupted; finished cases are in the cache."""


def report_case_done(key: str) -> None:
    """Tell the study's progress bar that the case ``key`` is finished (no-op outside a run)."""
    sink = _PROGRESS
    if sink is not None:
        with contextlib.suppress(Exception):  # progress must never fail a case
            sink(key)


@contextlib.contextmanager
def progress_to(sink: Callable[[str], None] | None) -> Iterator[None]:
    """Send :func:`report_case_done` to ``sink`` while the block runs."""
    global _PROGRESS
    old, _PROGRESS = _PROGRESS, sink
    try:
        yield
    finally:
        _PROGRESS = old


def init_worker(parent: int, progress: multiprocessing.SimpleQueue | None = None) -> None:
    """Prepare a worker process: ignore SIGINT, die with the process ``parent``, report
    finished cases to ``progress``."""
    global _PROGRESS
    if progress is not None:
        _PROGRESS = progress.put
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


def execute(todo: dict, run_task: Callable[[object], object], workers: int | None,
            scheduler: str | None, on_case: Callable[[str], None] | None = None,
            cleanup: Callable[[], None] | None = None) -> Iterator[tuple[object, object]]:
    """Yield ``(key, result)`` as tasks finish; a failure becomes a result with its error.

    ``todo`` maps each task's key to its argument for ``run_task`` (a study passes one task per
    option set: its cases' specs, :func:`energy_model.study.batch.run_option_set`). ``workers``
    local processes (1: in this process), or a Dask scheduler address. ``on_case`` is called in
    this process with the key of every case a task reports finished (:func:`report_case_done`).
    ``cleanup`` is run on every Dask worker when the tasks are done (local worker processes end
    with the run).
    """
    if not todo:
        return
    done = 0
    try:
        with sigterm_as_interrupt():
            for case, result in _dispatch(todo, run_task, workers, scheduler, on_case,
                                          cleanup):
                done += 1
                yield case, result
    except KeyboardInterrupt:
        raise StudyInterruptedError(
            f"study interrupted after {done} of {len(todo)} task(s) to run; the finished "
            "cases are kept in the cache: run the same command again to continue") from None


def _dispatch(todo: dict, run_task, workers: int | None, scheduler: str | None, on_case,
              cleanup):
    if scheduler:
        yield from _dispatch_dask(todo, run_task, scheduler, on_case, cleanup)
        return
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        with progress_to(on_case):
            for case, arg in todo.items():
                try:
                    yield case, run_task(arg)
                except Exception as err:
                    yield case, failure(err)
        return
    left = dict(todo)
    for attempt in range(3):
        # 0: all tasks in one pool; 1: the tasks a dead worker took with it, in a new pool;
        # 2: each task still lost alone in its own process, so that only a task that kills
        # its own worker fails
        broken: dict = {}
        groups = [left] if attempt < 2 else [{case: arg} for case, arg in left.items()]
        for group in groups:
            for case, result in _dispatch_pool(group, run_task, min(workers, len(group)),
                                               on_case):
                if isinstance(result, BrokenProcessPool):
                    broken[case] = group[case]
                else:
                    yield case, result
        if not broken:
            return
        if attempt < 2:
            logger.warning("a worker process died (killed or out of memory); %d unfinished "
                           "task(s) run again in new processes", len(broken))
        left = broken
    for case in left:
        yield case, {"status": "failed",
                     "error": "the worker process died while solving this case's option set "
                              "(killed or out of memory), three times"}


def _dispatch_pool(todo: dict, run_task, workers: int, on_case):
    """Yield ``(key, result)`` from a local pool; a task lost with a dead worker yields the
    :class:`BrokenProcessPool` error itself (the caller runs it again)."""
    progress = multiprocessing.get_context().SimpleQueue() if on_case else None
    pool = ProcessPoolExecutor(max_workers=workers, initializer=init_worker,
                               initargs=(os.getpid(), progress))
    finished = False
    futures: dict = {}
    try:
        futures = {pool.submit(run_task, arg): case for case, arg in todo.items()}
        pending = set(futures)
        while pending:
            # a short timeout: a signal delivered to another thread only raises in the main
            # thread when it runs Python code again
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            _drain(progress, on_case)
            for fut in done:
                err = None if fut.cancelled() else fut.exception()
                if isinstance(err, BrokenProcessPool):
                    yield futures[fut], err
                else:
                    yield futures[fut], result_of(fut.result, fut.exception)
        _drain(progress, on_case)
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:  # interrupted (or the consumer stopped): drop the queue, stop the workers now
            _terminate(pool, futures)
        if progress is not None:
            _drain(progress, on_case)
            progress.close()


def _drain(progress, on_case) -> None:
    """Hand every progress report waiting in ``progress`` to ``on_case``."""
    if progress is None:
        return
    with contextlib.suppress(OSError, ValueError, EOFError):  # closed by a dying worker
        while not progress.empty():
            on_case(progress.get())


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


def run_on_dask_worker(run_task, arg, topic: str | None):
    """Run ``run_task(arg)`` on a Dask worker, reporting finished cases to the event ``topic``."""
    sink = None
    if topic is not None:
        from distributed import get_worker

        worker = get_worker()
        sink = lambda key: worker.log_event(topic, key)  # noqa: E731
    with progress_to(sink):
        return run_task(arg)


def _dispatch_dask(todo: dict, run_task, scheduler: str, on_case, cleanup):
    from distributed import Client
    from distributed import as_completed as dask_completed

    reports: queue.SimpleQueue = queue.SimpleQueue()
    topic = f"energy_model-progress-{uuid.uuid4().hex}" if on_case else None
    with Client(scheduler, set_as_default=False) as client:  # leave dask.config alone
        if topic is not None:
            client.subscribe_topic(topic, lambda event: reports.put(event[1]))
        seen = set(client.scheduler_info()["workers"])
        futures = {client.submit(run_on_dask_worker, run_task, arg, topic, pure=False): case
                   for case, arg in todo.items()}
        ready = dask_completed(futures, loop=client.loop)
        checked = time.monotonic()
        try:
            while not ready.is_empty():
                batch = ready.next_batch(block=False)
                for fut in batch:
                    yield futures[fut], result_of(fut.result, fut.exception)
                while not reports.empty():
                    on_case(reports.get())
                if not batch:
                    if time.monotonic() - checked > 1.0:
                        seen, checked = _report_departed(client, seen), time.monotonic()
                    time.sleep(0.2)
            while not reports.empty():
                on_case(reports.get())
        finally:
            client.cancel(list(futures))
            if topic is not None:
                client.unsubscribe_topic(topic)
            if cleanup is not None:
                with contextlib.suppress(Exception):  # a worker without energy_model, gone
                    client.run(cleanup)


def _report_departed(client, seen: set[str]) -> set[str]:
    """Log the Dask workers that left since ``seen``; return the current workers."""
    try:
        now = set(client.scheduler_info()["workers"])
    except Exception:  # the scheduler is busy or gone: the futures will say
        return seen
    for address in sorted(seen - now):
        logger.warning("Dask worker %s left the cluster; the scheduler runs its unfinished "
                       "cases again on the other workers", address)
    return now


def failure(err: BaseException) -> dict:
    """Return the record of a failed task or case with its reason."""
    return {"status": "failed", "error": f"{type(err).__name__}: {err}"}


def result_of(result, exception) -> dict:
    """Return a future's result, or a failed result holding its error."""
    try:
        err = exception()
        if err is None:
            return result()
    except BaseException as exc:
        err = exc
    return failure(err)
