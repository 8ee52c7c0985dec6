"""The coupon book: the campaign budget spent so far and the ids of coupons handed out."""

from __future__ import annotations

import numpy as np

from sim.engine.state import ConsumerState


class CouponBook:
    """Issues coupons while the campaign budget (market money) lasts.

    Args:
        scale: market consumers per simulated consumer; budgets are in market money.
    """

    def __init__(self, scale: float):
        self.scale = scale
        self.budget_used = 0.0
        self.next_id = 0

    def allows(self, who: np.ndarray, face_value: float, budget: float) -> np.ndarray:
        """The first consumers of ``who`` whose coupons still fit in ``budget``."""
        per_coupon = face_value * self.scale
        if per_coupon <= 0:
            return who
        n = int(max(0.0, budget - self.budget_used) // per_coupon)
        return who[:n]

    def issue(
        self, state: ConsumerState, who: np.ndarray, face_value: float, expiry: int
    ) -> np.ndarray:
        """Give each of ``who`` a coupon worth ``face_value`` lapsing after day ``expiry``.

        Returns:
            The new coupons' ids, aligned with ``who``.
        """
        ids = np.arange(self.next_id, self.next_id + len(who), dtype=np.int64)
        self.next_id += len(who)
        state.coupon_id[who] = ids
        state.coupon_value[who] = face_value
        state.coupon_expiry[who] = min(expiry, 2**31 - 1)
        self.budget_used += face_value * self.scale * len(who)
        return ids
