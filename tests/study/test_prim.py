"""PRIM: the peeled box finds where an outcome concentrates."""

from __future__ import annotations

import numpy as np

from sim.study.prim import prim


def test_the_box_bounds_the_parameter_that_decides_the_outcome():
    rng = np.random.default_rng(3)
    x = rng.uniform(size=(200, 3))
    y = (x[:, 1] > 0.7).astype(int)
    box = prim(x, y, alpha=0.05, min_support=5)
    assert set(box.limits) == {1}
    assert 0.6 <= box.limits[1][0] <= 0.75 and box.limits[1][1] == 1.0
    assert box.density == 1.0 and box.coverage > 0.9


def test_no_case_gives_no_box():
    assert prim(np.zeros((4, 2)), np.zeros(4)) is None
