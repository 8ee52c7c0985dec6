"""Content response curves: revenue and profit against the content budget, total and per channel.

``python docs/response_curves.py`` (54 runs of 20,000 consumers over a year; use
``nice``). Writes ``docs/response_curves.csv`` (one row per run), ``docs/response_curves.png``
and prints the README tables. ``--table`` reprints the tables from the CSV without rerunning;
``--resume`` keeps the runs already in the CSV and runs the rest.

The budget is a multiple of the baseline's: every channel scaled together (the total curve),
or one channel scaled while the others stay at the baseline's (the channel curves). Runs of
one seed share every keyed draw, so differences between levels are paired; the intervals are
paired-t 95% intervals over the seeds. Money is market money (the sample's x 500).

Nothing here is fitted to a curve: its shape comes from the engine's mechanisms (reach that
saturates per consumer, adstock with a saturation ceiling per channel, a price per view that
rises as a channel buys deeper into its audience, and calls to action wearing out).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.scenario.config import load_scenario, with_overrides
from sim.study.run import simulate
from sim.study.stats import paired_difference

ROOT = Path(__file__).parents[1]
CSV = ROOT / "docs" / "response_curves.csv"
SIZE, SEEDS = 20_000, (1, 2, 3)
TOTAL_LEVELS = (0.0, 0.5, 1.0, 2.0, 4.0, 10.0)
CHANNEL_LEVELS = (0.0, 4.0, 10.0)  # x1 is the all-channels x1 run
M = 1e6


def _runs() -> pd.DataFrame:
    base = load_scenario(ROOT / "configs" / "baseline.yaml", {"population.size": SIZE})
    scale = base.population.market_size / SIZE
    channels = list(base.content.channels)
    budget = {c: base.content.channels[c].daily_budget for c in channels}
    plans = [("all", k, {c: k for c in channels}) for k in TOTAL_LEVELS]
    plans += [
        (c, k, {**{o: 1.0 for o in channels}, c: k}) for c in channels for k in CHANNEL_LEVELS
    ]
    done = pd.read_csv(CSV) if CSV.exists() and "--resume" in sys.argv else pd.DataFrame()
    rows = done.to_dict("records")
    finished = {(r["curve"], r["level"], r["seed"]) for r in rows}
    for curve, level, times in plans:
        sets = {f"content.channels.{c}.daily_budget": budget[c] * t for c, t in times.items()}
        config = with_overrides(base, sets)
        for seed in SEEDS:
            if (curve, level, seed) in finished:
                continue
            run = simulate(config, seed)
            k = run.kpis
            spend = k["marketing_cost"] if "marketing_cost" in k else k["content_spend"]
            rows.append(
                {
                    "curve": curve,
                    "level": level,
                    "seed": seed,
                    "content_spend": spend * scale,
                    "revenue": k["revenue"] * scale,
                    "profit": k["profit"] * scale,
                    "reach": k["awareness_rate"],
                    "touchpoints_before_first_purchase": k["touchpoints_before_first_purchase"],
                    "omnichannel_customer_share": k["omnichannel_customer_share"],
                }
            )
            print(curve, level, seed, f"{rows[-1]['revenue'] / M:.1f}", file=sys.stderr)
            pd.DataFrame(rows).to_csv(CSV, index=False)  # after every run: a stop loses one
    return pd.DataFrame(rows)


def _ci(values: np.ndarray) -> str:
    d = paired_difference(values, np.zeros_like(values))
    return f"{d.mean_diff:.1f} ({d.ci_low:.1f} to {d.ci_high:.1f})"


def curve_table(runs: pd.DataFrame, curve: str) -> str:
    """Markdown: per budget level, spend, revenue and profit (95% CI over seeds), and the
    marginal return of the step from the level below (extra revenue per extra unit of content
    spend, and extra profit per unit: below 0 the step lost money)."""
    part = runs[runs.curve == curve]
    if curve != "all":  # the channel at the baseline's level is the all-channels x1 run
        part = pd.concat([part, runs[(runs.curve == "all") & (runs.level == 1.0)]])
    levels = sorted(part.level.unique())
    by = {lv: part[part.level == lv].sort_values("seed") for lv in levels}
    lines = [
        "| budget | content spend (M CNY) | revenue (M CNY, 95% CI) | profit (M CNY, 95% CI) "
        "| marginal revenue per CNY | marginal profit per CNY (95% CI) |",
        "|---|---|---|---|---|---|",
    ]
    for i, lv in enumerate(levels):
        cur = by[lv]
        spend = cur.content_spend.mean() / M
        rev, prof = _ci(cur.revenue.to_numpy() / M), _ci(cur.profit.to_numpy() / M)
        if i == 0:
            marginal_rev = marginal_profit = "-"
        else:
            prev = by[levels[i - 1]]
            dspend = cur.content_spend.to_numpy() - prev.content_spend.to_numpy()
            dr = (cur.revenue.to_numpy() - prev.revenue.to_numpy()) / dspend
            dp = (cur.profit.to_numpy() - prev.profit.to_numpy()) / dspend
            marginal_rev = f"{dr.mean():.2f}"
            d = paired_difference(dp, np.zeros_like(dp))
            marginal_profit = f"{d.mean_diff:+.2f} ({d.ci_low:+.2f} to {d.ci_high:+.2f})"
        lines.append(
            f"| x{lv:g} | {spend:.1f} | {rev} | {prof} | {marginal_rev} | {marginal_profit} |"
        )
    return "\n".join(lines)


def plot(runs: pd.DataFrame, path: Path) -> None:
    """Revenue and profit against content spend: all channels together, and one at a time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, kpi in zip(axes, ("revenue", "profit"), strict=True):
        for curve in ["all", *[c for c in runs.curve.unique() if c != "all"]]:
            part = runs[runs.curve == curve]
            if curve != "all":
                part = pd.concat([part, runs[(runs.curve == "all") & (runs.level == 1.0)]])
            g = part.groupby("level")[["content_spend", kpi]]
            mean, sd = g.mean(), g.std()
            style = {"lw": 2.5, "color": "black"} if curve == "all" else {"lw": 1.3}
            label = "all channels" if curve == "all" else curve
            ax.errorbar(
                mean.content_spend / M, mean[kpi] / M, yerr=sd[kpi] / M, marker="o",
                ms=3, capsize=2, label=label, **style,
            )  # fmt: skip
        ax.set_xlabel("content spend over the year (M CNY)")
        ax.set_ylabel(f"{kpi} (M CNY)")
        ax.set_title(f"{kpi} against content budget (x0 to x10 of the baseline)")
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    runs = pd.read_csv(CSV) if "--table" in sys.argv else _runs()
    plot(runs, ROOT / "docs" / "response_curves.png")
    for curve in ["all", *[c for c in runs.curve.unique() if c != "all"]]:
        if curve != "all" and not ((runs.curve == "all") & (runs.level == 1.0)).any():
            continue
        print(f"\n**{'All channels together' if curve == 'all' else curve}**\n")
        print(curve_table(runs, curve))


if __name__ == "__main__":
    main()
