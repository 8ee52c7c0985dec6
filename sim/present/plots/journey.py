"""Plots of one run: the funnel, the journey as flows between touchpoints, daily series, money.

Every function takes a run's tables (``events``, ``daily``, ``kpis`` as
:func:`sim.study.run.load_run` returns them, or a :class:`~sim.study.run.RunResult`'s) and an
optional ``ax``, and returns the figure, so the same call draws into a notebook cell or a PNG
file. Nothing here calls
``plt.show``; scripts should select the Agg backend before importing pyplot.

Journey flows are read from the event log alone: a consumer's journey is their rows in log
order (by day, and within a day in the order things happened), and a transition is one row
followed by the next row of the same consumer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.measure.funnel import EventFrame, funnel_kpis
from sim.present.plots._common import COLORS as _COLORS
from sim.present.plots._common import axes as _axes
from sim.present.plots.flows import (
    END,
    OTHER,
    START,
    journey_flows,
    journey_paths,
    journey_sankey,
    touchpoint_codes,
    touchpoint_labels,
    transition_matrix,
)

__all__ = [
    "FUNNEL_STAGES",
    "START",
    "END",
    "OTHER",
    "funnel",
    "funnel_counts",
    "journey_flows",
    "journey_paths",
    "journey_sankey",
    "kpi_timeseries",
    "revenue_by_channel",
    "touchpoint_codes",
    "touchpoint_labels",
    "transition_matrix",
]

#: Funnel stages as KPI names of :mod:`sim.measure.kpis`, in funnel order, with display names.
FUNNEL_STAGES: tuple[tuple[str, str], ...] = (
    ("aware", "aware"),
    ("considering", "considering"),
    ("customers", "first purchase"),
    ("repeat_customers", "repeat"),
    ("referrers", "referrer"),
)
#: Each stage's conversion is over this stage (the KPI definitions: referrer_rate is
#: referrers / customers, not / repeat customers).
_CONVERSION_BASE = {
    "considering": "aware",
    "customers": "considering",
    "repeat_customers": "customers",
    "referrers": "customers",
}
_STAGE_NAMES = dict(FUNNEL_STAGES)


# ---- funnel --------------------------------------------------------------------------------
def funnel_counts(data: pd.DataFrame | Mapping[str, float]) -> pd.Series:
    """Consumers at each funnel stage, indexed by KPI name in funnel order.

    Args:
        data: a run's KPI dict (``kpis.json`` or ``RunResult.kpis``; a Series works too) or
            its event log, from which the counts are computed with :mod:`sim.measure.funnel`.

    Raises:
        KeyError: a KPI dict lacks one of the stage KPIs.
    """
    if isinstance(data, pd.DataFrame):
        frame = EventFrame.from_events(data)
        data = funnel_kpis(frame, frame.size)
    missing = [k for k, _ in FUNNEL_STAGES if k not in data]
    if missing:
        raise KeyError(f"KPIs lack funnel stages {missing}")
    return pd.Series({k: float(data[k]) for k, _ in FUNNEL_STAGES}, name="consumers")


def funnel(
    data: pd.DataFrame | Mapping[str, float], *, title: str | None = None, ax: Axes | None = None
) -> Figure:
    """Aware -> considering -> first purchase -> repeat -> referrer, one bar per stage.

    Each bar is labelled with its count and its conversion from the stage before (referrers
    from customers, as the KPI ``referrer_rate`` is defined: a referrer need not be a repeat
    customer). Stage definitions are those of :func:`sim.measure.funnel.funnel_kpis`.

    Args:
        data: a run's KPI dict or its event log (see :func:`funnel_counts`).
        title: figure title (default: awareness as a share of the population, when known).
        ax: draw here instead of a new figure.
    """
    counts = funnel_counts(data)
    fig, ax = _axes(ax, (7, 3.8))
    x = np.arange(len(counts))
    bars = ax.bar(x, counts.to_numpy(), color=_COLORS[0], width=0.65)
    top = float(counts.max()) if len(counts) else 1.0
    for rect, (key, value) in zip(bars, counts.items(), strict=True):
        label = f"{value:,.0f}"
        base = _CONVERSION_BASE.get(key)
        if base is not None:
            share = value / counts[base] if counts[base] > 0 else float("nan")
            pct = f"{share:.0%}" if np.isfinite(share) else "n/a"
            label += f"\n{pct} of {_STAGE_NAMES[base]}"
        ax.annotate(
            label,
            (rect.get_x() + rect.get_width() / 2, rect.get_height()),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set_xticks(x, [_STAGE_NAMES[k] for k in counts.index])
    ax.set_ylim(0, max(top, 1.0) * 1.25)
    ax.set_ylabel("consumers")
    if title is None:
        title = "Journey funnel"
        if isinstance(data, Mapping) and data.get("consumers"):
            title += f" ({counts['aware'] / float(data['consumers']):.0%} of consumers aware)"
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    return fig


# ---- journey flows -------------------------------------------------------------------------
def kpi_timeseries(
    daily: pd.DataFrame,
    columns: Sequence[str],
    *,
    rolling: int = 1,
    ax: Axes | None = None,
) -> Figure:
    """Daily series of one run, one panel per column (or all on ``ax`` when it is given).

    Args:
        daily: the run's daily table (``daily.parquet``; one row per day).
        columns: daily columns, e.g. ``["aware_share", "customers", "store_visits"]``.
        rolling: smooth with a trailing mean over this many days (flows such as revenue
            or visits are noisy at small populations; stocks such as customers are not).
        ax: draw every column on this axis instead of one panel each.

    Raises:
        KeyError: a column is not in the daily table (the message lists those that are).
    """
    columns = list(columns)
    missing = [c for c in columns if c not in daily.columns]
    if missing:
        raise KeyError(f"daily table lacks {missing} (has {list(daily.columns)})")
    if not columns:
        raise ValueError("columns: name at least one daily column")
    day = daily["day"] if "day" in daily.columns else pd.Series(np.arange(len(daily)))
    smooth = daily[columns].rolling(rolling, min_periods=1).mean()
    suffix = f" ({rolling}-day mean)" if rolling > 1 else ""
    if ax is not None:
        fig = ax.figure
        for i, c in enumerate(columns):
            ax.plot(day, smooth[c], color=_COLORS[i % len(_COLORS)], lw=1.3, label=c)
        ax.legend(fontsize=8)
        ax.set_xlabel("day")
        ax.set_ylabel("value" + suffix)
        ax.grid(alpha=0.3)
        return fig
    fig, axes = plt.subplots(
        len(columns),
        1,
        figsize=(8, 1.9 * len(columns) + 0.6),
        sharex=True,
        layout="constrained",
        squeeze=False,
    )
    for i, (c, a) in enumerate(zip(columns, axes[:, 0], strict=True)):
        a.plot(day, smooth[c], color=_COLORS[i % len(_COLORS)], lw=1.3)
        a.set_ylabel(c.replace("_", " "), fontsize=8)
        a.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("day")
    axes[0, 0].set_title("Daily series" + suffix, fontsize=10)
    return fig


def revenue_by_channel(
    daily: pd.DataFrame, *, rolling: int = 7, cumulative: bool = False, ax: Axes | None = None
) -> Figure:
    """Revenue online and in store (stacked areas) with content spend and coupon cost (lines).

    All four are money per day of the run's daily table, in the same units, on one axis:
    the gap between the stack's top and the cost lines is what the channels earn over what
    acquisition costs.

    Args:
        daily: the run's daily table.
        rolling: trailing mean over this many days (ignored when ``cumulative``).
        cumulative: plot running totals instead of daily amounts.
        ax: draw here instead of a new figure.
    """
    needed = ["revenue_online", "revenue_store", "content_spend", "coupon_cost"]
    missing = [c for c in needed if c not in daily.columns]
    if missing:
        raise KeyError(f"daily table lacks {missing}")
    day = daily["day"] if "day" in daily.columns else pd.Series(np.arange(len(daily)))
    data = daily[needed].astype(float)
    data = data.cumsum() if cumulative else data.rolling(rolling, min_periods=1).mean()
    fig, ax = _axes(ax, (8, 3.8))
    ax.stackplot(
        day,
        data["revenue_online"],
        data["revenue_store"],
        labels=["revenue online", "revenue in store"],
        colors=[_COLORS[0], _COLORS[1]],
        alpha=0.6,
    )
    ax.plot(day, data["content_spend"], color=_COLORS[2], lw=1.5, label="content spend")
    ax.plot(day, data["coupon_cost"], color=_COLORS[3], lw=1.5, label="coupon cost")
    ax.set_xlabel("day")
    if cumulative:
        ax.set_ylabel("money, running total")
    else:
        ax.set_ylabel("money per day" + (f" ({rolling}-day mean)" if rolling > 1 else ""))
    online, store, content, coupons = daily[needed].astype(float).sum().to_numpy()
    ax.set_title(
        "Revenue by channel and what it cost\n"
        f"totals: online {online:,.0f} · in store {store:,.0f} · "
        f"content {content:,.0f} · coupons {coupons:,.0f}",
        fontsize=10,
    )
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    return fig
