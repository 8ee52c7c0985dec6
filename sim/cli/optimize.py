"""``omo optimize``: find the lever settings that maximise an objective under constraints."""

from __future__ import annotations

import argparse
import sys

from sim.cli import backend
from sim.scenario.config import ConfigError

EPILOG = """\
examples:
  omo optimize experiments/optimize/content_and_coupon.yaml
  omo optimize experiments/optimize/content_and_coupon.yaml --smoke --trials 6   # quick try
  omo optimize experiments/optimize/content_and_coupon.yaml --executor dask --workers 2

Every plan runs on the same seeds (common random numbers). The study is kept in
<out>/study.db: re-running the same command resumes it (--trials raises the total).
The best plan is then confirmed against the current plan on fresh seeds.
Exit codes: 0 done, 2 bad input, 130 interrupted (finished plans are kept).
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``omo optimize`` to the command line."""
    p = subparsers.add_parser(
        "optimize",
        help="choose lever settings that maximise profit (or any KPI) under constraints",
        description="Search an optimisation file's levers (content budget split, coupons, "
        "stores, phase timing) with Optuna on common random numbers, then confirm the best "
        "plan against the current one on fresh seeds; writes <out>/ (trials.parquet, "
        "best.yaml, summary.json, report.md, study.db).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "spec", help="optimisation YAML, e.g. experiments/optimize/content_and_coupon.yaml"
    )
    backend.add_options(p)
    p.add_argument("--out", help="output folder (default runs/optimize/<name>)")
    p.add_argument("--trials", type=int, help="plans the study should hold (replaces the file's)")
    p.add_argument("--smoke", action="store_true", help="apply the file's smoke overrides")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="fix a scenario key for every plan, added to the file's set (repeatable)",
    )
    p.add_argument("--no-confirm", action="store_true", help="skip the fresh-seed confirmation")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--resume", dest="fresh", action="store_false", help="continue a stored study (default)"
    )
    mode.add_argument("--fresh", dest="fresh", action="store_true", help="discard it, start over")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no report")
    p.set_defaults(handler=_optimize, fresh=False)


def _optimize(args: argparse.Namespace) -> int:
    from sim.scenario.config import parse_set_args
    from sim.study.optimize import default_out, load_optimization, optimize, report

    problems = backend.problems(args)
    if args.trials is not None and args.trials < 1:
        problems.append(f"--trials: value {args.trials}: must be at least 1")
    if problems:
        raise ConfigError(problems)
    opt = load_optimization(
        args.spec, smoke=args.smoke, overrides=parse_set_args(args.set), trials=args.trials
    )
    out = args.out or default_out(opt)
    if not args.quiet:
        print(
            f"{opt.spec.name}: {opt.spec.trials} plans x {opt.spec.seeds} seeds -> {out} "
            f"({backend.executor(args)})",
            file=sys.stderr,
        )
    try:
        with backend.evaluator(args) as evaluator:
            result = optimize(
                opt,
                evaluator,
                out,
                fresh=args.fresh,
                progress=not args.quiet,
                do_confirm=not args.no_confirm,
            )
    except KeyboardInterrupt:
        print(
            f"interrupted: finished plans are saved in {out}/study.db; re-run the same command "
            "to resume",
            file=sys.stderr,
        )
        return 130
    if not args.quiet:
        print(report(opt, result))
        print("wrote " + ", ".join(str(p) for p in result.written), file=sys.stderr)
    return 0
