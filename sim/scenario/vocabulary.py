"""Names declared once: content channels, purchase channels and city tiers.

The scenario schema, the event log's ``channel`` column, the KPIs and the reports all
derive their lists from here, so adding a content channel is one edit, not four.
"""

from __future__ import annotations

#: Paid and earned content a brand can fund, in the order the engine serves them each day.
CONTENT_CHANNELS: tuple[str, ...] = ("short_video", "livestream", "kol", "ugc")

#: Where an order is placed.
PURCHASE_CHANNELS: tuple[str, ...] = ("online", "store")

#: City tiers: tier-1/2 cities and tier-3/4 cities with county markets.
CITY_TIERS: tuple[str, ...] = ("tier12", "tier34")


def region_names(regions: int) -> tuple[str, ...]:
    """Names of ``regions`` store regions: ``region_1`` .. ``region_<regions>``."""
    return tuple(f"region_{k + 1}" for k in range(regions))
