"""``omo attribute RUN [RUN ...]``: attribution of run event logs, scored against a truth.

Each argument is a run folder (``omo run``), or a folder holding run folders; credit is
averaged over the runs. With ``--truth`` (an ``omo truth`` results folder of the same
scenario) every method is scored per channel against the true incremental revenue.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.io.atomic import check_output
from sim.scenario.config import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``attribute`` subcommand."""
    p = subparsers.add_parser(
        "attribute",
        help="credit revenue to touchpoints (last touch ... Markov, Shapley) and score vs truth",
        description="Last touch, first touch, linear, time decay, position based, Markov "
        "removal effect and path Shapley attribution of run event logs; with --truth, "
        "each method's error per channel against the true incremental revenue.",
    )
    p.add_argument("runs", nargs="+", help="run folders, or folders holding run folders")
    p.add_argument("--truth", help="an `omo truth` results folder to score against")
    p.add_argument("--lookback", type=int, default=30, help="lookback window in days (30)")
    p.add_argument("--out", help="results folder (default results/attribution)")
    p.add_argument("--force", action="store_true", help="replace an existing results folder")
    p.add_argument("--quiet", action="store_true", help="print nothing")
    p.set_defaults(handler=_attribute)


def run_folders(paths: list[str]) -> list[Path]:
    """The run folders named, or found one level inside the folders named."""
    found, problems = [], []
    for raw in paths:
        path = Path(raw)
        if (path / "events.parquet").is_file():
            found.append(path)
            continue
        inner = sorted(p for p in path.glob("*") if (p / "events.parquet").is_file())
        if not inner:
            problems.append(f"{raw}: not a run folder and holds none (no events.parquet)")
        found.extend(inner)
    if problems:
        raise ConfigError(problems)
    return found


def _attribute(args: argparse.Namespace) -> int:
    import json
    import warnings

    import matplotlib
    import pandas as pd

    matplotlib.use("Agg")
    from sim.measure.attribution import attribute
    from sim.measure.attribution.score import score
    from sim.present.attribution import credit_table, write_attribution
    from sim.present.truth import load_truth

    if args.lookback < 0:
        raise ConfigError([f"--lookback: value {args.lookback}: must be 0 or more days"])
    folders = run_folders(args.runs)
    truth = None
    if args.truth:
        try:
            truth = load_truth(args.truth)
        except (OSError, ValueError) as exc:
            raise ConfigError([f"--truth {args.truth}: {exc}"]) from None
    out = check_output(Path(args.out or "results/attribution"), force=args.force)
    credits, currency = [], "CNY"
    for folder in folders:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        currency = manifest["config"]["population"].get("currency", currency)
        events = pd.read_parquet(folder / "events.parquet")
        consumers = pd.read_parquet(folder / "consumers.parquet")
        credits.append(attribute(events, consumers, manifest["market_scale"], args.lookback))
    if truth is not None:
        hashes = {json.loads((f / "manifest.json").read_text())["config_hash"] for f in folders}
        if hashes != {truth[1]["config_hash"]}:
            warnings.warn(
                f"--truth {args.truth}: measured on scenario {truth[1]['config_hash']}, the runs "
                f"are of {', '.join(sorted(hashes))}: scores compare different scenarios",
                stacklevel=1,
            )
    keys = ["method", "scope", "cell", "channel"]
    credit = (
        pd.concat(credits)
        .groupby(keys, as_index=False, sort=False)[["revenue", "conversions"]]
        .mean()
    )
    scores = score(credit, truth[0]) if truth is not None else None
    write_attribution(
        credit, out, runs=[str(f) for f in folders], currency=currency,
        lookback_days=args.lookback, scores=scores, truth_path=args.truth, force=args.force,
    )  # fmt: skip
    if not args.quiet:
        pd.set_option("display.width", 160)
        print(f"credited revenue ({currency}, market), mean of {len(folders)} run(s):")
        print((credit_table(credit) / 1e6).round(1).to_string() + "\n(millions)")
        if scores is not None:
            summary = scores[1][scores[1].scope == "total"].drop(columns=["scope", "cell"])
            print(summary.round(2).to_string(index=False))
        print(f"wrote {out}/report.html")
    return 0
