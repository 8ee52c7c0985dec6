"""Sweep throughput: one worker vs two (local pool), and the Dask executor.

Runs the same LHS sweep over the four content budgets three times into fresh stores:
local with 1 worker, local with N workers, Dask LocalCluster with N workers. Reports wall
time, runs per minute, speed-up over one worker, mean CPU use across cores while running,
and checks that the KPI rows are identical across all three (exact float equality).

    .venv/bin/python benchmarks/bench_sweep.py                 # 200 runs x 20k consumers
    .venv/bin/python benchmarks/bench_sweep.py --runs 20 --size 2000 --horizon 90   # quick
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.study import results  # noqa: E402
from sim.study.run import versions  # noqa: E402
from sim.study.sweep import from_spec, run_sweep, spec_from_dict  # noqa: E402


def make_sweep(runs: int, size: int, horizon: int):
    spec = spec_from_dict(
        {
            "name": "bench_sweep",
            "base": str(ROOT / "configs" / "baseline.yaml"),
            "set": {"population.size": size, "horizon_days": horizon},
            "parameters": {
                "content.channels.short_video.daily_budget": {"lower": 0, "upper": 80000},
                "content.channels.livestream.daily_budget": {"lower": 0, "upper": 50000},
                "content.channels.kol.daily_budget": {"lower": 0, "upper": 40000},
                "content.channels.ugc.daily_budget": {"lower": 0, "upper": 10000},
            },
            "design": {"kind": "lhs", "samples": runs},
            "replications": 1,
            "root_seed": 2025,
            "kpis": ["revenue", "customers", "content_roi", "omnichannel_customer_share"],
        }
    )
    return from_spec(spec, ROOT / "benchmarks" / "bench_sweep.yaml")


class CpuMeter:
    """Mean utilisation of each core while a block runs (psutil, sampled every 0.5 s)."""

    def __init__(self) -> None:
        self.samples: list[list[float]] = []
        self._stop = threading.Event()

    def __enter__(self) -> CpuMeter:
        psutil.cpu_percent(percpu=True)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.samples.append(psutil.cpu_percent(percpu=True))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def per_core(self) -> list[float]:
        if not self.samples:
            return []
        return [round(sum(c) / len(self.samples), 1) for c in zip(*self.samples, strict=True)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--size", type=int, default=20_000, help="consumers per run")
    parser.add_argument("--horizon", type=int, default=365)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()

    sweep = make_sweep(args.runs, args.size, args.horizon)
    configs = [("local", 1), ("local", args.workers)]
    if not args.no_dask:
        configs.append(("dask", args.workers))
    rows, kpis, engines = [], {}, set()
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        for executor, workers in configs:
            out = Path(tmp) / f"{executor}-{workers}"
            label = f"{executor} x{workers}"
            print(f"{label}: {len(sweep.design)} runs ...", file=sys.stderr, flush=True)
            with CpuMeter() as cpu:
                started = time.perf_counter()
                summary = run_sweep(sweep, out, executor=executor, workers=workers)
                wall = time.perf_counter() - started
            res = results.load(out)
            kpis[label] = res.kpis
            engines.update(res.engines.dropna().unique())
            rows.append(
                {
                    "executor": label,
                    "runs_ok": summary.ok,
                    "failed": summary.failed,
                    "wall_s": round(wall, 1),
                    "runs_per_min": round(60 * summary.ok / wall, 1),
                    "mean_run_s": round(float(res.wall_times.mean()), 2),
                    # runs in flight on average: sum of run times / wall time. Robust to other
                    # load on the machine, which stretches each run but not this ratio.
                    "concurrency": round(float(res.wall_times.sum()) / wall, 2),
                    "cpu_per_core_pct": cpu.per_core(),
                    "load_avg_1min_after": round(os.getloadavg()[0], 1),
                }
            )
    one = rows[0]["wall_s"]
    for row in rows:
        row["speedup_vs_1"] = round(one / row["wall_s"], 2)
    first = next(iter(kpis.values()))
    identical = {
        label: bool(frame.equals(first) and frame.index.equals(first.index))
        for label, frame in kpis.items()
    }
    table = pd.DataFrame(rows).set_index("executor")
    print(
        f"\nsweep: {args.runs} runs x {args.size:,} consumers x {args.horizon} days, "
        f"{os.cpu_count()} cores, Python {versions()['python']}"
    )
    print(table.to_string())
    print("KPI rows identical to local x1:", identical)
    print("simulator code fingerprints seen:", sorted(engines), "(one means no edit mid-run)")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "args": vars(args),
                    "rows": rows,
                    "identical": identical,
                    "engines": sorted(engines),
                },
                indent=2,
            )
        )
    return 0 if all(identical.values()) and all(r["failed"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
