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


def rollout_table(seeds: tuple[int, ...] = (1, 2, 3, 4, 5), size: int = 20_000) -> str:
    """Markdown: the shipped phased rollout against a big bang, in cumulative profit over the
    year and payback day (the first day from which the arm's cumulative profit stays above
    staying siloed's), paired seeds, market money."""
    from sim.measure.money import daily_pnl
    from sim.scenario.config import with_overrides
    from sim.study.experiment import load_experiment
    from sim.study.run import simulate

    exp = load_experiment(ROOT / "experiments" / "phased_rollout.yaml")
    cumulative: dict[str, list[np.ndarray]] = {}
    for arm, config in exp.configs.items():
        config = with_overrides(config, {"population.size": size})
        scale = config.population.market_size / size / 1e6
        for seed in seeds:
            run = simulate(config, seed)
            pnl = daily_pnl(run.events.to_pandas(), config.horizon_days)
            cumulative.setdefault(arm, []).append(pnl.profit.cumsum().to_numpy() * scale)
    base = np.array(cumulative["no_change"])
    lines = [
        "| arm | year's profit vs staying siloed (M CNY, 95% CI) | payback day (median of seeds) |",
        "|---|---|---|",
    ]
    for arm in ("phased", "big_bang"):
        diff = np.array(cumulative[arm]) - base
        d = paired_difference(np.array(cumulative[arm])[:, -1], base[:, -1])
        paid = []
        for row in diff:
            below = np.flatnonzero(row <= 0)
            paid.append(0 if len(below) == 0 else int(below[-1]) + 1)
        payback = int(np.median(paid))
        shown = "never (within the year)" if payback >= diff.shape[1] else f"day {payback}"
        lines.append(
            f"| {arm} | {d.mean_diff:+.1f} ({d.ci_low:+.1f} to {d.ci_high:+.1f}) | {shown} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    if "--rollout" in sys.argv:
        print(rollout_table())
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
