"""Store conversion: which stores it chooses, and that converting every store is the same
as setting the lever for all stores."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.population import StoreSites
from sim.engine.store_fit import converted_stores, expected_catchment, fit_stores
from sim.study.run import simulate
from tests.conftest import make_config

SIZES = np.array([1.0, 3.0, 2.0, 0.5, 4.0, 1.0])
SITES = StoreSites(np.array([0, 0, 0, 1, 1, 1], np.int8), SIZES)


def _config(**conversion):
    sets = {f"stores__conversion__{k}": v for k, v in conversion.items()}
    return make_config(size=200, stores__count=6, **sets)


def test_no_conversion_lever_fits_no_store():
    assert fit_stores(_config(), SITES) is None
    assert fit_stores(_config(experience_level=0.9, tiers=[]), SITES) is None


def test_the_busiest_stores_of_the_chosen_tiers_are_converted_first():
    chosen = converted_stores(_config(tiers=["tier12"], busiest_share=0.5), SITES)
    assert np.flatnonzero(chosen).tolist() == [1, 2]  # sizes 3 and 2 of 1, 3, 2 (1.5 -> 2)


def test_catchment_ranks_across_tiers_by_the_market_each_store_serves():
    config = _config()
    catchment = expected_catchment(config, SITES)
    assert np.isclose(catchment.sum(), 1.0)
    segments = config.population.segments.values()
    tier34 = sum(s.share * s.tier34_share for s in segments)
    assert np.isclose(catchment[3:].sum(), tier34)
    assert np.isclose(catchment[4] / catchment[3], 8.0)  # share of its tier by size
    top = converted_stores(_config(busiest_share=1 / 6), SITES)
    assert np.flatnonzero(top).tolist() == [int(np.argmax(catchment))]


def test_converted_stores_get_the_conversion_the_others_keep_the_stores_settings():
    fit = fit_stores(_config(tiers=["tier34"], experience_level=0.9, bopis=False), SITES)
    assert fit.experience.tolist() == [0.5, 0.5, 0.5, 0.9, 0.9, 0.9]
    assert fit.bopis.tolist() == [True] * 3 + [False] * 3
    assert not fit.order_area.any()  # left to stores.online_order_area (false)


def test_converting_every_store_is_setting_the_lever_for_all_stores():
    """The same events, costs included: the per-store path reduces to the shared one."""
    levers = {"experience_level": 0.9, "online_order_area": True}
    converted = make_config(
        size=1500, horizon=40, **{f"stores__conversion__{k}": v for k, v in levers.items()}
    )
    shared = make_config(size=1500, horizon=40, **{f"stores__{k}": v for k, v in levers.items()})
    a = simulate(converted, seed=3).events.to_pandas()
    b = simulate(shared, seed=3).events.to_pandas()
    pd.testing.assert_frame_equal(a, b)


def test_converting_one_tier_changes_only_that_tiers_store_experience():
    config = make_config(
        size=1500,
        horizon=40,
        stores__conversion__tiers=["tier12"],
        stores__conversion__experience_level=1.0,
    )
    run = simulate(config, seed=3, keep_model=True)
    model = run.model
    fit = model.policy.stores
    assert (fit.converted == (model.store_tier == 0)).all()
    assert set(fit.experience[model.store_tier == 1]) == {config.stores.experience_level}


def test_store_sizes_give_bigger_stores_bigger_catchments():
    config = make_config(size=20_000, horizon=1, stores__size_spread=0.8)
    model = simulate(config, seed=2, keep_model=True).model
    size = model.store_size
    assert np.isclose(size.mean(), 1.0, atol=0.15)  # log-normal with mean 1
    count = np.bincount(model.nearest_store[model.nearest_store >= 0], minlength=len(size))
    for tier in (0, 1):
        mine = model.store_tier == tier
        assert np.corrcoef(size[mine], count[mine])[0, 1] > 0.8


def test_stores_are_alike_without_a_size_spread():
    model = simulate(make_config(size=500, horizon=1), seed=2, keep_model=True).model
    assert (model.store_size == 1.0).all()


def test_the_count_converted_follows_from_the_footprint():
    """200 stores, 30% tier-3/4: half the 140 tier-1/2 stores is 70, on any seed."""
    from sim.engine.store_fit import converted_count

    config = make_config(
        stores__conversion__tiers=["tier12"],
        stores__conversion__busiest_share=0.5,
        stores__conversion__experience_level=1.0,
    )
    assert converted_count(config) == 70
    model = simulate(
        make_config(
            size=300,
            horizon=1,
            **{
                "stores__conversion__tiers": ["tier12"],
                "stores__conversion__busiest_share": 0.5,
                "stores__conversion__experience_level": 1.0,
                "stores__size_spread": 0.5,
            },
        ),
        seed=4,
        keep_model=True,
    ).model
    assert model.policy.stores.converted.sum() == 70


def test_a_store_agent_says_whether_it_is_converted_and_how_big_it_is():
    from sim.engine.agents import Store

    config = make_config(
        size=300,
        horizon=1,
        stores__size_spread=0.5,
        stores__conversion__tiers=["tier34"],
        stores__conversion__bopis=False,
    )
    model = simulate(config, seed=4, keep_model=True).model
    stores = model.agents_by_type[Store]
    assert all(s.converted == (s.city_tier == "tier34") for s in stores)
    assert sorted(s.size for s in stores) == sorted(model.store_size.tolist())
