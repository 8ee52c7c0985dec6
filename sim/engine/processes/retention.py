"""Repeat business: needs to rebuy become missions, member events, and lapse."""

from __future__ import annotations

import numpy as np

from sim.engine.context import DayContext
from sim.engine.prices import (
    ONLINE,
    STORE,
    best_price_response,
    gap_distrust,
    online_odds_after_prices,
)
from sim.engine.state import Mission
from sim.engine.streams import Draws, Source
from sim.log.eventlog import Event


def rebuy_and_lapse(ctx: DayContext, day: int) -> None:
    """Customers' needs to rebuy become tomorrow's missions; some customers lapse.

    Members rebuy more often (``member_repurchase_boost``) and are invited to member
    events at their store. A mission goes online or to the store by habit: the share
    of past orders placed online, weighted by ``channel_habit``, against a prior of
    online propensity times delivery speed.
    """
    if day + 1 >= ctx.config.horizon_days:
        return
    draws = ctx.streams.draws(Source.retention, day)
    s, b, tr = ctx.state, ctx.config.behaviour, ctx.traits
    active = np.flatnonzero((s.purchases > 0) & ~s.lapsed)
    if len(active) == 0:
        return
    idle = active[(s.mission[active] == Mission.none) & (s.stocked_until[active] <= day)]
    hazard = b.repurchase_rate * (1.0 + b.member_repurchase_boost * s.member[idle])
    # The calendar's demand, and a sale (a cheaper price brings the need forward).
    hazard = hazard * ctx.today.demand * best_price_response(ctx, idle)
    needy = idle[draws.bernoulli(idle, hazard, "need")]
    prior = tr.online_propensity[needy] * ctx.policy.delivery_factor[tr.city_tier[needy]]
    habit = b.channel_habit
    online_odds = (habit * s.online_orders[needy] + prior) / (habit * s.purchases[needy] + 1.0)
    # Someone who has never set foot in the store does not go there out of habit; store
    # trips for them come from prompts (sparks, coupons, pick-up, member events).
    online_odds = np.where(s.used_store[needy], online_odds, 1.0)
    online_odds = online_odds_after_prices(ctx, needy, online_odds)  # the cheaper channel
    has_store = ctx.nearest_store[needy] >= 0
    go_online = ~has_store | draws.bernoulli(needy, online_odds, "channel")
    if not ctx.config.online.enabled:  # store-only: the need goes to the store, if there is one
        needy, go_online = needy[has_store], np.zeros(int(has_store.sum()), bool)
    if ctx.config.prices.gap_distrust > 0:
        needy, go_online = _distrust_the_dearer_channel(ctx, draws, needy, go_online)
    s.mission[needy[go_online]] = Mission.online
    to_store = needy[~go_online]
    s.mission[to_store] = Mission.store
    s.planned_visit_day[to_store] = day + 1

    members = active[s.member[active] & (ctx.nearest_store[active] >= 0)]
    rate = ctx.config.membership.member_events_per_month / 30.0
    access = ctx.policy.visit_access[members]
    invited = members[draws.bernoulli(members, rate * access, "event")]
    later = s.planned_visit_day[invited] <= day
    s.planned_visit_day[invited[later]] = day + 1

    lapsing = active[draws.bernoulli(active, b.lapse_rate, "lapse")]
    if len(lapsing):
        s.lapsed[lapsing] = True
        s.mission[lapsing] = Mission.none
        ctx.log.add(day, Event.lapse, lapsing)


def _distrust_the_dearer_channel(
    ctx: DayContext, draws: Draws, needy: np.ndarray, go_online: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A need headed for the dearer channel, felt by a customer who has seen both prices,
    is met with the odds :func:`sim.engine.prices.gap_distrust` leaves (else it goes unmet:
    the sale is lost, not moved). Returns the needs kept and their channels."""
    kept = np.where(go_online, gap_distrust(ctx, needy, ONLINE), gap_distrust(ctx, needy, STORE))
    if np.all(kept == 1.0):
        return needy, go_online
    keep = draws.bernoulli(needy, kept, "distrust")
    return needy[keep], go_online[keep]
