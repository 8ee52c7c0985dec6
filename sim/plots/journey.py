"""Plots of one run: the funnel, the journey as flows between touchpoints, daily series, money.

Every function takes a run's tables (``events``, ``daily``, ``kpis`` as :func:`sim.run.load_run`
returns them, or a :class:`~sim.run.RunResult`'s) and an optional ``ax``, and returns the
figure, so the same call draws into a notebook cell or a PNG file. Nothing here calls
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
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from sim.funnel import EventFrame, funnel_kpis

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

#: Funnel stages as KPI names of :mod:`sim.kpis`, in funnel order, with display names.
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

#: Pseudo-touchpoints of the flow matrix: before a consumer's first row, after their last.
START, END, OTHER = "(start)", "(end)", "(other)"

_COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]


def _axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    return fig, ax


# ---- funnel --------------------------------------------------------------------------------
def funnel_counts(data: pd.DataFrame | Mapping[str, float]) -> pd.Series:
    """Consumers at each funnel stage, indexed by KPI name in funnel order.

    Args:
        data: a run's KPI dict (``kpis.json`` or ``RunResult.kpis``; a Series works too) or
            its event log, from which the counts are computed with :mod:`sim.funnel`.

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
    customer). Stage definitions are those of :func:`sim.funnel.funnel_kpis`.

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
    """Consumer ids and label codes grouped by consumer, each journey in log order; names."""
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
