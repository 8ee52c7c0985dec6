"""A steady policy gives a steady market: an established market (two years lived before
day 0, lapsed customers winnable, consumers entering and leaving) neither launches nor
collapses over three years.

The market settings here are the mechanism's, not the shipped baseline's: the baseline's
calibrated win-back (0.009 a day, which the siloed retailer's store traffic trend needs) makes
most lapses temporary, so only turnover removes customers for good and its market still grows
by about a fifth a year after a year of history (README, "A market with a past")."""

from __future__ import annotations

import pytest

from sim.study.run import simulate
from tests.conftest import make_config

ESTABLISHED = {
    "market__burn_in_days": 730,
    "market__winback_rate": 0.001,
    "market__winback_per_touch": 0.01,
    "market__turnover_rate": 0.001,
}


@pytest.mark.slow
def test_year_three_revenue_is_within_ten_percent_of_year_one():
    run = simulate(make_config(size=6000, horizon=3 * 365, **ESTABLISHED), seed=1)
    revenue = run.daily.revenue_online + run.daily.revenue_store
    year = [revenue[i * 365 : (i + 1) * 365].sum() for i in range(3)]
    assert abs(year[2] / year[0] - 1) <= 0.10, year
    assert min(year) > 0
