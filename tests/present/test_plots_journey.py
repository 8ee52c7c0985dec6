"""sim.present.plots.journey: each plot returns a figure with the expected bars, cells and lines.

Most tests use a hand-built event log whose transitions can be counted by eye; one small
simulated run checks the functions on a real log and daily table.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import PathPatch, Rectangle

from sim.present.plots.journey import (
    END,
    FUNNEL_STAGES,
    OTHER,
    START,
    funnel,
    funnel_counts,
    journey_flows,
    journey_paths,
    journey_sankey,
    kpi_timeseries,
    revenue_by_channel,
    touchpoint_labels,
    transition_matrix,
)
from sim.scenario.config import load_scenario, with_overrides
from sim.study.run import simulate

BASELINE = Path(__file__).resolve().parents[2] / "configs" / "baseline.yaml"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _log(rows: list[tuple]) -> pd.DataFrame:
    """(day, consumer, event, channel, outcome, value, source) rows -> an event log."""
    frame = pd.DataFrame(
        rows, columns=["day", "consumer", "event", "channel", "outcome", "value", "source"]
    )
    frame["coupon"] = -1
    for col in ("event", "channel", "outcome"):
        frame[col] = frame[col].astype("category")
    return frame


N = None
#: Consumer 0 views, visits, buys in store, shares; consumer 1 hears from 0 and buys online
#: twice; consumer 2 only views; consumer 3 views, visits, meets a stockout.
HAND = _log(
    [
        (0, 0, "content_view", "short_video", N, 0.0, -1),
        (0, 2, "content_view", "kol", N, 0.0, -1),
        (0, 3, "content_view", "short_video", N, 0.0, -1),
        (1, 0, "store_visit", N, N, 0.0, -1),
        (1, 0, "purchase_attempt", "store", "purchased", 100.0, -1),
        (1, 0, "share", N, N, 0.0, -1),
        (2, 1, "wom_received", N, N, 0.0, 0),
        (2, 3, "store_visit", N, N, 0.0, -1),
        (2, 3, "purchase_attempt", "store", "stockout", 0.0, -1),
        (3, 1, "app_session", N, N, 0.0, -1),
        (3, 1, "purchase_attempt", "online", "purchased", 80.0, -1),
        (9, 1, "app_session", N, N, 0.0, -1),
        (9, 1, "purchase_attempt", "online", "purchased", 90.0, -1),
    ]
)


def test_touchpoint_labels_refine_views_and_attempts():
    labels = touchpoint_labels(HAND)
    assert list(labels[:5]) == [
        "view:short_video",
        "view:kol",
        "view:short_video",
        "store_visit",
        "buy:store",
    ]
    assert labels[8] == "stockout:store"
    assert labels[10] == "buy:online"


def test_transition_matrix_counts_consecutive_rows_of_the_same_consumer():
    counts = transition_matrix(HAND, top=20, normalize=False)
    assert counts.index[0] == START and counts.columns[-1] == END
    assert OTHER not in counts.index  # fewer touchpoints than top: nothing pooled
    # Every row of every consumer is followed by exactly one thing (next row or the end),
    # and every consumer starts once.
    assert counts.drop(index=START).to_numpy().sum() == len(HAND)
    assert counts.loc[START].sum() == HAND["consumer"].nunique()
    assert counts.loc[START, "view:short_video"] == 2
    assert counts.loc["store_visit", "buy:store"] == 1
    assert counts.loc["store_visit", "stockout:store"] == 1
    assert counts.loc["app_session", "buy:online"] == 2
    assert counts.loc["buy:online", "app_session"] == 1  # day 3 buy, then day 9 session
    assert counts.loc["buy:online", END] == 1
    assert counts.loc["share", END] == 1
    # Consumer 0's share is not followed by consumer 1's word of mouth (other consumer).
    assert counts.loc["share"].drop(END).sum() == 0


def test_transition_matrix_rows_sum_to_one_and_pools_the_rest():
    shares = transition_matrix(HAND, top=3)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert OTHER in shares.index and OTHER in shares.columns
    assert len(shares.index) == 3 + 2  # (start), three touchpoints, (other)
    assert len(shares.columns) == 3 + 2  # three touchpoints, (other), (end)
    no_ends = transition_matrix(HAND, top=3, ends=False, normalize=False)
    assert START not in no_ends.index and END not in no_ends.columns
    assert no_ends.to_numpy().sum() == len(HAND) - HAND["consumer"].nunique()


def test_funnel_from_events_and_from_kpis_agree_and_decrease():
    counts = funnel_counts(HAND)
    assert list(counts.index) == [k for k, _ in FUNNEL_STAGES]
    # aware 4; considering: 0, 1, 3 (visit/attempt); customers 0, 1; repeat 1; referrer 0.
    assert list(counts) == [4, 3, 2, 1, 1]
    assert (np.diff(counts.to_numpy()) <= 0).all()
    kpis = {**counts.to_dict(), "consumers": 10}
    for data in (HAND, kpis):
        fig = funnel(data)
        assert isinstance(fig, Figure)
        bars = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
        assert len(bars) == len(FUNNEL_STAGES)
        heights = [b.get_height() for b in bars]
        assert heights == list(counts)
    texts = [t.get_text() for t in funnel(kpis).axes[0].texts]
    assert "3\n75% of aware" in texts
    assert "1\n50% of first purchase" in texts  # referrers over customers
    assert "40%" in funnel(kpis).axes[0].get_title()  # 4 of 10 consumers aware


def test_funnel_refuses_kpis_without_stages():
    with pytest.raises(KeyError, match="referrers"):
        funnel({"aware": 1, "considering": 1, "customers": 1, "repeat_customers": 1})


def test_journey_flows_heatmap_has_one_cell_per_pair_and_draws_on_given_ax():
    fig, ax = plt.subplots()
    out = journey_flows(HAND, top=4, ax=ax)
    assert out is fig
    images = [c for c in ax.get_children() if isinstance(c, AxesImage)]
    assert len(images) == 1
    expected = transition_matrix(HAND, top=4)
    assert images[0].get_array().shape == expected.shape == (6, 6)
    np.testing.assert_allclose(images[0].get_array().sum(axis=1), 1.0)
    both = journey_flows(HAND, top=4)
    assert len([a for a in both.axes if a.get_label() != "<colorbar>"]) == 2


def test_journey_sankey_blocks_are_shares_of_consumers_per_step():
    paths = journey_paths(HAND, steps=3)
    assert paths.shape == (4, 3)
    assert list(paths.iloc[:, 0]) == [
        "view:short_video",
        "wom_received",
        "view:kol",
        "view:short_video",
    ]
    assert paths.iloc[2, 1] == END  # consumer 2's journey is one row long
    fig = journey_sankey(HAND, steps=3)
    ax = fig.axes[0]
    blocks = [p for p in ax.patches if isinstance(p, Rectangle)]
    per_step = [paths[c].nunique() for c in paths.columns]
    assert len(blocks) == sum(per_step)
    heights = np.array([b.get_height() for b in blocks])
    xs = np.array([round(b.get_x() + b.get_width() / 2) for b in blocks])
    for k in range(3):
        assert heights[xs == k].sum() == pytest.approx(1.0)
    bands = [p for p in ax.patches if isinstance(p, PathPatch)]
    moves = sum(
        len(
            paths.groupby([paths.columns[k], paths.columns[k + 1]])
            .size()
            .drop((END, END), errors="ignore")
        )
        for k in range(2)
    )
    assert len(bands) == moves


@pytest.fixture(scope="module")
def small_run():
    config = with_overrides(
        load_scenario(BASELINE),
        {"population.size": 2000, "horizon_days": 90},
    )
    result = simulate(config, seed=3)
    return result.events_frame(), result.daily, result.kpis


def test_plots_on_a_small_simulated_run(small_run):
    events, daily, kpis = small_run
    counts = funnel_counts(events)
    assert list(counts) == [kpis[k] for k, _ in FUNNEL_STAGES]
    # Nested stages shrink; referrers are a subset of customers, not of repeat customers
    # (one purchase and a friend who bought is enough), so they are checked against customers.
    chain = counts[["aware", "considering", "customers", "repeat_customers"]].to_numpy()
    assert (np.diff(chain) <= 0).all()
    assert counts["referrers"] <= counts["customers"]
    shares = transition_matrix(events, top=12)
    assert shares.shape == (12 + 2, 12 + 2)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert isinstance(journey_flows(events, top=12), Figure)

    columns = ["aware_share", "customers", "store_visits"]
    fig = kpi_timeseries(daily, columns, rolling=7)
    assert len(fig.axes) == 3
    assert all(len(a.get_lines()) == 1 for a in fig.axes)
    assert len(fig.axes[0].get_lines()[0].get_xdata()) == len(daily) == 90
    fig, ax = plt.subplots()
    assert kpi_timeseries(daily, columns, ax=ax) is fig and len(ax.get_lines()) == 3
    with pytest.raises(KeyError, match="no_such"):
        kpi_timeseries(daily, ["no_such"])

    fig = revenue_by_channel(daily)
    ax = fig.axes[0]
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 2
    assert [line.get_label() for line in ax.get_lines()] == ["content spend", "coupon cost"]
    cumulative = revenue_by_channel(daily, cumulative=True).axes[0]
    coupon = cumulative.get_lines()[1].get_ydata()
    assert coupon[-1] == pytest.approx(daily["coupon_cost"].sum())
