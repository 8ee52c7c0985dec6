"""Two strategies on the same seeds: the paired difference of each KPI, in market money.

The interactive comparison of ``omo dashboard``: strategy A and strategy B are sets of
overrides on one base scenario, every seed runs both (common random numbers), and the
difference B - A per seed gives a paired t interval, as ``omo compare`` does for arms.
Runs go through a backend of :mod:`sim.study.backends`, so a local pool runs them in
parallel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.measure.kpis import KPIS
from sim.scenario.config import ScenarioConfig, change_from_day_0
from sim.study.backends import Evaluator, require_ok
from sim.study.stats import paired_difference

DEFAULT_KPIS = ("profit", "revenue", "customers", "stockout_rate", "coupon_cost")


@dataclass(frozen=True)
class SideBySide:
    """Per KPI: the mean of A and of B, and the paired difference B - A with its interval."""

    table: pd.DataFrame
    runs: pd.DataFrame
    seeds: list[int]
    currency: str


def compare_strategies(
    base: ScenarioConfig,
    a: dict[str, Any],
    b: dict[str, Any],
    seeds: Sequence[int],
    evaluator: Evaluator,
    kpis: Sequence[str] = DEFAULT_KPIS,
    on_run: Callable[[int, int], None] | None = None,
) -> SideBySide:
    """Run strategies A and B (overrides of ``base``) on every seed and pair them.

    Args:
        base: the scenario both start from.
        a: overrides of strategy A (often ``{}``: the base itself).
        b: overrides of strategy B.
        seeds: the seeds; each runs both strategies.
        evaluator: an entered backend.
        kpis: KPIs to compare; money KPIs are reported in market money.
        on_run: called with (runs done, runs in all) after each run, for a progress bar.

    Raises:
        ConfigError: an override is refused by the scenario schema.
        RunFailed: a run failed.
    """
    configs = {"A": change_from_day_0(base, a), "B": change_from_day_0(base, b)}
    jobs = [
        {"run_id": f"{arm}|{seed}", "config": cfg.to_dict(), "seed": int(seed)}
        for seed in seeds
        for arm, cfg in configs.items()
    ]
    rows = []
    for i, outcome in enumerate(evaluator.evaluate(jobs), 1):
        arm, seed = require_ok(outcome)["run_id"].split("|")
        rows.append({"arm": arm, "seed": int(seed), **outcome["kpis"]})
        if on_run is not None:
            on_run(i, len(jobs))
    runs = pd.DataFrame(rows).sort_values(["arm", "seed"]).reset_index(drop=True)
    pop = base.population
    scale = pop.market_size / pop.size
    units = {k.name: k.unit for k in KPIS}
    out = []
    for kpi in kpis:
        factor = scale if units.get(kpi) == "money" else 1.0
        wide = runs.pivot(index="seed", columns="arm", values=kpi).astype(float) * factor
        d = paired_difference(wide["B"].to_numpy(), wide["A"].to_numpy())
        out.append(
            {
                "kpi": kpi,
                "unit": pop.currency if factor != 1.0 else units.get(kpi, ""),
                "A": float(wide["A"].mean()),
                "B": float(wide["B"].mean()),
                "difference": d.mean_diff,
                "ci_low": d.ci_low,
                "ci_high": d.ci_high,
                "n": d.n,
            }
        )
    return SideBySide(pd.DataFrame(out), runs, list(seeds), pop.currency)
