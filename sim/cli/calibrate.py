"""``omo calibrate``: fit a scenario's free parameters to targets, and write the evidence.

The search itself is :mod:`sim.study.calibrate`; this module validates the call, writes the
calibrated scenario (full resolved config with a provenance header) and its fit report
(``<stem>_fit/fit.md`` and ``loss.png``), because a calibrated config without the record
of how well it fits, and with which settings, cannot be trusted or reproduced.

Exit codes: 0 written and every target passes the final check, 1 written but some target
fails, 2 bad input, 130 interrupted (finished trials stay in the study; re-run to resume).
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli import backend

if TYPE_CHECKING:
    from sim.study.calibrate import CalibrationResult, CalibrationSpec

EXIT_FAIL = 1
EXIT_INTERRUPTED = 130


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` subcommand."""
    p = subparsers.add_parser(
        "calibrate",
        help="fit free parameters to targets with Optuna (resumable), write config + fit report",
        description="Search the parameters of a params file (TPE, fixed seeds in every trial) "
        "to minimise sum(weight * ((mean - target) / tolerance)^2) over the targets, then "
        "write the calibrated scenario and <out stem>_fit/ (fit.md, loss.png). The study is "
        "kept in <out>.study.db: re-running the same command resumes it.",
    )
    p.add_argument("scenario", help="base scenario YAML, e.g. configs/baseline.yaml")
    p.add_argument(
        "--targets",
        help="targets YAML (levels and effects; default: the project's "
        "targets/omo_report_2025.yaml)",
    )
    p.add_argument("--params", required=True, help="free parameters YAML (path, low, high, log)")
    p.add_argument("--trials", type=int, default=200, help="trials the study should hold")
    p.add_argument("--out", required=True, help="calibrated scenario YAML to write")
    p.add_argument("--seeds", type=int, default=2, help="seeds per trial, same in every trial")
    p.add_argument("--population", type=int, help="population.size during the search only")
    backend.add_options(p)
    p.add_argument(
        "--check-replications", type=int, default=5, help="seeds of the final check (default 5)"
    )
    p.add_argument("--sampler-seed", type=int, default=0, help="TPE sampler seed (default 0)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--resume", dest="fresh", action="store_false", help="continue a stored study (default)"
    )
    mode.add_argument("--fresh", dest="fresh", action="store_true", help="discard it, start over")
    p.set_defaults(handler=_calibrate, fresh=False)


def _calibrate(args: argparse.Namespace) -> int:
    from sim.measure.targets import PROJECT_TARGETS, load_targets
    from sim.scenario.config import ConfigError, load_scenario
    from sim.study.calibrate import calibrate, load_params
    from sim.study.calibration_study import study_storage

    config = load_scenario(args.scenario)
    if args.targets is None:
        args.targets = str(PROJECT_TARGETS.relative_to(Path.cwd(), walk_up=True))
    targets = load_targets(args.targets)
    spec = load_params(args.params, config, targets)
    problems = []
    if Path(args.out).suffix not in (".yaml", ".yml"):
        problems.append(f"--out {args.out}: must be a .yaml file")
    elif Path(args.out).is_dir():
        problems.append(f"--out {args.out}: is a folder; name a .yaml file to write")
    if args.check_replications < 1:
        problems.append(f"--check-replications: value {args.check_replications}: must be >= 1")
    problems += backend.problems(args)
    if problems:
        raise ConfigError(problems)
    try:
        with backend.evaluator(args) as evaluator:
            result = calibrate(
                config,
                targets,
                spec,
                args.trials,
                args.out,
                seeds=args.seeds,
                population=args.population,
                evaluator=evaluator,
                fresh=args.fresh,
                check_replications=args.check_replications,
                sampler_seed=args.sampler_seed,
                progress=True,
            )
    except KeyboardInterrupt:
        db, _ = study_storage(args.out)
        print(
            f"interrupted: finished trials are saved in {db}; re-run the same command to "
            "resume (nothing else was written)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    written = write_outputs(
        result,
        args.out,
        spec,
        targets_path=args.targets,
        params_path=args.params,
        scenario_path=args.scenario,
        seeds=args.seeds,
        population=args.population,
    )
    print(
        f"calibrated: {result.trials_complete} trials in {result.study_path} "
        f"({result.trials_run_now} run now), best #{result.best_trial} loss {result.best_loss:.4g}"
    )
    for param in spec.params:
        print(f"  {param.path} = {result.best_params[param.path]:.4g}")
    print(result.report.format())
    print("wrote " + ", ".join(str(p) for p in written))
    return 0 if result.report.passed else EXIT_FAIL


