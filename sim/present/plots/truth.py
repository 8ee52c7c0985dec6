"""Plots of ground truth: channel splits with intervals, families, and effects over weeks."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.present.plots._common import COLORS, axes

#: How each channel measure is labelled in the legend.
CHANNEL_MEASURES = {
    "shapley": "Shapley share of all content",
    "leave_one_out": "leave-one-out (base minus base without it)",
    "single": "alone (only this channel minus no content)",
}


def _total(effects: pd.DataFrame, metric: str) -> pd.DataFrame:
    return effects[(effects.scope == "total") & (effects.metric == metric)]


def channel_effects(
    effects: pd.DataFrame, metric: str = "revenue", *, currency: str = "", ax: Axes | None = None
) -> Figure:
    """Per channel: Shapley, leave-one-out and single-channel effect, 95% interval bars."""
    fig, ax = axes(ax, (8, 4))
    tot = _total(effects, metric)
    players = list(dict.fromkeys(tot[tot.measure == "shapley"].player))
    width = 0.8 / len(CHANNEL_MEASURES)
    x = np.arange(len(players))
    for i, (measure, label) in enumerate(CHANNEL_MEASURES.items()):
        rows = tot[tot.measure == measure].set_index("player").reindex(players)
        err = np.vstack([rows["mean"] - rows.ci_low, rows.ci_high - rows["mean"]])
        ax.bar(
            x + (i - 1) * width,
            rows["mean"],
            width,
            yerr=err,
            capsize=3,
            label=label,
            color=COLORS[i],
        )
    ax.set_xticks(x, [p.replace("_", " ") for p in players])
    ax.axhline(0, color="#888", lw=0.8)
    ax.set_ylabel(f"incremental {metric} ({currency})".strip())
    ax.legend(fontsize=8)
    return fig


def family_effects(
    effects: pd.DataFrame, metric: str = "revenue", *, currency: str = "", ax: Axes | None = None
) -> Figure:
    """Each touchpoint family's and all content's effect, horizontal bars with intervals."""
    fig, ax = axes(ax, (8, 4))
    tot = _total(effects, metric)
    rows = tot[tot.measure.isin(["family", "all_content"])].iloc[::-1]
    labels = [p.replace("_", " ") for p in rows.player]
    err = np.vstack([rows["mean"] - rows.ci_low, rows.ci_high - rows["mean"]])
    ax.barh(labels, rows["mean"], xerr=err, capsize=3, color=COLORS[0])
    ax.axvline(0, color="#888", lw=0.8)
    ax.set_xlabel(f"incremental {metric} over the horizon ({currency})".strip())
    return fig


def weekly_shapley(
    effects: pd.DataFrame,
    metric: str = "revenue",
    *,
    currency: str = "",
    ax: Axes | None = None,
    grain: str = "week",
) -> Figure:
    """Each channel's Shapley effect week by week, or day by day with ``grain="day"``
    (mean and 95% band; the day cells exist in a truth measured with the daily grain)."""
    fig, ax = axes(ax, (9, 4))
    rows = effects[(effects.scope == grain) & (effects.metric == metric)]
    for i, (player, block) in enumerate(
        rows[rows.measure == "shapley"].groupby("player", sort=False)
    ):
        week = block.cell.astype(int).to_numpy()
        order = np.argsort(week)
        ax.plot(
            week[order],
            block["mean"].to_numpy()[order],
            color=COLORS[i % len(COLORS)],
            label=player.replace("_", " "),
        )
        ax.fill_between(
            week[order],
            block.ci_low.to_numpy()[order],
            block.ci_high.to_numpy()[order],
            color=COLORS[i % len(COLORS)],
            alpha=0.2,
        )
    ax.axhline(0, color="#888", lw=0.8)
    ax.set_xlabel(grain)
    ax.set_ylabel(f"incremental {metric} per {grain} ({currency})".strip())
    ax.legend(fontsize=8)
    return fig


def split_shapley(
    effects: pd.DataFrame,
    scope: str,
    metric: str = "revenue",
    *,
    currency: str = "",
    ax: Axes | None = None,
) -> Figure:
    """Each channel's Shapley effect by segment or city tier (grouped bars)."""
    fig, ax = axes(ax, (8, 4))
    rows = effects[
        (effects.scope == scope) & (effects.metric == metric) & (effects.measure == "shapley")
    ]
    cells = sorted(rows.cell.unique())
    players = list(dict.fromkeys(rows.player))
    width = 0.8 / max(1, len(players))
    x = np.arange(len(cells))
    for i, p in enumerate(players):
        r = rows[rows.player == p].set_index("cell").reindex(cells)
        err = np.vstack([r["mean"] - r.ci_low, r.ci_high - r["mean"]])
        ax.bar(
            x + (i - (len(players) - 1) / 2) * width,
            r["mean"],
            width,
            yerr=err,
            capsize=2,
            label=p.replace("_", " "),
            color=COLORS[i % len(COLORS)],
        )
    ax.set_xticks(x, [c.replace("_", " ") for c in cells])
    ax.axhline(0, color="#888", lw=0.8)
    ax.set_ylabel(f"incremental {metric} ({currency})".strip())
    ax.legend(fontsize=8)
    return fig
