"""Competitors: rivals steal some of the brand's sales and take the needs it never met.

Design (how competition coexists with the brand's own purchase flow):

* The brand's flow is unchanged and makes its opportunities: a prospect ordering in an app
  session, a store visitor buying, a customer's need to rebuy turning into a mission. Its
  rates are calibrated in a market with rivals in it: the market as it stands on day 0
  (``ctx.opening``: the rivals then named, at their list prices, no deals; the brand at the
  basket price).
* :func:`contest` runs just before checkout. For each of the day's brand attempts it
  compares the rivals' logit preference share today with their share in the day-0 market,
  for this consumer: the brand's utility (interest, loyalty as a customer and member, store
  or delivery convenience, its price today) against each rival's (appeal, media pressure,
  its price after promotions). When rivals are more attractive than on day 0 (a coupon
  blitz, a media push, a new rival) the extra share ``(s_now - s_day0) / (1 - s_day0)`` of
  the brand's attempts is stolen: a ``competitor_purchase`` row with the brand's channel, and
  the need (a mission) is spent. When the brand is the more attractive one (its own
  promotion), nothing is stolen; its gain comes through its buy odds
  (:mod:`sim.engine.prices`). So a market that does not change leaves the brand's sales
  exactly as calibrated, and a loyal member, whose share barely moves, is hard to steal.
* Consumers also have category needs of their own: a clock per consumer ticks to the next
  occasion (gaps of mean ``30 / occasions_per_month`` days, shortened on busy calendar days).
  Any purchase (the brand's or a rival's) meets the need and restarts the clock. When the
  clock runs out, the brand had no sale in that time: :func:`lost_occasions` gives the need
  to a rival, chosen among the rivals by their utilities (a ``competitor_purchase`` row
  without a channel). The gaps are regular (gamma, shape 4) rather than memoryless, so a
  brand that sells more often leaves fewer needs to rivals.

Cost grows with events: the clocks are touched only on occasions and purchases. With no
``competitors`` neither process does anything, and the run is the brand-only model.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaincinv

from sim.engine.context import DayContext
from sim.engine.prices import ONLINE, STORE, paid_price
from sim.engine.state import NEVER, Mission
from sim.engine.streams import Draws, Source
from sim.log.eventlog import Channel, Event

#: Shape of the gamma gaps between category needs (4: fairly regular, CV 0.5).
GAP_SHAPE = 4.0


def _rival_base(ctx: DayContext, rivals) -> np.ndarray:
    """Each rival's utility before price: appeal and media pressure."""
    comp = ctx.config.competition
    return np.array(
        [r.appeal + comp.media_weight * np.log1p(r.media_pressure / comp.media_reference)
         for r in rivals]
    )  # fmt: skip


def rival_utility(ctx: DayContext, who: np.ndarray) -> np.ndarray:
    """Each rival's utility to each of ``who`` today: rows are consumers, columns rivals."""
    base = _rival_base(ctx, ctx.config.competitors.values())
    sensitivity = ctx.config.prices.elasticity * ctx.traits.price_sensitivity[who].astype(
        np.float64
    )
    return base[None, :] - sensitivity[:, None] * np.log(ctx.today.rival_price)[None, :]


def opening_utility(ctx: DayContext, who: np.ndarray) -> np.ndarray:
    """The day-0 rivals' utilities as they stood then (list prices, no deals); no column
    when there were none."""
    opening = ctx.opening.competitors if ctx.opening is not None else {}
    if not opening:
        return np.empty((len(who), 0))
    base = _rival_base(ctx, opening.values())
    price = np.log([r.price for r in opening.values()])
    sensitivity = ctx.config.prices.elasticity * ctx.traits.price_sensitivity[who].astype(
        np.float64
    )
    return base[None, :] - sensitivity[:, None] * price[None, :]


def brand_utility(ctx: DayContext, who: np.ndarray, in_store: bool, price: float) -> np.ndarray:
    """The brand's utility to ``who`` about to buy it online or in store at ``price``."""
    comp, s = ctx.config.competition, ctx.state
    interest = 1.0 - np.exp(-s.interest[who].astype(np.float64))
    if in_store:
        convenience = ctx.policy.visit_access[who].astype(np.float64)
    else:
        tier = ctx.traits.city_tier[who]
        convenience = ctx.traits.online_propensity[who] * ctx.policy.delivery_factor[tier]
    sensitivity = ctx.config.prices.elasticity * ctx.traits.price_sensitivity[who]
    return (
        comp.interest_weight * interest
        + comp.customer_loyalty * (s.purchases[who] > 0)
        + comp.member_loyalty * s.member[who]
        + comp.convenience_weight * convenience
        - sensitivity * np.log(price)
    )


def _rival_share(brand: np.ndarray, rivals: np.ndarray) -> np.ndarray:
    """The rivals' logit share against the brand, per row (0 with no rivals)."""
    if rivals.shape[1] == 0:
        return np.zeros(len(brand))
    top = np.maximum(rivals.max(axis=1), brand)
    pull = np.exp(rivals - top[:, None]).sum(axis=1)
    return pull / (pull + np.exp(brand - top))


