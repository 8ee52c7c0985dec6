"""MMM recovery benchmark: flighted budgets, panels, a light MMM, its returns against truth.

Usage (a results folder with panels in three layouts, the truth beside them and the
scores)::

    python -m sim.study.truth.benchmark configs/baseline.yaml --size 20000 --seeds 2 \\
        --grain both --regions 4 --out results/mmm-benchmark

Steps: the scenario's budgets are flighted (:func:`~sim.study.truth.panel.flighting`, per
channel; with ``--regions`` above 1 also per channel and store region,
:func:`~sim.study.truth.panel.geo_flighting`); ``run_truth`` measures each channel's true
Shapley revenue on that flighted scenario (channel arms only); the first seed's base run is
the "observed" history an analyst would have; the light model (:mod:`~sim.study.truth.mmm`)
is fitted on its national panel at each grain and its returns are set beside the true ones.

Files (``<grain>`` is ``weekly`` or ``daily``; geo files per ``tier`` and, with regions,
``region``):

- ``panel_<grain>.csv``, ``panel_<geo>_<grain>.csv``: the panels in the project's columns;
- ``pymc_marketing_<grain>.csv``, ``robyn_<grain>.csv``, ``meridian_<grain>.csv`` (national)
  and ``meridian_<geo>_<grain>.csv`` (with ``population``): the libraries' layouts;
- ``truth_<grain>.csv``, ``truth_<geo>_<grain>.csv``: each channel's true Shapley revenue
  per period (and geo), with its interval;
- ``truth_total.csv``: each channel's true Shapley revenue over the whole run;
- ``recovery_<grain>.csv``: the light model's returns against the true ones;
- ``flighted_scenario.json``, ``manifest.json``.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from sim.io.atomic import atomic_folder
from sim.io.runs import versions
from sim.scenario.config import ScenarioConfig, load_scenario, with_overrides
from sim.study.truth import mmm
from sim.study.truth.panel import (
    flighting,
    geo_flighting,
    geo_panel,
    layout,
    national_panel,
    true_contributions,
)
from sim.study.truth.runner import TruthResult, run_truth
from sim.study.truth.spec import settings
from sim.study.truth.summary import GEOS

#: File-name word of each grain.
GRAIN_WORD = {"week": "weekly", "day": "daily"}


def design(base: ScenarioConfig, flight_seed: int, regions: int) -> ScenarioConfig:
    """The flighted scenario: national flights, and per-region flights with ``regions > 1``."""
    if regions > 1:
        base = with_overrides(base, {"stores.regions": regions})
        return geo_flighting(flighting(base, flight_seed), flight_seed)
    return flighting(base, flight_seed)


def true_totals(result: TruthResult) -> pd.DataFrame:
    """Each channel's true Shapley revenue over the whole run, with its interval."""
    e = result.effects
    totals = e[(e.measure == "shapley") & (e.scope == "total") & (e.metric == "revenue")]
    return totals.rename(
        columns={"player": "channel", "mean": "true_revenue", "ci_low": "true_low",
                 "ci_high": "true_high"}
    )  # fmt: skip


def panels(result: TruthResult, grains: list[str]) -> dict[str, pd.DataFrame]:
    """Every file of the benchmark's panels and truth, by file name (without ``.csv``)."""
    chans = result.players
    observed = result.base_values[result.seeds[0]]
    out: dict[str, pd.DataFrame] = {}
    for grain in grains:
        word = GRAIN_WORD[grain]
        national = national_panel(observed, chans, grain)
        out[f"panel_{word}"] = national
        out[f"pymc_marketing_{word}"] = layout(national, chans, "pymc")
        out[f"robyn_{word}"] = layout(national, chans, "robyn")
        out[f"meridian_{word}"] = layout(national, chans, "meridian")
        out[f"truth_{word}"] = true_contributions(result.effects, chans, grain)
        for geo in GEOS:
            frame = geo_panel(observed, chans, grain, geo)
            if frame.empty or frame.geo.nunique() < 2:
                continue
            out[f"panel_{geo}_{word}"] = frame
            out[f"meridian_{geo}_{word}"] = layout(frame, chans, "meridian")
            out[f"truth_{geo}_{word}"] = true_contributions(result.effects, chans, grain, geo)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("scenario")
    p.add_argument("--size", type=int, default=20_000, help="consumers (20000)")
    p.add_argument("--seeds", type=int, default=3, help="seeds for the truth (3)")
    p.add_argument("--flight-seed", type=int, default=0, help="seed of the budget design")
    p.add_argument(
        "--grain",
        choices=["week", "day", "both"],
        default="week",
        help="panel grain: week (default), day, or both",
    )
    p.add_argument(
        "--regions",
        type=int,
        default=1,
        help="store regions (stores.regions); above 1 adds region panels and per-region "
        "budget flights (default 1: national flights only)",
    )
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--out", default="results/mmm-benchmark")
    p.add_argument("--force", action="store_true")
    args = p.parse_args(argv)
    grains = ["week", "day"] if args.grain == "both" else [args.grain]
    base = with_overrides(load_scenario(args.scenario), {"population.size": args.size})
    flighted = design(base, args.flight_seed, args.regions)
    s = settings(
        min_seeds=args.seeds,
        max_seeds=args.seeds,
        families=False,
        marginal=False,
        grain="day" if "day" in grains else "week",
    )
    result = run_truth(flighted, s, workers=args.workers, work=f"{args.out}.work")
    chans = result.players
    files = panels(result, grains)
    files["truth_total"] = true_totals(result)[["channel", "true_revenue", "true_low", "true_high"]]
    r2 = {}
    for grain in grains:
        word = GRAIN_WORD[grain]
        fitted = mmm.fit(files[f"panel_{word}"], chans)
        files[f"recovery_{word}"] = mmm.recovery(
            fitted, files[f"panel_{word}"], true_totals(result), chans
        )
        r2[grain] = fitted.r_squared
    with atomic_folder(args.out, force=args.force) as tmp:
        for name, frame in files.items():
            frame.to_csv(tmp / f"{name}.csv", index=False)
        (tmp / "flighted_scenario.json").write_text(json.dumps(flighted.to_dict(), indent=1))
        (tmp / "manifest.json").write_text(
            json.dumps(
                {
                    "kind": "mmm-benchmark",
                    "seeds": result.seeds,
                    "grains": grains,
                    "regions": args.regions,
                    "r2": r2,
                    "versions": versions(),
                    "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )
        )
    for grain in grains:
        word = GRAIN_WORD[grain]
        print(f"{word}: model R^2 {r2[grain]:.2f}")
        print(files[f"recovery_{word}"].round(2).to_string(index=False))
    print(f"wrote {Path(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
