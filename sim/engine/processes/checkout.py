"""Checkout: the day's purchase attempts resolved against stock and coupons.

The steps, as at a real checkout: shoppers arrive in a keyed random order; each wants
one item; a coupon not valid in this channel is refused (a ``coupon_refused`` row) and
may make the shopper walk away; the item
is looked for on the shelf (or in the warehouse), and a stockout may be filled from the
partner location; the basket is paid, a valid coupon redeemed; the shopper's record is
updated; and a brand that looked inconsistent may lose the customer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from sim.engine.context import DayContext
from sim.engine.inventory import MarketDay
from sim.engine.processes.promotions import at_list_prices, book_promotions
from sim.engine.processes.touch import unique
from sim.engine.state import NEVER, Mission
from sim.engine.streams import Draws, Source
from sim.log.eventlog import NONE, WAREHOUSE, Channel, Event, Outcome, WithoutCoupon


@dataclass
class Attempts:
    """The day's purchase attempts in arrival order, one entry per attempt."""

    who: np.ndarray
    channel: np.ndarray
    in_store: np.ndarray
    draws: Draws

    def uniform(self, label: str) -> np.ndarray:
        """Keyed per consumer and channel (a consumer may try both channels in a day)."""
        return np.where(
            self.in_store,
            self.draws.uniform(self.who, f"{label}:store"),
            self.draws.uniform(self.who, f"{label}:online"),
        )


def checkout(ctx: DayContext, day: int) -> None:
    """Resolve today's online and store attempts; sets today's buyers and their channels."""
    online, store = ctx.today.online_attempts, ctx.today.store_attempts
    who = np.concatenate([online, store])
    channel = np.concatenate(
        [np.full(len(online), Channel.online, np.int8), np.full(len(store), Channel.store, np.int8)]
    )
    draws = ctx.streams.draws(Source.purchases, day)
    if len(who) == 0:
        _market_day(ctx, draws)  # the market's shoppers come even when no simulated one does
        ctx.today.buyers, ctx.today.bought_in = who, channel
        return
    first = Attempts(who, channel, channel == Channel.store, draws)
    order = np.argsort(first.uniform("arrival"), kind="stable")  # arrival at the shelves
    a = Attempts(who[order], channel[order], first.in_store[order], draws)
    _resolve(ctx, day, a)


def _resolve(ctx: DayContext, day: int, a: Attempts) -> None:
    cfg, s, inv = ctx.config, ctx.state, ctx.inventory
    sku = inv.skus_for(a.uniform("sku"))
    location = np.where(a.in_store, ctx.nearest_store[a.who], inv.warehouse).astype(np.int64)

    coupon = s.coupon_id[a.who]
    holds = coupon != NEVER
    redeemable = cfg.coupons.redeemable_in
    valid_here = (redeemable == "everywhere") | ((redeemable == "store") == a.in_store)
    conflict = holds & ~valid_here
    abandon = conflict & (a.uniform("abandon") < cfg.behaviour.coupon_conflict_abandonment)
    value = at_list_prices(ctx, a.in_store, _basket_values(ctx, a))

    buys, shelf, served_from = _take_stock(ctx, a, location, sku, abandon)
    outcome = np.where(
        buys, Outcome.purchased, np.where(shelf & abandon, Outcome.abandoned, Outcome.stockout)
    ).astype(np.int8)
    redeem = _redeemed(a.who, buys & holds & valid_here & (value >= cfg.coupons.threshold))
    if conflict.any():  # the refusal comes first at the till; its outcome is the attempt's
        ctx.log.add(
            day,
            Event.coupon_refused,
            a.who[conflict],
            channel=a.channel[conflict],
            store=np.where(a.in_store[conflict], location[conflict], NONE),
            value=s.coupon_value[a.who[conflict]],
            coupon=coupon[conflict],
            outcome=outcome[conflict],
        )
    ctx.log.add(
        day,
        Event.purchase_attempt,
        a.who,
        channel=a.channel,
        store=np.where(a.in_store, location, NONE),
        value=np.where(buys, value, 0.0),
        coupon=coupon,
        outcome=outcome,
        sku=sku,
        fulfilled_from=np.where(served_from == inv.warehouse, WAREHOUSE, served_from),
    )
    book_promotions(ctx, day, a.who, a.in_store, a.channel, location, value, buys)
    if redeem.any():
        ctx.log.add(
            day,
            Event.coupon_redeem,
            a.who[redeem],
            channel=a.channel[redeem],
            store=np.where(a.in_store[redeem], location[redeem], NONE),
            value=s.coupon_value[a.who[redeem]],
            coupon=coupon[redeem],
            without_coupon=_without_coupon(ctx, a)[redeem],
        )
    _tally(ctx, a.channel, buys, value, outcome, s.coupon_value[a.who[redeem]])
    s.coupon_id[a.who[redeem]] = NEVER
    s.coupon_value[a.who[redeem]] = 0.0
    s.coupon_expiry[a.who[redeem]] = NEVER
    s.mission[a.who] = Mission.none
    _record_purchases(ctx, day, a.who[buys], a.channel[buys])
    _inconsistency_lapse(ctx, day, a, conflict)


