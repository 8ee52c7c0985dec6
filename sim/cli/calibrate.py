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
    from sim.measure.targets import Targets
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
        action="append",
        metavar="FILE",
        help="targets YAML (levels, effects, cases); repeatable, files are read together "
        "(default: the project's targets/omo_report_2025.yaml)",
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
    p.add_argument("--sampler-seed", type=int, default=0, help="sampler seed (default 0)")
    p.add_argument(
        "--sampler",
        choices=("tpe", "cmaes"),
        default="tpe",
        help="tpe (default) or cmaes: CMA-ES on parameters scaled to their bounds",
    )
    p.add_argument(
        "--loss",
        choices=("tolerance", "msm"),
        default="tolerance",
        help="tolerance (default): sum of squared tolerance-scaled misses; msm: misses "
        "scaled by tolerance and the simulated moments' standard errors",
    )
    p.add_argument(
        "--stage",
        action="append",
        default=[],
        metavar="POP:SEEDS:TRIALS",
        help="a multi-fidelity stage (repeatable, in order; replaces --trials, --seeds and "
        "--population), e.g. --stage 4000:2:60 --stage 20000:2:15; POP may be 'full'",
    )
    p.add_argument(
        "--confirm",
        type=int,
        default=3,
        help="re-measure the best N trials of the last stage on as many more seeds and keep "
        "the best on all seeds (default 3; 1 = the single best trial)",
    )
    p.add_argument(
        "--check-root-seed",
        type=int,
        default=1000,
        help="first seed of the final check (default 1000: fresh seeds, none from the search)",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--resume", dest="fresh", action="store_false", help="continue a stored study (default)"
    )
    mode.add_argument("--fresh", dest="fresh", action="store_true", help="discard it, start over")
    p.set_defaults(handler=_calibrate, fresh=False)


