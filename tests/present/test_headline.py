"""The report's opening summary: the right winner, in market money, with how sure we are."""

from __future__ import annotations

import pytest

from sim.present.headline import arm_money, market_scale, summary_sentences
from tests.present.test_report import result  # noqa: F401  (fixture: "more" adds 50 a run, "less" -2)


def test_the_winner_is_the_arm_with_the_most_net_money(result):  # noqa: F811
    lines = summary_sentences(result)
    assert lines[0].startswith("more comes out ahead of ctl")
    assert "95% interval" in lines[0] and "CNY" in lines[0]


def test_money_is_market_money(result):  # noqa: F811
    scale = market_scale(result)
    population = result.experiment.configs["ctl"].population
    assert scale == population.market_size / population.size
    more = next(a for a in arm_money(result) if a.arm == "more")
    runs = result.runs
    sample = runs[runs.arm == "more"]["revenue"].mean() - runs[runs.arm == "ctl"]["revenue"].mean()
    assert more.revenue[0] == pytest.approx(sample * scale)
    assert more.cost[0] == pytest.approx(0.0)  # same spend in both arms of the fixture


def test_how_sure_counts_the_replications_ahead(result):  # noqa: F811
    more = next(a for a in arm_money(result) if a.arm == "more")
    assert (more.ahead, more.n) == (8, 8) and more.sure
    assert any("ahead in 8 of 8" in line for line in summary_sentences(result))


def test_with_a_pnl_the_winner_is_the_arm_with_the_most_profit(result):  # noqa: F811
    """'more' earns 50 more revenue a run but, given profit, 'less' keeps 20 more of it:
    the summary leads with profit, and spend is everything between revenue and profit."""
    import dataclasses

    runs = result.runs.copy()
    bonus = runs.arm.map({"ctl": 0.0, "more": -30.0, "less": 20.0})
    runs["profit"] = runs["revenue"] * 0.2 + bonus
    with_pnl = dataclasses.replace(result, runs=runs)
    lines = summary_sentences(with_pnl)
    assert lines[0].startswith("less comes out ahead of ctl") and "profit" in lines[0]
    less = next(a for a in arm_money(with_pnl) if a.arm == "less")
    assert less.net[0] == pytest.approx(
        (runs[runs.arm == "less"].profit.mean() - runs[runs.arm == "ctl"].profit.mean())
        * market_scale(result)
    )


def test_the_summary_says_when_the_winner_pays_back(result):  # noqa: F811
    import numpy as np
    import pandas as pd

    result.money = pd.DataFrame(
        [("more", "payback_day", "day", 40.0, 31.0, np.inf, 8, "paired bootstrap")],
        columns=["arm", "measure", "unit", "estimate", "ci_low", "ci_high", "n", "method"],
    )
    days = result.experiment.configs["ctl"].horizon_days
    assert (
        f"It pays back on day 40 (95% interval day 31 to not within {days} days): from then on "
        "its cumulative profit stays above ctl's." in summary_sentences(result)
    )
