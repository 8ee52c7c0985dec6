"""Content reach on hand-made consumers."""

from __future__ import annotations

import numpy as np

from sim.engine.processes import content
from sim.log.eventlog import Channel
from tests.engine.processes.handmade import events_of, make_ctx


def _plan(**budgets):
    channels = {
        name: {"daily_budget": budgets.get(name, 0.0), "cost_per_view": 1.0, "quality": 0.5}
        for name in ("short_video", "livestream", "kol", "ugc")
    }
    return {"content": {"channels": channels, "targeting": 0.0}}


def test_no_budget_reaches_nobody():
    ctx = make_ctx(_plan())
    content.content_views(ctx, 0)
    assert len(events_of(ctx, "content_view")) == 0 and not ctx.state.aware.any()


def test_a_saturating_budget_reaches_everyone_on_its_channel():
    """A budget buying 1,000 views per consumer reaches all 12, each logged as a KOL view."""
    ctx = make_ctx(_plan(kol=12 * 100 * 1000.0))
    content.content_views(ctx, 0)
    assert sorted(events_of(ctx, "content_view")) == list(range(12))
    assert set(ctx.log.column("channel")) == {Channel.kol}
    assert ctx.state.aware.all() and (ctx.state.first_view_day == 0).all()


def test_a_bigger_budget_reaches_everyone_a_smaller_one_reached():
    small, big = make_ctx(_plan(ugc=600.0), seed=3), make_ctx(_plan(ugc=1800.0), seed=3)
    content.content_views(small, 0)
    content.content_views(big, 0)
    assert set(events_of(small, "content_view")) <= set(events_of(big, "content_view"))


def test_spend_is_views_times_cost_per_view():
    ctx = make_ctx(_plan(short_video=12 * 100 * 1000.0))
    content.content_views(ctx, 0)
    assert ctx.tally.content_spend == len(events_of(ctx, "content_view")) * 1.0
    assert np.isclose(ctx.tally.content_views, 12)
