"""Plots of an experiment: paired differences, daily bands, money by channel, pairing gain.

The forest plot shows *relative* changes so that KPIs of different units (shares, money,
days) fit on one axis; the table next to it in the report keeps the absolute figures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.present.plots._common import COLORS as _COLORS
from sim.present.plots._common import axes as _axes


def forest_plot(summary: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Relative change vs control with its 95% interval, one row per (KPI, arm).

    Filled markers are significant after the Holm correction; hollow ones are not. Rows
    whose difference is undefined (NaN) are listed with "n/a".

    Args:
        summary: the frame from :func:`sim.study.stats.summarize`.
        ax: draw here instead of a new figure.
    """
    rows = summary[~summary["is_control"]].reset_index(drop=True)
    fig, ax = _axes(ax, (8, 0.35 * max(len(rows), 3) + 1.2))
    arms = list(dict.fromkeys(rows["arm"]))
    labels = []
    for i, row in rows.iterrows():
        y = len(rows) - 1 - i
        labels.append(f"{row['kpi']}  [{row['arm']}]")
        color = _COLORS[arms.index(row["arm"]) % len(_COLORS)]
        rel = row["rel_change"] * 100
        if not np.isfinite(rel):
            ax.text(0, y, "n/a", va="center", ha="center", fontsize=8, color="grey")
            continue
        low, high = row["rel_ci_low"] * 100, row["rel_ci_high"] * 100
        if np.isfinite(low) and np.isfinite(high):
            ax.hlines(y, low, high, color=color, lw=2)
        ax.plot(
            rel, y, "o", color=color, mfc=color if row["significant"] else "white", mew=1.5, ms=6
        )
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(rows) - 1, -1, -1), labels, fontsize=8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel("change vs control, % of control mean (95% interval; filled = significant)")
    ax.grid(axis="x", alpha=0.3)
    return fig


def timeseries_bands(
    daily: pd.DataFrame,
    series: str,
    *,
    arms: Sequence[str] | None = None,
    rolling: int = 1,
    ax: Axes | None = None,
) -> Figure:
    """A daily series per arm: mean across replications and its 5-95% band.

    Args:
        daily: tidy bands from :func:`sim.study.experiment.run_experiment` (arm, series, day,
            mean, p05, p95).
        series: which daily column, e.g. "revenue_online" or "customers".
        arms: arms to draw (default all, in order of appearance).
        rolling: smooth mean and band with a trailing window of this many days.
        ax: draw here instead of a new figure.
    """
    data = daily[daily["series"] == series]
    if data.empty:
        raise ValueError(f"no daily series {series!r} (have {sorted(set(daily['series']))})")
    arms = list(arms) if arms is not None else list(dict.fromkeys(data["arm"]))
    fig, ax = _axes(ax, (8, 3.8))
    for i, arm in enumerate(arms):
        part = data[data["arm"] == arm].sort_values("day")
        smooth = part[["mean", "p05", "p95"]].rolling(rolling, min_periods=1).mean()
        color = _COLORS[i % len(_COLORS)]
        ax.plot(part["day"], smooth["mean"], color=color, lw=1.5, label=arm)
        ax.fill_between(part["day"], smooth["p05"], smooth["p95"], color=color, alpha=0.2, lw=0)
    ax.set_xlabel("day")
    suffix = f" ({rolling}-day mean)" if rolling > 1 else ""
    ax.set_ylabel(series.replace("_", " ") + suffix)
    ax.set_title(f"{series}: mean and 5-95% band across replications", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def channel_bars(
    runs: pd.DataFrame, *, arms: Sequence[str] | None = None, ax: Axes | None = None
) -> Figure:
    """Revenue online / in store and coupon / content cost per arm (means, +-1 SD bars)."""
    columns = [c for c in ("revenue_online", "revenue_store", "coupon_cost", "content_spend")]
    columns = [c for c in columns if c in runs]
    arms = list(arms) if arms is not None else list(dict.fromkeys(runs["arm"]))
    fig, ax = _axes(ax, (8, 3.8))
    width = 0.8 / max(len(arms), 1)
    x = np.arange(len(columns))
    grouped = runs.groupby("arm")[columns]
    means, sds = grouped.mean(), grouped.std(ddof=1)
    for i, arm in enumerate(arms):
        ax.bar(
            x + (i - (len(arms) - 1) / 2) * width,
            means.loc[arm],
            width,
            yerr=sds.loc[arm].fillna(0),
            label=arm,
            color=_COLORS[i % len(_COLORS)],
            capsize=2,
        )
    ax.set_xticks(x, [c.replace("_", " ") for c in columns])
    ax.set_ylabel("money over the horizon")
    ax.set_title("Revenue and cost by channel (mean across replications, ±1 SD)", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


def pairing_gain(summary: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Paired vs unpaired (Welch) 95% half-width per (KPI, arm): what common seeds buy.

    A ratio below 1 means the paired interval is that much narrower; the same precision
    without pairing would need about ``1 / ratio**2`` times the replications.
    """
    rows = summary[~summary["is_control"] & summary["width_ratio"].notna()].reset_index(drop=True)
    fig, ax = _axes(ax, (8, 0.35 * max(len(rows), 3) + 1.2))
    y = np.arange(len(rows))[::-1]
    ax.barh(y, rows["width_ratio"], color=_COLORS[0])
    ax.axvline(1, color="black", lw=0.8)
    ax.set_yticks(y, [f"{k}  [{a}]" for k, a in zip(rows["kpi"], rows["arm"], strict=True)])
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel("paired half-width / unpaired (Welch) half-width")
    ax.set_title("How much pairing (common random numbers) narrows the interval", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return fig
