"""Where runs execute: one evaluator interface, one backend per module.

``check``, ``compare``, ``calibrate`` and ``sweep`` all hand their runs to an
:class:`~sim.study.backends.base.Evaluator` as plain-data jobs run by one worker entry
(:func:`~sim.study.backends.worker.run_job`), so the same scenario and seed give the same
KPIs on any backend and any number of workers:

- :mod:`sim.study.backends.local`: a process pool on this machine (in-process with one
  worker, for tests and debugging); workers end when their command is killed.
- :mod:`sim.study.backends.dask`: a private TLS LocalCluster, or a user's scheduler.
"""

from __future__ import annotations

import uuid

from sim.study.backends.base import Evaluator, progress_bar
from sim.study.backends.worker import (
    Job,
    Outcome,
    RunFailed,
    engine_fingerprint,
    require_ok,
    run_job,
)

#: Backend names accepted by ``--executor``.
BACKENDS = ("local", "dask")

__all__ = [
    "BACKENDS",
    "Evaluator",
    "Job",
    "Outcome",
    "RunFailed",
    "engine_fingerprint",
    "make_evaluator",
    "progress_bar",
    "require_ok",
    "run_job",
]


def make_evaluator(
    kind: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    key_prefix: str | None = None,
    *,
    dashboard: str | None = None,
) -> Evaluator:
    """An evaluator by backend name; nothing starts before it is entered with ``with``.

    Args:
        kind: ``local`` or ``dask``.
        workers: worker processes (local pool or LocalCluster); default all cores.
        scheduler: a Dask scheduler address (dask only).
        key_prefix: Dask task-key prefix (default: unique to this evaluator, so two
            commands on one shared scheduler never share a task).
        dashboard: serve the Dask dashboard of a cluster omo starts at this address.
    """
    if kind == "local":
        from sim.study.backends.local import LocalEvaluator

        return LocalEvaluator(workers)
    if kind == "dask":
        from sim.study.backends.dask import DaskEvaluator

        prefix = key_prefix or f"omo-{uuid.uuid4().hex[:12]}"
        return DaskEvaluator(workers, scheduler, prefix, dashboard=dashboard)
    raise ValueError(f"unknown backend {kind!r} (allowed: {', '.join(BACKENDS)})")
