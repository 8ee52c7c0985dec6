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


if __name__ == "__main__":
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
