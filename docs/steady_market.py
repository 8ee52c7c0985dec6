"""Is the baseline's market steady? Net revenue by year of a three-year run, over seeds.

``python docs/steady_market.py [--population 10000] [--seeds 4] [--set PATH=VALUE ...]``
prints each seed's yearly net revenue (market money) and year 3 over year 1; the README's
"A market with a past" quotes it.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import yaml

from sim.measure.money import daily_pnl
from sim.scenario.config import load_scenario
from sim.study.run import simulate

ROOT = Path(__file__).parents[1]


def yearly_net_revenue(overrides: dict, seed: int) -> list[float]:
    """Net revenue (million, market money) in each year of a three-year run of the baseline."""
    config = load_scenario(ROOT / "configs" / "baseline.yaml", overrides)
    run = simulate(config, seed=seed)
    pnl = daily_pnl(run.events.to_pandas(), config.horizon_days)
    scale = run.manifest["market_scale"] / 1e6
    return [float(pnl.net_revenue[i * 365 : (i + 1) * 365].sum() * scale) for i in range(3)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--population", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    args = parser.parse_args()
    overrides = {"population.size": args.population, "horizon_days": 3 * 365}
    for item in args.set:
        path, value = item.split("=", 1)
        overrides[path] = yaml.safe_load(value)
    seeds = range(args.seeds)
    with ProcessPoolExecutor(2) as pool:
        years = list(pool.map(yearly_net_revenue, [overrides] * len(seeds), seeds))
    growth = np.array([y[2] / y[0] - 1 for y in years])
    for seed, y in zip(seeds, years, strict=True):
        print(f"seed {seed}: " + ", ".join(f"{v:,.0f}M" for v in y) + f"  ({y[2] / y[0] - 1:+.1%})")
    print(f"year 3 / year 1 - 1: mean {growth.mean():+.1%}, sd {growth.std(ddof=1):.1%}")


if __name__ == "__main__":
    main()
