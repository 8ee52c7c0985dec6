"""Consumers leave the market and lapsed customers are lost for good: seats renew."""

from __future__ import annotations

import numpy as np

from sim.engine.context import DayContext
from sim.engine.streams import Source
from sim.log.eventlog import Event


def turnover(ctx: DayContext, day: int) -> None:
    """Each consumer leaves with ``market.turnover_rate`` a day, and each lapsed customer
    still lapsed after today's win-backs is lost with ``market.churn_rate``; a newcomer takes
    each seat.

    The leaver's ``market_exit`` row (or the lost customer's ``customer_lost`` row) closes
    their journey; the newcomer keeps the seat's profile and place but starts unaware, with a
    new consumer id in the log. Without churn a lapse is never final, and a market whose
    customers only leave by turnover keeps growing for years after a launch; with it the
    customer base settles where acquisition balances loss.
    """
    m = ctx.config.market
    if m.turnover_rate <= 0 and m.churn_rate <= 0:
        return
    draws = ctx.streams.draws(Source.market, day)
    leaving = (
        draws.bernoulli(ctx.rows, m.turnover_rate, "exit")
        if m.turnover_rate > 0
        else np.zeros(ctx.size, bool)
    )
    leavers = ctx.rows[leaving]
    lost = np.empty(0, np.int64)
    if m.churn_rate > 0:
        lapsed = np.flatnonzero(ctx.state.lapsed & ~leaving)
        lost = lapsed[draws.bernoulli(lapsed, m.churn_rate, "churn")]
    if len(leavers) == 0 and len(lost) == 0:
        return
    ctx.log.add(day, Event.market_exit, leavers)
    ctx.log.add(day, Event.customer_lost, lost)
    seats = np.concatenate([leavers, lost])
    ctx.state.reset(seats)
    if ctx.on_exit is not None:
        ctx.on_exit(seats)
