"""``omo check``: does a scenario reproduce a targets file's levels and lever effects?

Exit codes carry the verdict so scripts and CI can gate on it: 0 all targets pass, 1 some
fail, 2 bad input (unreadable scenario or targets file, unknown KPI name, bad option).
All input is validated before the first simulation starts.
"""

from __future__ import annotations

import argparse
import json
import sys

from sim.cli import backend

EXIT_FAIL = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``check`` subcommand."""
    p = subparsers.add_parser(
        "check",
        help="run a scenario over seeds and judge it against calibration targets",
        description="Run the scenario over replications (and each effect's two arms with the "
        "same seeds), then print for every target its value, the mean and 95% interval "
        "over seeds, the allowed band and pass/fail. Exit 0 if all pass, 1 if any fail.",
    )
    p.add_argument("scenario", help="scenario YAML, e.g. configs/baseline.yaml")
    p.add_argument(
        "--targets",
        action="append",
        metavar="FILE",
        help="targets YAML (levels, effects, cases); repeatable: files are read together "
        "(default: the project's targets/omo_report_2025.yaml)",
    )
    p.add_argument("--replications", type=int, default=5, help="seeds per arm (default 5)")
    p.add_argument("--root-seed", type=int, default=0, help="first seed (default 0)")
    backend.add_options(p)
    p.add_argument("--json", action="store_true", help="machine-readable report on stdout")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario key before checking, in the scenario and in every case "
        "preset (repeatable; the presets also take the scenario's behaviour and population)",
    )
    p.set_defaults(handler=_check)


def _check(args: argparse.Namespace) -> int:
    from sim.measure.targets import PROJECT_TARGETS, load_target_files
    from sim.scenario.config import ConfigError, load_scenario, parse_set_args
    from sim.study.check import Runner, check, people_overrides

    problems = backend.problems(args)
    if problems:
        raise ConfigError(problems)
    overrides = parse_set_args(args.set)
    config = load_scenario(args.scenario, overrides)
    targets = load_target_files(args.targets or [PROJECT_TARGETS])
    with backend.evaluator(args) as evaluator:
        report = check(
            config,
            targets,
            args.replications,
            args.root_seed,
            base_sets=overrides,
            case_overrides={**people_overrides(config), **overrides},
            runner=Runner(progress=not args.json, evaluator=evaluator),
        )
    if args.json:
        print(json.dumps(report.to_dict(args.scenario), indent=2))
    else:
        print(report.format())
    sys.stdout.flush()
    return 0 if report.passed else EXIT_FAIL