def steal_chance(ctx: DayContext, who: np.ndarray, in_store: bool) -> np.ndarray:
    """Chance a rival takes each of ``who``'s brand attempts: the rivals' share gained since
    day 0, as a share of what the brand held then (0 when rivals are no more attractive)."""
    channel = STORE if in_store else ONLINE
    now = _rival_share(brand_utility(ctx, who, in_store, paid_price(ctx, channel)),
                       rival_utility(ctx, who))  # fmt: skip
    then = _rival_share(brand_utility(ctx, who, in_store, 1.0), opening_utility(ctx, who))
    return np.clip((now - then) / (1.0 - then), 0.0, 1.0)


def _pick_rival(utility: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The rival each row chooses, by the logit shares of its utilities."""
    weight = np.exp(utility - utility.max(axis=1, keepdims=True))
    cdf = np.cumsum(weight, axis=1)
    pick = (cdf < (u * cdf[:, -1])[:, None]).sum(axis=1)
    return np.minimum(pick, utility.shape[1] - 1).astype(np.int16)


def _rival_value(ctx: DayContext, who: np.ndarray, rival: np.ndarray) -> np.ndarray:
    """A rival's order: the consumer's basket at the rival's price today (sample money)."""
    basket = ctx.config.behaviour.basket_mean * ctx.traits.basket_multiplier[who]
    return basket * ctx.today.rival_price[rival]


def contest(ctx: DayContext, day: int) -> None:
    """Rivals steal some of today's brand attempts (``competitor_purchase`` with a channel)."""
    if not ctx.config.competitors:
        return
    draws = ctx.streams.draws(Source.competition, day)
    today, s = ctx.today, ctx.state
    kept, stolen_who = [], []
    for attempts, in_store, label in (
        (today.online_attempts, False, "online"),
        (today.store_attempts, True, "store"),
    ):
        if len(attempts) == 0:
            kept.append(attempts)
            continue
        p_steal = steal_chance(ctx, attempts, in_store)
        steal = draws.bernoulli(attempts, p_steal, f"steal:{label}")
        who = attempts[steal]
        kept.append(attempts[~steal])
        if len(who) == 0:
            continue
        rivals = rival_utility(ctx, who)
        rival = _pick_rival(rivals, draws.uniform(who, f"rival:{label}"))
        channel = Channel.store if in_store else Channel.online
        ctx.log.add(
            day,
            Event.competitor_purchase,
            who,
            channel=channel,
            store=ctx.nearest_store[who] if in_store else -1,
            value=_rival_value(ctx, who, rival),
            competitor=rival,
        )
        stolen_who.append(who)
    today.online_attempts, today.store_attempts = kept
    if stolen_who:
        stolen = np.unique(np.concatenate(stolen_who))
        s.mission[stolen] = Mission.none
        today.rival_buyers = stolen


def _gaps(ctx: DayContext, who: np.ndarray, draws: Draws, label: str) -> np.ndarray:
    """Days to each consumer's next category need (at least 1; gamma gaps, keyed)."""
    comp = ctx.config.competition
    names = list(ctx.config.population.segments)
    per_month = np.array([comp.by_segment.get(n, comp.occasions_per_month) for n in names])
    rate = per_month[ctx.traits.segment[who]] / 30.0 * max(ctx.today.demand, 1e-9)
    u = np.clip(draws.uniform(who, label), 1e-12, 1.0 - 1e-12)
    with np.errstate(divide="ignore"):
        mean = np.where(rate > 0, 1.0 / rate, np.inf)
    gap = gammaincinv(GAP_SHAPE, u) / GAP_SHAPE * mean
    return np.where(np.isfinite(gap), np.maximum(1, np.rint(gap)), np.iinfo(np.int32).max // 2)


def lost_occasions(ctx: DayContext, day: int) -> None:
    """Needs the brand did not meet go to a rival; every purchase restarts the need clock."""
    if not ctx.config.competitors:
        return
    draws = ctx.streams.draws(Source.competition, day)
    s, today = ctx.state, ctx.today
    unset = np.flatnonzero(s.next_occasion == NEVER)  # day 0, newcomers, after the burn-in
    if len(unset):
        first = np.floor(_gaps(ctx, unset, draws, "first") * draws.uniform(unset, "phase"))
        s.next_occasion[unset] = np.minimum(day + first, np.iinfo(np.int32).max // 2)
    due = np.flatnonzero(s.next_occasion <= day)
    met = np.concatenate([today.buyers, today.rival_buyers])
    lost = np.setdiff1d(due, met, assume_unique=False)
    if len(lost):
        rival = _pick_rival(rival_utility(ctx, lost), draws.uniform(lost, "rival:need"))
        ctx.log.add(
            day,
            Event.competitor_purchase,
            lost,
            value=_rival_value(ctx, lost, rival),
            competitor=rival,
        )
    restart = np.union1d(due, met)
    if len(restart):
        nxt = day + _gaps(ctx, restart, draws, "next")
        s.next_occasion[restart] = np.minimum(nxt, np.iinfo(np.int32).max // 2)
