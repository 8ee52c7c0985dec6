"""Word of mouth: a sharer's friends hear about the brand (used by :mod:`.sharing`)."""

from __future__ import annotations

import numpy as np

from sim.engine.context import DayContext
from sim.engine.processes.touch import plan_visits, touch
from sim.engine.streams import Draws
from sim.log.eventlog import Event


def tell_friends(
    ctx: DayContext, day: int, senders: np.ndarray, draws: Draws
) -> tuple[np.ndarray, np.ndarray]:
    """Each sender tells ``friends_per_share`` friends; friends are touched and may visit.

    Returns:
        (senders, receivers) aligned, one pair per message.
    """
    b = ctx.config.behaviour
    src, dst = ctx.graph.random_friends(senders, b.friends_per_share, draws)
    if len(dst) == 0:
        return src, dst
    ctx.log.add(day, Event.wom_received, dst, source=src)
    weight = np.float32(b.wom_touch_factor * b.wom_consider_boost)
    novelty = touch(ctx, dst, weight, draws, "wom")
    # Friends hear after the day's store visits: the earliest visit is tomorrow.
    plan_visits(ctx, dst, b.visit_after_wom * novelty, day, draws, "wom", earliest=day + 1)
    ctx.tally.wom_messages += len(dst)
    return src, dst
