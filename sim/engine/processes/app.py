"""App and mini-program sessions, with coupon claims; first online orders and missions.

A session is a touchpoint; a considering prospect may order in it (slower delivery puts
some off), and a customer with an online repeat-purchase mission orders. Both become the
day's online purchase attempts, resolved at :mod:`.checkout`.
"""

from __future__ import annotations

import numpy as np

from sim.engine.context import DayContext
from sim.engine.prices import ONLINE, channel_response, gap_distrust
from sim.engine.processes.coupons import give_coupons, within_budget
from sim.engine.processes.touch import buy_decision, plan_visits, touch, unique
from sim.engine.state import NEVER, Mission
from sim.engine.streams import Draws, Source
from sim.log.eventlog import Channel, Event


def app_sessions(ctx: DayContext, day: int) -> None:
    """Open the app: browse, claim coupons, and (some) order; sets today's online attempts."""
    draws = ctx.streams.draws(Source.app, day)
    s, b, tr = ctx.state, ctx.config.behaviour, ctx.traits
    eligible = np.flatnonzero(s.aware & ~s.lapsed)
    customer = s.purchases[eligible] > 0
    engaged = np.minimum(1.0, s.interest[eligible] + customer)
    if b.customer_app_habit != 1.0:
        engaged = np.where(customer, b.customer_app_habit, engaged)
    p = b.app_session_rate * ctx.today.demand * tr.online_propensity[eligible] * engaged
    browsing = eligible[draws.bernoulli(eligible, p, "session")]
    if not ctx.config.online.enabled:  # a store-only retailer has no app
        ctx.today.online_attempts = np.empty(0, np.int64)
        visit_instead(ctx, day, browsing, draws)
        return
    on_mission = np.flatnonzero(s.mission == Mission.online)
    sessions = unique(np.concatenate([browsing, on_mission]))
    instant = ctx.today.instant_orders
    if len(sessions) == 0:
        ctx.today.online_attempts = instant
        return
    ctx.log.add(day, Event.app_session, sessions)
    ctx.tally.app_sessions += len(sessions)
    s.used_online[sessions] = True
    touch(ctx, sessions, b.app_session_weight, draws, "session")
    claim_coupons(ctx, day, sessions)
    prospects = sessions[s.considering[sessions] & (s.purchases[sessions] == 0)]
    delivery = ctx.policy.delivery_factor[tr.city_tier[prospects]]
    factor = delivery * channel_response(ctx, prospects, ONLINE)  # and the price paid online
    factor = factor * gap_distrust(ctx, prospects, ONLINE)  # and trust, if online is dearer
    buyers, ctx.today.coupon_made_online = buy_decision(
        ctx, prospects, b.buy_online_per_session, draws, "buy_online", factor
    )
    missions = sessions[s.mission[sessions] == Mission.online]
    ctx.today.online_attempts = unique(np.concatenate([instant, buyers, missions]))


def visit_instead(ctx: DayContext, day: int, would_browse: np.ndarray, draws: Draws) -> None:
    """With no app, some prospects who would have browsed it go to the store instead.

    Only prospects (considering, no purchase yet): customers' needs already go to the store
    (:mod:`.retention`). The same keyed session draw decides who would have browsed, so a
    store-only arm differs from its online twin only where the app would have acted.
    """
    s, b = ctx.state, ctx.config.behaviour
    if b.store_substitution <= 0 or len(would_browse) == 0:
        return
    prospects = would_browse[s.considering[would_browse] & (s.purchases[would_browse] == 0)]
    plan_visits(ctx, prospects, b.store_substitution, day, draws, "instead_of_app")


def coupon_worth(face_value: float, basket_mean: float) -> float:
    """How much a coupon moves people, 0-1: its value as a share of the mean basket, against
    a reference coupon of 10% of it (worth 1; more is worth no more). A coupon worth
    nothing pulls nobody to a store and adds no interest."""
    return min(1.0, face_value / (0.1 * basket_mean))


def claim_coupons(ctx: DayContext, day: int, sessions: np.ndarray) -> None:
    """Price-sensitive app users claim a coupon while the budget lasts.

    Claiming is a touchpoint whose weight, and whose pull to the store, scale with the
    coupon's worth (:func:`coupon_worth`).
    """
    policy = ctx.config.coupons
    if not policy.enabled:
        return
    draws = ctx.streams.draws(Source.coupons, day)
    s, b = ctx.state, ctx.config.behaviour
    free = sessions[s.coupon_id[sessions] == NEVER]
    p = b.coupon_claim_per_session * (b.coupon_claim_base + ctx.traits.price_sensitivity[free])
    claimants = free[draws.bernoulli(free, p, "claim")]
    claimants = within_budget(ctx, claimants, policy.value)
    if len(claimants) == 0:
        return
    ids = give_coupons(ctx, claimants, policy.value, day)
    ctx.log.add(
        day, Event.coupon_claim, claimants, channel=Channel.online, value=policy.value, coupon=ids
    )
    worth = coupon_worth(policy.value, b.basket_mean)
    novelty = touch(ctx, claimants, b.coupon_claim_weight * worth, draws, "claim")
    if policy.redeemable_in in ("store", "everywhere"):
        # Store-going customers answer the coupon's pull to the store; for everyone
        # else it is one more prompt, and prompts wear out.
        pull = b.coupon_store_pull * worth * np.where(s.used_store[claimants], 1.0, novelty)
        plan_visits(ctx, claimants, pull, day, draws, "coupon")
