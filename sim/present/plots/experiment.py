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
from matplotlib.ticker import FuncFormatter

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
        color = _COLORS[(arms.index(row["arm"]) + 1) % len(_COLORS)]  # 0 is the control's
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
    # Linear within +-10%, logarithmic beyond: one +1000% change no longer squashes the rest.
    ax.set_xscale("symlog", linthresh=10)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:+,.0f}%" if v else "0"))
    ax.set_yticks(range(len(rows) - 1, -1, -1), labels, fontsize=8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(
        "change vs control, % of control mean (95% interval; filled = significant;\n"
        "linear within ±10%, logarithmic beyond)"
    )
    ax.grid(axis="x", alpha=0.3)
    return fig


def money_forest(
    summary: pd.DataFrame,
    *,
    scale: float = 1.0,
    currency: str = "",
    ax: Axes | None = None,
) -> Figure:
    """The P&L lines' paired change vs control in market money, profit first, one row per
    (line, arm), with 95% intervals (filled = significant after Holm).

    Args:
        summary: :func:`sim.study.stats.summarize` of money KPIs (sample money).
        scale: multiply money by this (``market_size / size`` gives market money).
        currency: the currency code, for the axis label.
        ax: draw here instead of a new figure.
    """
    rows = summary[~summary["is_control"]].reset_index(drop=True)
    fig, ax = _axes(ax, (8, 0.35 * max(len(rows), 3) + 1.2))
    arms = list(dict.fromkeys(rows["arm"]))
    labels = []
    for i, row in rows.iterrows():
        y = len(rows) - 1 - i
        labels.append(f"{row['kpi'].replace('_', ' ')}  [{row['arm']}]")
        color = _COLORS[(arms.index(row["arm"]) + 1) % len(_COLORS)]
        diff = row["diff"] * scale
        if not np.isfinite(diff):
            ax.text(0, y, "n/a", va="center", ha="center", fontsize=8, color="grey")
            continue
        low, high = row["ci_low"] * scale, row["ci_high"] * scale
        if np.isfinite(low) and np.isfinite(high):
            ax.hlines(y, low, high, color=color, lw=2)
        marker = "D" if row["kpi"] == "profit" else "o"
        face = color if row["significant"] else "white"
        ax.plot(diff, y, marker, color=color, mfc=face, mew=1.5, ms=7)
    ax.axvline(0, color="black", lw=0.8)
    _money_axis(ax, axis="x")
    ax.set_yticks(range(len(rows) - 1, -1, -1), labels, fontsize=8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(
        f"change vs control over the horizon, market money ({currency}); 95% interval, "
        "filled = significant"
    )
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
    runs: pd.DataFrame,
    *,
    arms: Sequence[str] | None = None,
    control: str | None = None,
    scale: float = 1.0,
    currency: str = "",
    ax: Axes | None = None,
) -> Figure:
    """Change vs control in revenue online / in store and coupon / content cost, per arm.

    Bars are the mean paired difference (arm minus control on the same seed); whiskers its
    95% paired t interval, the same interval as the report's table.

    Args:
        runs: one row per arm x replication (``replication`` pairs the arms).
        arms: arms to draw (default all but the control).
        control: the control arm (default the first arm in ``runs``).
        scale: multiply money by this (``market_size / size`` gives market money).
        currency: the currency code, for the axis label.
        ax: draw here instead of a new figure.
    """
    from sim.study.stats import paired_difference

    columns = [c for c in ("revenue_online", "revenue_store", "coupon_cost", "content_spend")]
    columns = [c for c in columns if c in runs]
    order = list(dict.fromkeys(runs["arm"]))
    control = control or order[0]
    arms = [a for a in (arms if arms is not None else order) if a != control]
    fig, ax = _axes(ax, (8, 3.8))
    width = 0.8 / max(len(arms), 1)
    x = np.arange(len(columns))
    base = runs[runs["arm"] == control].sort_values("replication")
    for i, arm in enumerate(arms):
        part = runs[runs["arm"] == arm].sort_values("replication")
        diffs = [paired_difference(part[c].to_numpy(), base[c].to_numpy()) for c in columns]
        mean = np.array([d.mean_diff for d in diffs]) * scale
        low = np.array([d.ci_low for d in diffs]) * scale
        high = np.array([d.ci_high for d in diffs]) * scale
        err = np.nan_to_num(np.vstack([mean - low, high - mean]))
        ax.bar(
            x + (i - (len(arms) - 1) / 2) * width,
            mean,
            width,
            yerr=err,
            label=arm,
            color=_COLORS[(order.index(arm)) % len(_COLORS)],
            capsize=2,
        )
    ax.axhline(0, color="black", lw=0.8)
    _money_axis(ax)
    ax.set_xticks(x, [c.replace("_", " ") for c in columns])
    ax.set_ylabel(f"change vs {control}, {currency or 'money'}".strip())
    ax.set_title(
        f"Revenue and cost by channel: change vs {control} (paired 95% interval)", fontsize=10
    )
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


def _money_axis(ax: Axes, axis: str = "y") -> None:
    """Tick labels in thousands / millions instead of matplotlib's 1e8 offset."""
    from sim.present.numbers import number

    def label(v: float, _pos: int) -> str:
        for scale, word in ((1e9, " bn"), (1e6, " m"), (1e3, " k")):
            if abs(v) >= scale:
                return f"{number(v / scale)}{word}"
        return number(v)

    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(FuncFormatter(label))


def paired_over_time(
    paired: pd.DataFrame,
    series: str = "revenue",
    *,
    scale: float = 1.0,
    currency: str = "",
    control: str = "control",
    ax: Axes | None = None,
) -> Figure:
    """Running total of ``series``, arm minus control, by day, with its paired 95% interval.

    Args:
        paired: rows of :func:`sim.study.experiment.paired_daily` (arm, series, day, diff,
            ci_low, ci_high).
        series: "revenue", "content_spend" or "coupon_cost".
        scale: multiply money by this (``market_size / size`` gives market money).
        currency: the currency code, for the axis label.
        control: the control's name, for the labels.
        ax: draw here instead of a new figure.
    """
    data = paired[paired["series"] == series]
    fig, ax = _axes(ax, (8, 3.8))
    for i, arm in enumerate(dict.fromkeys(data["arm"])):
        part = data[data["arm"] == arm].sort_values("day")
        color = _COLORS[(i + 1) % len(_COLORS)]
        ax.plot(part["day"], part["diff"] * scale, color=color, lw=1.5, label=arm)
        ax.fill_between(
            part["day"], part["ci_low"] * scale, part["ci_high"] * scale, color=color, alpha=0.2
        )
    ax.axhline(0, color="black", lw=0.8)
    _money_axis(ax)
    ax.set_xlabel("day")
    ax.set_ylabel(f"{series.replace('_', ' ')} to date, vs {control} ({currency})")
    ax.set_title(
        f"{series.replace('_', ' ').capitalize()} to date, arm minus {control} on the same seeds "
        "(95% interval)",
        fontsize=10,
    )
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
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
