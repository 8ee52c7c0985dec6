"""Buy online, pick up in store."""

from __future__ import annotations

import numpy as np

from sim.engine.processes import pickup
from sim.log.eventlog import Channel
from tests.engine.processes.handmade import make_ctx

ONLINE_BUYERS = np.array([0, 1, 10])  # 10 has no store


def _buy_online(ctx):
    ctx.today.buyers = ONLINE_BUYERS
    ctx.today.bought_in = np.full(3, Channel.online, np.int8)


def test_online_buyers_with_a_store_pick_up_tomorrow():
    ctx = make_ctx({"stores": {"bopis": True}, "behaviour": {"bopis_pickup_share": 1.0}})
    _buy_online(ctx)
    pickup.plan_pickups(ctx, 4)
    assert ctx.state.planned_visit_day[[0, 1]].tolist() == [5, 5]
    assert ctx.state.planned_visit_day[10] == -1


def test_no_pickups_without_bopis():
    ctx = make_ctx({"stores": {"bopis": False}, "behaviour": {"bopis_pickup_share": 1.0}})
    _buy_online(ctx)
    pickup.plan_pickups(ctx, 4)
    assert (ctx.state.planned_visit_day == -1).all()


def test_only_customers_of_converted_stores_pick_up_when_a_conversion_brings_bopis():
    """Store 0 (tier-1/2) converted with BOPIS; store 1 keeps stores.bopis: false."""
    ctx = make_ctx(
        {
            "stores": {"bopis": False, "conversion": {"tiers": ["tier12"], "bopis": True}},
            "behaviour": {"bopis_pickup_share": 1.0},
        }
    )
    _buy_online(ctx)
    pickup.plan_pickups(ctx, 4)
    assert ctx.state.planned_visit_day[[0, 1, 10]].tolist() == [5, -1, -1]
