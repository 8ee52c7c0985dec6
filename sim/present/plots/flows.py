"""The journey as flows between touchpoints, read from the event log alone.

A consumer's journey is their rows in log order (by day, and within a day in the order
things happened); a transition is one row followed by the next row of the same consumer.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from sim.present.plots._common import axes as _axes

#: Pseudo-touchpoints of the flow matrix: before a consumer's first row, after their last.
START, END, OTHER = "(start)", "(end)", "(other)"


def _label(event: str, channel: str, outcome: str) -> str:
    if event == "content_view":
        return f"view:{channel}"
    if event == "purchase_attempt":
        verb = {"purchased": "buy", "stockout": "stockout", "abandoned": "abandon"}
        return f"{verb.get(outcome, 'attempt')}:{channel}"
    if event in ("coupon_redeem", "member_join") and channel:
        return f"{event}:{channel}"
    return event


def _text_codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes (-1 = missing) and names of a text column (categorical or not)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(np.int64), [str(c) for c in column.cat.categories]
    codes, names = pd.factorize(column, use_na_sentinel=True)
    return np.asarray(codes, np.int64), [str(n) for n in names]


def touchpoint_codes(events: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Per row, the code of its touchpoint label (see :func:`touchpoint_labels`), and the names.

    Labels are built once per distinct (event, channel, outcome), never per row, so this is
    a few vectorised passes over a log of millions of rows.
    """
    parts = [_text_codes(events[c]) for c in ("event", "channel", "outcome")]
    (ev, ev_names), (ch, ch_names), (oc, oc_names) = parts
    width_c, width_o = len(ch_names) + 1, len(oc_names) + 1
    key = (ev * width_c + (ch + 1)) * width_o + (oc + 1)
    uniq, inverse = np.unique(key, return_inverse=True)
    labels = []
    for k in uniq:
        e, rest = divmod(int(k), width_c * width_o)
        c, o = divmod(rest, width_o)
        labels.append(
            _label(
                ev_names[e] if e >= 0 else "",
                ch_names[c - 1] if c > 0 else "",
                oc_names[o - 1] if o > 0 else "",
            )
        )
    label_codes, names = pd.factorize(pd.Series(labels, dtype=object))
    return np.asarray(label_codes, np.int64)[inverse.ravel()], [str(n) for n in names]


def touchpoint_labels(events: pd.DataFrame) -> pd.Series:
    """One readable label per event row, finer than ``event`` where the channel matters.

    Content views carry their channel (``view:short_video``); purchase attempts their
    channel and outcome (``buy:store``, ``stockout:online``, ``abandon:store``); coupon
    redemptions and member joins their channel (``coupon_redeem:store``). Other events are
    their event name (``store_visit``, ``wom_received``, ...).
    """
    codes, names = touchpoint_codes(events)
    label = np.asarray(names, dtype=object)[codes] if len(codes) else np.array([], object)
    return pd.Series(label, index=events.index, name="touchpoint", dtype=object)


