"""Shapley values on games with known answers, exact and sampled."""

from __future__ import annotations

import numpy as np
import pytest

from sim.measure import shapley

PLAYERS = ["a", "b", "c"]


def _game(weights: dict[str, float], synergy: float = 0.0):
    """Additive values plus ``synergy`` when a and b are both in the coalition."""

    def value(c: frozenset) -> np.ndarray:
        v = sum(weights[p] for p in c) + (synergy if {"a", "b"} <= c else 0.0)
        return np.array([v, 2 * v])

    return value


def test_additive_game_gives_each_player_its_own_value():
    value = _game({"a": 1.0, "b": 2.0, "c": 5.0})
    table = {c: value(c) for c in shapley.all_coalitions(PLAYERS)}
    phi = shapley.exact(PLAYERS, table)
    assert phi["a"] == pytest.approx([1.0, 2.0])
    assert phi["c"] == pytest.approx([5.0, 10.0])


def test_synergy_is_split_equally_between_the_players_who_make_it():
    value = _game({"a": 1.0, "b": 2.0, "c": 5.0}, synergy=3.0)
    table = {c: value(c) for c in shapley.all_coalitions(PLAYERS)}
    phi = shapley.exact(PLAYERS, table)
    assert phi["a"][0] == pytest.approx(2.5)
    assert phi["b"][0] == pytest.approx(3.5)
    assert phi["c"][0] == pytest.approx(5.0)


def test_exact_values_add_up_to_the_grand_coalition():
    rng = np.random.default_rng(3)
    table = {c: rng.normal(size=4) for c in shapley.all_coalitions(PLAYERS)}
    phi = shapley.exact(PLAYERS, table)
    total = table[frozenset(PLAYERS)] - table[frozenset()]
    np.testing.assert_allclose(sum(phi.values()), total, rtol=1e-12)


def test_sampled_orders_approach_the_exact_values_within_their_standard_error():
    players = [f"p{i}" for i in range(8)]
    rng = np.random.default_rng(5)
    weights = dict(zip(players, rng.uniform(1, 3, len(players)), strict=True))

    def value(c: frozenset) -> np.ndarray:  # additive plus a pairwise synergy: not trivial
        v = sum(weights[p] for p in c) + 4.0 * ({"p0", "p1"} <= c) - 2.0 * ({"p2", "p3"} <= c)
        return np.array([v])

    exact = shapley.exact(players, {c: value(c) for c in shapley.all_coalitions(players)})
    orders = shapley.sampled_orders(players, 400, seed=1)
    mean, se = shapley.sampled(players, value, orders)
    for p in players:
        assert abs(mean[p][0] - exact[p][0]) <= 4 * se[p][0] + 1e-9


def test_sampled_values_add_up_exactly_on_every_order():
    players = [f"p{i}" for i in range(7)]

    def value(c: frozenset) -> np.ndarray:
        return np.array([len(c) ** 2 + 0.5 * ("p0" in c)])

    orders = shapley.sampled_orders(players, 10, seed=0)
    mean, _ = shapley.sampled(players, value, orders)
    assert sum(m[0] for m in mean.values()) == pytest.approx(49.5)  # v(all) - v(none)


def test_sampled_runs_need_only_the_prefixes_of_the_orders():
    players = [f"p{i}" for i in range(8)]
    orders = shapley.sampled_orders(players, 4, seed=0)
    need = shapley.coalitions_needed(players, orders)
    assert frozenset() in need and frozenset(players) in need
    assert len(need) <= 1 + 4 * len(players)
    assert len(shapley.coalitions_needed(players[:3])) == 8
