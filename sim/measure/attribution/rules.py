"""Rule-based attribution: each converting journey's credit split over its touchpoints.

Each rule returns, for one journey, a weight per touchpoint position adding up to 1; the
channel's credit is the sum of its positions' weights times the journey's revenue.
"""

from __future__ import annotations

import numpy as np

#: Time decay: a touchpoint's weight halves for every this many days before the purchase.
HALF_LIFE_DAYS = 7.0
#: Position based: share of the first and of the last touchpoint (the middle shares the rest).
POSITION_ENDS = 0.4


def last_touch(days_before: tuple[int, ...]) -> np.ndarray:
    """All credit to the last touchpoint."""
    w = np.zeros(len(days_before))
    w[-1] = 1.0
    return w


def first_touch(days_before: tuple[int, ...]) -> np.ndarray:
    """All credit to the first touchpoint."""
    w = np.zeros(len(days_before))
    w[0] = 1.0
    return w


def linear(days_before: tuple[int, ...]) -> np.ndarray:
    """Equal credit to every touchpoint."""
    return np.full(len(days_before), 1.0 / len(days_before))


def time_decay(days_before: tuple[int, ...], half_life: float = HALF_LIFE_DAYS) -> np.ndarray:
    """Credit halving every ``half_life`` days before the purchase."""
    w = 0.5 ** (np.asarray(days_before, float) / half_life)
    return w / w.sum()


def position_based(days_before: tuple[int, ...], ends: float = POSITION_ENDS) -> np.ndarray:
    """``ends`` to the first and the last touchpoint, the rest split over the middle ones.

    One touchpoint takes everything; two take half each.
    """
    n = len(days_before)
    if n == 1:
        return np.ones(1)
    if n == 2:
        return np.full(2, 0.5)
    w = np.full(n, (1.0 - 2 * ends) / (n - 2))
    w[0] = w[-1] = ends
    return w


RULES = {
    "last_touch": last_touch,
    "first_touch": first_touch,
    "linear": linear,
    "time_decay": time_decay,
    "position_based": position_based,
}
