"""Interest fades overnight."""

from __future__ import annotations

import numpy as np

from sim.engine.processes import interest
from tests.engine.processes.handmade import make_ctx


def test_interest_halves_after_its_half_life():
    ctx = make_ctx({"behaviour": {"interest_half_life_days": 4.0}})
    ctx.state.interest[:] = 1.0
    for day in range(4):
        interest.fade(ctx, day)
    np.testing.assert_allclose(ctx.state.interest, 0.5, rtol=1e-5)
