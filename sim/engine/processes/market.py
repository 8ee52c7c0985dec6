"""The day's market: its date's demand, the brand's prices and promotions, the rivals' prices."""

from __future__ import annotations

import numpy as np

from sim.engine.calendar import demand
from sim.engine.context import DayContext
from sim.scenario.market import Promotion

#: Where each promotion scope cuts: (online, store, orders placed in a livestream).
_SCOPES = {
    "online": (True, False, True),
    "store": (False, True, False),
    "everywhere": (True, True, True),
    "livestream": (False, False, True),
}


def cuts_in_force(promotions: list[Promotion], day: int) -> np.ndarray:
    """The deepest cut in force on ``day`` for (online, store, livestream orders); cuts do
    not stack: the shopper gets the best one."""
    depth = np.zeros(3)
    for promo in promotions:
        if promo.first_day <= day <= promo.last_day:
            depth = np.maximum(depth, np.array(_SCOPES[promo.channel]) * promo.depth)
    return depth


def depth_in_force(promotions: list[Promotion], day: int) -> np.ndarray:
    """The deepest cut in force on ``day`` per purchase channel (online, store)."""
    return cuts_in_force(promotions, day)[:2]


def open_day(ctx: DayContext, day: int) -> None:
    """Set today's demand (retail calendar), list prices, promotional cuts and rivals' prices.

    Read every day from the scenario in force, so a scheduled change to any of them acts
    from its day. Store prices lag above online ones without one price
    (``consistency.price_consistent: false``) by ``prices.inconsistent_store_premium``.
    """
    cfg, today = ctx.config, ctx.today
    dated = day + ctx.calendar_offset
    today.demand = demand(cfg.calendar, dated)
    premium = 0.0 if cfg.consistency.price_consistent else cfg.prices.inconsistent_store_premium
    today.list_price = np.array([cfg.prices.online, cfg.prices.store * (1.0 + premium)])
    cuts = cuts_in_force(cfg.promotions, dated)
    today.promo_depth, today.livestream_depth = cuts[:2], float(cuts[2])
    today.rival_price = np.array(
        [
            c.price * (1.0 - cuts_in_force(c.promotions, dated).max())
            for c in cfg.competitors.values()
        ]
    )
