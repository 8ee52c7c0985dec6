"""``omo compare``: run an experiment file's arms with common random numbers and report.

An interrupted comparison (Ctrl-C, ``kill -9``) keeps its finished runs in
``<out>.work`` and the same command resumes with the rest; the results folder itself is
written atomically at the end.

Everything the user can get wrong (the file, ``--replications``, ``--workers``,
``--suggest``, an existing ``--out``) is checked before the first simulation starts, so a
bad call exits 2 quickly and writes nothing.
"""

from __future__ import annotations

import argparse
import math
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli import backend
from sim.io.atomic import check_output
from sim.io.parts import PartsFolder
from sim.scenario.config import ConfigError, parse_value

if TYPE_CHECKING:
    from typing import Any

    import pandas as pd


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compare`` subcommand."""
    from sim.study.experiment import known_kpis

    kpis = textwrap.fill(", ".join(known_kpis()), width=88)
    p = subparsers.add_parser(
        "compare",
        help="run an experiment's arms (paired seeds) and write a results folder with a report",
        description="Run every arm x replication of an experiment file with the same seeds in "
        "every arm, print each KPI's paired difference against the control, and write "
        "tables, plots and report.html.",
        epilog=f"KPI names:\n{kpis}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("experiment", help="experiment YAML, e.g. experiments/share_to_get.yaml")
    p.add_argument("--replications", type=int, help="replications per arm (overrides the file)")
    backend.add_options(p)
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario key in every arm, added to the file's set (repeatable)",
    )
    p.add_argument("--out", help="results folder (default results/<experiment name>)")
    p.add_argument(
        "--suggest",
        action="append",
        default=[],
        metavar="KPI=HALF_WIDTH",
        help="report replications needed for this 95%% half-width on KPI (repeatable)",
    )
    p.add_argument(
        "--ensemble",
        metavar="FILE",
        help="a plausible set (ensemble.yaml from omo calibrate): run every arm under every "
        "set and report intervals with parameter uncertainty, win shares and regret",
    )
    p.add_argument(
        "--objective",
        default="profit",
        help="with --ensemble: the KPI that decides the winner (default profit)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing results folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no table")
    p.set_defaults(handler=_compare)


def _parse_suggest(items: list[str], kpis: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    problems = []
    for item in items:
        kpi, sep, raw = item.partition("=")
        value = parse_value(raw) if sep else None
        if not sep or not kpi:
            problems.append(f"--suggest {item!r}: expected KPI=HALF_WIDTH, e.g. revenue=50000")
        elif kpi not in kpis:
            problems.append(
                f"--suggest {item!r}: KPI {kpi!r} is not among the experiment's kpis "
                f"(allowed: {', '.join(kpis)})"
            )
        elif (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value <= 0
        ):
            problems.append(f"--suggest {item!r}: HALF_WIDTH {raw!r}: must be a number > 0")
        else:
            out[kpi] = float(value)
    if problems:
        raise ConfigError(problems)
    return out


def _compare(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from sim.present.report import results_table, write_results
    from sim.study.experiment import load_experiment, run_experiment
    from sim.study.stats import summarize

    problems = backend.problems(args)
    if args.replications is not None and args.replications < 2:
        problems.append(f"--replications: value {args.replications}: must be >= 2")
    if problems:
        raise ConfigError(problems)
    from sim.scenario.config import parse_set_args

    exp = load_experiment(
        args.experiment, replications=args.replications, overrides=parse_set_args(args.set)
    )
    if args.ensemble:
        return _compare_robust(args, exp)
    suggest = {**exp.spec.suggest, **_parse_suggest(args.suggest, exp.spec.kpis)}
    out = check_output(Path(args.out) if args.out else Path("results") / exp.name, force=args.force)

    work = backend.work_folder(out)
    result, code = backend.run_resumable(
        args,
        work,
        lambda ev: run_experiment(
            exp, evaluator=ev, progress=None if not args.quiet else False, work=work
        ),
    )
    if code:
        return code
    summary = summarize(
        result.runs,
        exp.spec.kpis,
        exp.control,
        arms=exp.arms,
        bootstrap_kpis=exp.spec.bootstrap_kpis,
    )
    write_results(result, summary, out, suggest=suggest, force=args.force)
    PartsFolder(work).remove()  # every run is in the results folder now
    if args.quiet:
        return 0
    n_runs = len(result.runs)
    print(
        f"{exp.name}: {len(exp.arms)} arms x {exp.spec.replications} replications "
        f"({n_runs} runs, {result.wall_time_s:.1f} s); control: {exp.control}"
    )
    if result.reused:
        print(f"resumed: {result.ran} runs now, {result.reused} kept from the interrupted call")
    from sim.present.headline import currency, market_scale, measures_table

    code = currency(result)
    _print_table(results_table(summary, scale=market_scale(result), currency=code))
    _print_measures(measures_table(result))
    print(f"money: market money in {code} (simulated sample x market_size / size)")
    if suggest:
        from sim.present.report import replication_suggestions

        rows = replication_suggestions(result, summary, suggest)
        for r in rows[rows["basis"] == "requested"].itertuples(index=False):
            print(f"suggest: {r.kpi} +-{r.half_width:g} vs {r.arm}: {r.replications} replications")
    print(f"wrote {out}/report.html")
    return 0


def _print_measures(table: pd.DataFrame) -> None:
    """Per arm: extra new customers, incremental acquisition cost and payback, one line each."""
    if table.empty:
        return
    print("acquisition cost and payback vs control (95% paired bootstrap intervals)")
    for r in table.to_dict("records"):
        print(
            f"  {r['arm']}: {r['extra new customers']} new customers, "
            f"acquisition cost {r['incremental acquisition cost (95% CI)']} each, "
            f"payback {r['payback (95% CI)']}"
        )


def _compare_robust(args: argparse.Namespace, exp: Any) -> int:
    """``--ensemble``: every arm under every plausible set, written to ``<out>/robust.md``."""
    from sim.measure.kpis import KPI_DESCRIPTIONS
    from sim.study.check import Runner
    from sim.study.ensemble import load_ensemble
    from sim.study.robust import robust_markdown, run_robust

    ensemble = load_ensemble(args.ensemble)
    if args.objective not in KPI_DESCRIPTIONS:
        raise ConfigError([f"--objective: value {args.objective!r}: not a KPI (see --help)"])
    seeds = exp.seeds if args.replications else exp.seeds[:3]
    out = check_output(
        Path(args.out) if args.out else Path("results") / f"{exp.name}_robust", force=args.force
    )
    with backend.evaluator(args) as evaluator:
        result = run_robust(
            exp,
            ensemble,
            Runner(progress=not args.quiet, evaluator=evaluator),
            seeds,
            args.objective,
        )
    import json
    from datetime import UTC, datetime

    from sim.io.atomic import atomic_folder
    from sim.study.run import versions

    md = robust_markdown(result, ensemble)
    with atomic_folder(out, force=args.force) as tmp:
        (tmp / "robust.md").write_text(md, encoding="utf-8")
        result.runs.to_csv(tmp / "robust_runs.csv", index=False)
        result.differences.to_csv(tmp / "robust_differences.csv", index=False)
        result.wins.to_csv(tmp / "robust_wins.csv", index=False)
        result.per_set.to_csv(tmp / "robust_per_set.csv")
        manifest = {
            "experiment": exp.name,
            "ensemble": str(args.ensemble),
            "seeds": seeds,
            "objective": args.objective,
            "flips": result.flips,
            "versions": versions(),
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), "utf-8")
    if not args.quiet:
        print(md)
        print(f"wrote {out}/robust.md")
    return 0


def _print_table(table: pd.DataFrame) -> None:
    """Per KPI: each arm's mean, then diff [CI] relative and a * when significant."""
    width = max(len(a) for a in table["arm"])
    for kpi, block in table.groupby("KPI", sort=False):
        print(kpi)
        for r in block.to_dict("records"):
            line = f"  {r['arm']:<{width}}  {r['mean']:>12}"
            if r["change vs control"]:
                flag = "  *" if r["clear"] == "yes" else ""
                line += (
                    f"  change {r['change vs control']:>16} [{r['95% interval']}]"
                    f" {r['relative']:>7}  p {r['p (Holm)']}{flag}"
                )
            print(line)
    print("* significant after Holm correction across arms (95% paired intervals)")
