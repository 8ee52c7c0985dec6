"""Reach: paid and earned content, and word of mouth between friends."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.processes.touch import plan_visits, touch
from sim.engine.streams import Draws, Source
from sim.log.eventlog import Channel, Event

if TYPE_CHECKING:
    from sim.engine.model import OmnichannelModel


def content(model: OmnichannelModel, day: int) -> None:
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
    draws = model.streams.draws(Source.content, day)
    cfg = model.config
    s, t = model.state, model.tally
    u = draws.uniform(model.rows, "reach")
    start = np.zeros(model.size)
    for name, channel in cfg.content.channels.items():
        reach = model.reach_chance.get(name)
        if reach is None:
            continue
        if model.reach_stacks:
            end = start + reach
            who = np.flatnonzero((u >= start) & (u < end))
            start = end
        else:
            who = np.flatnonzero(draws.uniform(model.rows, f"reach:{name}") < reach)
        k = len(who)
        if k == 0:
            continue
        quality = np.full(k, channel.quality, np.float32)
        if cfg.content.personalization:
            quality *= 1.0 + cfg.content.personalization_lift * model.traits.consent[who]
        model.log.add(day, Event.content_view, who, channel=Channel[name])
        first = s.first_view_day[who] < 0
        s.first_view_day[who[first]] = day
        s.used_online[who] = True
        novelty = touch(model, who, quality, draws, name)
        plan_visits(model, who, cfg.behaviour.visit_after_view * novelty, day, draws, name)
        t.content_views += k
        t.content_spend += k * channel.cost_per_view


def word_of_mouth(
    model: OmnichannelModel, day: int, senders: np.ndarray, draws: Draws
) -> tuple[np.ndarray, np.ndarray]:
    """Each sender tells ``friends_per_share`` friends; friends are touched and may visit.

    Returns (senders, receivers) aligned, one pair per message.
    """
    b = model.config.behaviour
    src, dst = model.graph.random_friends(senders, b.friends_per_share, draws)
    if len(dst) == 0:
        return src, dst
    model.log.add(day, Event.wom_received, dst, source=src)
    weight = np.float32(0.5 * b.wom_consider_boost)
    novelty = touch(model, dst, weight, draws, "wom")
    # Friends hear after the day's store visits: the earliest visit is tomorrow.
    plan_visits(model, dst, b.visit_after_wom * novelty, day, draws, "wom", earliest=day + 1)
    model.tally.wom_messages += len(dst)
    return src, dst
