"""Journeys of consumers who left the market still count in their segment and city tier."""

from __future__ import annotations

import pytest

from sim.measure.attribution import attribute
from sim.scenario.config import load_scenario, with_overrides
from sim.study.run import simulate


def test_rule_credit_by_segment_and_tier_adds_up_to_the_total_in_a_market_that_turns_over():
    config = with_overrides(
        load_scenario("configs/baseline.yaml"),
        {
            "population.size": 1500,
            "horizon_days": 30,
            "market.burn_in_days": 0,
            "market.turnover_rate": 0.01,
        },
    )
    result = simulate(config, 2)
    events = result.events.to_pandas()
    assert (events["event"] == "market_exit").sum() > 200
    credit = attribute(events, result.consumers, 1.0, methods=["last_touch", "linear"])
    assert "?" not in set(credit.cell)
    by = credit.groupby(["method", "scope"]).revenue.sum().unstack()
    for scope in ("segment", "tier"):
        assert by[scope].to_numpy() == pytest.approx(by["total"].to_numpy(), rel=1e-9)
