"""Joining the membership after a purchase."""

from __future__ import annotations

import numpy as np

from sim.engine.processes import membership
from sim.engine.state import Mission
from sim.log.eventlog import Channel
from tests.engine.processes.handmade import events_of, make_ctx


def test_every_non_member_buyer_joins_in_the_channel_they_bought_in():
    ctx = make_ctx({"behaviour": {"member_join_after_purchase": 1.0}})
    ctx.today.buyers = np.array([1, 2, 3])
    ctx.today.bought_in = np.array([Channel.online, Channel.store, Channel.store], np.int8)
    ctx.state.member[3] = True
    membership.join(ctx, 0)
    assert sorted(events_of(ctx, "member_join")) == [1, 2]
    assert ctx.state.member_channel[[1, 2]].tolist() == [Mission.online, Mission.store]


def test_nobody_joins_when_the_chance_is_zero():
    ctx = make_ctx({"behaviour": {"member_join_after_purchase": 0.0}})
    ctx.today.buyers = np.array([1, 2])
    ctx.today.bought_in = np.array([Channel.online, Channel.store], np.int8)
    membership.join(ctx, 0)
    assert not ctx.state.member.any()
