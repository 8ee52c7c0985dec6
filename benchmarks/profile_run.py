"""Where one run's time and memory go: by process, and in the export and KPI stages.

Runs one scenario (the baseline by default) in this process, stage by stage as ``omo run``
does (build, the days, the event table, pandas, KPIs, writing the run folder), and reports:

* seconds per touchpoint process (the model's own ``process_seconds``) and per stage;
* resident memory after each stage and the peak so far (``ru_maxrss``), and the bytes held by
  the event log's buffers and by the consumers' state;
* with ``--trace-memory``, the peak memory each process allocates above what it started with
  (tracemalloc; numpy reports its buffers to it), at the cost of a slower run;
* with ``--cprofile N``, the N functions with the most own time.

    .venv/bin/python benchmarks/profile_run.py --size 1000000
    .venv/bin/python benchmarks/profile_run.py --size 100000 --trace-memory --cprofile 25
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import pstats
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MB = 1024 * 1024


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / MB


def _traced(process, peaks: dict[str, float]):
    """``process`` wrapped to record the most memory it held above its starting point."""
    from sim.engine.processes import process_name

    name = process_name(process)

    @functools.wraps(process)
    def wrapper(ctx, day):
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        process(ctx, day)
        peaks[name] = max(peaks.get(name, 0.0), (tracemalloc.get_traced_memory()[1] - before) / MB)

    return wrapper


def profile(size: int, seed: int, scenario: Path, trace_memory: bool, days: int | None) -> dict:
    import sim.engine.model as model_module
    from sim.engine.model import OmnichannelModel
    from sim.io.runs import write_run
    from sim.measure.kpis import compute_kpis
    from sim.scenario.config import load_scenario
    from sim.study.run import RunResult

    overrides = {"population.size": size}
    if days is not None:
        overrides["horizon_days"] = days
    config = load_scenario(scenario, overrides)
    stages: list[dict] = []
    clock = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages.append({"stage": name, "s": now - clock, "rss_mb": _rss_mb(), "peak_mb": _peak_mb()})
        clock = time.perf_counter()

    stage("start")
    peaks: dict[str, float] = {}
    if trace_memory:
        tracemalloc.start()
        model_module.PROCESSES = tuple(_traced(p, peaks) for p in model_module.PROCESSES)
    model = OmnichannelModel(config, rng=seed)
    stage("build")
    model.run_for(config.horizon_days)
    stage("run")
    if trace_memory:
        tracemalloc.stop()
    log_mb = sum(a.nbytes for chunks in model.log._chunks.values() for a in chunks) / MB
    state_mb = sum(v.nbytes for v in vars(model.state).values() if hasattr(v, "nbytes")) / MB
    events = model.events_table()
    stage("event table (Arrow)")
    frame = events.to_pandas()
    stage("event table (pandas)")
    consumers = model.consumers_frame()
    daily = model.daily_frame()
    inventory = model.inventory_frame()
    stage("consumers, daily, inventory tables")
    kpis = compute_kpis(
        frame,
        consumers,
        config.horizon_days,
        daily=daily,
        annual_discount_rate=config.costs.annual_discount_rate,
    )
    stage("KPIs")
    result = RunResult(config, seed, events, consumers, daily, inventory, kpis, {"k": 1})
    with tempfile.TemporaryDirectory() as tmp:
        write_run(result, Path(tmp) / "run")
    stage("write run folder")
    return {
        "consumers": size,
        "days": config.horizon_days,
        "events": events.num_rows,
        "log_buffers_mb": log_mb,
        "state_mb": state_mb,
        "events_arrow_mb": events.nbytes / MB,
        "events_pandas_mb": frame.memory_usage(deep=True).sum() / MB,
        "process_s": model.process_seconds,
        "process_peak_alloc_mb": peaks,
        "stages": stages[1:],
    }


def report(row: dict) -> str:
    total = sum(row["process_s"].values())
    lines = [
        f"{row['consumers']:,} consumers x {row['days']} days, {row['events']:,} events",
        "",
        "| process | s | share | peak alloc MB |",
        "|---|---:|---:|---:|",
    ]
    for name, s in sorted(row["process_s"].items(), key=lambda kv: -kv[1]):
        peak = row["process_peak_alloc_mb"].get(name)
        lines.append(
            f"| {name} | {s:.2f} | {s / total:.1%} | {'' if peak is None else f'{peak:,.0f}'} |"
        )
    lines += ["", "| stage | s | RSS MB after | peak RSS MB so far |", "|---|---:|---:|---:|"]
    for st in row["stages"]:
        lines.append(
            f"| {st['stage']} | {st['s']:.2f} | {st['rss_mb']:,.0f} | {st['peak_mb']:,.0f} |"
        )
    lines += [
        "",
        f"event-log buffers {row['log_buffers_mb']:,.0f} MB; Arrow table "
        f"{row['events_arrow_mb']:,.0f} MB; pandas frame {row['events_pandas_mb']:,.0f} MB; "
        f"consumer state {row['state_mb']:,.0f} MB",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=None, help="horizon (default: scenario's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenario", type=Path, default=ROOT / "configs" / "baseline.yaml")
    parser.add_argument("--trace-memory", action="store_true")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)

    profiler = cProfile.Profile() if args.cprofile else None
    if profiler:
        profiler.enable()
    row = profile(args.size, args.seed, args.scenario, args.trace_memory, args.days)
    if profiler:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.cprofile)
        row["cprofile"] = out.getvalue()
    print(report(row))
    if profiler:
        print(row["cprofile"])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(row, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