def _without_coupon(ctx: DayContext, a: Attempts) -> np.ndarray:
    """Per attempt, what the shopper would have done without their coupon (WithoutCoupon).

    The buy decision (:func:`sim.engine.processes.touch.buy_decision`) names the buyers whom
    the coupon tipped; everyone else attempting, repeat needs included, would have bought.
    """
    today = ctx.today
    made = np.where(
        a.in_store,
        np.isin(a.who, today.coupon_made_store),
        np.isin(a.who, today.coupon_made_online),
    )
    return np.where(made, WithoutCoupon.would_not_buy, WithoutCoupon.would_buy).astype(np.int8)


def _basket_values(ctx: DayContext, a: Attempts) -> np.ndarray:
    """Order values: log-normal around the segment's basket, larger for omnichannel customers.

    Omnichannel: both channels used once this trip is counted.
    """
    s, b = ctx.state, ctx.config.behaviour
    omni = (s.used_online[a.who] | ~a.in_store) & (s.used_store[a.who] | a.in_store)
    z = ndtri(np.clip(a.uniform("basket"), 1e-300, 1.0 - 2**-53))
    noise = np.exp(-0.5 * b.basket_sigma**2 + b.basket_sigma * z)
    value = b.basket_mean * ctx.traits.basket_multiplier[a.who] * noise
    return value * (1.0 + b.omnichannel_basket_uplift * omni)


