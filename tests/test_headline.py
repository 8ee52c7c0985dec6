"""The report's opening summary: the right winner, in market money, with how sure we are."""

from __future__ import annotations

import pytest

from sim.present.headline import arm_money, market_scale, summary_sentences
from tests.test_report import result  # noqa: F401  (fixture: "more" adds 50 a run, "less" -2)


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
