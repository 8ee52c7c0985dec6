"""The day's running totals, read by Mesa's DataCollector at the end of each day."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class DayTally:
    """Counts and sums for one day (money in the sample's units, like the event log)."""

    content_views: int = 0
    content_spend: float = 0.0
    wom_messages: int = 0
    app_sessions: int = 0
    store_visits: int = 0
    coupon_claims: int = 0
    coupon_redemptions: int = 0
    coupon_cost: float = 0.0
    purchase_attempts: int = 0
    orders_online: int = 0
    orders_store: int = 0
    revenue_online: float = 0.0
    revenue_store: float = 0.0
    stockouts: int = 0
    abandoned: int = 0

    def reset(self) -> None:
        for f in fields(self):
            setattr(self, f.name, f.default)


TALLY_FIELDS = tuple(f.name for f in fields(DayTally))
