"""Plots of attribution against ground truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.present.plots._common import COLORS, axes


def credited_vs_truth(rows: pd.DataFrame, *, currency: str = "", ax: Axes | None = None) -> Figure:
    """Per channel: each method's credited revenue beside the true incremental revenue."""
    fig, ax = axes(ax, (10, 4.5))
    rows = rows[rows.scope == "total"]
    channels = list(dict.fromkeys(rows.channel))
    methods = list(dict.fromkeys(rows.method))
    width = 0.85 / (len(methods) + 1)
    x = np.arange(len(channels))
    truth = rows.drop_duplicates("channel").set_index("channel").reindex(channels)
    err = np.vstack([truth.true - truth.true_low, truth.true_high - truth.true])
    ax.bar(x - 0.425 + width / 2, truth.true, width, yerr=err, capsize=2, color="black",
           label="truth (paired arms)")  # fmt: skip
    for i, m in enumerate(methods, start=1):
        r = rows[rows.method == m].set_index("channel").reindex(channels)
        ax.bar(x - 0.425 + (i + 0.5) * width, r.revenue, width, label=m.replace("_", " "),
               color=COLORS[(i - 1) % len(COLORS)])  # fmt: skip
    ax.set_xticks(x, [c.replace("_", " ") for c in channels])
    ax.set_ylabel(f"revenue ({currency})".strip())
    ax.legend(fontsize=7, ncol=2)
    return fig


def share_errors(rows: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Per method and content channel: credited minus true share of content (points)."""
    fig, ax = axes(ax, (8, 4))
    rows = rows[(rows.scope == "total") & rows.share_error_pts.notna()]
    table = rows.pivot(index="method", columns="channel", values="share_error_pts")
    im = ax.imshow(table.to_numpy(), cmap="RdBu_r", vmin=-15, vmax=15, aspect="auto")
    ax.set_xticks(range(table.shape[1]), [c.replace("_", " ") for c in table.columns])
    ax.set_yticks(range(table.shape[0]), [m.replace("_", " ") for m in table.index])
    for (i, j), v in np.ndenumerate(table.to_numpy()):
        ax.text(j, i, f"{v:+.1f}", ha="center", va="center", fontsize=8)
    fig.colorbar(im, ax=ax, label="share error (points)")
    return fig
