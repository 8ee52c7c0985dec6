"""Time the baseline scenario at several population sizes over its 365-day horizon.

Each size runs in a fresh subprocess, so peak memory (the child's ru_maxrss) belongs to
that size alone. Timed: model construction + run + event-table export (what
``omo run`` does before KPIs and writing). Prints a Markdown table and writes the figures to
runs/bench/results.json (untracked); ``--out benchmarks/results.json`` replaces the recorded
reference figures on purpose.

    .venv/bin/python benchmarks/bench_baseline.py                 # 100k, 250k, 500k, 1M
    .venv/bin/python benchmarks/bench_baseline.py --sizes 100000 1000000
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_SIZES = (100_000, 250_000, 500_000, 1_000_000)

CHILD = """
import json, resource, sys, time
from sim.scenario.config import load_scenario
from sim.engine.model import OmnichannelModel

size, seed = int(sys.argv[1]), int(sys.argv[2])
config = load_scenario(sys.argv[3], {"population.size": size})
t0 = time.perf_counter()
model = OmnichannelModel(config, rng=seed)
t1 = time.perf_counter()
model.run_for(config.horizon_days)
t2 = time.perf_counter()
events = model.events_table()
t3 = time.perf_counter()
print(json.dumps({
    "consumers": size,
    "days": config.horizon_days,
    "events": events.num_rows,
    "build_s": t1 - t0,
    "run_s": t2 - t1,
    "export_s": t3 - t2,
    "wall_s": t3 - t0,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def bench(size: int, seed: int, scenario: Path) -> dict:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(size), str(seed), str(scenario)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    row["process_s"] = time.perf_counter() - started
    return row


def table(rows: list[dict]) -> str:
    base = rows[0]
    lines = [
        "| consumers | days | events | build s | run s | export s | wall s | s per 100k "
        "| peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        per = r["wall_s"] / (r["consumers"] / 100_000)
        lines.append(
            f"| {r['consumers']:,} | {r['days']} | {r['events']:,} | {r['build_s']:.2f} "
            f"| {r['run_s']:.2f} | {r['export_s']:.2f} | {r['wall_s']:.2f} | {per:.2f} "
            f"| {r['peak_rss_mb']:,.0f} |"
        )
    if len(rows) > 1:
        last = rows[-1]
        ratio = (last["wall_s"] / base["wall_s"]) / (last["consumers"] / base["consumers"])
        lines.append("")
        lines.append(
            f"Time ratio {last['consumers']:,} vs {base['consumers']:,}, divided by the size "
            f"ratio: {ratio:.2f} (1.00 = linear)."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenario", type=Path, default=ROOT / "configs" / "baseline.yaml")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "runs" / "bench" / "results.json",
        help="JSON to write (default runs/bench/results.json, untracked; the recorded "
        "reference is benchmarks/results.json)",
    )
    args = parser.parse_args(argv)

    rows = []
    for size in sorted(args.sizes):
        print(f"running {size:,} consumers ...", file=sys.stderr, flush=True)
        rows.append(bench(size, args.seed, args.scenario))
    print(table(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "scenario": str(args.scenario.relative_to(ROOT))
                if args.scenario.is_relative_to(ROOT)
                else str(args.scenario),
                "seed": args.seed,
                "machine": {"python": platform.python_version(), "cpu": platform.processor()},
                "results": rows,
            },
            indent=2,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
