"""A sharer's friends hear."""

from __future__ import annotations

import numpy as np

from sim.engine.processes.word_of_mouth import tell_friends
from sim.engine.streams import Source
from tests.engine.processes.handmade import make_ctx


def test_each_message_goes_from_a_sender_to_one_of_their_friends():
    ctx = make_ctx({"behaviour": {"friends_per_share": 2}})
    draws = ctx.streams.draws(Source.sharing, 0)
    senders, receivers = tell_friends(ctx, 0, np.array([0, 6]), draws)
    for s, r in zip(senders, receivers, strict=True):
        assert r in ((s - 1) % 12, (s + 1) % 12)
    assert ctx.tally.wom_messages == len(receivers)
