"""The retail calendar's demand: flat by default, weekday x month x peaks otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.engine.calendar import date_of, demand
from sim.scenario.config import load_scenario
from sim.scenario.market import Calendar

ROOT = Path(__file__).resolve().parents[2]


def test_the_default_calendar_is_exactly_flat():
    calendar = Calendar()
    assert {demand(calendar, day) for day in range(-30, 800)} == {1.0}


def test_weekday_and_month_multiply():
    weekday = [1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0]  # Saturdays double
    month = [3.0] + [1.0] * 11  # January triples
    calendar = Calendar(weekday=weekday, month=month)
    assert date_of(calendar, 2).isoformat() == "2026-01-03"  # a Saturday in January
    assert demand(calendar, 2) == pytest.approx(6.0)
    assert demand(calendar, 1) == pytest.approx(3.0)
    assert demand(calendar, 33) == pytest.approx(1.0)  # 3 February, a Tuesday


def test_a_peak_lifts_its_days_and_moves_demand_before_and_after():
    peak = {"date": "01-11", "days": 2, "lift": 1.0, "days_before": 3, "before": 0.5,
            "days_after": 4, "after": -0.5}  # fmt: skip
    calendar = Calendar(peaks=[peak])
    by_day = [demand(calendar, day) for day in range(20)]  # 11 January is day 10
    assert by_day[6] == 1.0 and by_day[7:10] == [1.5] * 3
    assert by_day[10:12] == [2.0, 2.0]
    assert by_day[12:16] == [0.5] * 4 and by_day[16] == 1.0


def test_a_yearly_peak_recurs_and_a_dated_one_does_not():
    calendar = Calendar(peaks=[{"date": "01-05", "lift": 1.0}, {"date": "2026-01-06", "lift": 1.0}])
    assert demand(calendar, 4) == 2.0 and demand(calendar, 365 + 4) == 2.0
    assert demand(calendar, 5) == 2.0 and demand(calendar, 365 + 5) == 1.0


def test_the_shared_china_calendar_peaks_on_double_11(tmp_path):
    scenario = tmp_path / "s.yaml"
    calendar_file = ROOT / "configs" / "calendars" / "china_retail.yaml"
    scenario.write_text(f"base: {ROOT / 'configs' / 'baseline.yaml'}\ncalendar: {calendar_file}\n")
    calendar = load_scenario(scenario).calendar
    year = [demand(calendar, day) for day in range(365)]
    assert date_of(calendar, year.index(max(year))).isoformat() == "2026-11-11"
    assert date_of(calendar, year.index(min(year))).isoformat()[:7] == "2026-02"  # the festival
