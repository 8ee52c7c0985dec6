"""Local backend: a process pool on this machine, or this very process with one worker.

Workers are started by a ``forkserver`` so they never inherit the parent's threads (tqdm's
monitor, SQLite, BLAS) that make ``fork`` unsafe. Each worker watches its parent: a
``kill -9`` of the command cannot run any clean-up, and without the watch the workers
would wait for work forever, holding their memory.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed

from sim.scenario.config import ConfigError
from sim.study.backends.base import Evaluator
from sim.study.backends.worker import Job, Outcome, lost, run_job

#: How often a worker checks that its command is still alive (seconds).
WATCH_INTERVAL_S = 0.5
#: Exit code of a worker that ended itself because its command was gone.
ORPHAN_EXIT = 70


def watch_parent(parent_pid: int, interval_s: float = WATCH_INTERVAL_S) -> None:
    """Pool-worker initializer: end this worker as soon as the command process is gone.

    On Linux the kernel is asked to kill the worker with its parent (the forkserver, which
    itself exits when the command dies); a daemon thread that polls the command's pid
    covers every platform and the case where the parent outlives the command.
    """
    import signal
    import threading

    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)

    def watch() -> None:
        while True:
            time.sleep(interval_s)
            try:
                os.kill(parent_pid, 0)
            except (ProcessLookupError, PermissionError):  # gone, or pid reused by another user
                os._exit(ORPHAN_EXIT)

    threading.Thread(target=watch, name="omo-parent-watch", daemon=True).start()


class LocalEvaluator(Evaluator):
    """Runs jobs in a process pool, or in this process when ``workers == 1``.

    The pool starts with the first batch that needs it and lives until :meth:`close`, so a
    command that evaluates many batches (a calibration's trials) starts its workers once.
    """

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise ConfigError([f"--workers: value {workers}: must be at least 1"])
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def describe(self) -> str:
        if self.workers == 1:
            return "local, in-process"
        return f"local process pool, {self.workers} workers"

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing as mp

            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(["sim.study.backends.worker", "sim.study.run"])
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=ctx,
                initializer=watch_parent,
                initargs=(os.getpid(),),
            )
        return self._pool

    def evaluate(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        jobs = list(jobs)
        if self.workers == 1:
            for job in jobs:
                yield run_job(job)
            return
        pool = self._started()
        futures: dict[Future, str] = {pool.submit(run_job, j): j["run_id"] for j in jobs}
        try:
            for fut in as_completed(futures):
                run_id = futures[fut]
                try:
                    outcome = fut.result()
                except Exception as exc:  # BrokenProcessPool: a worker died (OOM-killed...)
                    outcome = lost(run_id, exc)
                yield outcome
        finally:  # the caller stopped early (Ctrl-C, an error): drop what has not started
            for fut in futures:
                fut.cancel()
