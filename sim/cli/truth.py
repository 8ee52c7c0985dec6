"""``omo truth SCENARIO``: what each content channel and touchpoint family really caused.

Runs paired counterfactual arms (every channel subset, each family off, small budget steps)
in rounds of seeds until the precision rule is met or a limit is hit, then writes a
results folder (Parquet, plots, report.html). An interrupted call keeps its finished runs
in ``<out>.work``; the same command resumes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli import backend
from sim.io.atomic import check_output
from sim.io.parts import PartsFolder
from sim.scenario.config import ConfigError, load_scenario, parse_set_args

#: ``--grain`` words -> the settings' time grain (:attr:`TruthSettings.grain`).
GRAINS = {"daily": "day", "weekly": "week"}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``truth`` subcommand."""
    p = subparsers.add_parser(
        "truth",
        help="measure each channel's and touchpoint's true incremental effect (paired arms)",
        description="Run every subset of content channels (Shapley), each touchpoint family "
        "switched off, and small budget steps (marginal return), on the same seeds, until "
        "every headline effect's 95% half-width is below --precision of it, or a limit.",
    )
    p.add_argument("scenario", help="scenario YAML, e.g. configs/baseline.yaml")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario key (repeatable)",
    )
    p.add_argument(
        "--precision",
        type=float,
        default=0.1,
        help="wanted 95%% half-width as a share of each effect (default 0.1)",
    )
    p.add_argument(
        "--floor-share",
        type=float,
        default=0.05,
        help="effects below this share of all content are judged against it (0.05)",
    )
    p.add_argument("--min-seeds", type=int, default=3, help="seeds of the first round (3)")
    p.add_argument("--max-seeds", type=int, default=20, help="seed limit (20)")
    p.add_argument("--seeds-per-round", type=int, default=2, help="seeds added per round (2)")
    p.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        metavar="MINUTES",
        help="no new round after this many minutes (60)",
    )
    p.add_argument("--root-seed", type=int, default=0, help="first seed (0)")
    p.add_argument(
        "--budget-step",
        type=float,
        default=0.1,
        help="relative budget increase for the marginal return (0.1)",
    )
    p.add_argument(
        "--grain",
        default="weekly",
        metavar="{daily,weekly}",
        help="finest time cells of the results: weekly (default), or daily too (results, "
        "plots and Parquet by day as well; about seven times the values per run)",
    )
    p.add_argument("--no-families", action="store_true", help="channels only: no family arms")
    p.add_argument("--no-marginal", action="store_true", help="no budget-step arms")
    backend.add_options(p)
    p.add_argument("--out", help="results folder (default results/truth-<scenario name>)")
    p.add_argument("--force", action="store_true", help="replace an existing results folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    p.set_defaults(handler=_truth)


def _truth(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from sim.present.truth import summary_sentences, write_truth
    from sim.study.truth.runner import run_truth
    from sim.study.truth.spec import settings

    problems = backend.problems(args)
    if args.grain not in GRAINS:
        problems.append(f"--grain: value {args.grain!r}: must be one of {', '.join(GRAINS)}")
    if problems:
        raise ConfigError(problems)
    s = settings(
        precision=args.precision,
        floor_share=args.floor_share,
        min_seeds=args.min_seeds,
        max_seeds=args.max_seeds,
        seeds_per_round=args.seeds_per_round,
        time_limit_s=args.time_limit * 60.0,
        root_seed=args.root_seed,
        budget_step=args.budget_step,
        families=not args.no_families,
        marginal=not args.no_marginal,
        grain=GRAINS[args.grain],
    )
    base = load_scenario(args.scenario, parse_set_args(args.set))
    out = check_output(
        Path(args.out) if args.out else Path("results") / f"truth-{base.name}", force=args.force
    )
    work = backend.work_folder(out)
    result, code = backend.run_resumable(
        args,
        work,
        lambda ev: run_truth(
            base, s, evaluator=ev, work=work, progress=None if not args.quiet else False
        ),
    )
    if code:
        return code
    write_truth(result, out, force=args.force)
    PartsFolder(work).remove()
    if not args.quiet:
        for line in summary_sentences(result):
            print(line)
        if result.reused:
            print(f"resumed: {result.ran} runs now, {result.reused} kept from the interrupted call")
        print(f"wrote {out}/report.html")
    return 0
