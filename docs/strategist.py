"""What a strategist can ask, answered from shipped sweeps: ``python docs/strategist.py``.

Run the sweeps first (``omo sweep experiments/sweeps/coupon_profit.yaml`` and
``omo sweep experiments/sweeps/store_profit.yaml``). Each level is compared with the
baseline's level on the same seeds (paired), in market money over the horizon.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from sim.study import results
from sim.study.stats import paired_difference

ROOT = Path(__file__).parents[1]
MARKET_SCALE = 10_000_000 / 20_000  # the sweeps' 20,000 consumers stand for 10M


def table(folder: Path, parameter: str, reference: float, kpi: str = "profit") -> str:
    """Markdown: per level, mean KPI and the paired difference from ``reference`` (95% CI)."""
    runs = results.load(folder).runs
    runs = runs[runs["status"] == "ok"] if "status" in runs else runs
    base = runs[runs[parameter] == reference].sort_values("replication")
    lines = [
        f"| {parameter} | {kpi} (M CNY) | vs {reference:g}: difference (M CNY, 95% CI) |",
        "|---|---|---|",
    ]
    for level, part in runs.groupby(parameter):
        part = part.sort_values("replication")
        mean = part[kpi].mean() * MARKET_SCALE / 1e6
        if level == reference:
            cell = "(reference)"
        else:
            d = paired_difference(part[kpi].to_numpy(), base[kpi].to_numpy())
            s = MARKET_SCALE / 1e6
            cell = f"{d.mean_diff * s:+.1f} ({d.ci_low * s:+.1f} to {d.ci_high * s:+.1f})"
        lines.append(f"| {level:g} | {mean:.1f} | {cell} |")
    best = runs.groupby(parameter)[kpi].mean().idxmax()
    lines.append(f"\nHighest mean {kpi}: {parameter} = {best:g}.")
    return "\n".join(lines)


def integration_table(
    presets: tuple[str, ...] = (
        "baseline",
        "integrated_grocer",
        "community_brand",
        "tier34_market",
        "siloed_retailer",
    ),
) -> str:
    """Markdown: each preset's integration return (3 paired seeds, 20,000 consumers)."""
    from sim.scenario.config import load_scenario
    from sim.study.integration import integration_return

    lines = [
        "| preset | integration spend (M CNY/yr) | extra gross profit (M CNY) | return (95% CI) |",
        "|---|---|---|---|",
    ]
    for name in presets:
        config = load_scenario(ROOT / "configs" / f"{name}.yaml", {"population.size": 20_000})
        r = integration_return(config, [1, 2, 3])
        spend, gain = r.integration_spend.mean() / 1e6, r.gross_profit_gain.mean() / 1e6
        ret = (
            "none switched on"
            if spend == 0
            else f"{r.ratio:.1f} ({r.ci_low:.1f} to {r.ci_high:.1f})"
        )
        lines.append(f"| {name} | {spend:.1f} | {gain:.1f} | {ret} |")
    return "\n".join(lines)


def rollout_table(replications: int = 5, size: int = 20_000) -> str:
    """Markdown: the shipped phased rollout against a big bang, against staying siloed: the
    year's extra profit, payback day, incremental acquisition cost (paired replications,
    95% intervals; :func:`sim.study.experiment.money_measures`) and customer lifetime value."""
    from sim.study.experiment import load_experiment, run_experiment

    exp = load_experiment(
        ROOT / "experiments" / "phased_rollout.yaml",
        replications=replications,
        overrides={"population.size": size},
    )
    result = run_experiment(exp, workers=2, progress=False)
    scale = exp.configs[exp.control].population.market_size / size / 1e6
    runs = result.runs
    money = result.money.set_index(["arm", "measure"])
    base = runs[runs["arm"] == exp.control].sort_values("replication")
    lines = [
        "| arm | year's profit vs staying siloed (M CNY, 95% CI) | payback (95% CI) "
        "| incremental acquisition cost (CNY per customer, 95% CI) "
        "| customer lifetime value (CNY) |",
        "|---|---|---|---|---|",
        f"| {exp.control} | (reference) | | | {base['customer_lifetime_value'].mean():.0f} |",
    ]

    def day(x: float) -> str:
        return f"day {x:.0f}" if np.isfinite(x) else "not within the year"

    for arm in ("phased", "big_bang"):
        part = runs[runs["arm"] == arm].sort_values("replication")
        d = paired_difference(part["profit"].to_numpy(), base["profit"].to_numpy())
        pay = money.loc[(arm, "payback_day")]
        cac = money.loc[(arm, "incremental_acquisition_cost")]
        lines.append(
            f"| {arm} | {d.mean_diff * scale:+.1f} ({d.ci_low * scale:+.1f} to "
            f"{d.ci_high * scale:+.1f}) | {day(pay.estimate)} ({day(pay.ci_low)} to "
            f"{day(pay.ci_high)}) | {cac.estimate:.1f} ({cac.ci_low:.1f} to {cac.ci_high:.1f}) "
            f"| {part['customer_lifetime_value'].mean():.0f} |"
        )
    return "\n".join(lines)


