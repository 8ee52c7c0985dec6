"""Where runs execute: a local process pool, or Dask (a local cluster or a remote scheduler).

Both executors take the same tasks and yield the same outcomes as runs finish, so the
runner and the store do not know where a run happened. Workers only compute; results
travel back to the one process that writes the store, which keeps the store crash-safe
without shared storage on a cluster.

On Dask each task is submitted with ``retries=2`` and a key derived from the sweep and
run_id: when a worker dies, the scheduler reschedules its tasks on other workers, and a
task that raises because its worker was lost is retried. A run that raises inside the
simulator is *not* retried (it would fail again): :func:`run_task` catches it and returns
a failed outcome with the error text.
"""

from __future__ import annotations

import functools
import os
import socket
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import as_completed as futures_completed
from pathlib import Path
from typing import Any

#: The task handed to a worker: plain data only, so it pickles anywhere.
Task = dict[str, Any]
#: What comes back: run_id, status ("ok"/"failed"), kpis, error, wall_time_s, extras.
Outcome = dict[str, Any]


@functools.cache
def engine_fingerprint() -> str:
    """SHA-256 (16 hex) of the ``sim`` package source this process imported.

    Recorded with every run: a sweep whose runs came from different engine code (edited
    between a kill and the resume, or on a cluster with stale installs) is detectable
    instead of silently mixed.
    """
    import hashlib

    import sim

    root = Path(sim.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def run_task(task: Task) -> Outcome:
    """Run one sweep run on a worker and return its outcome; never raises for a bad run.

    Args:
        task: ``run_id``, ``base`` (resolved scenario dict), ``overrides`` (dotted paths),
            ``seed``, ``keep_timeseries``, ``keep_events``.
    """
    started = time.perf_counter()
    out: Outcome = {
        "run_id": task["run_id"],
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "engine": engine_fingerprint(),
    }
    try:
        from sim.scenario.config import from_dict, with_overrides
        from sim.study.run import simulate

        config = with_overrides(from_dict(task["base"]), task["overrides"])
        result = simulate(config, task["seed"])
        out.update(status="ok", kpis=result.kpis, error=None)
        out["daily"] = result.daily if task.get("keep_timeseries") else None
        out["events"] = result.events if task.get("keep_events") else None
    except Exception as exc:  # a failed run is data, not a crash of the sweep
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" (at {tb[-1].filename}:{tb[-1].lineno})" if tb else ""
        out.update(status="failed", kpis={}, error=f"{detail}{where}", daily=None, events=None)
    out["wall_time_s"] = round(time.perf_counter() - started, 4)
    return out


def _exit_with(parent_pid: int, interval_s: float = 1.0) -> None:
    """Pool-worker initializer: exit when the sweep process is gone.

    Workers of a forkserver pool hold both ends of their task pipe, so after a ``kill -9``
    of the sweep (but not of its process group) they would wait for work forever, holding
    their memory. A daemon thread polls the sweep's pid and ends the worker instead.
    """
    import threading

    def watch() -> None:
        while True:
            time.sleep(interval_s)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(70)
            except PermissionError:  # pid reused by another user's process: we are orphaned
                os._exit(70)

    threading.Thread(target=watch, name="omo-parent-watch", daemon=True).start()


def _lost(run_id: str, exc: BaseException) -> Outcome:
    """Outcome of a run whose worker could not deliver it (pool broken, worker lost)."""
    return {
        "run_id": run_id,
        "status": "failed",
        "kpis": {},
        "error": f"{type(exc).__name__}: {exc} (executor lost the run; rerun to retry)",
        "daily": None,
        "events": None,
        "wall_time_s": float("nan"),
        "worker": None,
        "engine": None,
    }


class LocalExecutor:
    """A process pool on this machine (one process per core by default)."""

    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalExecutor:
        import multiprocessing as mp

        # forkserver: workers never inherit the parent's threads (tqdm's monitor, etc.)
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.study.run", "sim.scenario.config"])
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=ctx,
            initializer=_exit_with,
            initargs=(os.getpid(),),
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def describe(self) -> str:
        return f"local process pool, {self.workers} workers"

    def run(self, tasks: list[Task]) -> Iterator[Outcome]:
        """Submit every task; yield outcomes in completion order."""
        assert self._pool is not None, "use LocalExecutor as a context manager"
        futures: dict[Future, str] = {self._pool.submit(run_task, t): t["run_id"] for t in tasks}
        for fut in futures_completed(futures):
            run_id = futures.pop(fut)
            try:
                yield fut.result()
            except Exception as exc:  # BrokenProcessPool: a worker died (OOM-killed...)
                yield _lost(run_id, exc)


class DaskExecutor:
    """Dask distributed: a LocalCluster, or a running scheduler given its address."""

    name = "dask"

    def __init__(
        self, workers: int | None = None, scheduler: str | None = None, key_prefix: str = "omo"
    ):
        self.workers = workers or os.cpu_count() or 1
        self.scheduler = scheduler
        self.key_prefix = key_prefix
        self.client: Any = None
        self._cluster: Any = None

    def __enter__(self) -> DaskExecutor:
        import logging

        from dask.distributed import Client, LocalCluster

        if self.scheduler:
            try:
                self.client = Client(self.scheduler, timeout="20s")
            except OSError as exc:
                from sim.scenario.config import ConfigError

                raise ConfigError(
                    [f"--scheduler {self.scheduler}: cannot connect ({exc})"]
                ) from None
        else:
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self.client = Client(self._cluster)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
        self.client = self._cluster = None

    def describe(self) -> str:
        where = self.scheduler or "local cluster"
        n = len(self.client.scheduler_info().get("workers", {})) if self.client else 0
        return f"dask ({where}), {n} workers"

    def run(self, tasks: list[Task]) -> Iterator[Outcome]:
        """Submit every task (retries=2); yield outcomes in completion order."""
        from dask.distributed import as_completed

        futures = {}
        for t in tasks:
            fut = self.client.submit(
                run_task, t, key=f"{self.key_prefix}-{t['run_id']}", retries=2, pure=False
            )
            futures[fut.key] = (fut, t["run_id"])
        for fut in as_completed([f for f, _ in futures.values()]):
            _, run_id = futures.pop(fut.key)
            try:
                yield fut.result()
            except Exception as exc:  # KilledWorker after retries, lost connection, ...
                yield _lost(run_id, exc)
            finally:
                fut.release()


def make_executor(
    kind: str, workers: int | None = None, scheduler: str | None = None, key_prefix: str = "omo"
) -> LocalExecutor | DaskExecutor:
    """An executor by name (``local`` or ``dask``)."""
    if kind == "local":
        return LocalExecutor(workers)
    if kind == "dask":
        return DaskExecutor(workers, scheduler, key_prefix)
    raise ValueError(f"unknown executor {kind!r} (allowed: local, dask)")
