"""Robust comparisons: every arm of an experiment under every plausible parameter set.

A comparison on the calibrated point answers "which arm wins if the model's parameters are
exactly these". The plausible set (:mod:`sim.study.ensemble`) holds every parameter set that
reproduces the targets as well; a choice that flips between them is not supported by the
evidence. Here each arm runs under each set on the same seeds (paired within a set: the
arms of one set and seed differ only by policy), and for each KPI difference against the
control the report gives:

- the mean over sets and seeds with a *seeds-only* 95% interval (what ``omo compare`` on
  one set would say), and a 95% range *including parameter uncertainty*: mean +- 1.96 x
  sqrt(between-set variance of the per-set mean difference + mean within-set variance of
  it), the spread of the effect one would see under a plausible set drawn at random;
- the share of sets under which the arm beats the control;

and for the objective KPI (default profit): the share of sets each arm wins, and each arm's
regret (per set, the best arm's objective minus this arm's; mean and worst). Where the winner
flips, which parameters decide it: PRIM's box (:mod:`sim.study.prim`) around the sets where
the usual winner loses, and each parameter's rank correlation with the winning margin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.measure.kpis import MONEY_KPIS
from sim.scenario.config import ConfigError, with_overrides
from sim.study.check import Runner
from sim.study.ensemble import Ensemble
from sim.study.experiment import LoadedExperiment
from sim.study.prim import prim

#: KPIs where less is better when one is the objective (otherwise more is better).
LOWER_IS_BETTER = frozenset(
    {
        "stockout_rate",
        "abandonment_rate",
        "coupon_cost",
        "customer_acquisition_cost",
        "content_spend",
        "marketing_cost",
        "integration_spend",
        "coupon_conflict_abandonment",
    }
)


@dataclass
class RobustResult:
    """Runs and summaries of an experiment under a plausible set."""

    experiment: str
    control: str
    arms: list[str]
    objective: str
    runs: pd.DataFrame  # one row per set x arm x seed
    differences: pd.DataFrame  # per KPI and arm: mean, intervals, share of sets better
    wins: pd.DataFrame  # per arm: share of sets won, mean and worst regret
    per_set: pd.DataFrame  # per set: each arm's mean objective and the winner
    flips: dict[str, Any] = field(default_factory=dict)
    seeds: list[int] = field(default_factory=list)


def run_robust(
    exp: LoadedExperiment,
    ensemble: Ensemble,
    runner: Runner,
    seeds: list[int],
    objective: str = "profit",
) -> RobustResult:
    """Run every arm under every set on ``seeds`` and summarise (see the module docstring).

    Raises:
        ConfigError: a set's values that an arm's scenario rejects.
        RunFailed: a run raised.
    """
    jobs = []
    problems = []
    for s in ensemble.sets:
        for arm, config in exp.configs.items():
            try:
                cfg = with_overrides(config, dict(s["values"]))
            except ConfigError as exc:
                problems += [f"{s['id']} in arm {arm}: {p}" for p in exc.problems]
                continue
            jobs += [(f"{s['id']}/{arm}", cfg.to_dict(), seed) for seed in seeds]
    if problems:
        raise ConfigError(problems)
    measures = runner.run(jobs, desc=f"{exp.name} x {len(ensemble.sets)} sets")
    rows = []
    for (key, seed), m in measures.items():
        set_id, arm = key.split("/", 1)
        rows.append({"set": set_id, "arm": arm, "seed": seed, **m})
    runs = pd.DataFrame(rows)
    control = exp.configs[exp.control].population
    scale = control.market_size / control.size  # money in market units, like omo compare
    money = [c for c in runs.columns if c in MONEY_KPIS]
    runs[money] = runs[money] * scale
    kpis = list(dict.fromkeys([objective, *exp.spec.kpis]))
    missing = [k for k in kpis if k not in runs.columns]
    if missing:
        raise ConfigError([f"--objective/kpis: not a KPI of the runs: {', '.join(missing)}"])
    sign = -1.0 if objective in LOWER_IS_BETTER else 1.0
    differences = _differences(runs, kpis, exp.control, exp.arms)
    per_set = runs.groupby(["set", "arm"])[objective].mean().unstack("arm")[exp.arms]
    scored = per_set * sign
    per_set["winner"] = scored.idxmax(axis=1)
    regret = scored.max(axis=1).to_numpy()[:, None] - scored.to_numpy()
    wins = pd.DataFrame(
        {
            "arm": exp.arms,
            "share_of_sets_won": [float((per_set["winner"] == a).mean()) for a in exp.arms],
            "mean_regret": regret.mean(axis=0),
            "worst_regret": regret.max(axis=0),
        }
    )
    flips = _flips(per_set, scored, ensemble)
    return RobustResult(
        exp.name, exp.control, exp.arms, objective, runs, differences, wins, per_set, flips, seeds
    )


def _differences(
    runs: pd.DataFrame, kpis: list[str], control: str, arms: list[str]
) -> pd.DataFrame:
    out = []
    base = runs[runs["arm"] == control].set_index(["set", "seed"])
    for arm in arms:
        if arm == control:
            continue
        other = runs[runs["arm"] == arm].set_index(["set", "seed"])
        for kpi in kpis:
            d = (other[kpi] - base[kpi]).dropna()
            if d.empty:
                continue
            by_set = d.groupby(level="set")
            means = by_set.mean()
            within = by_set.var(ddof=1).fillna(0.0) / by_set.count()
            n_sets = len(means)
            mean = float(means.mean())
            between = float(means.var(ddof=1)) if n_sets > 1 else 0.0
            z = float(stats.norm.ppf(0.975))
            seeds_only = z * math.sqrt(float(within.mean()) / n_sets)
            total = z * math.sqrt(between + float(within.mean()))
            out.append(
                {
                    "kpi": kpi,
                    "arm": arm,
                    "vs": control,
                    "mean_difference": mean,
                    "seeds_only_low": mean - seeds_only,
                    "seeds_only_high": mean + seeds_only,
                    "with_parameters_low": mean - total,
                    "with_parameters_high": mean + total,
                    "share_of_sets_higher": float((means > 0).mean()),
                    "sets": n_sets,
                }
            )
    return pd.DataFrame(out)


def _flips(per_set: pd.DataFrame, scored: pd.DataFrame, ensemble: Ensemble) -> dict[str, Any]:
    """Where the winner changes between sets: PRIM box and rank correlations."""
    winners = per_set["winner"]
    usual = winners.value_counts().idxmax()
    if (winners == usual).all():
        return {"usual_winner": usual, "flips": False}
    values = {s["id"]: s["values"] for s in ensemble.sets}
    ids = list(per_set.index)
    x = np.array([[p.to_unit(values[i][p.path]) for p in ensemble.params] for i in ids])
    y = (winners.loc[ids] != usual).to_numpy(int)
    others = scored.drop(columns=[usual])
    margin = (scored[usual] - others.max(axis=1)).loc[ids].to_numpy()
    correlations = {}
    for j, p in enumerate(ensemble.params):
        if np.ptp(x[:, j]) > 0 and len(ids) >= 3:
            rho = stats.spearmanr(x[:, j], margin).statistic
            correlations[p.path] = float(rho)
    box = prim(x, y, min_support=max(2, len(ids) // 10))
    described = {}
    if box is not None:
        for j, (lo, hi) in box.limits.items():
            p = ensemble.params[j]
            described[p.path] = [p.from_unit(lo), p.from_unit(hi)]
    return {
        "usual_winner": usual,
        "flips": True,
        "sets_where_it_loses": [i for i, v in zip(ids, y, strict=True) if v],
        "prim_box": described,
        "prim_coverage": None if box is None else box.coverage,
        "prim_density": None if box is None else box.density,
        "margin_rank_correlation": dict(sorted(correlations.items(), key=lambda kv: -abs(kv[1]))),
    }


def robust_markdown(result: RobustResult, ensemble: Ensemble) -> str:
    """The robust comparison as a short report."""
    better = "lower" if result.objective in LOWER_IS_BETTER else "higher"
    lines = [
        f"# Robust comparison: {result.experiment}",
        "",
        f"{len(result.arms)} arms x {len(ensemble.sets)} plausible parameter sets x "
        f"{len(result.seeds)} seeds (paired within each set); control: {result.control}. "
        f"Plausible set: {ensemble.rule}. Money in market units.",
        "",
        f"## Who wins on {result.objective} ({better} is better)",
        "",
        "| arm | share of sets won | mean regret | worst regret |",
        "|---|---|---|---|",
    ]
    for r in result.wins.itertuples(index=False):
        lines.append(
            f"| {r.arm} | {r.share_of_sets_won:.0%} | {r.mean_regret:,.4g} | "
            f"{r.worst_regret:,.4g} |"
        )
    f = result.flips
    lines += [""]
    if not f.get("flips"):
        lines.append(f"The winner, {f['usual_winner']}, holds under every plausible set.")
    else:
        lines.append(
            f"The usual winner, {f['usual_winner']}, loses under {len(f['sets_where_it_loses'])}"
            f" of {len(result.per_set)} sets ({', '.join(f['sets_where_it_loses'])})."
        )
        if f["prim_box"]:
            box = "; ".join(
                f"`{k}` in [{lo:.4g}, {hi:.4g}]" for k, (lo, hi) in f["prim_box"].items()
            )
            lines.append(
                f"PRIM box where it loses: {box} (coverage {f['prim_coverage']:.0%}, density "
                f"{f['prim_density']:.0%})."
            )
        corr = ", ".join(
            f"`{k}` {v:+.2f}" for k, v in list(f["margin_rank_correlation"].items())[:4]
        )
        if corr:
            lines.append(f"Rank correlation of each parameter with the winning margin: {corr}.")
    lines += [
        "",
        "## Differences against the control",
        "",
        "| KPI | arm | mean difference | 95% interval, seeds only | 95% range with parameter "
        "uncertainty | share of sets higher |",
        "|---|---|---|---|---|---|",
    ]
    for r in result.differences.itertuples(index=False):
        lines.append(
            f"| {r.kpi} | {r.arm} | {r.mean_difference:,.4g} | "
            f"[{r.seeds_only_low:,.4g}, {r.seeds_only_high:,.4g}] | "
            f"[{r.with_parameters_low:,.4g}, {r.with_parameters_high:,.4g}] | "
            f"{r.share_of_sets_higher:.0%} |"
        )
    return "\n".join(lines) + "\n"
