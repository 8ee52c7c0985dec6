"""What a touchpoint does to a consumer: awareness, interest, consideration, visit plans.

Shared by every process that touches consumers, so a content view, a friend's message
and a store visit move people along the same funnel by the same rules, differing only
in their weight (how persuasive that touchpoint is).
"""

from __future__ import annotations

import numpy as np

from sim.engine.context import DayContext
from sim.engine.state import NEVER
from sim.engine.streams import Draws


def touch(
    ctx: DayContext, who: np.ndarray, weight, draws: Draws, label: str, *, interest=None
) -> np.ndarray:
    """Apply touchpoints of the given weight (scalar or per-row) to consumers ``who``.

    Interest grows by the touch's weight (or by ``interest`` where given: a content view's
    trust and saturation make the two differ); consideration starts with chance
    ``consider_per_touch * min(weight, 1)``.

    Returns:
        Each touch's novelty, ``response_wearout ** touches_so_far``: calls to action
        (a view that sparks a store visit) wear out with repetition, so callers scale
        sparks by it. A consumer who ignored the first prompts rarely acts on later ones.
    """
    if len(who) == 0:
        return np.zeros(0, np.float32)
    s, b = ctx.state, ctx.config.behaviour
    ctx.today.touched.append(who)
    novelty = np.power(np.float32(b.response_wearout), s.touches[who]).astype(np.float32)
    np.add.at(s.touches, who, 1)
    s.aware[who] = True
    weight = np.broadcast_to(np.asarray(weight, np.float32), who.shape)
    added = (
        weight if interest is None else np.broadcast_to(np.asarray(interest, np.float32), who.shape)
    )
    np.add.at(s.interest, who, added)
    p = b.consider_per_touch * np.minimum(weight, 1.0)
    start = (~s.considering[who]) & draws.bernoulli(who, p, f"consider:{label}")
    s.considering[who[start]] = True
    return novelty


def plan_visits(
    ctx: DayContext,
    who: np.ndarray,
    chance,
    day: int,
    draws: Draws,
    label: str,
    *,
    earliest: int | None = None,
) -> None:
    """Some of ``who`` decide to visit their store, after a delay of mean ``visit_delay_days``.

    The chance is scaled by how easy and rewarding the trip is (``visit_access``:
    distance and store experience). A consumer with a visit already planned keeps it.
    ``earliest`` is the first day a visit can still happen (the next day for sparks that
    come after the day's store visits).

    Draws are keyed per consumer (``label`` names the kind of spark), so a consumer's
    decision does not depend on who else was sparked that day.
    """
    if len(who) == 0 or np.all(np.asarray(chance) <= 0):
        return
    first = day if earliest is None else earliest
    s = ctx.state
    chance = chance * ctx.today.demand  # the retail calendar: busier days, more trips
    hit = draws.bernoulli(who, chance * ctx.policy.visit_access[who], f"visit:{label}")
    delay = draws.geometric(who, ctx.config.behaviour.visit_delay_days, f"delay:{label}")
    go = hit & (s.planned_visit_day[who] < first)
    s.planned_visit_day[who[go]] = (first + delay[go]).astype(np.int32)


def buy_odds(ctx: DayContext, who: np.ndarray, base: float, *, coupon: bool = True) -> np.ndarray:
    """Chance that a considering prospect buys at this opportunity.

    Rises with accumulated interest (1 - e^-interest), and with a coupon in hand for
    the price-sensitive, in proportion to the coupon's value as a share of the mean
    basket (``coupon_purchase_lift`` is the lift of a coupon worth 10% of it).
    ``coupon=False`` gives the same chance as if no one held a coupon: the counterfactual.
    """
    s, b = ctx.state, ctx.config.behaviour
    p = base * (1.0 - np.exp(-s.interest[who]))
    if not coupon:
        return np.minimum(p, 1.0)
    discount = np.where(s.coupon_id[who] != NEVER, s.coupon_value[who] / b.basket_mean, 0.0)
    lift = b.coupon_purchase_lift * ctx.traits.price_sensitivity[who] * (discount / 0.1)
    p = p * (1.0 + lift)
    return np.minimum(p, 1.0)


def buy_decision(
    ctx: DayContext, who: np.ndarray, base: float, draws: Draws, label: str, factor=1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Which prospects buy, and which of the buyers bought only because of their coupon.

    One keyed uniform ``u`` per prospect decides both: a prospect buys when
    ``u < p_with_coupon`` and would have bought without the coupon when
    ``u < p_without_coupon``, so the second answer is the exact counterfactual on the same
    random number (common random numbers), not an estimate. ``factor`` scales both chances
    (delivery speed, say).

    Returns:
        (buyers, coupon_made): the buyers, and those among them who would not have bought
        without the coupon in hand.
    """
    u = draws.uniform(who, label)
    buys = u < buy_odds(ctx, who, base) * factor
    made = buys & (u >= buy_odds(ctx, who, base, coupon=False) * factor)
    return who[buys], who[made]


def unique(who: np.ndarray) -> np.ndarray:
    """Distinct consumers, keeping first-appearance order (the order things happened)."""
    if len(who) == 0:
        return who
    _, first = np.unique(who, return_index=True)
    return who[np.sort(first)]
