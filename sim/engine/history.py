"""A market with a past: days simulated before day 0 that the run does not count.

Every run used to be a brand launch: nobody aware on day 0. With ``market.burn_in_days``
the model first lives that many days under the day-0 policy, on random numbers of their
own, with a scratch log, then starts day 0 from the market they leave: customers with
their channel habits, members, coupons in hand, visits planned. Consumers who knew the
brand get a ``prior_history`` row on day 0, so KPIs about firsts (first touch, first
purchase) can leave them out: their firsts happened before the log began.
"""

from __future__ import annotations

import numpy as np

from sim.engine.context import DayContext
from sim.engine.state import NEVER
from sim.engine.streams import Streams
from sim.log.eventlog import Channel, Event, EventLog

_BURN_IN_KEY = 1_000  # spawn key of the burn-in's own seed


def burn_in_seed(seed: int) -> int:
    """The seed of the days before day 0: derived from the run's, distinct from it."""
    state = np.random.SeedSequence(seed, spawn_key=(_BURN_IN_KEY,)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


def live_before_day_0(ctx: DayContext, days: int, processes) -> None:
    """Run ``processes`` for ``days`` days before day 0, then shift the clock to day 0."""
    if days <= 0:
        return
    real_log, real_streams, config = ctx.log, ctx.streams, ctx.config
    ctx.log, ctx.streams = EventLog(), Streams(burn_in_seed(real_streams.seed))
    ctx.config = config.model_copy(update={"horizon_days": days + 1})
    ctx.calendar_offset = -days  # burn-in day k is k - days on the run's calendar
    for day in range(days):
        ctx.start_day()
        for process in processes:
            process(ctx, day)
        ctx.inventory.end_of_day(day, ctx.today.stock_demand)
    ctx.log, ctx.streams, ctx.config = real_log, real_streams, config
    ctx.coupons.budget_used = 0.0  # the coupon budget is the run's; the past paid its own
    ctx.calendar_offset = 0
    _shift_clock(ctx, days)
    ctx.start_day()
    known = np.flatnonzero(ctx.state.aware)
    if len(known):
        ctx.log.add(0, Event.prior_history, known, value=ctx.state.purchases[known])
        s = ctx.state
        for channel, used in ((Channel.online, s.used_online), (Channel.store, s.used_store)):
            ctx.log.add(0, Event.prior_use, known[used[known]], channel=channel)


def _shift_clock(ctx: DayContext, days: int) -> None:
    """Day numbers in the state are the burn-in's: move them to the run's clock."""
    s = ctx.state
    for planned in (s.planned_visit_day, s.coupon_expiry, s.stocked_until, s.next_occasion):
        future = planned >= days
        planned[future] -= days
        planned[~future] = NEVER
    for past in (s.first_view_day, s.first_purchase_day, s.last_purchase_day):
        past[:] = NEVER  # before day 0: not on the run's clock
    lapsed_coupons = s.coupon_expiry == NEVER
    s.coupon_id[lapsed_coupons] = NEVER
    s.coupon_value[lapsed_coupons] = 0.0
