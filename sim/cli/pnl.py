"""``omo pnl``: a run's profit and loss, in market money, from its event log alone."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_BAD_INPUT = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``pnl`` subcommand."""
    p = subparsers.add_parser(
        "pnl",
        help="profit and loss of a run folder, in market money",
        description="Revenue, discounts, cost of goods, fulfilment, stores, marketing and "
        "integration spend of a run, from its events.parquet, scaled to the market it stands "
        "for (market_scale in its manifest).",
    )
    p.add_argument("run", help="a run folder written by omo run")
    p.add_argument("--csv", metavar="FILE", help="also write the daily P&L (market money) here")
    p.set_defaults(handler=_pnl)


def _pnl(args: argparse.Namespace) -> int:
    import pandas as pd

    from sim.measure.money import daily_pnl
    from sim.present.pnl import format_statement, statement

    run = Path(args.run)
    try:
        manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
        events = pd.read_parquet(run / "events.parquet")
        scale = float(manifest["market_scale"])
        horizon = int(manifest["horizon_days"])
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {run}: not a readable run folder ({exc})", file=sys.stderr)
        return EXIT_BAD_INPUT
    currency = manifest.get("config", {}).get("population", {}).get("currency", "CNY")
    print(
        f"{manifest.get('scenario', run.name)}, seed {manifest.get('seed')}, {horizon} days, "
        f"market money ({currency}; the sample x {scale:g})"
    )
    print(format_statement(statement(events, horizon, scale), currency))
    if args.csv:
        daily = daily_pnl(events, horizon)
        money = [c for c in daily.columns if c != "day"]
        daily[money] = daily[money] * scale
        daily.to_csv(args.csv, index=False)
    return 0
