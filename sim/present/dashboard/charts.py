"""The dashboard's charts: matplotlib figures built without pyplot (safe in server threads)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

ONLINE, STORE, PROFIT = "#1f77b4", "#ff7f0e", "#2ca02c"


def _millions(ax, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda x, _: f"{x / 1e6:,.1f}M" if abs(x) >= 1e5 else f"{x:,.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def daily_figure(series: pd.DataFrame, horizon: int, currency: str) -> Figure:
    """Customers, orders and revenue by channel, cumulative profit and stockouts per day."""
    fig = Figure(figsize=(11, 5.6), dpi=80)
    fig.subplots_adjust(left=0.06, right=0.99, top=0.94, bottom=0.08, wspace=0.25, hspace=0.35)
    axes = fig.subplots(2, 3)
    day = series["day"] if not series.empty else pd.Series(dtype=int)
    panels = [
        ("customers", [("customers", "customers", PROFIT), ("members", "members", "#9467bd")]),
        ("orders a day", [("orders_online", "online", ONLINE), ("orders_store", "store", STORE)]),
        (
            f"revenue a day ({currency})",
            [("revenue_online_market", "online", ONLINE), ("revenue_store_market", "store", STORE)],
        ),
        (f"profit to date ({currency})", [("cumulative_profit", "profit", PROFIT)]),
        ("stockouts a day", [("stockouts", "stockouts", "#d62728")]),
        ("store visits a day", [("store_visits", "visits", STORE)]),
    ]
    for ax, (title, lines) in zip(axes.ravel(), panels, strict=True):
        for col, label, color in lines:
            if col in series:
                ax.plot(day, series[col], color=color, label=label, lw=1.4)
        ax.set_title(title, fontsize=10)
        ax.set_xlim(0, max(horizon - 1, 1))
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        if len(lines) > 1:
            ax.legend(fontsize=8, loc="upper left")
        if "(" in title:
            _millions(ax)
    axes[1, 0].axhline(0, color="grey", lw=0.8)
    axes[0, 2].set_xlabel("day", fontsize=8)
    return fig


def funnel_figure(funnel: dict[str, int], population: int) -> Figure:
    """The funnel as horizontal bars: consumers at each stage, and their share."""
    fig = Figure(figsize=(5, 3.2), dpi=80, layout="constrained")
    ax = fig.subplots()
    stages = list(funnel)[::-1]
    values = [funnel[s] for s in stages]
    bars = ax.barh([s.replace("_", " ") for s in stages], values, color="#4c72b0")
    for bar, v in zip(bars, values, strict=True):
        ax.text(
            bar.get_width(),
            bar.get_y() + bar.get_height() / 2,
            f" {v:,} ({v / max(population, 1):.1%})",
            va="center",
            fontsize=8,
        )
    ax.set_xlim(0, max(max(values, default=0) * 1.35, 1))
    ax.set_title(f"funnel (of {population:,} consumers)", fontsize=10)
    ax.tick_params(labelsize=8)
    return fig


def paired_figure(runs: pd.DataFrame, kpi: str, scale: float, currency: str) -> Figure:
    """Each seed's B - A difference in a KPI (money in market money), and their mean."""
    fig = Figure(figsize=(5, 3.2), dpi=80, layout="constrained")
    ax = fig.subplots()
    wide = runs.pivot(index="seed", columns="arm", values=kpi).astype(float) * scale
    diff = (wide["B"] - wide["A"]).to_numpy()
    ax.scatter(np.arange(len(diff)), diff, color=PROFIT, label="one seed")
    ax.axhline(float(np.mean(diff)), color="black", lw=1, label="mean")
    ax.axhline(0, color="grey", lw=0.8, ls="--")
    ax.set_xticks(np.arange(len(diff)), [str(s) for s in wide.index], fontsize=8)
    ax.set_xlabel("seed (both strategies ran on it)", fontsize=8)
    ax.set_title(f"{kpi}: B - A per seed ({currency})", fontsize=10)
    _millions(ax)
    ax.legend(fontsize=8)
    return fig
