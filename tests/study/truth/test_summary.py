"""A run's summary values: the daily cells add up to the weekly ones and to the total."""

from __future__ import annotations

import numpy as np
import pytest

from sim.scenario.config import load_scenario, with_overrides
from sim.study.run import simulate
from sim.study.truth.panel import geo_panel, national_panel
from sim.study.truth.summary import summarise, summarise_daily

SMALL = {"population.size": 2000, "horizon_days": 24}


@pytest.fixture(scope="module")
def run():
    return simulate(with_overrides(load_scenario("configs/baseline.yaml"), SMALL), 3)


def _sum(values, prefix, metric):
    return sum(v for k, v in values.items() if k.startswith(prefix) and k.endswith(f"|{metric}"))


def test_the_daily_summariser_adds_day_cells_and_keeps_every_weekly_value(run):
    weekly, daily = summarise(run), summarise_daily(run)
    assert not any(k.startswith(("day|", "tier_day|")) for k in weekly)
    assert set(weekly) < set(daily)
    for k, v in weekly.items():
        assert daily[k] == pytest.approx(v, rel=1e-12, abs=1e-6)


@pytest.mark.parametrize("metric", ["revenue", "profit", "orders", "spend:kol", "views:ugc"])
def test_days_add_up_to_weeks_and_to_the_total(run, metric):
    v = summarise_daily(run)
    assert len([k for k in v if k.startswith("day|") and k.endswith("|revenue")]) == 24
    days = _sum(v, "day|", metric)
    assert days == pytest.approx(_sum(v, "week|", metric), rel=1e-9)
    assert days == pytest.approx(v[f"total||{metric}"], rel=1e-9)


def test_city_tiers_split_each_days_spend_by_their_share_of_its_views(run):
    v = summarise_daily(run)
    for d in (0, 10):
        spend = [v[f"tier_day|{t}:{d}|spend:short_video"] for t in ("tier12", "tier34")]
        views = np.array([v[f"tier_day|{t}:{d}|views:short_video"] for t in ("tier12", "tier34")])
        assert sum(spend) == pytest.approx(v[f"day|{d}|spend:short_video"], rel=1e-9)
        np.testing.assert_allclose(spend, v[f"day|{d}|spend:short_video"] * views / views.sum())


def test_each_geography_knows_its_population_in_market_consumers(run):
    v = summarise(run)
    market = run.config.population.market_size
    assert v["tier|tier12|population"] + v["tier|tier34|population"] == pytest.approx(market)


def test_store_regions_each_know_their_population_in_market_consumers():
    config = with_overrides(load_scenario("configs/baseline.yaml"), {**SMALL, "stores.regions": 3})
    v = summarise(simulate(config, 3))
    population = sum(v[f"region|region_{r}|population"] for r in (1, 2, 3))
    assert population == pytest.approx(config.population.market_size)


@pytest.fixture(scope="module")
def turning():
    """A market that turns over fast (about 1 in 5 seats in 24 days), with store regions."""
    config = with_overrides(
        load_scenario("configs/baseline.yaml"),
        {**SMALL, "stores.regions": 3, "market.turnover_rate": 0.01, "market.burn_in_days": 10},
    )
    run = simulate(config, 3)
    assert (run.events.to_pandas()["event"] == "market_exit").sum() > 200
    return summarise_daily(run)


@pytest.mark.parametrize("grain", ["week", "day"])
@pytest.mark.parametrize("geo", ["tier", "region"])
def test_geo_panels_add_up_to_the_national_panel_in_a_market_that_turns_over(turning, grain, geo):
    channels = ["short_video", "livestream", "kol", "ugc"]
    nation = national_panel(turning, channels, grain).set_index(grain)
    geos = geo_panel(turning, channels, grain, geo)
    assert geos.geo.nunique() > 1
    summed = geos.drop(columns=["geo", "date", "population"]).groupby(grain).sum()
    assert {"revenue", "orders", "customers", "spend_kol", "impressions_ugc"} <= set(summed)
    for column in summed:
        np.testing.assert_allclose(summed[column], nation[column], rtol=1e-12, err_msg=column)
