"""Prices at the till: list prices, promotional cut rows, stock-ups after a sale."""

from __future__ import annotations

import numpy as np

from sim.engine.processes import market, promotions
from sim.engine.state import NEVER
from sim.log.eventlog import Channel
from tests.engine.processes.handmade import events_of, make_ctx

WHO = np.array([0, 1, 2, 3])
IN_STORE = np.array([False, False, True, True])
CHANNEL = np.where(IN_STORE, Channel.store, Channel.online).astype(np.int8)
VALUE = np.full(4, 100.0)


def _book(ctx, buys=None):
    buys = np.ones(4, bool) if buys is None else buys
    store = np.where(IN_STORE, 0, -1)
    promotions.book_promotions(ctx, 3, WHO, IN_STORE, CHANNEL, store, VALUE, buys)


def test_list_prices_scale_order_values_by_channel():
    ctx = make_ctx({"prices": {"online": 1.2, "store": 0.9}})
    market.open_day(ctx, 0)
    np.testing.assert_allclose(promotions.at_list_prices(ctx, IN_STORE, VALUE), [120, 120, 90, 90])
    _book(ctx)
    assert ctx.today.price_premium == np.float64(2 * (100 - 100 / 1.2) + 2 * (100 - 100 / 0.9))


def test_a_cut_is_logged_on_purchases_in_its_channel_and_buyers_stock_up():
    sale = {"first_day": 3, "last_day": 3, "channel": "online", "depth": 0.2}
    ctx = make_ctx({"promotions": [sale], "prices": {"stockpile_days": 10.0}})
    market.open_day(ctx, 3)
    _book(ctx, buys=np.array([True, False, True, True]))
    assert events_of(ctx, "promotion_discount").tolist() == [0]
    assert ctx.log.column("value")[-1] == 20.0
    assert ctx.state.stocked_until[0] == 3 + 20  # 20% off covers two 10%-spans of 10 days
    assert (ctx.state.stocked_until[1:] == NEVER).all()


def test_no_prices_no_rows_and_no_premium():
    ctx = make_ctx()
    market.open_day(ctx, 0)
    assert promotions.at_list_prices(ctx, IN_STORE, VALUE) is VALUE
    _book(ctx)
    assert ctx.log.rows == 0 and ctx.today.price_premium == 0.0


def test_a_livestream_flash_sale_cuts_only_orders_placed_in_the_livestream():
    """Consumer 1 ordered in a livestream: only their online order gets the 30% cut; the
    other online order and the store orders pay list price."""
    sale = {"first_day": 3, "last_day": 3, "channel": "livestream", "depth": 0.3}
    ctx = make_ctx({"promotions": [sale]})
    market.open_day(ctx, 3)
    ctx.today.livestream_orders = np.array([1, 2])  # 2 bought in store: not a livestream order
    _book(ctx)
    assert events_of(ctx, "promotion_discount").tolist() == [1]
    assert ctx.log.column("value")[-1] == 30.0
