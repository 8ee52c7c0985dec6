"""Sharing, word of mouth and share-to-get referral coupons."""

from __future__ import annotations

import numpy as np

from sim.engine.processes import sharing
from sim.log.eventlog import Channel, Event
from tests.engine.processes.handmade import events_of, make_ctx

ALWAYS = {"share_after_purchase": 1.0, "share_social_factor": 2.0, "friends_per_share": 2}


def _buyers(ctx, who):
    ctx.today.buyers = np.asarray(who, np.int64)
    ctx.today.bought_in = np.full(len(who), Channel.store, np.int8)


def test_sharers_tell_their_friends():
    """Consumer 4 shares (certain at social activity 0.5 x 2) and both ring neighbours hear."""
    ctx = make_ctx({"behaviour": ALWAYS, "coupons": {"share_to_get": False}})
    _buyers(ctx, [4])
    sharing.share(ctx, 0)
    assert events_of(ctx, "share").tolist() == [4]
    assert sorted(events_of(ctx, "wom_received")) == [3, 5]
    assert ctx.state.aware[[3, 5]].all()


def test_share_to_get_gives_each_friend_a_referral_coupon_from_the_sharer():
    ctx = make_ctx({"behaviour": ALWAYS, "coupons": {"share_to_get": True, "referral_value": 7}})
    _buyers(ctx, [4])
    sharing.share(ctx, 0)
    claims = ctx.log.column("event") == Event.coupon_claim
    assert sorted(ctx.log.column("consumer")[claims]) == [3, 5]
    assert set(ctx.log.column("source")[claims]) == {4}
    assert (ctx.state.coupon_value[[3, 5]] == 7).all()


def test_friends_already_holding_a_coupon_get_no_second_one():
    ctx = make_ctx({"behaviour": ALWAYS, "coupons": {"share_to_get": True}})
    ctx.state.coupon_id[3] = 99
    _buyers(ctx, [4])
    sharing.share(ctx, 0)
    claims = ctx.log.column("event") == Event.coupon_claim
    assert ctx.log.column("consumer")[claims].tolist() == [5]


def test_nobody_shares_at_zero_social_activity():
    ctx = make_ctx({"behaviour": ALWAYS}, social_activity=np.zeros(12, np.float32))
    _buyers(ctx, [4, 5])
    sharing.share(ctx, 0)
    assert len(events_of(ctx, "share")) == 0