def write_outputs(
    result: CalibrationResult,
    out: str | Path,
    spec: CalibrationSpec,
    *,
    targets_path: str,
    params_path: str,
    scenario_path: str,
    seeds: int,
    population: int | None,
) -> list[Path]:
    """Write the calibrated scenario YAML and ``<stem>_fit/`` (fit.md, loss.png).

    YAML is written with ``yaml.safe_dump`` of the resolved config (reading stays in
    :func:`sim.scenario.config.read_yaml`); the header comment records where it came from.
    """
    import yaml

    out = Path(out)
    fit_dir = out.parent / f"{out.stem}_fit"
    fit_dir.mkdir(parents=True, exist_ok=True)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    search_pop = population or result.config.population.size
    header = [
        f"# Calibrated by `omo calibrate` on {when}.",
        f"# Base scenario: {scenario_path}; targets: {targets_path}; params: {params_path}.",
        f"# {result.trials_complete} trials (best #{result.best_trial}, loss "
        f"{result.best_loss:.4g}) on seeds 0..{seeds - 1} at population {search_pop};",
        f"# fit report: {fit_dir.name}/fit.md. Full resolved config below.",
    ]
    body = yaml.safe_dump(result.config.to_dict(), sort_keys=False, allow_unicode=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text("\n".join(header) + "\n" + body, encoding="utf-8")
    tmp.replace(out)
    from sim.scenario.config import load_scenario

    if load_scenario(out).config_hash() != result.config.config_hash():  # what was checked
        raise RuntimeError(f"{out}: written config does not read back identically")
    result.written = [out, fit_dir / "fit.md", fit_dir / "loss.png"]
    md = fit_markdown(result, spec, header, search_pop)
    (fit_dir / "fit.md").write_text(md, encoding="utf-8")
    loss_plot(result.losses, fit_dir / "loss.png")
    return result.written


def _f(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.4g}"


def fit_markdown(
    result: CalibrationResult, spec: CalibrationSpec, header: list[str], search_pop: int
) -> str:
    """The fit report: per-target fit, parameters against their bounds, loss summary."""
    report = result.report
    n = len(report.seeds)
    pop = result.config.population.size
    final_loss = report.loss(spec.weights)
    losses = [v for _, v in result.losses]
    lines = [
        f"# Calibration fit: {report.scenario}",
        "",
        *[h.removeprefix("# ") for h in header[:-1]],
        f"Calibrated scenario: {result.written[0].name if result.written else 'see --out'}.",
        "",
        f"## Targets (final check: population {pop:,}, {n} seeds "
        f"{report.seeds[0]}..{report.seeds[-1]})",
        "",
        "| target | kind | target value | allowed band | simulated mean | 95% interval | result |",
        "|---|---|---|---|---|---|---|",
    ]
    kinds = {name: "level" for name in report.levels} | {n_: "effect" for n_ in report.effects}
    for r in report.results:
        lines.append(
            f"| {r.name} | {kinds[r.name]} | {_f(r.target)} | [{_f(r.low)}, {_f(r.high)}] | "
            f"{_f(r.mean)} | [{_f(r.ci_low)}, {_f(r.ci_high)}] | "
            f"{'pass' if r.passed else '**FAIL**'} |"
        )
    n_pass = sum(r.passed for r in report.results)
    lines += [
        "",
        f"{n_pass} of {n_pass + sum(not r.passed for r in report.results)} targets pass.",
        "",
        "## Parameters found",
        "",
        "| parameter | value | low | high | scale | position in range |",
        "|---|---|---|---|---|---|",
    ]
    for p in spec.params:
        v = result.best_params[p.path]
        if p.log:
            pos = (math.log(v) - math.log(p.low)) / (math.log(p.high) - math.log(p.low))
        else:
            pos = (v - p.low) / (p.high - p.low)
        edge = " (at a bound: consider widening it)" if pos < 0.02 or pos > 0.98 else ""
        lines.append(
            f"| `{p.path}` | {v:.4g} | {p.low:g} | {p.high:g} | {'log' if p.log else 'linear'} "
            f"| {pos:.0%}{edge} |"
        )
    weights = ", ".join(f"{k}={v:g}" for k, v in sorted(spec.weights.items())) or "all 1"
    lines += [
        "",
        "## Loss",
        "",
        "Loss = sum over targets of weight x ((mean - target) / allowed tolerance)^2, so a "
        "term of 1 is a mean exactly on the edge of its band. Weights: " + weights + ".",
        "",
        f"- trials: {result.trials_complete} complete ({result.trials_run_now} run in the "
        f"last invocation), each on the same seeds at population {search_pop:,}",
        f"- best: trial #{result.best_trial}, loss {result.best_loss:.4g}",
        f"- first trial {losses[0]:.4g}, median {sorted(losses)[len(losses) // 2]:.4g}",
        f"- final check at population {pop:,} over {n} seeds: loss {final_loss:.4g}",
        "",
        "![loss per trial](loss.png)",
        "",
    ]
    return "\n".join(lines)


def loss_plot(losses: list[tuple[int, float]], path: Path) -> None:
    """Loss per trial (dots) and best so far (line), log scale: how the search converged."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [n for n, _ in losses]
    ys = [max(v, 1e-6) for _, v in losses]
    best, run = [], math.inf
    for y in ys:
        run = min(run, y)
        best.append(run)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    ax.scatter(xs, ys, s=12, alpha=0.6, label="trial loss")
    ax.step(xs, best, where="post", color="C3", label="best so far")
    ax.set_yscale("log")
    ax.set_xlabel("trial")
    ax.set_ylabel("loss (tolerance-scaled)")
    ax.set_title("Calibration loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
