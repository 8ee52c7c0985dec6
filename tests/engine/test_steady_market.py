"""A steady policy gives a steady market: the shipped baseline (a year lived before day 0,
lapsed customers winnable or lost for good, consumers entering and leaving) neither launches
nor collapses over three years.

Without churn the calibrated baseline grew +52% from year 1 to year 3 (the customer base kept
filling: a lapse was never final); the README's "A market with a past" gives both figures
(``python docs/steady_market.py``)."""

from __future__ import annotations

import pytest

from sim.scenario.config import load_scenario
from sim.study.run import simulate


def _yearly_revenue(seed: int, **market: float) -> list[float]:
    """Revenue in each year of a three-year run of the shipped baseline (10,000 consumers)."""
    overrides = {"population.size": 10_000, "horizon_days": 3 * 365}
    overrides |= {f"market.{key}": value for key, value in market.items()}
    run = simulate(load_scenario("configs/baseline.yaml", overrides), seed=seed)
    revenue = run.daily.revenue_online + run.daily.revenue_store
    return [revenue[i * 365 : (i + 1) * 365].sum() for i in range(3)]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_baseline_year_three_revenue_is_within_ten_percent_of_year_one(seed):
    year = _yearly_revenue(seed)
    assert abs(year[2] / year[0] - 1) <= 0.10, year
    assert min(year) > 0


@pytest.mark.slow
def test_without_churn_the_same_baseline_keeps_growing():
    """The test above would catch the market that fills for years: the baseline without churn
    and with the old turnover grows far past 10%."""
    year = _yearly_revenue(0, churn_rate=0.0, turnover_rate=0.0005)
    assert year[2] / year[0] - 1 > 0.25, year
