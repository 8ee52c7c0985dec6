"""MMM recovery benchmark: flighted budgets, panels, a light MMM, its returns against truth.

Usage (a results folder with panels in three layouts, the weekly truth and the scores)::

    python -m sim.study.truth.benchmark configs/baseline.yaml --size 20000 --seeds 2 \\
        --out results/mmm-benchmark

Steps: the scenario's budgets are flighted (:func:`~sim.study.truth.panel.flighting`);
``run_truth`` measures each channel's true Shapley revenue on that flighted scenario (channel
arms only); the first seed's base run is the "observed" history an analyst would have; the
light model (:mod:`~sim.study.truth.mmm`) is fitted on its weekly panel and its returns are
set beside the true ones.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from sim.io.atomic import atomic_folder
from sim.io.runs import versions
from sim.scenario.config import load_scenario, with_overrides
from sim.study.truth import mmm
from sim.study.truth.panel import flighting, geo_panel, layout, true_contributions, weekly_panel
from sim.study.truth.runner import run_truth
from sim.study.truth.spec import settings


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("scenario")
    p.add_argument("--size", type=int, default=20_000, help="consumers (20000)")
    p.add_argument("--seeds", type=int, default=3, help="seeds for the truth (3)")
    p.add_argument("--flight-seed", type=int, default=0, help="seed of the budget design")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--out", default="results/mmm-benchmark")
    p.add_argument("--force", action="store_true")
    args = p.parse_args(argv)
    base = with_overrides(load_scenario(args.scenario), {"population.size": args.size})
    flighted = flighting(base, args.flight_seed)
    s = settings(min_seeds=args.seeds, max_seeds=args.seeds, families=False, marginal=False)
    result = run_truth(flighted, s, workers=args.workers, work=f"{args.out}.work")
    chans = result.players
    observed = result.base_values[result.seeds[0]]
    weekly = weekly_panel(observed, chans)
    geo = geo_panel(observed, chans)
    truth = true_contributions(result.effects, chans)
    e = result.effects
    totals = e[(e.measure == "shapley") & (e.scope == "total") & (e.metric == "revenue")]
    totals = totals.rename(
        columns={"player": "channel", "mean": "true_revenue", "ci_low": "true_low",
                 "ci_high": "true_high"}
    )  # fmt: skip
    fitted = mmm.fit(weekly, chans)
    scores = mmm.recovery(fitted, weekly, totals, chans)
    with atomic_folder(args.out, force=args.force) as tmp:
        weekly.to_csv(tmp / "panel_weekly.csv", index=False)
        geo.to_csv(tmp / "panel_geo_weekly.csv", index=False)
        layout(weekly, chans, "pymc").to_csv(tmp / "pymc_marketing.csv", index=False)
        layout(weekly, chans, "robyn").to_csv(tmp / "robyn.csv", index=False)
        layout(geo, chans, "meridian").to_csv(tmp / "meridian_geo.csv", index=False)
        truth.to_csv(tmp / "truth_weekly.csv", index=False)
        scores.to_csv(tmp / "recovery.csv", index=False)
        (tmp / "flighted_scenario.json").write_text(json.dumps(flighted.to_dict(), indent=1))
        (tmp / "manifest.json").write_text(
            json.dumps(
                {
                    "kind": "mmm-benchmark",
                    "seeds": result.seeds,
                    "r2": fitted.r_squared,
                    "versions": versions(),
                    "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )
        )
    print(scores.round(2).to_string(index=False))
    print(f"model R^2 {fitted.r_squared:.2f}; wrote {Path(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
