"""Consumers leave the market; newcomers take their seats afresh."""

from __future__ import annotations

import numpy as np

from sim.engine.processes import turnover
from tests.engine.processes.handmade import events_of, make_ctx


def test_leavers_are_logged_and_their_seats_start_afresh():
    ctx = make_ctx({"market": {"turnover_rate": 1.0}})
    ctx.state.aware[:] = True
    ctx.state.purchases[:] = 3
    seen = []
    ctx.on_exit = seen.append
    turnover.turnover(ctx, 0)
    assert sorted(events_of(ctx, "market_exit")) == list(range(12))
    assert not ctx.state.aware.any() and (ctx.state.purchases == 0).all()
    assert np.array_equal(np.sort(seen[0]), np.arange(12))


def test_nobody_leaves_at_rate_zero():
    ctx = make_ctx()
    ctx.state.aware[:] = True
    turnover.turnover(ctx, 0)
    assert ctx.state.aware.all() and len(events_of(ctx, "market_exit")) == 0


def test_only_lapsed_customers_are_lost_and_their_seats_start_afresh():
    ctx = make_ctx({"market": {"churn_rate": 1.0}})
    ctx.state.aware[:] = True
    ctx.state.purchases[:] = 2
    ctx.state.lapsed[:5] = True
    seen = []
    ctx.on_exit = seen.append
    turnover.turnover(ctx, 0)
    assert sorted(events_of(ctx, "customer_lost")) == list(range(5))
    assert len(events_of(ctx, "market_exit")) == 0
    assert not ctx.state.aware[:5].any() and (ctx.state.purchases[:5] == 0).all()
    assert ctx.state.aware[5:].all() and (ctx.state.purchases[5:] == 2).all()
    assert np.array_equal(np.sort(seen[0]), np.arange(5))


def test_a_leaver_is_not_also_counted_lost():
    """Turnover and loss on the same day: the leaver's row is market_exit, never both."""
    ctx = make_ctx({"market": {"churn_rate": 1.0, "turnover_rate": 1.0}})
    ctx.state.purchases[:] = 1
    ctx.state.lapsed[:] = True
    turnover.turnover(ctx, 0)
    assert len(events_of(ctx, "market_exit")) == 12
    assert len(events_of(ctx, "customer_lost")) == 0


def test_lapsed_customers_are_lost_at_the_churn_rate():
    """Observed losses over many lapsed customer-days match the daily chance (binomial: within
    four standard errors)."""
    from tests.engine.processes.handmade import N

    rate, days = 0.05, 400
    lost = 0
    ctx = make_ctx({"market": {"churn_rate": rate}})
    for day in range(days):
        ctx.state.purchases[:] = 1
        ctx.state.lapsed[:] = True
        before = len(events_of(ctx, "customer_lost"))
        turnover.turnover(ctx, day)
        lost += len(events_of(ctx, "customer_lost")) - before
    trials = N * days
    se = (rate * (1 - rate) / trials) ** 0.5
    assert abs(lost / trials - rate) < 4 * se, (lost, trials)
