"""Buy online, pick up in store: some online buyers collect tomorrow at their store."""

from __future__ import annotations

import numpy as np

from sim.engine.context import DayContext
from sim.engine.streams import Source
from sim.log.eventlog import Channel


def plan_pickups(ctx: DayContext, day: int) -> None:
    """With ``stores.bopis``, a share of online buyers plan a store visit for tomorrow.

    When a conversion fits only some stores with BOPIS, only their customers pick up.
    """
    cfg = ctx.config
    fit = ctx.policy.stores
    buyers, channel = ctx.today.buyers, ctx.today.bought_in
    online = buyers[channel == Channel.online]
    offered = cfg.stores.bopis if fit is None else bool(fit.bopis.any())
    if not offered or len(online) == 0 or day + 1 >= cfg.horizon_days:
        return
    draws = ctx.streams.draws(Source.membership, day)  # the stream it has always used
    has_store = ctx.nearest_store[online] >= 0
    if fit is not None:
        has_store &= fit.bopis[np.maximum(ctx.nearest_store[online], 0)]
    pick = online[has_store & draws.bernoulli(online, cfg.behaviour.bopis_pickup_share, "pickup")]
    ctx.state.planned_visit_day[pick] = day + 1
