"""Sharing a purchase with friends, and share-to-get referral coupons."""

from __future__ import annotations

import numpy as np

from sim.engine.context import DayContext
from sim.engine.processes.coupons import give_coupons, within_budget
from sim.engine.processes.word_of_mouth import tell_friends
from sim.engine.state import NEVER
from sim.engine.streams import Source
from sim.log.eventlog import Channel, Event


def share(ctx: DayContext, day: int) -> None:
    """Buyers share with chance rising with social activity; friends hear and may get coupons.

    With ``coupons.share_to_get``, each friend without a coupon gets a referral coupon
    (its ``source`` is the sharer) while the budget lasts; a friend told twice gets one.
    """
    buyers = ctx.today.buyers
    if len(buyers) == 0:
        return
    b, s = ctx.config.behaviour, ctx.state
    draws = ctx.streams.draws(Source.sharing, day)
    social = ctx.traits.social_activity[buyers]
    p_share = np.minimum(1.0, b.share_after_purchase * b.share_social_factor * social)
    sharers = np.unique(buyers[draws.bernoulli(buyers, p_share, "share")])
    if len(sharers) == 0:
        return
    ctx.log.add(day, Event.share, sharers)
    s.shares[sharers] += 1
    senders, receivers = tell_friends(ctx, day, sharers, draws)
    policy = ctx.config.coupons
    if not (policy.enabled and policy.share_to_get and len(receivers)):
        return
    free = s.coupon_id[receivers] == NEVER
    senders, receivers = senders[free], receivers[free]
    _, first = np.unique(receivers, return_index=True)
    first = np.sort(first)
    senders, receivers = senders[first], receivers[first]
    allowed = within_budget(ctx, receivers, policy.referral_value)
    senders, receivers = senders[: len(allowed)], allowed
    if len(receivers) == 0:
        return
    ids = give_coupons(ctx, receivers, policy.referral_value, day)
    ctx.log.add(
        day,
        Event.coupon_claim,
        receivers,
        channel=Channel.online,
        value=policy.referral_value,
        coupon=ids,
        source=senders,
    )
