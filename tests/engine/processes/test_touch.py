"""The shared rules of a touch."""

from __future__ import annotations

import numpy as np

from sim.engine.processes.touch import touch, unique
from sim.engine.streams import Source
from tests.engine.processes.handmade import make_ctx


def test_a_touch_makes_aware_and_adds_its_weight_to_interest():
    ctx = make_ctx()
    touch(ctx, np.array([1, 1, 2]), 0.25, ctx.streams.draws(Source.app, 0), "t")
    assert ctx.state.aware[[1, 2]].all() and not ctx.state.aware[0]
    np.testing.assert_allclose(ctx.state.interest[[1, 2]], [0.5, 0.25])


def test_novelty_wears_out_with_each_touch():
    ctx = make_ctx({"behaviour": {"response_wearout": 0.5}})
    draws = ctx.streams.draws(Source.app, 0)
    firsts = [touch(ctx, np.array([3]), 0.1, draws, f"t{i}")[0] for i in range(3)]
    assert firsts == [1.0, 0.5, 0.25]


def test_unique_keeps_first_appearance_order():
    assert unique(np.array([5, 2, 5, 1, 2])).tolist() == [5, 2, 1]
