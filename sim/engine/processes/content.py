"""Paid and earned content: who each channel reaches today, and what a view does.

Reach. Each channel buys ``daily_budget`` worth of views at its price (which rises as it
buys deeper into its audience, :func:`sim.engine.policy.views_bought`), spread over
consumers by targeting weight times the channel's audience affinity. Consumer i is reached
with chance ``1 - exp(-lambda_i)`` (a thinned Poisson process, at most one view per channel
and day), decided by a uniform keyed on (seed, day, the channel's own label, consumer).

The guarantee that makes channel comparisons paired: a channel's ``content_view`` rows on a
seed are a function of that channel's settings (budget, price, audience), the targeting and
the population only. Exposure reads no journey state, so nothing downstream (purchases,
word of mouth, lapses) and no other channel's plan can change who a channel reaches: an arm
that switches one channel off, or moves its budget, leaves every other channel's rows exactly
as they were. A bigger budget on a channel reaches everyone a smaller one reached (the same
uniform against a larger chance). Turnover is the one exception, and only in the ``consumer``
column: a seat's newcomer has a new id, and exits depend on the market turnover draws alone.

Response. A view makes the consumer aware and is a touchpoint; what else it does is the
channel's role (trust: interest; consideration; a store visit; an online order on the spot)
scaled by the frequency response: each view adds 1 to the consumer's adstock of the channel,
which fades at the channel's carryover rate, and the channel's effect is a saturating curve
of that adstock, ``g(A) = A c / (c - 1 + A)`` with ceiling ``c`` (``g(1) = 1``: a fresh
consumer's first view counts in full, the k-th view in a short window less). The interest
the channel holds in a consumer is ``quality x trust x g(A)`` and fades with the adstock.
The audience's ``response`` for the viewer's segment multiplies all of it (interest,
consideration, store-visit spark, on-the-spot order) but not awareness: the same view is
worth more to a segment it lands with. It draws nothing, so it never moves anyone's reach.
"""

from __future__ import annotations

import numpy as np

from sim.engine.context import DayContext
from sim.engine.prices import ONLINE, channel_response, livestream_price, response
from sim.engine.processes.touch import buy_odds, plan_visits, touch
from sim.engine.streams import Draws, Source
from sim.log.eventlog import Channel, Event
from sim.scenario.sections import ContentChannel
from sim.scenario.vocabulary import CONTENT_CHANNELS


def saturation(adstock: np.ndarray, ceiling: float | None) -> np.ndarray:
    """What an adstock of views does, in fresh views: ``A c / (c - 1 + A)`` (``A`` without a
    ceiling). ``g(0) = 0``, ``g(1) = 1`` and ``g`` rises to ``c``: each further view adds less."""
    if ceiling is None:
        return adstock
    return adstock * np.float32(ceiling) / (np.float32(ceiling - 1.0) + adstock)


def segment_response(channel: ContentChannel, segment_names) -> np.ndarray:
    """What a view of ``channel`` is worth to each segment (indexed by segment code): the
    audience's ``response`` for the segments it names, 1 for the others."""
    named = channel.audience.response
    return np.array([named.get(n, 1.0) for n in segment_names], np.float32)


def _responds(channel: ContentChannel) -> bool:
    """Whether the channel keeps an adstock of its own (else a view is a plain touch)."""
    return channel.carryover_half_life_days is not None or channel.saturation_ceiling is not None


def carry_over(ctx: DayContext, column: int, channel: ContentChannel | None, kept) -> None:
    """Overnight: the channel's adstock fades at its own rate, and so does the interest it
    holds (interest faded this morning at the common rate; this puts the channel's share of
    it on the channel's curve instead)."""
    s = ctx.state
    stock = s.adstock[:, column]
    active = np.flatnonzero(stock > 0)
    if len(active) == 0:
        return
    before = stock[active]
    after = before * kept
    after[after < 1e-3] = 0.0  # a thousandth of a view: gone (keeps the active set small)
    ceiling = channel.saturation_ceiling if channel is not None else None
    held = s.content_interest[active, column]
    now = held * (saturation(after, ceiling) / saturation(before, ceiling))
    faded = held * ctx.policy.interest_retention
    s.interest[active] = np.maximum(s.interest[active] + (now - faded), 0.0)
    s.content_interest[active, column] = now
    s.adstock[active, column] = after