def _take_stock(
    ctx: DayContext, a: Attempts, location: np.ndarray, sku: np.ndarray, abandon: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who gets the item, whether their shelf had it, and where it came from.

    The shelves are the market's (:mod:`sim.engine.inventory`): today's attempts update
    the market's demand rate, the day's real shoppers are served, and each simulated
    attempt is the real shopper at its place in the keyed arrival order (``q``, its
    arrival uniform): it finds the item when the ``q * wanted`` real shoppers ahead of it
    left a unit. Shoppers who will abandon over the coupon take no unit (and are not
    counted as demand); they still see whether the shelf had the item (an empty shelf is
    a stockout first). A stockout may be retried at the partner location (store <->
    warehouse) with chance :func:`fill_rate`, and is served when the real shoppers
    spilled there ahead of it did not take what the partner's own shoppers left.
    """
    inv = ctx.inventory
    keep = ~abandon
    tier = ctx.traits.city_tier[a.who].astype(np.int64)
    inv.observe(
        np.bincount(tier[a.in_store & keep], minlength=inv.catchment.shape[1]),
        float(np.count_nonzero(~a.in_store & keep)),
    )
    market = _market_day(ctx, a.draws, observed=True)
    q = a.uniform("arrival")
    shelf = q * market.wanted[location, sku] < market.opening[location, sku]
    buys = shelf & keep
    served_from = np.where(buys, location, NONE)
    partner = np.where(a.in_store, inv.warehouse, ctx.nearest_store[a.who])
    retry = ~shelf & keep & (partner >= 0)
    retry &= a.uniform("pooled_fill") < fill_rate(ctx, a.in_store, location)
    if retry.any():
        idx = np.flatnonzero(retry)
        p, k = partner[idx], sku[idx]
        ok = idx[q[idx] * market.spill_in[p, k] < market.left[p, k]]
        buys[ok] = True
        served_from[ok] = partner[ok]
    return buys, shelf, served_from


def _market_day(ctx: DayContext, draws: Draws, observed: bool = False) -> MarketDay:
    """The market's real shoppers at every (location, item) today; sets today's demand.

    ``observed``: today's simulated attempts were already folded into the demand rate
    (a day without attempts folds in zeros here).
    """
    inv = ctx.inventory
    if not observed:
        inv.observe(np.zeros(inv.catchment.shape[1]), 0.0)
    cells = np.arange(inv.stock.size, dtype=np.int64)
    shape = inv.stock.shape
    to_warehouse, to_stores = fill_rates(ctx)
    market = inv.trade(
        draws.uniform(cells, "market_shoppers").reshape(shape),
        draws.uniform(cells, "market_spill").reshape(shape),
        draws.uniform(cells, "market_split").reshape(shape),
        to_warehouse=to_warehouse,
        to_stores=to_stores,
    )
    ctx.today.stock_demand = market.demand
    return market


def fill_rates(ctx: DayContext) -> tuple[float | np.ndarray, float]:
    """Chances a stockout is filled elsewhere: (a store's, from the warehouse; online, from
    the buyer's store). Pooled stock fills both ways; an online-order area fills a store's
    stockouts from the warehouse whatever the stock mode. When only converted stores have
    the order area, the store's chance is one per store (a column, for the market's shelves).
    """
    cfg = ctx.config
    pooled = cfg.inventory.pooled_fill_rate if cfg.inventory.mode == "pooled" else 0.0
    fit = ctx.policy.stores
    if fit is not None:
        return np.where(fit.order_area, 1.0, pooled)[:, None], pooled
    return (1.0 if cfg.stores.online_order_area else pooled), pooled


def fill_rate(ctx: DayContext, in_store: np.ndarray, location: np.ndarray) -> np.ndarray:
    """Chance a local stockout is filled elsewhere: pooling, or ordering online in store.

    ``location``: each attempt's location (its store when in store, the warehouse online).
    """
    store_rate, online_rate = fill_rates(ctx)
    if isinstance(store_rate, np.ndarray):
        by_location = np.append(store_rate[:, 0], online_rate)
        return by_location[location]
    return np.where(in_store, store_rate, online_rate)


def _redeemed(who: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """A coupon is used once, even by someone buying twice in a day: their first purchase."""
    redeem = eligible.copy()
    if redeem.any():
        idx = np.flatnonzero(redeem)
        _, first = np.unique(who[idx], return_index=True)
        redeem[:] = False
        redeem[idx[first]] = True
    return redeem


def _record_purchases(ctx: DayContext, day: int, buyers: np.ndarray, bought_in: np.ndarray):
    s = ctx.state
    first = s.purchases[buyers] == 0
    s.first_purchase_day[buyers[first]] = day
    np.add.at(s.purchases, buyers, 1)
    s.last_purchase_day[buyers] = day
    online = buyers[bought_in == Channel.online]
    s.used_online[online] = True
    np.add.at(s.online_orders, online, 1)
    tiers = np.bincount(ctx.traits.city_tier[online], minlength=2)
    ctx.today.online_orders_by_tier = ctx.today.online_orders_by_tier + tiers
    ctx.today.buyers, ctx.today.bought_in = buyers, bought_in


def _inconsistency_lapse(ctx: DayContext, day: int, a: Attempts, conflict: np.ndarray) -> None:
    """Customers who meet an inconsistent brand may drift away (report 5.5.3: -15% repurchase).

    Checked after the day's purchases, so a first purchase marred by inconsistency
    (a store price above the online one, say) can already cost the repeat business.

    Inconsistent: lagging store prices for someone who knows the online price, a coupon
    refused in this channel, or points not recognised outside the channel joined in.
    """
    cfg, s, who = ctx.config, ctx.state, a.who
    bad = conflict.copy()
    if not cfg.consistency.price_consistent:
        bad |= a.in_store & s.used_online[who]
    if not cfg.membership.unified:
        here = np.where(a.in_store, Mission.store, Mission.online)
        bad |= s.member[who] & (s.member_channel[who] != here)
    customers = s.purchases[who] > 0
    u = a.uniform("inconsistency")
    hit = unique(who[bad & customers & ~s.lapsed[who] & (u < cfg.behaviour.inconsistency_lapse)])
    if len(hit):
        s.lapsed[hit] = True
        ctx.log.add(day, Event.lapse, hit)


def _tally(ctx: DayContext, channel, buys, value, outcome, redeemed_value) -> None:
    t = ctx.tally
    online = channel == Channel.online
    t.purchase_attempts += len(channel)
    t.orders_online += int(np.sum(buys & online))
    t.orders_store += int(np.sum(buys & ~online))
    t.revenue_online += float(np.sum(value[buys & online]))
    t.revenue_store += float(np.sum(value[buys & ~online]))
    t.stockouts += int(np.sum(outcome == Outcome.stockout))
    t.abandoned += int(np.sum(outcome == Outcome.abandoned))
    t.coupon_redemptions += len(redeemed_value)
    t.coupon_cost += float(np.sum(redeemed_value))
