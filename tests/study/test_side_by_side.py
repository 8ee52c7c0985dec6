"""Two strategies on the same seeds: identical strategies differ by exactly nothing."""

from __future__ import annotations

import pytest

from sim.study.backends import make_evaluator
from sim.study.side_by_side import compare_strategies
from tests.conftest import make_config


def test_the_same_strategy_twice_differs_by_zero_with_a_zero_width_interval():
    config = make_config(size=800, horizon=30)
    with make_evaluator("local", 1) as ev:
        out = compare_strategies(config, {}, {}, [0, 1], ev, kpis=("profit", "customers"))
    row = out.table.set_index("kpi").loc["profit"]
    assert row["difference"] == 0 and row["ci_low"] == row["ci_high"] == 0
    assert row["unit"] == config.population.currency


def test_money_is_in_market_money_and_pairs_are_by_seed():
    config = make_config(size=800, horizon=30)
    with make_evaluator("local", 1) as ev:
        out = compare_strategies(config, {}, {"coupons.value": 0.0}, [4, 5, 6], ev)
    scale = config.population.market_size / config.population.size
    wide = out.runs.pivot(index="seed", columns="arm", values="profit")
    row = out.table.set_index("kpi").loc["profit"]
    assert row["difference"] == pytest.approx(((wide["B"] - wide["A"]) * scale).mean())
    assert row["n"] == 3 and list(wide.index) == [4, 5, 6]
