"""Common random numbers: one independent stream per source of randomness and per day.

Every draw in a run comes from ``SeedSequence(seed, spawn_key=(source, day))``. Two
scenarios that differ in one lever therefore use the same numbers for everything else:
a coupon change cannot shift who sees which video on day 40, because content draws
never share a stream with coupon draws, and a different number of draws on day 39
cannot shift day 40. That is what makes paired comparisons tight.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Source(IntEnum):
    """Sources of randomness. Append new ones at the end: reordering changes every run."""

    population = 0
    network = 1
    stores = 2
    content = 3
    wom = 4
    app = 5
    coupons = 6
    visits = 7
    purchases = 8
    basket = 9
    inventory = 10
    sharing = 11
    membership = 12
    retention = 13


class Streams:
    """Hands out the generator for a (source, day) pair; day -1 is set-up."""

    def __init__(self, seed: int):
        if not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)

    def get(self, source: Source, day: int = -1) -> np.random.Generator:
        """A fresh generator for ``source`` on ``day``: same inputs, same numbers, any process."""
        key = (int(source), day + 1)
        return np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=key))
        )
