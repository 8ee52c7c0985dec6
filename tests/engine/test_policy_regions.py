"""Region budgets: a channel's views per consumer scale with their region's factor."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.policy import derive_policy
from sim.engine.population import (
    assign_nearest_store,
    consumer_regions,
    draw_traits,
    place_stores,
)
from sim.scenario.config import with_overrides
from sim.study.run import simulate
from tests.conftest import make_config

FACTORS = {"region_1": 0.0, "region_2": 1.0, "region_3": 2.5}


def _policy(region_budget: dict[str, float]):
    config = with_overrides(
        make_config(size=3000),
        {
            "stores.regions": 3,
            "content.channels.kol.cost_rise": 0.0,  # a flat price: views follow spend exactly
            "content.channels.kol.region_budget": region_budget,
        },
    )
    rng = np.random.default_rng(4)
    traits = draw_traits(config, rng)
    stores = place_stores(config, rng)
    nearest, distance = assign_nearest_store(config, traits, stores, rng)
    region = consumer_regions(nearest, config.stores.count, 3)
    return derive_policy(config, traits, nearest, distance, 10.0), region


def test_each_consumers_view_intensity_is_scaled_by_their_regions_factor():
    plain, region = _policy({})
    geo, _ = _policy(FACTORS)
    ratio = np.log1p(-geo.reach_chance["kol"]) / np.log1p(-plain.reach_chance["kol"])
    expected = np.array(list(FACTORS.values()))[region]
    np.testing.assert_allclose(ratio, expected, rtol=1e-9)
    assert geo.view_cost["kol"] == pytest.approx(plain.view_cost["kol"])


def test_channels_without_region_budgets_are_untouched():
    plain, _ = _policy({})
    geo, _ = _policy(FACTORS)
    np.testing.assert_array_equal(plain.reach_chance["ugc"], geo.reach_chance["ugc"])


def test_a_channel_at_zero_in_every_region_buys_nothing():
    geo, _ = _policy(dict.fromkeys(FACTORS, 0.0))
    assert "kol" not in geo.reach_chance


def test_a_run_buys_no_views_of_a_channel_in_a_region_at_zero():
    config = with_overrides(
        make_config(size=2000, horizon=20),
        {"stores.regions": 2, "content.channels.kol.region_budget": {"region_1": 0.0}},
    )
    run = simulate(config, seed=1)
    events, consumers = run.events.to_pandas(), run.consumers
    kol = events[(events.event == "content_view") & (events.channel == "kol")]
    region = kol.consumer.map(consumers.set_index("consumer").region.astype(str))
    assert len(kol) > 0 and set(region.dropna()) == {"region_2"}