def _sequences(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Consumer ids and label codes grouped by consumer, each journey in log order; names.

    Rows about no consumer (the ``cost`` rows, consumer -1) are no one's journey.
    """
    events = events[events["consumer"].to_numpy() >= 0]
    consumer = events["consumer"].to_numpy()
    order = np.argsort(consumer, kind="stable")  # stable: keeps each journey's row order
    codes, names = touchpoint_codes(events)
    return consumer[order], codes[order], names


def transition_matrix(
    events: pd.DataFrame, top: int = 12, *, ends: bool = True, normalize: bool = True
) -> pd.DataFrame:
    """From -> to touchpoint transitions between consecutive rows of the same consumer.

    Args:
        events: the event log (needs consumer, event, channel, outcome), in log order.
        top: keep the ``top`` most frequent touchpoints; the rest are pooled as ``(other)``.
        ends: add a ``(start)`` row (each consumer's first touchpoint) and an ``(end)``
            column (after their last), so every row of a consumer leads somewhere.
        normalize: divide each row by its total: the share of ``from`` rows followed by
            each ``to`` (rows with no transitions stay 0). False gives counts.

    Returns:
        Rows are "from" touchpoints (``(start)`` first when ``ends``, then by frequency,
        ``(other)`` last), columns "to" touchpoints (the same, ``(end)`` last when
        ``ends``). With ``ends`` and ``normalize`` every non-empty row sums to 1.
    """
    if top < 1:
        raise ValueError(f"top: value {top}: must be at least 1")
    consumer, codes, names = _sequences(events)
    freq = np.bincount(codes, minlength=len(names))
    ranked = np.argsort(-freq, kind="stable")
    keep = ranked[:top]
    shown = [names[i] for i in keep] + ([OTHER] if len(names) > top else [])
    # Re-code: kept labels 0..len(keep)-1, (other) next, then (start) and (end).
    recode = np.full(len(names), len(keep), np.int64)
    recode[keep] = np.arange(len(keep))
    n_shown = len(shown)
    start_code, end_code = n_shown, n_shown + 1
    label = recode[codes]
    same = consumer[1:] == consumer[:-1]
    src, dst = label[:-1][same], label[1:][same]
    if ends and len(consumer):
        first = np.r_[True, ~same]
        last = np.r_[~same, True]
        src = np.concatenate([src, np.full(first.sum(), start_code), label[last]])
        dst = np.concatenate([dst, label[first], np.full(last.sum(), end_code)])
    size = n_shown + 2
    counts = np.bincount(src * size + dst, minlength=size * size).reshape(size, size)
    rows = ([start_code] if ends else []) + list(range(n_shown))
    cols = list(range(n_shown)) + ([end_code] if ends else [])
    every = [*shown, START, END]
    matrix = pd.DataFrame(
        counts[np.ix_(rows, cols)].astype(float),
        index=pd.Index([every[i] for i in rows], name="from"),
        columns=pd.Index([every[j] for j in cols], name="to"),
    )
    if normalize:
        totals = matrix.sum(axis=1)
        matrix = matrix.div(totals.where(totals > 0, 1.0), axis=0)
    return matrix


def journey_flows(
    events: pd.DataFrame,
    top: int = 12,
    *,
    sankey: bool = True,
    steps: int = 4,
    ax: Axes | None = None,
    sankey_ax: Axes | None = None,
) -> Figure:
    """The journey as flows between touchpoints: a from -> to share heatmap (and a flow chart).

    The heatmap's cell (row A, column B) is the share of A rows whose next row of the same
    consumer is B (see :func:`transition_matrix`; rows sum to 1 with the ``(end)`` column).
    With ``sankey``, a second panel draws the first ``steps`` touchpoints of every journey
    left to right (see :func:`journey_sankey`).

    Args:
        events: the event log.
        top: touchpoints shown; the rest are pooled as ``(other)``.
        sankey: also draw the left-to-right flow of the first ``steps`` touchpoints. When
            ``ax`` is given it is drawn only if ``sankey_ax`` is given too.
        steps: journey steps in the flow chart.
        ax: draw the heatmap here instead of a new figure.
        sankey_ax: where to draw the flow chart when ``ax`` is given.
    """
    matrix = transition_matrix(events, top)
    if ax is None:
        if sankey:
            fig, (ax, sankey_ax) = plt.subplots(
                1, 2, figsize=(15, 6.2), layout="constrained", width_ratios=[1, 1.15]
            )
        else:
            fig, ax = plt.subplots(figsize=(7.5, 6.2), layout="constrained")
    fig = ax.figure
    values = matrix.to_numpy()
    image = ax.imshow(values, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        if v >= 0.005:
            ax.text(
                j,
                i,
                f"{v:.0%}" if v >= 0.01 else "<1%",
                ha="center",
                va="center",
                fontsize=6.5,
                color="white" if v > 0.55 else "black",
            )
    ax.set_xticks(range(values.shape[1]), matrix.columns, rotation=55, ha="right", fontsize=8)
    ax.set_yticks(range(values.shape[0]), matrix.index, fontsize=8)
    ax.set_xlabel("next touchpoint")
    ax.set_ylabel("touchpoint")
    ax.set_title("What follows each touchpoint (share of its rows)", fontsize=10)
    fig.colorbar(image, ax=ax, shrink=0.7, label="share of row")
    if sankey and sankey_ax is not None:
        journey_sankey(events, steps=steps, ax=sankey_ax)
    return fig


def journey_paths(events: pd.DataFrame, steps: int = 4, top: int = 6) -> pd.DataFrame:
    """Each consumer's first ``steps`` touchpoints, one column per step.

    Touchpoints outside each step's ``top`` most frequent are pooled as ``(other)``; a
    journey shorter than ``steps`` continues as ``(end)``.
    """
    consumer, codes, names = _sequences(events)
    if len(consumer) == 0:
        return pd.DataFrame(columns=[f"step {k + 1}" for k in range(steps)])
    starts = np.flatnonzero(np.r_[True, consumer[1:] != consumer[:-1]])
    lengths = np.diff(np.r_[starts, len(consumer)])
    every = np.asarray([*names, OTHER, END], dtype=object)
    other_code, end_code = len(names), len(names) + 1
    out = {}
    for k in range(steps):
        col = np.full(len(starts), end_code, np.int64)
        has = lengths > k
        col[has] = codes[starts[has] + k]
        freq = np.bincount(col[has], minlength=len(names))
        keep = np.argsort(-freq, kind="stable")[:top]
        keep = keep[freq[keep] > 0]
        col[has & ~np.isin(col, keep)] = other_code
        out[f"step {k + 1}"] = every[col]
    return pd.DataFrame(out)


def journey_sankey(
    events: pd.DataFrame, steps: int = 4, top: int = 6, *, ax: Axes | None = None
) -> Figure:
    """The first ``steps`` touchpoints of every journey as a left-to-right flow chart.

    Each column is a step; each block a touchpoint, its height the share of consumers whose
    journey is at that touchpoint at that step; bands join a consumer's step ``k`` to step
    ``k + 1``, their width the share making that move. Journeys that ended are ``(end)``.
    Matplotlib only (no plotly).

    Args:
        events: the event log.
        steps: columns (journey steps) drawn.
        top: touchpoints kept per step; the rest are pooled as ``(other)``.
        ax: draw here instead of a new figure.
    """
    paths = journey_paths(events, steps, top)
    fig, ax = _axes(ax, (9, 5.5))
    n = max(len(paths), 1)
    gap, width = 0.02, 0.12
    all_labels = list(dict.fromkeys(paths.to_numpy().ravel()))
    palette = plt.get_cmap("tab20").colors
    named = sorted(lab for lab in all_labels if lab not in (END, OTHER))
    colors = {lab: palette[i % len(palette)] for i, lab in enumerate(named)}
    colors[END], colors[OTHER] = "lightgrey", "darkgrey"
    # Block positions: per step, labels stacked by size (largest on top), (end) at the bottom.
    blocks: list[dict[str, tuple[float, float]]] = []
    for col in paths.columns:
        sizes = paths[col].value_counts() / n
        order = sorted(sizes.index, key=lambda lab: (lab in (END, OTHER), lab == END, -sizes[lab]))
        y, pos = 1.0 + gap * (len(order) - 1), {}
        for lab in order:
            pos[lab] = (y - sizes[lab], y)
            y -= sizes[lab] + gap
        blocks.append(pos)
    for k, pos in enumerate(blocks):
        for lab, (y0, y1) in pos.items():
            ax.add_patch(Rectangle((k - width / 2, y0), width, y1 - y0, color=colors[lab], lw=0))
            if y1 - y0 >= 0.025:
                ax.text(k + width / 2 + 0.02, (y0 + y1) / 2, lab, va="center", fontsize=7)
    for k in range(len(blocks) - 1):
        moves = paths.groupby([paths.columns[k], paths.columns[k + 1]], sort=False).size() / n
        out_y = {lab: pos[1] for lab, pos in blocks[k].items()}
        in_y = {lab: pos[1] for lab, pos in blocks[k + 1].items()}
        # Bands leave each block in the order of the blocks they go to, so they do not cross
        # more than they must.
        rank = {lab: i for i, lab in enumerate(blocks[k + 1])}
        src_rank = {lab: i for i, lab in enumerate(blocks[k])}
        for (a, b), share in sorted(
            moves.items(), key=lambda kv: (src_rank[kv[0][0]], rank[kv[0][1]])
        ):
            if a == END and b == END:
                continue
            a1, b1 = out_y[a], in_y[b]
            out_y[a], in_y[b] = a1 - share, b1 - share
            x0, x1 = k + width / 2, k + 1 - width / 2
            xm = (x0 + x1) / 2
            verts = [
                (x0, a1), (xm, a1), (xm, b1), (x1, b1),
                (x1, b1 - share), (xm, b1 - share), (xm, a1 - share), (x0, a1 - share),
                (x0, a1),
            ]  # fmt: skip
            codes = [MplPath.MOVETO] + [MplPath.CURVE4] * 3 + [MplPath.LINETO]
            codes += [MplPath.CURVE4] * 3 + [MplPath.CLOSEPOLY]
            ax.add_patch(PathPatch(MplPath(verts, codes), color=colors[a], alpha=0.35, lw=0))
    ax.set_xlim(-0.3, len(blocks) - 0.35)
    ax.set_ylim(-0.02, 1.02 + gap * max((len(p) for p in blocks), default=1))
    ax.set_xticks(range(len(blocks)), list(paths.columns))
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(
        f"First {steps} touchpoints of each journey (block height = share of consumers)",
        fontsize=10,
    )
    return fig


# ---- time series and money -----------------------------------------------------------------
