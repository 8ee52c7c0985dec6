"""Run a sweep: open the store, submit what is missing, write results as they arrive.

Resume is the normal path, not a special mode: every invocation computes the design,
checks it against the folder (refusing a different sweep), and runs exactly the run_ids
that have no KPI part yet, including those that failed last time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.study.backends import engine_fingerprint, make_evaluator, progress_bar
from sim.study.sweep.spec import Sweep
from sim.study.sweep.store import SweepStore, now

STATUS_EVERY_S = 2.0


@dataclass
class SweepSummary:
    """What one invocation did."""

    out: Path
    total: int
    skipped: int
    ok: int = 0
    failed: int = 0
    wall_time_s: float = 0.0
    errors: dict[str, str] = field(default_factory=dict)
    #: Runs computed by engine code other than this process's (code edited mid-sweep).
    engine_mismatch: int = 0

    @property
    def missing(self) -> int:
        return self.total - self.skipped - self.ok - self.failed


def default_out(sweep: Sweep, root: str | Path = "runs/sweeps") -> Path:
    """``runs/sweeps/<name>`` (``<name>-smoke`` with --smoke, so the two never mix)."""
    return Path(root) / (sweep.spec.name + ("-smoke" if sweep.smoke else ""))


def design_meta(sweep: Sweep) -> dict[str, Any]:
    """Metadata stored with the design, read back by :func:`sim.study.results.load`."""
    spec = sweep.spec.model_dump(mode="json")
    return {
        "name": sweep.spec.name,
        "fingerprint": sweep.fingerprint(),
        "source": str(sweep.source),
        "smoke": sweep.smoke,
        "spec": spec,
        "spec_view": {
            "base_config_hash": sweep.base.config_hash(),
            "parameters": spec["parameters"],
            "design": spec["design"],
            "replications": spec["replications"],
            "root_seed": spec["root_seed"],
        },
        "kpis": sweep.kpis,
        "base_config": sweep.base.to_dict(),
    }


def run_sweep(
    sweep: Sweep,
    out: str | Path | None = None,
    *,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    dashboard: str | None = None,
    progress: bool = True,
) -> SweepSummary:
    """Run every missing run of ``sweep`` into the store at ``out``.

    Args:
        sweep: a validated sweep (:func:`sim.study.sweep.spec.load_sweep`).
        out: the store folder (default ``runs/sweeps/<name>``).
        executor: ``local`` (process pool) or ``dask``.
        workers: processes (local) or LocalCluster workers (dask without scheduler).
        scheduler: a Dask scheduler address, e.g. ``tls://host:8786``.
        dashboard: serve the dashboard of the Dask cluster omo starts at this address.
        progress: a tqdm bar on stderr when it is a terminal (runs done, failed, ETA).

    Raises:
        ConfigError: the folder holds another sweep, or is in use.
    """
    from sim.io.runs import versions

    engine = engine_fingerprint()

    out = Path(out) if out is not None else default_out(sweep)
    design = sweep.design
    meta = design_meta(sweep)
    started = time.perf_counter()
    # the executor first: an unreachable scheduler fails before anything is written
    with (
        make_evaluator(
            executor, workers, scheduler, f"omo-{meta['fingerprint']}", dashboard=dashboard
        ) as ex,
        SweepStore(out).open(design, meta) as store,
    ):
        done = store.done()
        todo = design[~design["run_id"].isin(done)]
        summary = SweepSummary(out, total=len(design), skipped=len(design) - len(todo))
        status: dict[str, Any] = {
            "name": sweep.spec.name,
            "state": "running",
            "started_utc": now(),
            "executor": executor,
            "scheduler": scheduler,
            "workers": ex.workers,
            "executor_detail": ex.describe(),
            "counts": {},
            "base_config_hash": sweep.base.config_hash(),
            "fingerprint": meta["fingerprint"],
            "versions": versions(),
            "engine": engine,
            "spec": meta["spec"],
            "smoke": sweep.smoke,
        }

        def save_status(state: str) -> None:
            ok = len(done) + summary.ok
            failed = len(store.failed())
            status["state"] = state
            status["counts"] = {
                "total": summary.total,
                "ok": ok,
                "failed": failed,
                "missing": summary.total - ok - failed,
            }
            store.write_status(status)

        save_status("running")
        if todo.empty:
            save_status("complete")
            return summary
        base = sweep.base.to_dict()
        keep = [
            name
            for name, wanted in (
                ("daily", sweep.spec.keep_timeseries),
                ("events", sweep.spec.keep_events),
            )
            if wanted
        ]
        jobs = [
            {
                "run_id": row["run_id"],
                "config": base,
                "overrides": sweep.overrides(row),
                "seed": int(row["seed"]),
                "keep": keep,
            }
            for row in todo.to_dict("records")
        ]
        names = sweep.kpis
        bar = progress_bar(len(design), f"sweep {sweep.spec.name}", progress, len(done))
        last_status = time.monotonic()
        state = "interrupted"
        try:
            for outcome in ex.evaluate(jobs):
                run_id = outcome["run_id"]
                if outcome["status"] == "ok":
                    store.write_ok(
                        run_id,
                        outcome["kpis"],
                        names,
                        outcome["wall_time_s"],
                        daily=outcome.get("daily"),
                        events=outcome.get("events"),
                        engine=outcome.get("engine"),
                    )
                    if outcome.get("engine") not in (None, engine):
                        summary.engine_mismatch += 1
                    summary.ok += 1
                else:
                    store.write_failed(run_id, outcome["error"], outcome["wall_time_s"])
                    summary.failed += 1
                    summary.errors[run_id] = outcome["error"]
                bar.update(1)
                bar.set_postfix(ok=len(done) + summary.ok, failed=summary.failed)
                if time.monotonic() - last_status > STATUS_EVERY_S:
                    save_status("running")
                    last_status = time.monotonic()
            state = "complete" if summary.failed == 0 else "complete_with_failures"
        finally:
            bar.close()
            summary.wall_time_s = time.perf_counter() - started
            status["wall_time_s"] = round(summary.wall_time_s, 2)
            status["engine_mismatch"] = summary.engine_mismatch
            save_status(state)
    return summary
