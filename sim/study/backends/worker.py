"""The one worker entry: a scenario dict and a seed in, KPIs (and what callers keep) out.

Every study command (check, compare, calibrate, sweep) hands its runs to a backend as
:data:`Job` dicts and gets :data:`Outcome` dicts back. Both are plain data, so they pickle
into a local worker process or over the network to a Dask worker alike, and the same job
gives the same KPIs wherever it runs: the scenario is re-validated on the worker and every
random number comes from the seed.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from typing import Any

from sim.io.runs import engine_fingerprint

#: A run to do: ``run_id`` (unique in one submission), ``config`` (a resolved scenario
#: dict), optional ``overrides`` (dotted paths applied on the worker), ``seed``, and
#: optional ``keep`` (a list with ``"daily"``, ``"events"`` and/or ``"pnl"``), and optional
#: ``summarise`` (``"sim.module:function"``, called on the run's result on the worker; its
#: plain-data return is the outcome's ``summary``, so a study that needs more than KPIs need
#: not ship the log).
Job = dict[str, Any]
#: A run done: ``run_id``, ``status`` ("ok"/"failed"), ``kpis``, ``error``, ``daily``
#: (the daily table or None), ``events`` (the event log or None), ``pnl`` (the daily P&L
#: of :func:`sim.measure.money.daily_pnl` or None), ``wall_time_s``,
#: ``worker`` (host:pid) and ``engine`` (fingerprint of the simulator code that ran it).
Outcome = dict[str, Any]


def run_job(job: Job) -> Outcome:
    """Simulate one job and return its outcome; a run that raises is a failed outcome.

    Failures are data, not crashes: a sweep records them and goes on, while check and
    compare refuse to judge on a missing run (:func:`require_ok`).
    """
    started = time.perf_counter()
    out: Outcome = {
        "run_id": job["run_id"],
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "engine": engine_fingerprint(),
    }
    keep = set(job.get("keep") or ())
    try:
        from sim.scenario.config import from_dict, with_overrides
        from sim.study.run import simulate

        config = from_dict(job["config"])
        if job.get("overrides"):
            config = with_overrides(config, job["overrides"])
        result = simulate(config, job["seed"])
        out.update(status="ok", kpis=result.kpis, error=None)
        out["daily"] = result.daily if "daily" in keep else None
        out["events"] = result.events if "events" in keep else None
        out["pnl"] = _daily_pnl(result) if "pnl" in keep else None
        out["summary"] = _summariser(job["summarise"])(result) if job.get("summarise") else None
    except Exception as exc:  # a failed run is data, not a crash of the whole study
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" (at {tb[-1].filename}:{tb[-1].lineno})" if tb else ""
        out.update(
            status="failed", kpis={}, error=f"{detail}{where}", daily=None, events=None, pnl=None
        )
    out["wall_time_s"] = round(time.perf_counter() - started, 4)
    return out


def _daily_pnl(result: Any) -> Any:
    """The run's daily P&L, read from its log's money columns only (a small table to ship)."""
    from sim.measure.money import daily_pnl

    columns = [
        c
        for c in ("day", "event", "value", "outcome", "account")
        if c in result.events.schema.names
    ]
    return daily_pnl(result.events.select(columns).to_pandas(), result.config.horizon_days)


def _summariser(name: str) -> Any:
    """The function a ``summarise`` entry names; only functions of this package are allowed."""
    import importlib

    module, _, func = name.partition(":")
    if not (module == "sim" or module.startswith("sim.")) or not func:
        raise ValueError(f"summarise: {name!r}: expected 'sim.<module>:<function>'")
    return getattr(importlib.import_module(module), func)


def lost(run_id: str, exc: BaseException) -> Outcome:
    """Outcome of a run whose worker could not deliver it (pool broken, worker lost)."""
    return {
        "run_id": run_id,
        "status": "failed",
        "kpis": {},
        "error": f"{type(exc).__name__}: {exc} (the backend lost the run; rerun to retry)",
        "daily": None,
        "events": None,
        "pnl": None,
        "wall_time_s": float("nan"),
        "worker": None,
        "engine": None,
    }


class RunFailed(RuntimeError):
    """A run that a judgement needs (check, compare, a calibration trial) did not finish."""


def require_ok(outcome: Outcome) -> Outcome:
    """The outcome itself when it is ok; otherwise :class:`RunFailed` with its error."""
    if outcome["status"] != "ok":
        raise RunFailed(f"run {outcome['run_id']} failed: {outcome['error']}")
    return outcome
