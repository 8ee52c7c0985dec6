"""Figures in the README that come from runs: ``python docs/figures.py`` redraws them."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim.measure.money import daily_pnl  # noqa: E402
from sim.scenario.config import load_scenario  # noqa: E402
from sim.study.run import simulate  # noqa: E402

ROOT = Path(__file__).parents[1]
#: The baseline's policy as a brand launch: no past, no win-back, no turnover, no churn.
LAUNCH = {
    "market.burn_in_days": 0,
    "market.winback_rate": 0.0,
    "market.winback_per_touch": 0.0,
    "market.turnover_rate": 0.0,
    "market.churn_rate": 0.0,
}


def three_year_market(out: Path) -> None:
    """Daily revenue, profit and customers over three years: a launch vs an established market."""
    fig, axes = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for label, extra in (("launch (no past)", LAUNCH), ("the baseline (a market with a past)", {})):
        config = load_scenario(
            ROOT / "configs" / "baseline.yaml",
            {"population.size": 20_000, "horizon_days": 3 * 365, **extra},
        )
        run = simulate(config, seed=1)
        scale = run.manifest["market_scale"] / 1e6
        pnl = daily_pnl(run.events.to_pandas(), config.horizon_days)
        years = [pnl.net_revenue[i * 365 : (i + 1) * 365].sum() * scale for i in range(3)]
        print(
            f"{label}: net revenue by year (million): "
            + ", ".join(f"{y:,.0f}" for y in years)
            + f"; year 3 / year 1 - 1 = {years[2] / years[0] - 1:+.0%}"
        )
        week = pnl.rolling(7, min_periods=1).mean()
        axes[0].plot(week.day, week.net_revenue * scale, label=f"{label}: net revenue")
        axes[0].plot(week.day, week.profit * scale, ls="--", label=f"{label}: profit")
        active = run.daily.customers - run.daily.lapsed
        axes[1].plot(run.daily.day, active * run.manifest["market_scale"] / 1e6, label=label)
    currency = config.population.currency if hasattr(config.population, "currency") else "CNY"
    axes[0].set_ylabel(f"million {currency} a day (7-day mean)")
    axes[0].set_ylim(bottom=-1)  # the launch pays its levers' setup on day 0: off the scale
    axes[0].annotate("launch: setup costs on day 0, off the scale", (0, -1), (60, -0.7), fontsize=8)
    axes[1].set_ylabel("active customers (million)")
    axes[1].set_xlabel("day")
    for ax in axes:
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle("Baseline policy held for three years, market money")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    three_year_market(ROOT / "docs" / "three_year_market.png")
    print("docs/three_year_market.png")
