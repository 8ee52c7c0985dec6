"""The dashboard's charts: matplotlib figures built without pyplot (safe in server threads)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

ONLINE, STORE, PROFIT = "#1f77b4", "#ff7f0e", "#2ca02c"


def _millions(ax, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda x, _: f"{x / 1e6:,.1f}M" if abs(x) >= 1e5 else f"{x:,.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


#: The daily panels: title (currency added where money), then (column, label, colour) lines.
PANELS = (
    ("customers", (("customers", "customers", PROFIT), ("members", "members", "#9467bd"))),
    ("orders a day", (("orders_online", "online", ONLINE), ("orders_store", "store", STORE))),
    (
        "revenue a day ({})",
        (("revenue_online_market", "online", ONLINE), ("revenue_store_market", "store", STORE)),
    ),
    ("profit to date ({})", (("cumulative_profit", "profit", PROFIT),)),
    ("stockouts a day", (("stockouts", "stockouts", "#d62728"),)),
    ("store visits a day", (("store_visits", "visits", STORE),)),
)


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes (what the browser is sent)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


class DailyChart:
    """The daily panels of one run, built once and updated in place at every redraw.

    A redraw changes only the lines' data and the value axes: the figure, its axes, titles,
    legends and the day axis (the whole horizon, fixed) are made once per run, so a redraw
    costs the same on day 30 as on day 365 and less than building the figure anew.
    """

    def __init__(self, horizon: int, currency: str) -> None:
        self.fig = Figure(figsize=(11, 5.6), dpi=80)
        self.fig.subplots_adjust(
            left=0.06, right=0.99, top=0.94, bottom=0.08, wspace=0.25, hspace=0.35
        )
        self.axes = self.fig.subplots(2, 3)
        self.lines: list[tuple[str, Any, Any]] = []  # (column, line, its axes)
        for ax, (title, panel) in zip(self.axes.ravel(), PANELS, strict=True):
            for col, label, color in panel:
                (line,) = ax.plot([], [], color=color, label=label, lw=1.4)
                self.lines.append((col, line, ax))
            ax.set_title(title.format(currency), fontsize=10)
            ax.set_xlim(0, max(horizon - 1, 1))
            ax.tick_params(labelsize=8)
            ax.grid(alpha=0.3)
            if len(panel) > 1:
                ax.legend(fontsize=8, loc="upper left")
            if "{}" in title:
                _millions(ax)
        self.axes[1, 0].axhline(0, color="grey", lw=0.8)
        self.axes[0, 2].set_xlabel("day", fontsize=8)

    def update(self, series: pd.DataFrame) -> Figure:
        """Put the series so far on the lines and rescale the value axes to them."""
        day = series["day"].to_numpy() if "day" in series else np.empty(0)
        for col, line, _ in self.lines:
            if col in series:
                line.set_data(day, series[col].to_numpy())
            else:
                line.set_data(np.empty(0), np.empty(0))
        for ax in self.axes.ravel():
            ax.relim()
            ax.autoscale_view(scalex=False)
        return self.fig


def daily_figure(series: pd.DataFrame, horizon: int, currency: str) -> Figure:
    """Customers, orders and revenue by channel, cumulative profit and stockouts per day."""
    return DailyChart(horizon, currency).update(series)


class FunnelChart:
    """The funnel as horizontal bars (consumers at each stage and their share), built once
    per run; a redraw sets the bars' lengths and labels."""

    def __init__(self, stages: list[str], population: int) -> None:
        self.population = population
        self.fig = Figure(figsize=(5, 3.2), dpi=80)
        self.fig.subplots_adjust(left=0.3, right=0.97, top=0.9, bottom=0.1)
        self.ax = self.fig.subplots()
        self.stages = stages[::-1]
        self.bars = self.ax.barh(
            [s.replace("_", " ") for s in self.stages], [0] * len(stages), color="#4c72b0"
        )
        self.labels = [
            self.ax.text(0, bar.get_y() + bar.get_height() / 2, "", va="center", fontsize=8)
            for bar in self.bars
        ]
        self.ax.set_title(f"funnel (of {population:,} consumers)", fontsize=10)
        self.ax.tick_params(labelsize=8)

    def update(self, funnel: dict[str, int]) -> Figure:
        values = [funnel.get(s, 0) for s in self.stages]
        for bar, label, v in zip(self.bars, self.labels, values, strict=True):
            bar.set_width(v)
            label.set_x(v)
            label.set_text(f" {v:,} ({v / max(self.population, 1):.1%})")
        self.ax.set_xlim(0, max(max(values, default=0) * 1.35, 1))
        return self.fig


def funnel_figure(funnel: dict[str, int], population: int) -> Figure:
    """The funnel as horizontal bars: consumers at each stage, and their share."""
    return FunnelChart(list(funnel), population).update(funnel)


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
