"""The ``omo`` command line.

Bad input exits with code 2 and one line per problem, never a traceback. Each
subcommand beyond ``run`` and ``kpis`` lives in ``sim/cli/<name>.py`` and exposes
``register(subparsers)``; its handler returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import warnings
from importlib import metadata
from pathlib import Path

from sim.io.atomic import check_output
from sim.scenario.config import ConfigError, load_scenario, parse_set_args
from sim.scenario.sections import MAX_SEED
from sim.study.backends.worker import RunFailed

#: Subcommand modules under sim/cli, each with ``register(subparsers)``.
COMMAND_MODULES: tuple[str, ...] = (
    "compare",
    "sweep",
    "results",
    "check",
    "calibrate",
    "identify",
    "pnl",
    "optimize",
    "dashboard",
    "truth",
    "attribute",
)

EXIT_BAD_INPUT = 2


def _run(args: argparse.Namespace) -> int:
    from sim.io.runs import engine_fingerprint, free_run_dir, same_run
    from sim.study.run import run_folder, simulate, write_run_files

    config = load_scenario(args.scenario, parse_set_args(args.set))
    if args.out:
        out = check_output(Path(args.out), force=args.force)
    else:  # a folder the user never named: reuse the very same run, else a fresh name
        engine = engine_fingerprint()
        out = free_run_dir(config, args.seed, engine)
        if same_run(out, config, args.seed, engine) and not args.force:
            if not args.quiet:
                print(f"{out} holds this scenario, seed and engine code already: not rerun")
                _print_kpis(json.loads((out / "kpis.json").read_text()), headline_only=True)
            return 0
        out = check_output(out, force=args.force)
    progress = sys.stderr.isatty() and not args.quiet
    with run_folder(out, force=args.force) as folder:  # streamed log: nothing half-written
        result = simulate(
            config, args.seed, progress=progress, events_path=folder / "events.parquet"
        )
        write_run_files(result, folder)
    if not args.quiet:
        print(
            f"wrote {out} ({result.manifest['events']:,} events, "
            f"{result.manifest['wall_time_s']:.1f} s)"
        )
        _print_kpis(result.kpis, headline_only=True)
        _print_money_note(result.manifest)
    return 0


def _print_money_note(manifest: dict) -> None:
    """Revenue and costs of a run are in sample money: say how to get market money."""
    scale = manifest.get("market_scale")
    population = manifest.get("config", {}).get("population", {})
    if scale:
        code = population.get("currency", "CNY")
        print(f"  (money: simulated sample's; x {scale:,.0f} = market money in {code})")


def _print_kpis(kpis: dict, headline_only: bool = False) -> None:
    from sim.measure.kpis import LEVEL_KPIS

    names = LEVEL_KPIS if headline_only else sorted(kpis)
    width = max(len(n) for n in names)
    for name in names:
        value = kpis.get(name)
        shown = _fmt(value)
        print(f"  {name:<{width}}  {shown}")
    if headline_only:
        for name in ("customers", "revenue", "stockout_rate", "coupon_redemption_rate"):
            if name in kpis and kpis[name] is not None:
                print(f"  {name:<{width}}  {_fmt(kpis[name])}")


def _fmt(value: float | None) -> str:
    """Counts and money in whole units with separators; rates to four significant digits."""
    from sim.present.numbers import plain

    return plain(value)


def _kpis(args: argparse.Namespace) -> int:
    path = Path(args.run_dir) / "kpis.json"
    if not path.exists():
        raise ConfigError([f"{args.run_dir}: no kpis.json (not a run folder?)"])
    try:
        kpis = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            [f"{path}: not a readable kpis.json ({exc}); re-run the scenario"]
        ) from None
    if not isinstance(kpis, dict) or not all(
        v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in kpis.values()
    ):
        raise ConfigError([f"{path}: not a kpis.json written by omo (expected name: number)"])
    if args.json:
        print(json.dumps(kpis, indent=2))
    else:
        _print_kpis(kpis)
        manifest = Path(args.run_dir) / "manifest.json"
        if manifest.is_file():
            _print_money_note(json.loads(manifest.read_text()))
    return 0


def package_version() -> str:
    """The installed omo-sim version ("unknown" when run from a source tree not installed)."""
    try:
        return metadata.version("omo-sim")
    except metadata.PackageNotFoundError:
        return "unknown"


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: object = None,
    line: str | None = None,
) -> None:
    """Warnings as one ``warning: ...`` line on stderr, without Python's file:line clutter."""
    print(f"warning: {message}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omo", description="omo-sim: simulate omnichannel consumer journeys (Mesa)."
    )
    parser.add_argument("--version", action="version", version=f"omo-sim {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one scenario and write a run folder")
    run.add_argument("scenario", help="scenario YAML, e.g. configs/baseline.yaml")
    run.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario key, e.g. --set coupons.redeemable_in=everywhere",
    )
    run.add_argument(
        "--out",
        help="run folder (default runs/<name>-seed<seed>-<hash>: reused if it holds the same "
        "run, else a fresh -2, -3 ... suffix)",
    )
    run.add_argument("--force", action="store_true", help="replace an existing run folder")
    run.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    run.set_defaults(handler=_run)

    kp = sub.add_parser(
        "kpis",
        help="print a run folder's KPIs",
        description="Print every KPI of a run folder written by `omo run` (kpis.json), "
        "sorted by name; money in the run's sample units (see its manifest's market_scale).",
    )
    kp.add_argument("run_dir", help="a run folder, e.g. runs/baseline-seed0-<hash>")
    kp.add_argument("--json", action="store_true", help="print kpis.json as JSON instead")
    kp.set_defaults(handler=_kpis)

    for name in COMMAND_MODULES:
        importlib.import_module(f"sim.cli.{name}").register(sub)
    return parser


def _check_seeds(args: argparse.Namespace) -> None:
    """Every seed option is a whole number in 0..MAX_SEED, checked before any work."""
    problems = []
    for attr in ("seed", "root_seed", "sampler_seed"):
        value = getattr(args, attr, None)
        if value is not None and not 0 <= value <= MAX_SEED:
            option = "--" + attr.replace("_", "-")
            problems.append(f"{option}: value {value}: must be a whole number 0..{MAX_SEED}")
    if problems:
        raise ConfigError(problems)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    warnings.showwarning = _show_warning
    try:
        _check_seeds(args)
        return args.handler(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except RunFailed as exc:  # the simulator raised on a run a verdict needs
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `omo ... | head`: the reader left; not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout
        return 0
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
