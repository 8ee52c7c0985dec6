"""Shopping trips: app sessions (with coupon claims), store visits, and purchase attempts.

A first purchase happens when a considering prospect converts at an opportunity (an
app session or a store visit). Repeat purchases are missions: a customer's need
(see :mod:`sim.engine.processes.loyalty`) becomes an app order or a store trip the next day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtri

from sim.engine.processes.touch import (
    APP_SESSION_WEIGHT,
    COUPON_CLAIM_WEIGHT,
    buy_odds,
    plan_visits,
    touch,
    unique,
)
from sim.engine.state import NEVER, Mission
from sim.engine.streams import Source
from sim.log.eventlog import NONE, WAREHOUSE, Channel, Event, Outcome

if TYPE_CHECKING:
    from sim.engine.model import OmnichannelModel


def app_sessions(model: OmnichannelModel, day: int) -> np.ndarray:
    """App and mini-program sessions; returns the consumers who attempt an online order."""
    draws = model.streams.draws(Source.app, day)
    s, b, tr = model.state, model.config.behaviour, model.traits
    eligible = np.flatnonzero(s.aware & ~s.lapsed)
    engaged = np.minimum(1.0, s.interest[eligible] + (s.purchases[eligible] > 0))
    p = b.app_session_rate * tr.online_propensity[eligible] * engaged
    browsing = eligible[draws.bernoulli(eligible, p, "session")]
    on_mission = np.flatnonzero(s.mission == Mission.online)
    sessions = unique(np.concatenate([browsing, on_mission]))
    if len(sessions) == 0:
        return sessions
    model.log.add(day, Event.app_session, sessions)
    model.tally.app_sessions += len(sessions)
    s.used_online[sessions] = True
    touch(model, sessions, APP_SESSION_WEIGHT, draws, "session")
    claim_coupons(model, day, sessions)
    prospects = sessions[s.considering[sessions] & (s.purchases[sessions] == 0)]
    delivery = model.delivery_factor[tr.city_tier[prospects]]
    p_buy = buy_odds(model, prospects, b.buy_online_per_session) * delivery
    buyers = prospects[draws.bernoulli(prospects, p_buy, "buy_online")]
    missions = sessions[s.mission[sessions] == Mission.online]
    return np.concatenate([buyers, missions])


def claim_coupons(model: OmnichannelModel, day: int, sessions: np.ndarray) -> None:
    """Price-sensitive app users claim a coupon while the budget lasts."""
    policy = model.config.coupons
    if not policy.enabled:
        return
    draws = model.streams.draws(Source.coupons, day)
    s, b = model.state, model.config.behaviour
    free = sessions[s.coupon_id[sessions] == NEVER]
    p = b.coupon_claim_per_session * (0.5 + model.traits.price_sensitivity[free])
    claimants = free[draws.bernoulli(free, p, "claim")]
    claimants = model.coupon_budget_allows(claimants, policy.value)
    if len(claimants) == 0:
        return
    ids = model.issue_coupons(claimants, policy.value, day)
    model.log.add(
        day, Event.coupon_claim, claimants, channel=Channel.online, value=policy.value, coupon=ids
    )
    novelty = touch(model, claimants, COUPON_CLAIM_WEIGHT, draws, "claim")
    if policy.redeemable_in in ("store", "everywhere"):
        # Store-going customers answer the coupon's pull to the store; for everyone
        # else it is one more prompt, and prompts wear out.
        pull = b.coupon_store_pull * np.where(s.used_store[claimants], 1.0, novelty)
        plan_visits(model, claimants, pull, day, draws, "coupon")


def store_visits(model: OmnichannelModel, day: int) -> np.ndarray:
    """Planned visits, discovery walk-ins and missions; returns the visitors who attempt to buy.

    Discovery: an unaware consumer passing a store walks in (a Poisson process thinned
    to the unaware, so its rate falls as awareness spreads).
    """
    rng = model.streams.get(Source.visits, day)
    draws = model.streams.draws(Source.visits, day)
    s, b = model.state, model.config.behaviour
    planned = np.flatnonzero(s.planned_visit_day == day)
    walk_ins = np.empty(0, np.int64)
    if model.access_total > 0:
        k = int(rng.poisson(b.discovery_rate * model.access_total))
        u = rng.random(k) * model.access_cdf[-1]
        walk_ins = np.minimum(np.searchsorted(model.access_cdf, u, "right"), model.size - 1)
        walk_ins = walk_ins[~s.aware[walk_ins]]
    visitors = unique(np.concatenate([planned, walk_ins]))
    visitors = visitors[model.nearest_store[visitors] >= 0]
    if len(visitors) == 0:
        return visitors
    model.log.add(day, Event.store_visit, visitors, store=model.nearest_store[visitors])
    model.tally.store_visits += len(visitors)
    s.used_store[visitors] = True
    touch(model, visitors, 0.5 + 0.5 * model.config.stores.experience_level, draws, "visit")
    prospects = visitors[s.considering[visitors] & (s.purchases[visitors] == 0)]
    buyers = prospects[
        draws.bernoulli(
            prospects, buy_odds(model, prospects, b.buy_in_store_per_visit), "buy_store"
        )
    ]
    missions = visitors[s.mission[visitors] == Mission.store]
    return np.concatenate([buyers, missions])


def purchase_attempts(
    model: OmnichannelModel, day: int, online: np.ndarray, store: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Resolve the day's attempts against coupons and stock; returns (buyers, channel codes).

    Order of checks, as at a real checkout: the item is looked for on the shelf (or in
    the warehouse), then the coupon is tried. A coupon not valid in this channel makes
    the shopper abandon with chance ``coupon_conflict_abandonment``.
    """
    draws = model.streams.draws(Source.purchases, day)
    cfg, s = model.config, model.state
    who = np.concatenate([online, store])
    channel = np.concatenate(
        [np.full(len(online), Channel.online, np.int8), np.full(len(store), Channel.store, np.int8)]
    )
    if len(who) == 0:
        return who, channel
    in_store = channel == Channel.store

    def u(label: str) -> np.ndarray:  # keyed per consumer and channel (one may do both)
        return np.where(
            in_store, draws.uniform(who, f"{label}:store"), draws.uniform(who, f"{label}:online")
        )

    order = np.argsort(u("arrival"), kind="stable")  # arrival order at the shelves
    who, channel, in_store = who[order], channel[order], in_store[order]
    inv = model.inventory
    sku = inv.skus_for(u("sku"))
    location = np.where(in_store, model.nearest_store[who], inv.warehouse).astype(np.int64)

    coupon = s.coupon_id[who]
    holds = coupon != NEVER
    redeemable = cfg.coupons.redeemable_in
    valid_here = (redeemable == "everywhere") | ((redeemable == "store") == in_store)
    conflict = holds & ~valid_here
    abandon = conflict & (u("abandon") < cfg.behaviour.coupon_conflict_abandonment)

    # Omnichannel customers' baskets: both channels used once this trip is counted.
    omni = (s.used_online[who] | ~in_store) & (s.used_store[who] | in_store)
    b = cfg.behaviour
    z = ndtri(np.clip(u("basket"), 1e-300, 1.0 - 2**-53))
    noise = np.exp(-0.5 * b.basket_sigma**2 + b.basket_sigma * z)
    value = b.basket_mean * model.traits.basket_multiplier[who] * noise
    value = value * (1.0 + b.omnichannel_basket_uplift * omni)

    demand = inv.demand_counts(location, sku)
    # Shoppers who will abandon over the coupon do not hold a unit in the queue; they
    # still see whether the shelf had the item (an empty shelf is a stockout first).
    shelf = np.zeros(len(who), bool)
    keep = ~abandon
    shelf[keep] = inv.check(location[keep], sku[keep])
    shelf[abandon] = inv.stock[location[abandon], sku[abandon]] > 0
    buys = shelf & ~abandon
    inv.take(location[buys], sku[buys])
    served_from = np.where(buys, location, NONE)
    fill_rate = model.fill_rate(in_store)
    partner = np.where(in_store, inv.warehouse, model.nearest_store[who])
    retry = ~shelf & ~abandon & (partner >= 0) & (u("pooled_fill") < fill_rate)
    if retry.any():
        idx = np.flatnonzero(retry)
        ok = idx[inv.check(partner[idx], sku[idx])]
        inv.take(partner[ok], sku[ok])
        buys[ok] = True
        served_from[ok] = partner[ok]
    model.stock_demand += demand

    outcome = np.where(
        buys, Outcome.purchased, np.where(shelf & abandon, Outcome.abandoned, Outcome.stockout)
    ).astype(np.int8)
    redeem = buys & holds & valid_here & (value >= cfg.coupons.threshold)
    if redeem.any():  # a coupon is used once, even by someone buying twice in a day
        idx = np.flatnonzero(redeem)
        _, first = np.unique(who[idx], return_index=True)
        redeem[:] = False
        redeem[idx[first]] = True
    model.log.add(
        day,
        Event.purchase_attempt,
        who,
        channel=channel,
        store=np.where(in_store, location, NONE),
        value=np.where(buys, value, 0.0),
        coupon=coupon,
        outcome=outcome,
        sku=sku,
        fulfilled_from=np.where(served_from == inv.warehouse, WAREHOUSE, served_from),
    )
    if redeem.any():
        model.log.add(
            day,
            Event.coupon_redeem,
            who[redeem],
            channel=channel[redeem],
            store=np.where(in_store[redeem], location[redeem], NONE),
            value=s.coupon_value[who[redeem]],
            coupon=coupon[redeem],
        )
    _tally(model, channel, buys, value, outcome, s.coupon_value[who[redeem]])
    s.coupon_id[who[redeem]] = NEVER
    s.coupon_value[who[redeem]] = 0.0
    s.coupon_expiry[who[redeem]] = NEVER
    s.mission[who] = Mission.none

    buyers, bought_in = who[buys], channel[buys]
    first = s.purchases[buyers] == 0
    s.first_purchase_day[buyers[first]] = day
    np.add.at(s.purchases, buyers, 1)
    s.last_purchase_day[buyers] = day
    s.used_online[buyers[bought_in == Channel.online]] = True
    np.add.at(s.online_orders, buyers[bought_in == Channel.online], 1)
    _inconsistency_lapse(model, day, who, in_store, conflict, u("inconsistency"))
    return buyers, bought_in


def _inconsistency_lapse(model, day, who, in_store, conflict, u) -> None:
    """Customers who meet an inconsistent brand may drift away (report 5.5.3: -15% repurchase).

    Checked after the day's purchases, so a first purchase marred by inconsistency
    (a store price above the online one, say) can already cost the repeat business.

    Inconsistent: lagging store prices for someone who knows the online price, a coupon
    refused in this channel, or points not recognised outside the channel joined in.
    """
    cfg, s = model.config, model.state
    bad = conflict.copy()
    if not cfg.consistency.price_consistent:
        bad |= in_store & s.used_online[who]
    if not cfg.membership.unified:
        here = np.where(in_store, Mission.store, Mission.online)
        bad |= s.member[who] & (s.member_channel[who] != here)
    customers = s.purchases[who] > 0
    hit = who[bad & customers & ~s.lapsed[who] & (u < cfg.behaviour.inconsistency_lapse)]
    hit = unique(hit)
    if len(hit):
        s.lapsed[hit] = True
        model.log.add(day, Event.lapse, hit)


def _tally(model, channel, buys, value, outcome, redeemed_value) -> None:
    t = model.tally
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
