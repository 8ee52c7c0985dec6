"""``omo identify``: which free parameters the targets pin down at a scenario's values.

Runs the local sensitivity matrix of :mod:`sim.study.identify` at the scenario's own values
of the params file's parameters (a calibrated scenario: the fit) and writes
``identifiability.md`` and ``identifiability.yaml`` to ``--out``. Exit codes: 0 every
parameter is constrained by some target, 1 some are not (flagged in the report), 2 bad input.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli import backend


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``identify`` subcommand."""
    p = subparsers.add_parser(
        "identify",
        help="local sensitivity of every target to every free parameter; flag unconstrained ones",
        description="Move each parameter of a params file up and down by a step of its range "
        "at the scenario's values (same seeds), re-measure every target, and report the "
        "targets x parameters sensitivity matrix in tolerances per range, with the parameters "
        "no target constrains flagged.",
    )
    p.add_argument("scenario", help="the scenario at the point to study, e.g. a calibrated one")
    p.add_argument("--params", required=True, help="free parameters YAML (as for calibrate)")
    p.add_argument(
        "--targets",
        action="append",
        metavar="FILE",
        help="targets YAML, repeatable (default: the project's targets/omo_report_2025.yaml)",
    )
    p.add_argument("--seeds", type=int, default=2, help="seeds per evaluation (default 2)")
    p.add_argument("--population", type=int, help="population.size for the runs")
    p.add_argument("--step", type=float, default=0.1, help="step, share of the range (0.1)")
    p.add_argument("--out", required=True, help="folder for identifiability.md and .yaml")
    backend.add_options(p)
    p.set_defaults(handler=_identify)


def _identify(args: argparse.Namespace) -> int:
    import yaml

    from sim.measure.targets import PROJECT_TARGETS, load_target_files
    from sim.scenario.config import ConfigError, load_scenario, with_overrides
    from sim.study.calibrate import _get_path, load_params
    from sim.study.check import Runner
    from sim.study.identify import identifiability_dict, sensitivity

    problems = backend.problems(args)
    if args.seeds < 1:
        problems.append(f"--seeds: value {args.seeds}: must be at least 1")
    if args.population is not None and args.population < 1:
        problems.append(f"--population: value {args.population}: must be at least 1")
    if not 0 < args.step <= 0.5:
        problems.append(f"--step: value {args.step}: must be in (0, 0.5]")
    if problems:
        raise ConfigError(problems)
    config = load_scenario(args.scenario)
    targets = load_target_files(args.targets or [PROJECT_TARGETS])
    spec = load_params(args.params, config, targets)
    if args.population:
        config = with_overrides(config, {"population.size": args.population})
    resolved = config.to_dict()
    at = {p.path: float(_get_path(resolved, p.path)) for p in spec.params}
    with backend.evaluator(args) as evaluator:
        ident = sensitivity(
            config,
            targets,
            spec,
            at,
            range(args.seeds),
            Runner(progress=True, evaluator=evaluator),
            step=args.step,
        )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "identifiability.md").write_text(ident.to_markdown(), encoding="utf-8")
    data = identifiability_dict(ident)
    (out / "identifiability.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    print(ident.to_markdown())
    print(f"wrote {out}/identifiability.md, {out}/identifiability.yaml")
    return 1 if ident.unconstrained else 0
