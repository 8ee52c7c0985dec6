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
