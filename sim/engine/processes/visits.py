"""Store visits: planned trips, discovery walk-ins and store missions."""

from __future__ import annotations

import numpy as np

from sim.engine.context import DayContext
from sim.engine.prices import STORE, channel_response, gap_distrust
from sim.engine.processes.touch import buy_decision, touch, unique
from sim.engine.state import Mission
from sim.engine.streams import Source
from sim.log.eventlog import Event


def store_visits(ctx: DayContext, day: int) -> None:
    """Visitors are touched by the store; prospects may buy; sets today's store attempts.

    Discovery: an unaware consumer passing a store walks in (a Poisson process thinned
    to the unaware, so its rate falls as awareness spreads). It is the one market-level
    draw of the day (how many walk past), from the (visits, day) generator.
    """
    rng = ctx.streams.get(Source.visits, day)
    draws = ctx.streams.draws(Source.visits, day)
    s, b, policy = ctx.state, ctx.config.behaviour, ctx.policy
    planned = np.flatnonzero(s.planned_visit_day == day)
    walk_ins = np.empty(0, np.int64)
    if policy.access_total > 0:
        k = int(rng.poisson(b.discovery_rate * ctx.today.demand * policy.access_total))
        u = rng.random(k) * policy.access_cdf[-1]
        walk_ins = np.minimum(np.searchsorted(policy.access_cdf, u, "right"), ctx.size - 1)
        walk_ins = walk_ins[~s.aware[walk_ins]]
    visitors = unique(np.concatenate([planned, walk_ins]))
    visitors = visitors[ctx.nearest_store[visitors] >= 0]
    if len(visitors) == 0:
        ctx.today.store_attempts = visitors
        return
    ctx.log.add(day, Event.store_visit, visitors, store=ctx.nearest_store[visitors])
    ctx.tally.store_visits += len(visitors)
    s.used_store[visitors] = True
    weight = b.store_visit_weight + b.store_visit_experience_weight * policy.experience(
        ctx.config, ctx.nearest_store[visitors]
    )
    touch(ctx, visitors, weight, draws, "visit")
    prospects = visitors[s.considering[visitors] & (s.purchases[visitors] == 0)]
    buyers, ctx.today.coupon_made_store = buy_decision(
        ctx,
        prospects,
        b.buy_in_store_per_visit,
        draws,
        "buy_store",
        # the price paid in store today, and trust lost if the store is the dearer channel
        channel_response(ctx, prospects, STORE) * gap_distrust(ctx, prospects, STORE),
    )
    missions = visitors[s.mission[visitors] == Mission.store]
    ctx.today.store_attempts = np.concatenate([buyers, missions])
