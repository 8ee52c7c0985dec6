"""``omo dashboard``: the strategist's workbench in the browser (a Solara server).

It binds to 127.0.0.1 unless ``--host`` says otherwise: the dashboard runs simulations on
this machine for whoever can reach it, so exposing it is a choice, not a default.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sim.scenario.config import ConfigError

EPILOG = """\
examples:
  omo dashboard                 # http://127.0.0.1:8765, the baseline, 10,000 consumers
  omo dashboard --scenario configs/community_brand.yaml --population 20000
  omo dashboard --results runs/optimize/content_and_coupon   # open a finished result
  omo dashboard --port 0                          # any free port (printed on start)

Stop it with Ctrl-C.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``omo dashboard`` to the command line."""
    p = subparsers.add_parser(
        "dashboard",
        help="the strategist's workbench in the browser: levers, live charts, paired comparisons",
        description="Serve the workbench (Solara): pick a scenario, move levers, watch a run "
        "redraw every N days, inspect a consumer's journey, compare two strategies on the "
        "same seeds, open finished results.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free)")
    p.add_argument("--scenario", default="configs/baseline.yaml", help="scenario shown first")
    p.add_argument("--presets", default="configs", help="folder of scenarios offered as presets")
    p.add_argument("--population", type=int, default=10_000, help="consumers (default 10,000)")
    p.add_argument("--days", type=int, help="horizon in days (default: the scenario's)")
    p.add_argument("--results", help="a result folder to open in the Results tab")
    p.add_argument("--workers", type=int, default=2, help="processes for comparisons (default 2)")
    p.set_defaults(handler=_dashboard)


def problems(args: argparse.Namespace) -> list[str]:
    """What is wrong with the options, one line per fault (nothing starts if any)."""
    from sim.scenario.config import load_scenario

    out = []
    if not 0 <= args.port <= 65535:
        out.append(f"--port: value {args.port}: must be 0..65535")
    if args.population < 100:
        out.append(f"--population: value {args.population}: must be at least 100")
    if args.days is not None and args.days < 1:
        out.append(f"--days: value {args.days}: must be at least 1")
    if args.workers < 1:
        out.append(f"--workers: value {args.workers}: must be at least 1")
    if not Path(args.presets).is_dir():
        out.append(f"--presets {args.presets}: no such folder")
    if args.results and not Path(args.results).is_dir():
        out.append(f"--results {args.results}: no such folder")
    try:
        sets: dict = {"population.size": args.population}
        if args.days:
            sets["horizon_days"] = args.days
        load_scenario(args.scenario, sets)
    except ConfigError as exc:
        out += [f"--scenario {p}" if not p.startswith(args.scenario) else p for p in exc.problems]
    return out


def _dashboard(args: argparse.Namespace) -> int:
    found = problems(args)
    if found:
        raise ConfigError(found)
    env = {
        **os.environ,
        "OMO_DASHBOARD_SCENARIO": args.scenario,
        "OMO_DASHBOARD_PRESETS": args.presets,
        "OMO_DASHBOARD_POPULATION": str(args.population),
        "OMO_DASHBOARD_DAYS": str(args.days or 0),
        "OMO_DASHBOARD_RESULTS": args.results or "",
        "OMO_DASHBOARD_WORKERS": str(args.workers),
        "MPLBACKEND": "Agg",
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    }
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"warning: --host {args.host}: anyone who can reach this address can run "
            "simulations here",
            file=sys.stderr,
        )
    command = [
        sys.executable, "-m", "solara", "run", "sim.present.dashboard.app",
        "--host", args.host, "--port", str(args.port), "--production", "--no-open",
    ]  # fmt: skip
    sys.stdout.flush()
    os.execvpe(sys.executable, command, env)
    return 0  # not reached