def deadweight_table(replications: int = 5, size: int = 20_000) -> str:
    """Markdown: per arm of the shipped coupon-scope experiment, coupon cost and the share of
    it spent on purchases that needed no coupon (mean of replications, 95% t interval)."""
    from scipy import stats

    from sim.study.experiment import load_experiment, run_experiment

    exp = load_experiment(
        ROOT / "experiments" / "cross_channel_coupons.yaml",
        replications=replications,
        overrides={"population.size": size},
    )
    runs = run_experiment(exp, workers=2, progress=False).runs
    scale = exp.configs[exp.control].population.market_size / size / 1e6
    t = stats.t.ppf(0.975, replications - 1)
    lines = [
        "| coupons valid | coupon cost (M CNY) | share spent on purchases that needed no coupon "
        "(95% CI) | share spent by customers on a repeat need (seed 0) |",
        "|---|---|---|---|",
    ]
    for arm in exp.arms:
        part = runs[runs["arm"] == arm]
        share = part["coupon_deadweight_share"]
        half = t * share.std(ddof=1) / np.sqrt(len(share))
        lines.append(
            f"| {arm} | {part['coupon_cost'].mean() * scale:.1f} | {share.mean():.1%} "
            f"({share.mean() - half:.1%} to {share.mean() + half:.1%}) | "
            f"{_repeat_share(exp.configs[arm], size):.0%} |"
        )
    return "\n".join(lines)


def _repeat_share(config, size: int, seed: int = 0) -> float:
    """Share of redeemed coupon value spent by customers on a repeat need (one run)."""
    from sim.scenario.config import with_overrides
    from sim.study.run import simulate

    events = simulate(with_overrides(config, {"population.size": size}), seed).events.to_pandas()
    redeem = events[events["event"] == "coupon_redeem"]
    bought = events[(events["event"] == "purchase_attempt") & (events["outcome"] == "purchased")]
    first_day = bought.groupby("consumer")["day"].min()
    # A coupon is redeemed on the day's first order, so a redemption on a later day than the
    # customer's first purchase is on a repeat need (only first-time buyers are prospects).
    repeat = redeem["day"].to_numpy() > first_day.reindex(redeem["consumer"]).to_numpy()
    return float(redeem["value"][repeat].sum() / redeem["value"].sum())


if __name__ == "__main__":
    if "--rollout" in sys.argv:
        print(rollout_table())
        sys.exit(0)
    if "--deadweight" in sys.argv:
        print(deadweight_table())
        sys.exit(0)
    if "--integration" in sys.argv:
        print(integration_table())
        sys.exit(0)
    sweeps = ROOT / "runs" / "sweeps"
    for name, parameter, reference in (
        ("coupon_profit", "coupons.value", 20.0),
        ("store_profit", "stores.count", 200),
    ):
        if not (sweeps / name).exists():
            sys.exit(f"run the sweep first: omo sweep experiments/sweeps/{name}.yaml")
        print(f"### {name}\n")
        print(table(sweeps / name, parameter, reference))
        print()
    np.seterr(all="ignore")
