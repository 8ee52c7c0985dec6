"""Coupons handed out and expiring."""

from __future__ import annotations

import numpy as np

from sim.engine.processes import coupons
from tests.engine.processes.handmade import events_of, make_ctx


def test_a_coupon_expires_at_the_end_of_its_expiry_day():
    ctx = make_ctx({"coupons": {"expiry_days": 5}})
    coupons.give_coupons(ctx, np.array([1, 2]), 20.0, day=0)
    coupons.expire(ctx, 4)
    assert len(events_of(ctx, "coupon_expire")) == 0
    coupons.expire(ctx, 5)
    assert sorted(events_of(ctx, "coupon_expire")) == [1, 2]
    assert (ctx.state.coupon_id[[1, 2]] == -1).all()


def test_coupon_ids_are_distinct_across_handouts():
    ctx = make_ctx()
    first = coupons.give_coupons(ctx, np.array([1, 2]), 20.0, day=0)
    second = coupons.give_coupons(ctx, np.array([3]), 10.0, day=1)
    assert len(set(first) | set(second)) == 3


def test_within_budget_keeps_the_first_consumers_that_fit():
    ctx = make_ctx({"coupons": {"budget": 3 * 20.0 * 100}})  # three coupons of 20, scale 100
    kept = coupons.within_budget(ctx, np.array([5, 6, 7, 8]), 20.0)
    assert kept.tolist() == [5, 6, 7]
