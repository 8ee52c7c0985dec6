"""Prices at the till: orders at the channel's list price, promotional cuts booked, stock-ups.

Called by :mod:`.checkout` (two lines there), so the price logic stays in one module. An
order's ``value`` in the log is its value at list price; a cut is a ``promotion_discount``
row of the amount off, so revenue net of discounts is a function of the log (the P&L's
``promotion_discounts`` line). The cost of goods follows the goods: an order worth more
only because the list price is higher does not cost more to make (``Today.price_premium``).
"""

from __future__ import annotations

import numpy as np

from sim.engine.context import DayContext
from sim.engine.prices import ONLINE, STORE
from sim.log.eventlog import NONE, Event


def at_list_prices(ctx: DayContext, in_store: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Basket values (at price index 1) priced at each channel's list price today."""
    index = np.where(in_store, ctx.today.list_price[STORE], ctx.today.list_price[ONLINE])
    if np.all(index == 1.0):
        return value
    return value * index


def book_promotions(
    ctx: DayContext,
    day: int,
    who: np.ndarray,
    in_store: np.ndarray,
    channel: np.ndarray,
    store: np.ndarray,
    value: np.ndarray,
    buys: np.ndarray,
) -> None:
    """Log the cut on each purchase made in a promotion; its buyers stock up.

    Online orders placed in a livestream get the livestream's cut when a flash sale makes
    it deeper than the online one.

    A buyer at a cut of depth ``d`` is covered for ``prices.stockpile_days x d / 0.1`` days:
    no need to rebuy until then (:mod:`.retention`), which is the dip after a sale.
    """
    today = ctx.today
    index = np.where(in_store, today.list_price[STORE], today.list_price[ONLINE])
    if not np.all(index == 1.0):
        today.price_premium += float(np.sum((value - value / index)[buys]))
    depth = np.where(in_store, today.promo_depth[STORE], today.promo_depth[ONLINE])
    if today.livestream_depth > today.promo_depth[ONLINE]:  # a livestream flash sale
        live = ~in_store & np.isin(who, today.livestream_orders)
        depth = np.where(live, today.livestream_depth, depth)
    cut = buys & (depth > 0)
    if not cut.any():
        return
    ctx.log.add(
        day,
        Event.promotion_discount,
        who[cut],
        channel=channel[cut],
        store=np.where(in_store[cut], store[cut], NONE),
        value=value[cut] * depth[cut],
    )
    covered = np.rint(ctx.config.prices.stockpile_days * depth[cut] / 0.1).astype(np.int32)
    s = ctx.state
    s.stocked_until[who[cut]] = np.maximum(s.stocked_until[who[cut]], day + covered)
