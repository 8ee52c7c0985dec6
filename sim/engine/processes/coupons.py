"""Coupons changing hands outside checkout: handed out (claims, referrals) and expiring."""

from __future__ import annotations

import numpy as np

from sim.engine.context import DayContext
from sim.engine.state import NEVER
from sim.log.eventlog import Event


def give_coupons(ctx: DayContext, who: np.ndarray, face_value: float, day: int) -> np.ndarray:
    """Hand each of ``who`` a coupon valid for ``coupons.expiry_days``; returns their ids."""
    expiry = day + ctx.config.coupons.expiry_days
    ids = ctx.coupons.issue(ctx.state, who, face_value, expiry)
    ctx.tally.coupon_claims += len(who)
    return ids


def within_budget(ctx: DayContext, who: np.ndarray, face_value: float) -> np.ndarray:
    """The first of ``who`` whose coupons still fit in the campaign budget."""
    return ctx.coupons.allows(who, face_value, ctx.config.coupons.budget)


def expire(ctx: DayContext, day: int) -> None:
    """Coupons unused by their expiry day lapse at the end of it."""
    s = ctx.state
    expiring = np.flatnonzero(s.coupon_expiry == day)
    if len(expiring) == 0:
        return
    ctx.log.add(
        day,
        Event.coupon_expire,
        expiring,
        value=s.coupon_value[expiring],
        coupon=s.coupon_id[expiring],
    )
    s.coupon_id[expiring] = NEVER
    s.coupon_value[expiring] = 0.0
    s.coupon_expiry[expiring] = NEVER