def _calibrate(args: argparse.Namespace) -> int:
    from sim.measure.targets import PROJECT_TARGETS, load_target_files
    from sim.scenario.config import ConfigError, load_scenario
    from sim.study.calibrate import Stage, calibrate, load_params
    from sim.study.calibration_study import study_storage

    config = load_scenario(args.scenario)
    if not args.targets:
        args.targets = [str(PROJECT_TARGETS.relative_to(Path.cwd(), walk_up=True))]
    targets = load_target_files(args.targets)
    spec = load_params(args.params, config, targets)
    stages = [Stage.parse(text) for text in args.stage]
    problems = []
    if Path(args.out).suffix not in (".yaml", ".yml"):
        problems.append(f"--out {args.out}: must be a .yaml file")
    elif Path(args.out).is_dir():
        problems.append(f"--out {args.out}: is a folder; name a .yaml file to write")
    if args.confirm < 1:
        problems.append(f"--confirm: value {args.confirm}: must be at least 1")
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
                sampler=args.sampler,
                loss=args.loss,
                stages=stages or None,
                check_root_seed=args.check_root_seed,
                confirm=args.confirm,
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
        targets_path=", ".join(args.targets),
        params_path=args.params,
        scenario_path=args.scenario,
        seeds=args.seeds,
        population=args.population,
        targets=targets,
    )
    print(
        f"calibrated: {result.trials_complete} trials in {result.study_path} "
        f"({result.trials_run_now} run now, {result.wall_time_s:.0f} s), "
        f"best #{result.best_trial} {result.loss_kind} loss {result.best_loss:.4g}"
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
    targets: Targets | None = None,
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
    if result.stages and len(result.stages) > 1:
        plan = " then ".join(
            f"{st['trials']} at population {st['population']} x {st['seeds']} seeds"
            for st in result.stages
        )
        trials_line = (
            f"# {result.trials_complete} trials ({plan}; best #{result.best_trial}, "
            f"{result.loss_kind} loss {result.best_loss:.4g});"
        )
    else:
        trials_line = (
            f"# {result.trials_complete} trials (best #{result.best_trial}, loss "
            f"{result.best_loss:.4g}) on seeds 0..{seeds - 1} at population {search_pop};"
        )
    header = [
        f"# Calibrated by `omo calibrate` on {when}.",
        f"# Base scenario: {scenario_path}; targets: {targets_path}; params: {params_path}.",
        trials_line,
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
    if targets is not None:  # the plausible set: accepted trials of the search
        from sim.study.ensemble import from_study, write_ensemble

        ensemble = from_study(result.study_path, spec, targets)
        result.ensemble = ensemble
        result.written.append(write_ensemble(ensemble, fit_dir / "ensemble.yaml"))
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
    kinds |= {name: "case" for name in report.cases}
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
        *diagnostics(result, spec),
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
        (
            "Loss = sum over targets of weight x ((mean - target) / allowed tolerance)^2, so a "
            "term of 1 is a mean exactly on the edge of its band."
            if result.loss_kind == "tolerance"
            else "Loss (method of simulated moments) = sum over targets of weight x (mean - "
            "target)^2 / ((allowed/2)^2 + SD^2/seeds), SD measured by a noise pilot at each "
            "stage's start; a term of 4 is a mean on the edge of its band when SD is small."
        )
        + " Weights: "
        + weights
        + ".",
        "",
        f"- trials: {result.trials_complete} complete ({result.trials_run_now} run in the "
        f"last invocation), each on the same seeds at population {search_pop:,}",
        f"- best: trial #{result.best_trial}, loss {result.best_loss:.4g}",
        f"- first trial {losses[0]:.4g}, median {sorted(losses)[len(losses) // 2]:.4g}",
        f"- final check at population {pop:,} over {n} fresh seeds: loss {final_loss:.4g}",
        f"- wall time of the last invocation: {result.wall_time_s:.0f} s",
        *stage_lines(result),
        "",
        "![loss per trial](loss.png)",
        "",
        *ensemble_lines(result),
    ]
    return "\n".join(lines)


def ensemble_lines(result: CalibrationResult) -> list[str]:
    """The plausible set's rule and each parameter's spread over it."""
    ensemble = result.ensemble
    if ensemble is None:
        return []
    lines = [
        f"## Plausible set ({len(ensemble.sets)} parameter sets, ensemble.yaml)",
        "",
        f"Rule: {ensemble.rule}.",
        "",
        "| parameter | min | p10 | median | p90 | max | share of range |",
        "|---|---|---|---|---|---|---|",
    ]
    for path, s in ensemble.spread().items():
        lines.append(
            f"| `{path}` | {s['min']:.4g} | {s['p10']:.4g} | {s['median']:.4g} | "
            f"{s['p90']:.4g} | {s['max']:.4g} | {s['share_of_range']:.0%} |"
        )
    return [*lines, ""]


def stage_lines(result: CalibrationResult) -> list[str]:
    """One line per multi-fidelity stage: its fidelity, trials and best loss."""
    if not result.stages:
        return []
    lines = [
        f"- stage {st['stage']}: population {st['population']:,} x {st['seeds']} seeds, "
        f"{st['trials']} trials, best {result.loss_kind} loss {st['best_loss']:.4g}"
        for st in result.stages
    ]
    confirmed = result.stages[-1].get("confirmed") if result.stages else None
    if confirmed:
        losses = ", ".join(f"{v:.4g}" for v in confirmed["losses"])
        lines.append(
            f"- confirmation: the best {len(confirmed['losses'])} trials re-measured on twice "
            f"the seeds: losses {losses}; kept #{confirmed['pick'] + 1}"
        )
    return lines


def diagnostics(result: CalibrationResult, spec: CalibrationSpec) -> list[str]:
    """Per-target diagnostics of the final check: the miss in tolerances, the seed noise,
    each target's share of the loss; what to look at when a calibration stalls."""
    from sim.study.msm import msm_terms, noise_sd

    report = result.report
    sd = noise_sd(report.values())
    n = len(report.seeds)
    results = list(report.results)
    terms = msm_terms(results, sd, n, spec.weights)
    total = sum(terms.values()) or 1.0
    lines = [
        "## Per-target diagnostics (final check)",
        "",
        "miss = (mean - target) / allowed (|miss| <= 1 passes); seed SD = standard deviation "
        "over the check's seeds; MSM term = weight x (mean - target)^2 / ((allowed/2)^2 + "
        "SD^2/seeds).",
        "",
        "| target | miss (tolerances) | seed SD | SD / allowed | MSM term | share of loss |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        miss = (r.mean - r.target) / r.allowed if r.allowed else math.nan
        s = sd.get(r.name, math.nan)
        lines.append(
            f"| {r.name} | {_f(miss)} | {_f(s)} | {_f(s / r.allowed if r.allowed else math.nan)}"
            f" | {_f(terms[r.name])} | {terms[r.name] / total:.0%} |"
        )
    return [*lines, ""]


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
