"""Buy online, pick up in store: some online buyers collect tomorrow at their store."""

from __future__ import annotations

from sim.engine.context import DayContext
from sim.engine.streams import Source
from sim.log.eventlog import Channel


def plan_pickups(ctx: DayContext, day: int) -> None:
    """With ``stores.bopis``, a share of online buyers plan a store visit for tomorrow."""
    cfg = ctx.config
    buyers, channel = ctx.today.buyers, ctx.today.bought_in
    online = buyers[channel == Channel.online]
    if not cfg.stores.bopis or len(online) == 0 or day + 1 >= cfg.horizon_days:
        return
    draws = ctx.streams.draws(Source.membership, day)  # the stream it has always used
    has_store = ctx.nearest_store[online] >= 0
    pick = online[has_store & draws.bernoulli(online, cfg.behaviour.bopis_pickup_share, "pickup")]
    ctx.state.planned_visit_day[pick] = day + 1
