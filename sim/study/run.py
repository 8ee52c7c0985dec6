"""One simulation run, end to end: scenario -> model -> event log -> KPIs -> :class:`RunResult`.

Writing it to a run folder is :func:`sim.io.runs.write_run`'s job.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from typing import Any

from sim.engine.model import OmnichannelModel
from sim.io.runs import (  # noqa: F401  (re-exported: a run's result and folder helpers)
    RUN_FILES,
    RunResult,
    default_run_dir,
    engine_fingerprint,
    load_run,
    versions,
    write_run,
)
from sim.scenario.config import ScenarioConfig


def simulate(
    config: ScenarioConfig, seed: int = 0, *, progress: bool = False, keep_model: bool = False
) -> RunResult:
    """Run a scenario with a seed and compute its KPIs.

    Args:
        config: the scenario.
        seed: the root of every random stream in the run.
        progress: show a progress bar over days (on stderr).
        keep_model: keep the Mesa model on the result, to inspect agents afterwards.
    """
    from sim.measure.kpis import compute_kpis

    started = time.perf_counter()
    model = OmnichannelModel(config, rng=seed)
    days = config.horizon_days
    if progress:
        from tqdm import tqdm

        for _ in tqdm(
            range(days), desc=f"{config.name} seed {seed}", unit="day", file=sys.stderr, leave=False
        ):
            model.run_for(1)
    else:
        model.run_for(days)
    events = model.events_table()
    consumers = model.consumers_frame()
    daily = model.daily_frame()
    kpis = compute_kpis(
        events.to_pandas(),
        consumers,
        days,
        daily=daily,
        annual_discount_rate=config.costs.annual_discount_rate,
    )
    wall = time.perf_counter() - started
    manifest = {
        "scenario": config.name,
        "seed": seed,
        "config_hash": config.config_hash(),
        "config": config.to_dict(),
        "policy_changes": model.policy_changes,
        "horizon_days": days,
        "population": config.population.size,
        "market_scale": model.scale,
        "events": events.num_rows,
        "wall_time_s": round(wall, 3),
        "versions": versions(),
        "engine": engine_fingerprint(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return RunResult(
        config,
        seed,
        events,
        consumers,
        daily,
        model.inventory_frame(),
        kpis,
        manifest,
        model if keep_model else None,
    )


def run_kpis(config: ScenarioConfig | dict[str, Any], seed: int) -> dict[str, float]:
    """KPIs of one run, nothing written: a shortcut for scripts and tests.

    Study commands do not call it: their runs go through the one worker entry,
    :func:`sim.study.backends.run_job`, on a backend of :mod:`sim.study.backends`.
    """
    from sim.scenario.config import from_dict

    if isinstance(config, dict):
        config = from_dict(config)
    return simulate(config, seed).kpis
