"""Consumers leave the market and newcomers arrive: the market renews itself."""

from __future__ import annotations

from sim.engine.context import DayContext
from sim.engine.streams import Source
from sim.log.eventlog import Event


def turnover(ctx: DayContext, day: int) -> None:
    """Each consumer leaves with ``market.turnover_rate`` a day; a newcomer takes the seat.

    The leaver's ``market_exit`` row closes their journey; the newcomer keeps the seat's
    profile and place but starts unaware, with a new consumer id in the log.
    """
    rate = ctx.config.market.turnover_rate
    if rate <= 0:
        return
    draws = ctx.streams.draws(Source.market, day)
    leavers = ctx.rows[draws.bernoulli(ctx.rows, rate, "exit")]
    if len(leavers) == 0:
        return
    ctx.log.add(day, Event.market_exit, leavers)
    ctx.state.reset(leavers)
    if ctx.on_exit is not None:
        ctx.on_exit(leavers)
