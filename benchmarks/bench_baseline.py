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
import os
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
    "process_seconds": getattr(model, "process_seconds", {}),
}))
"""

#: What ``omo run`` does, end to end (run, KPIs, run folder), on whichever engine is imported:
#: one that streams its log (``simulate(..., events_path=...)``) does so.
RUN_CHILD = """
import inspect, json, resource, sys, tempfile, time
from pathlib import Path
from sim.scenario.config import load_scenario
import sim.study.run as run

size, seed = int(sys.argv[1]), int(sys.argv[2])
config = load_scenario(sys.argv[3], {"population.size": size})
streams = "events_path" in inspect.signature(run.simulate).parameters
t0 = time.perf_counter()
with tempfile.TemporaryDirectory() as tmp:
    out = Path(tmp) / "run"
    if streams:
        with run.run_folder(out) as folder:
            result = run.simulate(config, seed, events_path=folder / "events.parquet")
            run.write_run_files(result, folder)
    else:
        result = run.simulate(config, seed)
        run.write_run(result, out)
    wall = time.perf_counter() - t0
print(json.dumps({
    "consumers": size,
    "days": config.horizon_days,
    "events": result.manifest["events"],
    "wall_s": wall,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "streamed": streams,
    "stage_seconds": result.manifest.get("stage_seconds", {}),
    "process_seconds": result.manifest.get("process_seconds", {}),
}))
"""


def bench(size: int, seed: int, scenario: Path, engine: Path = ROOT, child: str = CHILD) -> dict:
    """One size in a fresh process, importing ``sim`` from ``engine`` (a checkout's root)."""
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(engine), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", child, str(size), str(seed), str(scenario)],
        capture_output=True,
        text=True,
        cwd=engine,
        check=True,
        env=env,
    )
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    row["process_s"] = time.perf_counter() - started
    return row


def paired_table(pairs: list[tuple[dict, dict]]) -> str:
    """This engine against the reference, size by size: each figure and its ratio."""
    lines = [
        "| consumers | events | wall s | (ref) | ratio | peak MB | (ref) | ratio "
        "| MB per 1M | events/s | (ref) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for new, ref in pairs:
        lines.append(
            f"| {new['consumers']:,} | {new['events']:,} | {new['wall_s']:.1f} "
            f"| {ref['wall_s']:.1f} | {new['wall_s'] / ref['wall_s']:.2f} "
            f"| {new['peak_rss_mb']:,.0f} | {ref['peak_rss_mb']:,.0f} "
            f"| {new['peak_rss_mb'] / ref['peak_rss_mb']:.2f} "
            f"| {new['peak_rss_mb'] / (new['consumers'] / 1e6):,.0f} "
            f"| {new['events'] / new['wall_s']:,.0f} | {ref['events'] / ref['wall_s']:,.0f} |"
        )
    lines += ["", "Time by process (this engine, seconds over the 365 days):", ""]
    names = [k for k, _ in sorted(pairs[-1][0]["process_seconds"].items(), key=lambda kv: -kv[1])]
    lines.append("| process | " + " | ".join(f"{n['consumers']:,}" for n, _ in pairs) + " |")
    lines.append("|---|" + "---:|" * len(pairs))
    for name in names:
        cells = " | ".join(f"{n['process_seconds'].get(name, 0.0):.2f}" for n, _ in pairs)
        lines.append(f"| {name} | {cells} |")
    return "\n".join(lines)


def replace_block(path: Path, text: str) -> None:
    """Put ``text`` between the README's benchmark markers (generated, never hand-edited)."""
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    readme = path.read_text()
    if start not in readme or end not in readme:
        raise SystemExit(f"{path}: no {start} ... {end} block to fill")
    head, rest = readme.split(start, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{start}\n{text}\n{end}{tail}")


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
    parser.add_argument(
        "--against",
        type=Path,
        default=None,
        help="root of a reference checkout (e.g. main's): each size runs `omo run`'s whole "
        "path (run, KPIs, run folder) on both engines, one after the other, and prints ratios",
    )
    parser.add_argument(
        "--readme", type=Path, default=None, help="write the paired table into this README"
    )
    args = parser.parse_args(argv)

    if args.against is not None:
        return _paired(args)
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


def _paired(args: argparse.Namespace) -> int:
    pairs = []
    for size in sorted(args.sizes):
        print(f"running {size:,} consumers, this engine then the reference ...", file=sys.stderr)
        new = bench(size, args.seed, args.scenario, ROOT, RUN_CHILD)
        ref = bench(size, args.seed, args.scenario, args.against.resolve(), RUN_CHILD)
        pairs.append((new, ref))
    text = paired_table(pairs)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"seed": args.seed, "pairs": [{"new": n, "ref": r} for n, r in pairs]}, indent=2)
        + "\n"
    )
    if args.readme:
        replace_block(args.readme, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
