"""Lapsed customers come back."""

from __future__ import annotations

import numpy as np

from sim.engine.processes import winback
from tests.engine.processes.handmade import events_of, make_ctx

LAPSED = np.array([1, 2, 3])


def _lapsed_ctx(market):
    ctx = make_ctx({"market": market})
    ctx.state.purchases[LAPSED] = 1
    ctx.state.lapsed[LAPSED] = True
    return ctx


def test_a_touched_lapsed_customer_comes_back_at_winback_per_touch_one():
    ctx = _lapsed_ctx({"winback_per_touch": 1.0})
    ctx.today.touched.append(np.array([2]))
    winback.win_back(ctx, 0)
    assert events_of(ctx, "winback").tolist() == [2]
    assert ctx.state.lapsed.tolist().count(True) == 2 and not ctx.state.lapsed[2]


def test_everyone_comes_back_at_winback_rate_one():
    ctx = _lapsed_ctx({"winback_rate": 1.0})
    winback.win_back(ctx, 0)
    assert not ctx.state.lapsed.any()


def test_no_winback_when_both_rates_are_zero():
    ctx = _lapsed_ctx({})
    ctx.today.touched.append(LAPSED)
    winback.win_back(ctx, 0)
    assert ctx.state.lapsed[LAPSED].all() and len(events_of(ctx, "winback")) == 0
