"""The day's market: demand, list prices, promotional cuts and rivals' prices."""

from __future__ import annotations

import numpy as np

from sim.engine.processes import market
from tests.engine.processes.handmade import make_ctx

SALE = {"first_day": 5, "last_day": 6, "channel": "store", "depth": 0.2}


def test_a_promotion_cuts_its_channel_on_its_days_only():
    ctx = make_ctx({"promotions": [SALE]})
    for day, expected in ((4, [0.0, 0.0]), (5, [0.0, 0.2]), (6, [0.0, 0.2]), (7, [0.0, 0.0])):
        market.open_day(ctx, day)
        np.testing.assert_allclose(ctx.today.promo_depth, expected)


def test_overlapping_cuts_do_not_stack():
    deeper = {**SALE, "channel": "everywhere", "depth": 0.3}
    ctx = make_ctx({"promotions": [SALE, deeper]})
    market.open_day(ctx, 5)
    np.testing.assert_allclose(ctx.today.promo_depth, [0.3, 0.3])


def test_a_livestream_flash_sale_cuts_livestream_orders_only():
    ctx = make_ctx({"promotions": [{**SALE, "channel": "livestream", "depth": 0.4}]})
    market.open_day(ctx, 5)
    np.testing.assert_allclose(ctx.today.promo_depth, [0.0, 0.0])
    assert ctx.today.livestream_depth == 0.4


def test_an_online_cut_covers_orders_placed_in_a_livestream():
    ctx = make_ctx({"promotions": [{**SALE, "channel": "online", "depth": 0.1}]})
    market.open_day(ctx, 5)
    assert ctx.today.livestream_depth == 0.1


def test_inconsistent_prices_make_the_store_dearer():
    premium = {"prices": {"inconsistent_store_premium": 0.05}}
    consistent = make_ctx(premium)
    market.open_day(consistent, 0)
    np.testing.assert_allclose(consistent.today.list_price, [1.0, 1.0])
    lagging = make_ctx({**premium, "consistency": {"price_consistent": False}})
    market.open_day(lagging, 0)
    np.testing.assert_allclose(lagging.today.list_price, [1.0, 1.05])


def test_rivals_prices_carry_their_promotions():
    rivals = {"a": {"price": 0.9, "promotions": [{**SALE, "depth": 0.5}]}, "b": {"price": 1.2}}
    ctx = make_ctx({"competitors": rivals})
    market.open_day(ctx, 5)
    np.testing.assert_allclose(ctx.today.rival_price, [0.45, 1.2])


def test_the_days_before_day_0_are_dated_before_it():
    ctx = make_ctx({"promotions": [{**SALE, "first_day": 0, "last_day": 0}]})
    ctx.calendar_offset = -10  # burn-in day 10 is run day 0
    market.open_day(ctx, 0)
    assert ctx.today.promo_depth.max() == 0.0
    market.open_day(ctx, 10)
    assert ctx.today.promo_depth.max() == 0.2
