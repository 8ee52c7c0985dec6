"""Shapley values of players (content channels) from the value of each coalition.

The value of a coalition ``S`` is an outcome vector of the run where only the channels in
``S`` spend (all other budgets at zero). A channel's Shapley value is its marginal
contribution ``v(S + i) - v(S)`` averaged over every order in which channels could be added;
the values always add up to ``v(all) - v(none)`` (the efficiency property), so the split
of the all-content effect is complete whatever the channels' interactions.

Exact Shapley needs all ``2^n`` coalitions; beyond :data:`MAX_EXACT` players, random
permutations are sampled (each one still adds up exactly) and the standard error of the
permutation average is reported.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

#: Largest number of players valued exactly (2^6 = 64 coalitions).
MAX_EXACT = 6

Coalition = frozenset[str]


def all_coalitions(players: Sequence[str]) -> list[Coalition]:
    """Every subset of ``players``, the empty one first, the full one last."""
    return [
        frozenset(c) for r in range(len(players) + 1) for c in itertools.combinations(players, r)
    ]


def sampled_orders(players: Sequence[str], n: int, seed: int) -> list[tuple[str, ...]]:
    """``n`` random orders of the players (antithetic pairs: each order and its reverse)."""
    rng = np.random.default_rng(seed)
    orders = []
    while len(orders) < n:
        order = tuple(players[i] for i in rng.permutation(len(players)))
        orders.append(order)
        if len(orders) < n:
            orders.append(order[::-1])
    return orders


def coalitions_needed(
    players: Sequence[str], orders: Sequence[tuple[str, ...]] | None = None
) -> list[Coalition]:
    """Coalitions to run: all of them (exact), or every prefix of the sampled orders."""
    if orders is None:
        return all_coalitions(players)
    need = {frozenset()}
    for order in orders:
        need.update(frozenset(order[:k]) for k in range(1, len(order) + 1))
    return sorted(need, key=lambda c: (len(c), sorted(c)))


def exact(players: Sequence[str], value: Mapping[Coalition, np.ndarray]) -> dict[str, np.ndarray]:
    """Exact Shapley values: weights ``|S|! (n-|S|-1)! / n!`` over every ``S`` without ``i``."""
    n = len(players)
    out = {}
    for p in players:
        others = [q for q in players if q != p]
        total = 0.0
        for r in range(n):
            w = math.factorial(r) * math.factorial(n - r - 1) / math.factorial(n)
            for c in itertools.combinations(others, r):
                s = frozenset(c)
                total = total + w * (np.asarray(value[s | {p}]) - np.asarray(value[s]))
        out[p] = total
    return out


def sampled(
    players: Sequence[str],
    value: Mapping[Coalition, np.ndarray] | Callable[[Coalition], np.ndarray],
    orders: Sequence[tuple[str, ...]],
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Permutation-sampled Shapley values and their standard errors (over the orders)."""
    get = value if callable(value) else value.__getitem__
    contrib: dict[str, list[np.ndarray]] = {p: [] for p in players}
    for order in orders:
        before: Coalition = frozenset()
        for p in order:
            after = before | {p}
            contrib[p].append(np.asarray(get(after)) - np.asarray(get(before)))
            before = after
    mean = {p: np.mean(contrib[p], axis=0) for p in players}
    se = {p: np.std(contrib[p], axis=0, ddof=1) / math.sqrt(len(orders)) for p in players}
    return mean, se
