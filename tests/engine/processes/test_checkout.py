"""Checkout on hand-made consumers: coupon validity, stock, redemption, records."""

from __future__ import annotations

import numpy as np

from sim.engine.processes import checkout
from sim.engine.processes.coupons import give_coupons
from sim.engine.streams import Source
from sim.log.eventlog import Event, Outcome
from tests.engine.processes.handmade import events_of, make_ctx

STORE_SHOPPERS = np.array([0, 1, 2, 3])


def _shop(ctx, online=(), store=()):
    ctx.today.online_attempts = np.asarray(online, np.int64)
    ctx.today.store_attempts = np.asarray(store, np.int64)
    ctx.inventory.stock[:] = 100
    checkout.checkout(ctx, 0)


def _outcomes(ctx, event: str) -> list[int]:
    return ctx.log.column("outcome")[ctx.log.column("event") == Event[event]].tolist()


def test_online_only_coupon_is_refused_in_store():
    """Each store shopper holding an online-only coupon gets a coupon_refused row."""
    ctx = make_ctx({"coupons": {"redeemable_in": "online"}})
    give_coupons(ctx, STORE_SHOPPERS, 20.0, 0)
    _shop(ctx, store=STORE_SHOPPERS)
    assert sorted(events_of(ctx, "coupon_refused")) == STORE_SHOPPERS.tolist()


def test_refused_coupon_row_carries_the_attempts_outcome():
    """With abandonment certain, every refusal and its attempt read 'abandoned'."""
    ctx = make_ctx(
        {"coupons": {"redeemable_in": "online"}, "behaviour": {"coupon_conflict_abandonment": 1}}
    )
    give_coupons(ctx, STORE_SHOPPERS, 20.0, 0)
    _shop(ctx, store=STORE_SHOPPERS)
    assert _outcomes(ctx, "coupon_refused") == _outcomes(ctx, "purchase_attempt")
    assert set(_outcomes(ctx, "purchase_attempt")) == {2}  # Outcome.abandoned


def test_coupon_valid_everywhere_is_redeemed_not_refused():
    ctx = make_ctx({"coupons": {"redeemable_in": "everywhere"}})
    give_coupons(ctx, STORE_SHOPPERS, 20.0, 0)
    _shop(ctx, store=STORE_SHOPPERS)
    assert len(events_of(ctx, "coupon_refused")) == 0
    assert sorted(events_of(ctx, "coupon_redeem")) == STORE_SHOPPERS.tolist()
    assert (ctx.state.coupon_id[STORE_SHOPPERS] == -1).all()


def test_shoppers_without_coupons_are_never_refused():
    ctx = make_ctx({"coupons": {"redeemable_in": "store"}})
    _shop(ctx, online=STORE_SHOPPERS)
    assert len(events_of(ctx, "coupon_refused")) == 0


def test_a_shopper_buys_when_the_real_shoppers_ahead_left_a_unit():
    """Two units of the one item at store 0 (market units): a store-0 shopper arriving at
    point q of the day buys exactly when q x the real shoppers who came is below 2, and
    the shelf loses what those real shoppers took."""
    ctx = make_ctx({"inventory": {"skus": 1}})
    shoppers = np.array([0, 2, 4, 6])  # all near store 0
    ctx.today.store_attempts = shoppers
    ctx.inventory.stock[:] = 0
    ctx.inventory.stock[0, 0] = 2
    checkout.checkout(ctx, 0)
    wanted = ctx.today.stock_demand[0, 0]
    draws = ctx.streams.draws(Source.purchases, 0)
    q = draws.uniform(shoppers, "arrival:store")
    bought = ctx.log.column("consumer")[
        (ctx.log.column("event") == Event.purchase_attempt)
        & (ctx.log.column("outcome") == Outcome.purchased)
    ]
    assert sorted(bought.tolist()) == sorted(shoppers[q * wanted < 2].tolist())
    assert ctx.inventory.stock[0, 0] == max(2 - int(wanted), 0)


def test_the_market_trades_on_a_day_without_simulated_shoppers():
    """Real shoppers come whether or not a simulated one does: the shelves still empty."""
    ctx = make_ctx({"inventory": {"skus": 1}})
    ctx.inventory.store_rate[:] = 0.5  # half the market's consumers come today
    ctx.inventory.online_rate = 0.5
    before = ctx.inventory.stock.copy()
    checkout.checkout(ctx, 0)
    assert ctx.today.stock_demand.sum() > 0
    assert (ctx.inventory.stock < before).any()


def test_purchase_updates_the_buyers_record():
    ctx = make_ctx()
    _shop(ctx, online=[5])
    s = ctx.state
    assert s.purchases[5] == 1 and s.first_purchase_day[5] == 0 and s.online_orders[5] == 1
    assert ctx.today.buyers.tolist() == [5]


def test_redemption_row_says_whether_the_coupon_made_the_purchase():
    """Buyers the buy decision names as tipped by the coupon read would_not_buy; everyone
    else (here a shopper on a repeat errand) would_buy."""
    from sim.log.eventlog import WithoutCoupon

    ctx = make_ctx({"coupons": {"redeemable_in": "everywhere", "threshold": 0}})
    give_coupons(ctx, STORE_SHOPPERS, 20.0, 0)
    ctx.today.coupon_made_store = np.array([1, 3])
    _shop(ctx, store=STORE_SHOPPERS)
    redeem = ctx.log.column("event") == Event.coupon_redeem
    who, flag = ctx.log.column("consumer")[redeem], ctx.log.column("without_coupon")[redeem]
    flags = dict(zip(who.tolist(), flag.tolist(), strict=True))
    assert flags == {
        0: WithoutCoupon.would_buy,
        1: WithoutCoupon.would_not_buy,
        2: WithoutCoupon.would_buy,
        3: WithoutCoupon.would_not_buy,
    }
    other = ctx.log.column("without_coupon")[~redeem]
    assert (other == -1).all()


def test_an_order_area_in_converted_stores_fills_their_stockouts_only():
    """Store 0 converted with an order area: its stockouts go to the warehouse; store 1's
    and online ones keep the stock mode's chance (separate stock: none)."""
    from sim.engine.processes.checkout import fill_rate

    ctx = make_ctx({"stores": {"conversion": {"tiers": ["tier12"], "online_order_area": True}}})
    in_store = np.array([True, True, False])
    location = np.array([0, 1, ctx.inventory.warehouse])
    assert fill_rate(ctx, in_store, location).tolist() == [1.0, 0.0, 0.0]