def content_views(ctx: DayContext, day: int) -> None:
    """Each channel buys ``daily_budget / cost_per_view`` views, spread by targeting weight."""
    draws = ctx.streams.draws(Source.content, day)
    cfg, policy = ctx.config, ctx.policy
    for column, name in enumerate(CONTENT_CHANNELS):
        channel = cfg.content.channels.get(name)
        if ctx.state.adstock[:, column].any():
            kept = policy.carryover.get(name, policy.interest_retention)
            carry_over(ctx, column, channel, kept)
        reach = policy.reach_chance.get(name)
        if channel is None or reach is None:
            continue
        who = np.flatnonzero(draws.uniform(ctx.rows, f"reach:{name}") < reach)
        if len(who):
            _view(ctx, day, draws, name, column, channel, who)


def _view(
    ctx: DayContext,
    day: int,
    draws: Draws,
    name: str,
    column: int,
    channel: ContentChannel,
    who: np.ndarray,
) -> None:
    """What today's views of one channel do to the consumers ``who`` it reached."""
    cfg, s, t = ctx.config, ctx.state, ctx.tally
    b = cfg.behaviour
    quality = np.full(len(who), channel.quality, np.float32)
    if cfg.content.personalization:
        quality *= 1.0 + cfg.content.personalization_lift * ctx.traits.consent[who]
    if _responds(channel):
        before = s.adstock[who, column]
        ceiling = channel.saturation_ceiling
        response = saturation(before + 1.0, ceiling) - saturation(before, ceiling)
        s.adstock[who, column] = before + 1.0
    else:
        response = np.ones(len(who), np.float32)
    if channel.audience.response:
        lands = segment_response(channel, ctx.traits.segment_names)
        response = response * lands[ctx.traits.segment[who]]
    interest = quality * np.float32(channel.trust_weight) * response
    if _responds(channel):
        s.content_interest[who, column] += interest
    ctx.log.add(day, Event.content_view, who, channel=Channel[name])
    first = s.first_view_day[who] < 0
    s.first_view_day[who[first]] = day
    s.used_online[who] = True
    weight = quality * np.float32(channel.consider_weight) * response
    novelty = touch(ctx, who, weight, draws, name, interest=interest)
    spark = b.visit_after_view * channel.visit_weight * novelty * response
    plan_visits(ctx, who, spark, day, draws, name)
    if channel.order_chance > 0 and cfg.online.enabled:
        _order_on_the_spot(ctx, who, channel.order_chance * response, draws, name)
    cost = ctx.policy.view_cost[name]
    t.content_views += len(who)
    t.content_spend += len(who) * cost
    ctx.today.media_spend[name] = len(who) * cost


def _order_on_the_spot(
    ctx: DayContext, who: np.ndarray, chance: np.ndarray, draws: Draws, name: str
) -> None:
    """Considering prospects among the viewers order online there and then (a livestream's
    buy button), with the odds of an app order, put off by slow delivery like any online
    order and moved by the price they would pay there (a livestream flash sale cuts it);
    they join today's online purchase attempts."""
    s = ctx.state
    keep = s.considering[who] & (s.purchases[who] == 0) & ~s.lapsed[who]
    prospects, chance = who[keep], chance[keep]
    if len(prospects) == 0:
        return
    delivery = ctx.policy.delivery_factor[ctx.traits.city_tier[prospects]]
    live = name == "livestream"
    if live:
        price = response(ctx, prospects, livestream_price(ctx))
    else:
        price = channel_response(ctx, prospects, ONLINE)
    p = buy_odds(ctx, prospects, 1.0) * chance * delivery * price
    buyers = prospects[draws.bernoulli(prospects, p, f"order:{name}")]
    ctx.today.instant_orders = np.concatenate([ctx.today.instant_orders, buyers])
    if live:
        ctx.today.livestream_orders = buyers
