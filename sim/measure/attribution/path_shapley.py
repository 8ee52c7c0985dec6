"""Path Shapley attribution (Zhao et al. 2018): channels as players of a revenue game.

The value of a set of channels ``S`` is the revenue of the converting paths that used no
channel outside ``S``. Each channel's Shapley value over that game is its credit. This game
is a sum of one unanimity game per distinct channel set, so the Shapley value spreads each
purchase equally over the *distinct* channels on its path: unlike ``linear``, a channel
repeated five times on a path earns no more than one seen once. It is computed from the
game itself (exact Shapley over every coalition), which the tests compare with that
closed form. Like the rules, it does not learn from paths that did not convert (the Markov
removal effect does).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from sim.measure import shapley
from sim.measure.attribution.journeys import Journey

#: Most channels valued exactly (2^8 coalitions).
MAX_CHANNELS = 8


def set_values(paths: Sequence[Journey], channels: Sequence[str]) -> dict[frozenset, np.ndarray]:
    """Revenue and conversions of converting paths whose channels all lie in ``S``."""
    totals: dict[frozenset, np.ndarray] = defaultdict(lambda: np.zeros(2))
    for j in paths:
        if j.touches and j.converted:
            totals[frozenset(j.touches)] += (j.value, 1.0)
    return {
        c: sum((v for s, v in totals.items() if s <= c), np.zeros(2))
        for c in shapley.all_coalitions(list(channels))
    }


def shapley_credit(paths: Sequence[Journey], channels: Sequence[str]) -> dict[str, np.ndarray]:
    """Channel -> (credited revenue, credited conversions)."""
    channels = list(channels)
    if len(channels) > MAX_CHANNELS:
        raise ValueError(f"path Shapley: {len(channels)} channels; at most {MAX_CHANNELS}")
    return shapley.exact(channels, set_values(paths, channels))
