"""Dask backend: a local cluster omo starts (TLS, no dashboard), or a user's scheduler.

A cluster omo starts is private to the command: ``Security.temporary()`` gives it a
throw-away certificate, so its scheduler speaks TLS and refuses any client without that
certificate (another local user or process cannot submit code to it), and no HTTP routes
are served unless a dashboard is asked for. For a user's own cluster (``--scheduler``),
security is theirs to configure through Dask's ``distributed.comm.tls.*`` settings
(see the README); omo passes them on.

Each job is submitted with ``retries=2`` under a key derived from its run id: when a worker
dies, the scheduler reschedules its jobs elsewhere. A run that raises inside the simulator
is not retried (it would fail again): the worker entry returns a failed outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from sim.scenario.config import ConfigError
from sim.study.backends.base import Evaluator
from sim.study.backends.worker import Job, Outcome, lost, run_job

#: Seconds to wait for a ``--scheduler`` to answer before giving up with exit 2.
CONNECT_TIMEOUT_S = 20.0


def probe_scheduler(address: str, security: Any, timeout_s: float) -> None:
    """Fail fast, with a clear message, unless ``address`` answers as a Dask scheduler.

    ``Client(address, timeout=...)`` can wait far past its timeout on something that accepts
    connections but never answers (or on a TLS scheduler with other credentials). Here the
    whole exchange (connect, handshake, an ``identity`` request) has one deadline.

    Raises:
        ConfigError: no answer within ``timeout_s``, refused, or not a scheduler.
    """
    from distributed.comm import connect

    async def identity() -> dict[str, Any]:
        args = security.get_connection_args("client")
        comm = await connect(address, timeout=timeout_s, **args)
        try:
            await comm.write({"op": "identity"})
            return await comm.read()
        finally:
            with contextlib.suppress(Exception):
                await comm.close()

    async def bounded() -> dict[str, Any]:
        # a little beyond connect's own timeout, so its more precise error wins the race
        return await asyncio.wait_for(identity(), timeout_s + 1.0)

    where = f"--scheduler {address}"
    try:
        answer = asyncio.run(bounded())
    except TimeoutError:
        raise ConfigError(
            [f"{where}: no answer from a Dask scheduler within {timeout_s:g} s"]
        ) from None
    except (OSError, TypeError, ValueError) as exc:  # refused, TLS mismatch, bad address
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "TLS expects" in reason:  # a tls:// address without TLS settings
            reason = (
                "a tls:// scheduler needs this machine's Dask TLS settings: "
                "distributed.comm.tls.ca-file, .client.cert and .client.key"
            )
        raise ConfigError([f"{where}: cannot connect to a Dask scheduler ({reason})"]) from None
    if not isinstance(answer, dict) or answer.get("type") != "Scheduler":
        raise ConfigError([f"{where}: answered, but is not a Dask scheduler"])


@contextlib.contextmanager
def _children_ignore_ctrl_c() -> Iterator[None]:
    """Start worker processes with SIGINT ignored, so Ctrl-C reaches only the command.

    Ctrl-C signals the whole foreground process group; workers that take it each print a
    traceback. An ignored signal stays ignored in a spawned child, and Python then keeps
    it that way, so only the command sees the interrupt and shuts the cluster down.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class DaskEvaluator(Evaluator):
    """Runs jobs on Dask: a private LocalCluster, or the scheduler at ``scheduler``."""

    name = "dask"

    def __init__(
        self,
        workers: int | None = None,
        scheduler: str | None = None,
        key_prefix: str = "omo",
        *,
        dashboard: str | None = None,
        connect_timeout_s: float | None = None,
    ) -> None:
        """Describe the cluster; nothing starts before ``with`` (see :meth:`__enter__`).

        Args:
            workers: LocalCluster worker processes (ignored with ``scheduler``).
            scheduler: a running scheduler's address, e.g. ``tls://host:8786``.
            key_prefix: task keys start with it (the sweep's fingerprint keeps resubmitted
                runs of one sweep apart from another's on a shared scheduler).
            dashboard: serve the LocalCluster's dashboard at this address (e.g.
                ``127.0.0.1:8787``); None serves no HTTP routes at all.
            connect_timeout_s: how long a ``scheduler`` has to answer (default
                :data:`CONNECT_TIMEOUT_S`).
        """
        if workers is not None and workers < 1:
            raise ConfigError([f"--workers: value {workers}: must be at least 1"])
        self.workers = workers or os.cpu_count() or 1
        self.scheduler = scheduler
        self.key_prefix = key_prefix
        self.dashboard = dashboard
        self.connect_timeout_s = connect_timeout_s or CONNECT_TIMEOUT_S
        self.client: Any = None
        self.cluster: Any = None

    def __enter__(self) -> DaskEvaluator:
        from distributed import Client

        if self.scheduler:
            from distributed.security import Security

            security = Security()  # from the user's Dask configuration (TLS files, if any)
            probe_scheduler(self.scheduler, security, self.connect_timeout_s)
            self.client = Client(
                self.scheduler, security=security, timeout=f"{self.connect_timeout_s}s"
            )
            self.workers = len(self.client.scheduler_info().get("workers", {})) or self.workers
        else:
            self.cluster, security = self._start_cluster()
            self.client = Client(self.cluster, security=security)
        return self

    def _start_cluster(self) -> tuple[Any, Any]:
        import dask
        from distributed import LocalCluster
        from distributed.security import Security

        security = Security.temporary()
        no_routes: dict[str, Any] = {}
        if self.dashboard is None:
            no_routes = {
                "distributed.scheduler.http.routes": [],
                "distributed.worker.http.routes": [],
            }
        with dask.config.set(no_routes), _children_ignore_ctrl_c():
            cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                protocol="tls://",
                security=security,
                # without a dashboard the HTTP server still listens (serving no routes):
                # on a random local port, never on the well-known 8787
                dashboard_address=self.dashboard or "127.0.0.1:0",
                scheduler_kwargs={"dashboard": self.dashboard is not None},
                silence_logs=logging.ERROR,
            )
        return cluster, security

    def close(self) -> None:
        # Shutting down after Ctrl-C cancels tasks mid-flight; Dask logs each one.
        with _quiet_dask_logs():
            if self.client is not None:
                with contextlib.suppress(Exception):
                    self.client.close()
            if self.cluster is not None:
                with contextlib.suppress(Exception):
                    self.cluster.close()
        self.client = self.cluster = None

    def describe(self) -> str:
        where = self.scheduler or "local cluster, TLS"
        n = len(self.client.scheduler_info().get("workers", {})) if self.client else 0
        return f"dask ({where}), {n} workers"

    def evaluate(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        from distributed import as_completed

        assert self.client is not None, "use DaskEvaluator as a context manager"
        futures = {}
        for job in jobs:
            fut = self.client.submit(
                run_job, job, key=f"{self.key_prefix}-{job['run_id']}", retries=2, pure=False
            )
            futures[fut.key] = (fut, job["run_id"])
        try:
            # Our client's loop, not the process's default client's: a Client that failed to
            # connect elsewhere in the process can become the default, and waiting on its
            # loop stalled every later job (seen as a hang of tens of seconds or more).
            pending = [f for f, _ in futures.values()]
            for fut in as_completed(pending, loop=self.client.loop):
                _, run_id = futures.pop(fut.key)
                try:
                    yield fut.result()
                except Exception as exc:  # KilledWorker after retries, lost connection, ...
                    yield lost(run_id, exc)
                finally:
                    fut.release()
        finally:  # stopped early: a shared cluster must not keep computing for nobody
            if futures:
                with _quiet_dask_logs(), contextlib.suppress(Exception):
                    self.client.cancel([f for f, _ in futures.values()])


@contextlib.contextmanager
def _quiet_dask_logs() -> Iterator[None]:
    loggers = [logging.getLogger(n) for n in ("distributed", "tornado", "asyncio")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
