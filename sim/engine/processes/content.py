"""Paid and earned content: who is reached by which channel today."""

from __future__ import annotations

import numpy as np

from sim.engine.context import DayContext
from sim.engine.processes.touch import plan_visits, touch
from sim.engine.streams import Source
from sim.log.eventlog import Channel, Event


def content_views(ctx: DayContext, day: int) -> None:
    """Each channel buys ``daily_budget / cost_per_view`` views, spread by targeting weight.

    Consumer i is reached by a channel on a day with chance ``1 - exp(-lambda_i)``, where
    the lambda_i split the channel's expected views by targeting weight (a thinned
    Poisson process, at most one view per channel and day). One keyed uniform per
    consumer and day is cut into consecutive slices, one per channel, of those widths:
    a bigger budget reaches everyone a smaller one reached, and moving budget between
    channels at equal total moves the same people between channels, so arms that differ
    in the content plan stay paired. (Slices make two views on one day exclusive, a
    negligible change while chances are small; where a consumer's chances add up to more
    than 1, each channel draws independently instead.)
    """
    draws = ctx.streams.draws(Source.content, day)
    cfg, policy = ctx.config, ctx.policy
    s, t = ctx.state, ctx.tally
    u = draws.uniform(ctx.rows, "reach")
    start = np.zeros(ctx.size)
    for name, channel in cfg.content.channels.items():
        reach = policy.reach_chance.get(name)
        if reach is None:
            continue
        if policy.reach_stacks:
            end = start + reach
            who = np.flatnonzero((u >= start) & (u < end))
            start = end
        else:
            who = np.flatnonzero(draws.uniform(ctx.rows, f"reach:{name}") < reach)
        k = len(who)
        if k == 0:
            continue
        quality = np.full(k, channel.quality, np.float32)
        if cfg.content.personalization:
            quality *= 1.0 + cfg.content.personalization_lift * ctx.traits.consent[who]
        ctx.log.add(day, Event.content_view, who, channel=Channel[name])
        first = s.first_view_day[who] < 0
        s.first_view_day[who[first]] = day
        s.used_online[who] = True
        novelty = touch(ctx, who, quality, draws, name)
        plan_visits(ctx, who, cfg.behaviour.visit_after_view * novelty, day, draws, name)
        t.content_views += k
        t.content_spend += k * channel.cost_per_view
        ctx.today.media_spend[name] = k * channel.cost_per_view
