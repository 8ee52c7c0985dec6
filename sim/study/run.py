"""One simulation run, end to end: scenario -> model -> event log -> KPIs -> :class:`RunResult`.

Writing it to a run folder is :func:`sim.io.runs.write_run`'s job.
"""

from __future__ import annotations

import gc
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.engine.model import OmnichannelModel
from sim.io.runs import (  # noqa: F401  (re-exported: a run's result and folder helpers)
    RUN_FILES,
    RunResult,
    default_run_dir,
    engine_fingerprint,
    load_run,
    run_folder,
    versions,
    write_run,
    write_run_files,
)
from sim.scenario.config import ScenarioConfig


def simulate(
    config: ScenarioConfig,
    seed: int = 0,
    *,
    progress: bool = False,
    keep_model: bool = False,
    events_path: str | Path | None = None,
) -> RunResult:
    """Run a scenario with a seed and compute its KPIs.

    Args:
        config: the scenario.
        seed: the root of every random stream in the run.
        progress: show a progress bar over days (on stderr), and where the time went.
        keep_model: keep the Mesa model on the result, to inspect agents afterwards.
        events_path: stream the event log to this Parquet file as the days pass and read
            the KPIs from it, so memory does not grow with the log (a 10-million-consumer
            year); the result's ``events`` is then None and ``events_path`` names the file.
            Write it inside the run folder being built (:func:`sim.io.runs.run_folder`),
            so a failed run leaves nothing half-written.
    """
    from sim.measure.kpis import compute_kpis, compute_kpis_from_parquet

    started = time.perf_counter()
    model = OmnichannelModel(config, rng=seed)
    days = config.horizon_days
    stages = {"build": time.perf_counter() - started}
    if events_path is not None:
        model.stream_events(events_path)
    clock = time.perf_counter()
    try:
        _days(model, config, seed, progress)
        rows = model.finish_events() if events_path is not None else None
    except BaseException:
        model.abort_events()
        raise
    stages["days"] = time.perf_counter() - clock
    clock = time.perf_counter()
    consumers = model.consumers_frame()
    daily = model.daily_frame()
    inventory = model.inventory_frame()
    process_seconds = dict(model.process_seconds)
    policy_changes, scale = model.policy_changes, model.scale
    stages["tables"] = time.perf_counter() - clock
    clock = time.perf_counter()
    rate = config.costs.annual_discount_rate
    if events_path is None:
        events = model.events_table()
        rows = events.num_rows
        kpis = compute_kpis(
            events.to_pandas(), consumers, days, daily=daily, annual_discount_rate=rate
        )
    else:
        events = None
        if not keep_model:
            del model  # the agents and state are not needed for the KPIs: free them first
            gc.collect()
            model = None
        kpis = compute_kpis_from_parquet(
            events_path, len(consumers), days, daily=daily, annual_discount_rate=rate
        )
    stages["kpis"] = time.perf_counter() - clock
    wall = time.perf_counter() - started
    manifest = {
        "scenario": config.name,
        "seed": seed,
        "config_hash": config.config_hash(),
        "config": config.to_dict(),
        "policy_changes": policy_changes,
        "horizon_days": days,
        "population": config.population.size,
        "market_scale": scale,
        "events": rows,
        "wall_time_s": round(wall, 3),
        "stage_seconds": {k: round(v, 3) for k, v in stages.items()},
        "process_seconds": {k: round(v, 3) for k, v in process_seconds.items()},
        "versions": versions(),
        "engine": engine_fingerprint(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if progress:
        print(time_report(manifest), file=sys.stderr)
    return RunResult(
        config,
        seed,
        events,
        consumers,
        daily,
        inventory,
        kpis,
        manifest,
        model if keep_model else None,
        events_path=None if events_path is None else Path(events_path),
    )


def _days(model: OmnichannelModel, config: ScenarioConfig, seed: int, progress: bool) -> None:
    """Simulate the horizon; with ``progress``, a bar whose postfix names the slowest process."""
    days = config.horizon_days
    if not progress:
        model.run_for(days)
        return
    from tqdm import tqdm

    bar = tqdm(
        range(days), desc=f"{config.name} seed {seed}", unit="day", file=sys.stderr, leave=False
    )
    for day in bar:
        model.run_for(1)
        if day % 10 == 9 or day == days - 1:
            name, seconds = max(model.process_seconds.items(), key=lambda kv: kv[1])
            total = sum(model.process_seconds.values()) or 1.0
            bar.set_postfix_str(f"{name} {seconds / total:.0%}", refresh=False)


def time_report(manifest: dict[str, Any], top: int = 6) -> str:
    """Where a run's time went, from its manifest: stages, then the slowest processes."""
    stages = manifest.get("stage_seconds", {})
    processes = manifest.get("process_seconds", {})
    total = sum(processes.values()) or 1.0
    head = ", ".join(f"{k} {v:.1f} s" for k, v in stages.items())
    slow = sorted(processes.items(), key=lambda kv: -kv[1])[:top]
    body = ", ".join(f"{k} {v:.1f} s ({v / total:.0%})" for k, v in slow)
    return f"time: {head}\n  days by process: {body}"


def run_kpis(config: ScenarioConfig | dict[str, Any], seed: int) -> dict[str, float]:
    """KPIs of one run, nothing written: a shortcut for scripts and tests.

    Study commands do not call it: their runs go through the one worker entry,
    :func:`sim.study.backends.run_job`, on a backend of :mod:`sim.study.backends`.
    """
    from sim.scenario.config import from_dict

    if isinstance(config, dict):
        config = from_dict(config)
    return simulate(config, seed).kpis
