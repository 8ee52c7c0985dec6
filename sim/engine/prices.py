"""How consumers answer prices: the elasticity of buying, by the segment's price sensitivity.

A consumer of price sensitivity ``s`` facing a price index ``p`` (1 = the behavioural basket)
acts ``p ** (-elasticity x s)`` times as often as at index 1: a 20% cut moves the most
price-sensitive a lot and the least hardly at all. Everything returns exactly 1.0 at index
1, so a scenario without prices or promotions draws the same numbers as before.
"""

from __future__ import annotations

import numpy as np

from sim.engine.context import DayContext

ONLINE, STORE = 0, 1  # positions in ``ctx.today.list_price`` / ``promo_depth``


def paid_price(ctx: DayContext, channel: int) -> float:
    """Today's price index in a purchase channel: list price less any promotional cut."""
    today = ctx.today
    return float(today.list_price[channel] * (1.0 - today.promo_depth[channel]))


def livestream_price(ctx: DayContext) -> float:
    """Today's price index for an order placed in a livestream: the online list price less
    the deeper of an online cut and a livestream flash sale."""
    today = ctx.today
    return float(today.list_price[ONLINE] * (1.0 - today.livestream_depth))


def response(ctx: DayContext, who: np.ndarray, price) -> np.ndarray | float:
    """How much more (or less) often ``who`` act at price index ``price`` (scalar or per row)."""
    price = np.asarray(price, np.float64)
    if np.all(price == 1.0):
        return 1.0
    exponent = -ctx.config.prices.elasticity * ctx.traits.price_sensitivity[who]
    return np.power(price, exponent)


def channel_response(ctx: DayContext, who: np.ndarray, channel: int) -> np.ndarray | float:
    """:func:`response` to today's price in one purchase channel."""
    return response(ctx, who, paid_price(ctx, channel))


def best_price_response(ctx: DayContext, who: np.ndarray) -> np.ndarray | float:
    """:func:`response` to the cheaper channel today (a need is met where it is cheapest)."""
    if not ctx.config.online.enabled:
        return channel_response(ctx, who, STORE)
    return response(ctx, who, min(paid_price(ctx, ONLINE), paid_price(ctx, STORE)))


def gap_distrust(ctx: DayContext, who: np.ndarray, channel: int) -> np.ndarray | float:
    """How much of their buy odds ``who`` keep in ``channel`` when it is the dearer one.

    A consumer who has seen both prices (used both the online channel and a store) and
    finds the same brand dearer here trusts it less (``prices.gap_distrust``): their odds
    are scaled by ``max(0, 1 - gap_distrust x gap)``, the gap being the dearer price over
    the cheaper, less 1. 1.0 in the cheaper channel, with one price, or without the key.
    """
    k = ctx.config.prices.gap_distrust
    if k == 0.0:
        return 1.0
    prices = (paid_price(ctx, ONLINE), paid_price(ctx, STORE))
    if prices[channel] <= prices[1 - channel]:
        return 1.0
    kept = max(0.0, 1.0 - k * (prices[channel] / prices[1 - channel] - 1.0))
    s = ctx.state
    return np.where(s.used_online[who] & s.used_store[who], kept, 1.0)


def online_odds_after_prices(ctx: DayContext, who: np.ndarray, odds: np.ndarray) -> np.ndarray:
    """Chance of meeting a need online, shifted by the price gap between the channels.

    The odds of online against store are multiplied by how much more the store's price puts
    the consumer off than the online one (a store 5% dearer sends price-sensitive customers
    online). Unchanged when both channels cost the same.
    """
    online, store = paid_price(ctx, ONLINE), paid_price(ctx, STORE)
    if online == store:
        return odds
    ratio = response(ctx, who, online) / response(ctx, who, store)
    shifted = odds * ratio
    return shifted / (shifted + (1.0 - odds))
