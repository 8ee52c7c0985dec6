"""The verdict on the best plan: a paired gain over the current plan, and marginal returns.

The search's seeds chose the plan, so its figures on them flatter it (the winner's curse).
The confirmation runs the current plan and the best plan on fresh seeds, paired seed by
seed, and reports the mean gain with a paired t interval in market money. Then each budget
channel gets ``step x total`` more daily budget, one at a time, on the same fresh seeds: the
paired change in profit per extra unit of content spend is that channel's marginal return.
At an optimal split of a fixed budget the marginal returns of the channels in use are equal
(within noise); a channel whose return is clearly higher deserves more of the budget.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from sim.study.backends import Evaluator, RunFailed
from sim.study.optimize.search import market, run_plans
from sim.study.optimize.spec import Optimization
from sim.study.stats import paired_difference


@dataclass(frozen=True)
class Gain:
    """A paired difference (plan minus current) in the KPI's reading units."""

    kpi: str
    current: float
    best: float
    diff: float
    ci_low: float
    ci_high: float
    n: int


@dataclass(frozen=True)
class MarginalReturn:
    """Profit per extra unit of content spend on one channel, at the best plan."""

    channel: str
    extra_daily_budget: float
    extra_spend: float
    extra_profit: float
    profit_per_spend: float
    ci_low: float
    ci_high: float


def _gain(opt: Optimization, kpi: str, best: pd.DataFrame, current: pd.DataFrame) -> Gain:
    b = market(opt, kpi, best[kpi].astype(float))
    c = market(opt, kpi, current[kpi].astype(float)).reindex(b.index)
    d = paired_difference(b.to_numpy(), c.to_numpy())
    return Gain(kpi, float(c.mean()), float(b.mean()), d.mean_diff, d.ci_low, d.ci_high, d.n)


def _frame(results: dict[str, Any], key: str) -> pd.DataFrame:
    value = results[key]
    if isinstance(value, str):
        raise RunFailed(f"confirmation of the {key} plan failed: {value}")
    return value


def confirm(
    opt: Optimization,
    best_plan: dict[str, Any],
    evaluator: Evaluator,
    kpis: list[str] | None = None,
) -> dict[str, Any]:
    """Run the current and the best plan (and the marginal steps) on the fresh seeds.

    Args:
        opt: the optimisation.
        best_plan: the best trial's plan, in the study's terms (levers and share weights).
        evaluator: an entered backend.
        kpis: KPIs whose paired gain to report (default: the objectives, the constraints,
            profit and revenue).

    Returns:
        ``gains`` (a list of :class:`Gain` dicts) and ``marginal_returns`` (one
        :class:`MarginalReturn` dict per budget channel; empty without a budget split).
    """
    step = opt.spec.confirm.step * opt.budget_total
    plans = {"current": opt.overrides(opt.current_plan()), "best": opt.overrides(best_plan)}
    plans.update({f"more:{c}": _bump(opt, best_plan, c, step) for c in opt.channels})
    results = run_plans(opt, plans, opt.confirm_seeds, evaluator)
    current, best = _frame(results, "current"), _frame(results, "best")
    wanted = kpis or list(
        dict.fromkeys(
            [g.kpi for g in opt.spec.goals]
            + list(opt.spec.constraints)
            + ["profit", "revenue", "content_spend"]
        )
    )
    gains = [asdict(_gain(opt, k, best, current)) for k in wanted]
    margins = []
    for c in opt.channels:
        more = _frame(results, f"more:{c}")
        profit = _gain(opt, "profit", more, best)
        spend = _gain(opt, "content_spend", more, best)
        per = spend.diff if spend.diff > 0 and math.isfinite(spend.diff) else math.nan
        margins.append(
            asdict(
                MarginalReturn(
                    c,
                    step,
                    spend.diff,
                    profit.diff,
                    profit.diff / per,
                    profit.ci_low / per,
                    profit.ci_high / per,
                )
            )
        )
    return {
        "seeds": opt.confirm_seeds,
        "gains": gains,
        "marginal_returns": margins,
        "current_overrides": plans["current"],
    }


def _bump(opt: Optimization, plan: dict[str, Any], channel: str, step: float) -> dict[str, Any]:
    """Overrides of the plan with one channel's daily budget raised by ``step``."""
    over = opt.overrides(plan)
    over[f"content.channels.{channel}.daily_budget"] += step
    return over


__all__ = ["Gain", "MarginalReturn", "confirm"]
