"""``omo sweep``: run a sweep file in batch into a resumable result store."""

from __future__ import annotations

import argparse
import sys

from sim.cli import backend
from sim.scenario.config import ConfigError

EPILOG = """\
examples:
  omo sweep experiments/sweeps/content_budget.yaml
  omo sweep experiments/sweeps/coupon_value.yaml --smoke          # tiny population, quick try
  omo sweep experiments/sweeps/store_count.yaml --executor dask --workers 2
  omo sweep experiments/sweeps/store_count.yaml --scheduler tls://host:8786   # see README

Running the same command again after an interruption runs only the missing runs
(and retries failed ones). Exit codes: 0 all runs ok, 1 some runs failed, 2 bad input,
130 interrupted (finished runs are kept).
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``omo sweep`` to the command line."""
    p = subparsers.add_parser(
        "sweep",
        help="run a parameter sweep (grid, LHS, Sobol, Morris) into a result store",
        description="Run a sweep file: every design point x replication, locally or on "
        "Dask, into a crash-safe, resumable folder read by `omo results`.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("sweep_file", help="sweep YAML, e.g. experiments/sweeps/content_budget.yaml")
    backend.add_options(p)
    p.add_argument("--out", help="result folder (default runs/sweeps/<name>)")
    p.add_argument(
        "--smoke", action="store_true", help="apply the file's smoke overrides (tiny, quick)"
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="fix a scenario key for every run, added to the file's set (repeatable)",
    )
    p.add_argument("--replications", type=int, help="replications per point (replaces the file's)")
    p.add_argument("--dry-run", action="store_true", help="validate and show the design only")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    p.set_defaults(handler=_sweep)


def _sweep(args: argparse.Namespace) -> int:
    from sim.scenario.config import parse_set_args
    from sim.study.sweep import default_out, load_sweep, run_sweep

    problems = backend.problems(args)
    if args.replications is not None and args.replications < 1:
        problems.append(f"--replications: value {args.replications}: must be >= 1")
    if problems:
        raise ConfigError(problems)
    executor = backend.executor(args)
    sweep = load_sweep(
        args.sweep_file,
        smoke=args.smoke,
        overrides=parse_set_args(args.set),
        replications=args.replications,
    )
    out = args.out or default_out(sweep)
    design = sweep.design
    if args.dry_run:
        print(
            f"{sweep.spec.name}: {sweep.spec.design.kind} design, "
            f"{design['point'].nunique()} points x {sweep.spec.replications} replications "
            f"= {len(design)} runs -> {out}"
        )
        print(design.drop(columns=[c for c in design if c.startswith("_x.")]).head(20).to_string())
        return 0
    if not args.quiet:
        print(f"{sweep.spec.name}: {len(design)} runs -> {out} ({executor})", file=sys.stderr)
    try:
        summary = run_sweep(
            sweep,
            out,
            executor=executor,
            workers=args.workers,
            scheduler=args.scheduler,
            dashboard=args.dashboard,
            progress=not args.quiet and sys.stderr.isatty(),  # no bars in pipes and logs
        )
    except KeyboardInterrupt:
        print(
            f"interrupted: finished runs are kept in {out}; run the same command to resume",
            file=sys.stderr,
        )
        return 130
    if not args.quiet:
        print(
            f"{summary.out}: {summary.ok} runs done now, {summary.skipped} already done, "
            f"{summary.failed} failed ({summary.wall_time_s:.1f} s)"
        )
        if summary.engine_mismatch:
            print(
                f"  warning: {summary.engine_mismatch} runs were computed by different simulator "
                "code than this process's (sim/ edited during the sweep?)",
                file=sys.stderr,
            )
        print(f"next: omo results {summary.out}")
        for run_id, error in list(summary.errors.items())[:5]:
            print(f"  failed {run_id}: {error}", file=sys.stderr)
        if summary.failed:
            print(
                f"  see `omo results {summary.out}`; run the same command again to retry",
                file=sys.stderr,
            )
    return 1 if summary.failed else 0
