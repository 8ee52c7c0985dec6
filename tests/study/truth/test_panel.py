"""MMM panels from a run's values, in each library's layout, and the flighting design."""

from __future__ import annotations

import numpy as np
import pytest

from sim.scenario.config import load_scenario, with_overrides
from sim.study.truth.panel import (
    daily_panel,
    flighting,
    geo_flighting,
    geo_panel,
    layout,
    weekly_panel,
)

CH = ["kol", "ugc"]


def _values() -> dict[str, float]:
    v = {"tier|tier12|population": 750.0, "tier|tier34|population": 250.0}
    for d in range(14):
        v[f"day|{d}|revenue"] = 10.0
        for ch in CH:
            v[f"day|{d}|spend:{ch}"] = 1.0
    for w in range(3):
        v[f"week|{w}|revenue"] = 100.0 + w
        v[f"week|{w}|profit"] = 10.0
        v[f"week|{w}|orders"] = 5.0
        v[f"week|{w}|customers"] = 4.0
        for ch in CH:
            v[f"week|{w}|spend:{ch}"] = 8.0
            v[f"week|{w}|views:{ch}"] = 80.0
        for tier, share in (("tier12", 0.75), ("tier34", 0.25)):
            v[f"tier_week|{tier}:{w}|revenue"] = (100.0 + w) * share
            v[f"tier_week|{tier}:{w}|orders"] = 5.0 * share
            for ch in CH:
                v[f"tier_week|{tier}:{w}|views:{ch}"] = 80.0 * share
                v[f"tier_week|{tier}:{w}|spend:{ch}"] = 8.0 * share
    return v


def test_weekly_panel_has_one_row_per_week_and_every_channel():
    panel = weekly_panel(_values(), CH)
    assert list(panel.week) == [0, 1, 2]
    assert panel.revenue.tolist() == [100.0, 101.0, 102.0]
    assert {"spend_kol", "impressions_ugc"} <= set(panel.columns)


def test_daily_panel_has_one_row_per_day_dated_day_by_day():
    panel = daily_panel(_values(), CH)
    assert list(panel.day) == list(range(14))
    assert (panel.date.diff().dropna() == panel.date[1] - panel.date[0]).all()
    assert (panel.date[1] - panel.date[0]).days == 1
    assert list(layout(panel, CH, "pymc").columns) == ["date", "y", "kol", "ugc"]


def test_a_daily_panel_from_weekly_values_says_what_is_missing():
    weekly_only = {k: v for k, v in _values().items() if not k.startswith("day|")}
    with pytest.raises(ValueError, match="day-grain"):
        daily_panel(weekly_only, CH)


def test_geo_panel_has_each_geos_spend_and_population_and_adds_up_to_the_nation():
    geo = geo_panel(_values(), CH)
    assert set(geo.geo) == {"tier12", "tier34"}
    assert geo.groupby("geo").population.first().to_dict() == {"tier12": 750, "tier34": 250}
    by_week = geo.groupby("week")[["spend_kol", "revenue"]].sum()
    assert by_week.spend_kol.tolist() == pytest.approx([8.0] * 3)
    assert by_week.revenue.tolist() == pytest.approx([100.0, 101.0, 102.0])


def test_layouts_use_each_librarys_column_names():
    panel = weekly_panel(_values(), CH)
    assert list(layout(panel, CH, "pymc").columns) == ["date_week", "y", "kol", "ugc"]
    assert {"DATE", "revenue", "kol_S", "kol_I"} <= set(layout(panel, CH, "robyn").columns)
    meridian = layout(geo_panel(_values(), CH), CH, "meridian")
    assert {"geo", "time", "population", "revenue", "kol_impression", "kol_spend"} <= set(
        meridian.columns
    )


def test_flighting_moves_every_channels_budget_each_period_within_its_bounds():
    base = load_scenario("configs/baseline.yaml")
    flighted = flighting(base, seed=3, period_days=28, low=0.5, high=1.5)
    assert len(flighted.schedule) == (base.horizon_days + 27) // 28
    first = flighted.schedule[0].set
    for ch, c in base.content.channels.items():
        assert 0.5 * c.daily_budget <= first[f"content.channels.{ch}.daily_budget"]
        assert first[f"content.channels.{ch}.daily_budget"] <= 1.5 * c.daily_budget
    assert flighting(base, seed=3).schedule == flighting(base, seed=3).schedule


def test_geo_flighting_draws_each_channels_budget_per_region_on_top_of_national_flights():
    base = with_overrides(load_scenario("configs/baseline.yaml"), {"stores.regions": 3})
    flighted = geo_flighting(flighting(base, seed=3), seed=3, low=0.5, high=1.5)
    assert len(flighted.schedule) == (base.horizon_days + 27) // 28
    first = flighted.schedule[0].set
    assert "content.channels.kol.daily_budget" in first  # the national flight is kept
    factors = first["content.channels.kol.region_budget"]
    assert sorted(factors) == ["region_1", "region_2", "region_3"]
    assert all(0.5 <= f <= 1.5 for f in factors.values())
    assert factors != flighted.schedule[1].set["content.channels.kol.region_budget"]
    again = geo_flighting(flighting(base, seed=3), seed=3, low=0.5, high=1.5)
    assert again.schedule == flighted.schedule


def test_both_designs_draw_their_factors_in_period_order_from_their_own_keyed_stream():
    base = with_overrides(load_scenario("configs/baseline.yaml"), {"stores.regions": 3})
    channels = list(base.content.channels)
    periods = (base.horizon_days + 27) // 28
    national = np.random.default_rng(5).uniform(0.3, 1.7, (periods, len(channels)))
    by_region = np.random.default_rng([5, 1]).uniform(0.3, 1.7, (periods, len(channels), 3))
    flighted = geo_flighting(flighting(base, seed=5), seed=5)
    for p, change in enumerate(flighted.schedule):
        assert change.day == 28 * p
        for i, ch in enumerate(channels):
            budget = base.content.channels[ch].daily_budget
            assert change.set[f"content.channels.{ch}.daily_budget"] == round(
                budget * national[p, i], 2
            )
            regions = change.set[f"content.channels.{ch}.region_budget"]
            assert list(regions.values()) == [round(float(f), 3) for f in by_region[p, i]]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"channels": ["kol", "radio"]}, "channels: \\['radio'\\] not in the scenario"),
        ({"period_days": 0}, "period_days: value 0"),
        ({"low": 1.5, "high": 0.5}, "need 0 <= low <= high"),
    ],
)
def test_a_design_the_scenario_cannot_carry_is_refused_by_name(options, message):
    base = load_scenario("configs/baseline.yaml")
    for design in (flighting, geo_flighting):
        with pytest.raises(ValueError, match=message):
            design(base, **options)
