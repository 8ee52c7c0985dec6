"""Joining the membership after a purchase."""

from __future__ import annotations

import numpy as np

from sim.engine.context import DayContext
from sim.engine.state import Mission
from sim.engine.streams import Source
from sim.log.eventlog import Channel, Event


def join(ctx: DayContext, day: int) -> None:
    """Non-member buyers join with chance ``member_join_after_purchase``, in the buying channel.

    The channel joined in matters when membership is not unified: points are then not
    recognised in the other channel (see :mod:`.checkout`).
    """
    buyers, channel = ctx.today.buyers, ctx.today.bought_in
    if len(buyers) == 0:
        return
    s, b = ctx.state, ctx.config.behaviour
    draws = ctx.streams.draws(Source.membership, day)
    joining = ~s.member[buyers] & draws.bernoulli(buyers, b.member_join_after_purchase, "join")
    joiners, first = np.unique(buyers[joining], return_index=True)
    if len(joiners) == 0:
        return
    joined_in = channel[joining][first]
    s.member[joiners] = True
    s.member_channel[joiners] = np.where(joined_in == Channel.store, Mission.store, Mission.online)
    ctx.log.add(day, Event.member_join, joiners, channel=joined_in)
