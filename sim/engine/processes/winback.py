"""Lapse is not forever: lapsed customers come back, by themselves or after a touch."""

from __future__ import annotations

import numpy as np

from sim.engine.context import DayContext
from sim.engine.streams import Source
from sim.log.eventlog import Event


def win_back(ctx: DayContext, day: int) -> None:
    """Lapsed customers return with ``market.winback_rate`` a day, and with
    ``market.winback_per_touch`` for each day they were touched (seen content, heard from a
    friend, got a coupon, visited). A returning customer is active again: needs to rebuy
    come back, missions and all."""
    m, s = ctx.config.market, ctx.state
    if m.winback_rate <= 0 and m.winback_per_touch <= 0:
        return
    lapsed = np.flatnonzero(s.lapsed)
    if len(lapsed) == 0:
        return
    draws = ctx.streams.draws(Source.market, day)
    back = draws.bernoulli(lapsed, m.winback_rate, "winback")
    if m.winback_per_touch > 0 and ctx.today.touched:
        touched = np.zeros(ctx.size, bool)
        touched[np.concatenate(ctx.today.touched)] = True
        by_touch = touched[lapsed] & draws.bernoulli(lapsed, m.winback_per_touch, "winback:touch")
        back |= by_touch
    returning = lapsed[back]
    if len(returning):
        s.lapsed[returning] = False
        ctx.log.add(day, Event.winback, returning)
