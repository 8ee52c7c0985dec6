"""Consumers' traits and the store footprint, against the shares the scenario sets."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.population import (
    assign_nearest_store,
    consumer_regions,
    draw_traits,
    place_stores,
    store_regions,
)
from sim.scenario.config import from_dict

N = 40_000


@pytest.fixture(scope="module")
def config():
    return from_dict({"population": {"size": N}})


@pytest.fixture(scope="module")
def traits(config):
    return draw_traits(config, np.random.default_rng(8))


def binomial_ok(count: int, n: int, p: float, z: float = 5.0) -> bool:
    """count ~ Binomial(n, p) within z standard errors."""
    return abs(count - n * p) <= z * np.sqrt(n * p * (1 - p))


def test_segment_shares_match_config(config, traits):
    """Each segment's head count is within 5 binomial standard errors of share * size."""
    counts = np.bincount(traits.segment, minlength=len(traits.segment_names))
    for name, count in zip(traits.segment_names, counts, strict=True):
        assert binomial_ok(int(count), N, config.population.segments[name].share), name


def test_shared_run_segment_shares_match_config(small_run):
    """In the shared run's consumers table, segment shares match the config (5 SE)."""
    consumers = small_run.consumers
    n = len(consumers)
    for name, seg in small_run.config.population.segments.items():
        assert binomial_ok(int((consumers.segment == name).sum()), n, seg.share), name


def test_city_tier_shares_match_segment_config(config, traits):
    """Within each segment, the tier-3/4 share is within 5 binomial SE of its tier34_share."""
    for code, name in enumerate(traits.segment_names):
        in_seg = traits.segment == code
        n = int(in_seg.sum())
        p = config.population.segments[name].tier34_share
        assert binomial_ok(int(traits.city_tier[in_seg].sum()), n, p), name


def test_consent_share_matches_segment_config(config, traits):
    """Within each segment, the consent share is within 5 binomial SE of its consent rate."""
    for code, name in enumerate(traits.segment_names):
        in_seg = traits.segment == code
        n = int(in_seg.sum())
        p = config.population.segments[name].consent
        assert binomial_ok(int(traits.consent[in_seg].sum()), n, p), name


def test_propensity_means_match_segment_config(config, traits):
    """Mean online propensity per segment is within 5 SE (sample SD / sqrt(n)) of the config
    value (beta draws around the segment mean)."""
    for code, name in enumerate(traits.segment_names):
        x = traits.online_propensity[traits.segment == code].astype(np.float64)
        se = x.std(ddof=1) / np.sqrt(len(x))
        assert abs(x.mean() - config.population.segments[name].online_propensity) <= 5 * se


def test_traits_are_in_range(traits):
    """Propensities lie in [0, 1]; tiers are 0 or 1."""
    for col in (traits.online_propensity, traits.price_sensitivity, traits.social_activity):
        assert col.min() >= 0 and col.max() <= 1
    assert set(np.unique(traits.city_tier)) <= {0, 1}


@settings(max_examples=30, deadline=None)
@given(count=st.integers(0, 500), share=st.floats(0, 1), seed=st.integers(0, 2**32 - 1))
def test_store_tiers_honour_tier34_share(count, share, seed):
    """place_stores gives exactly round(count * tier34_share) tier-3/4 stores."""
    config = from_dict({"stores": {"count": count, "tier34_share": share}})
    tiers = place_stores(config, np.random.default_rng(seed))
    assert len(tiers) == count
    assert int(tiers.sum()) == int(round(count * share))


def test_nearest_store_prefers_own_tier(config, traits):
    """Consumers get a store of their own tier when that tier has one; distances >= 0."""
    rng = np.random.default_rng(0)
    tiers = place_stores(config, rng)
    nearest, km = assign_nearest_store(config, traits, tiers, rng)
    assert (nearest >= 0).all() and (nearest < len(tiers)).all()
    assert (tiers[nearest] == traits.city_tier).all()
    assert (km >= 0).all()


def test_no_stores_means_no_nearest_store(traits):
    """With zero stores nobody has a nearest store and distances are infinite."""
    config = from_dict({"population": {"size": N}, "stores": {"count": 0}})
    nearest, km = assign_nearest_store(config, traits, np.zeros(0, np.int8), None)
    assert (nearest == -1).all() and np.isinf(km).all()


@given(count=st.integers(1, 500), regions=st.integers(1, 50))
def test_store_regions_are_blocks_of_ids_as_even_as_the_count_allows(count, regions):
    regions = min(regions, count)
    region = store_regions(count, regions)
    assert (np.diff(region) >= 0).all()  # consecutive ids
    sizes = np.bincount(region, minlength=regions)
    assert len(sizes) == regions and sizes.min() >= 1 and sizes.max() - sizes.min() <= 1


def test_consumers_live_in_their_nearest_stores_region_and_without_stores_in_the_first():
    nearest = np.array([0, 3, 5, -1])
    np.testing.assert_array_equal(consumer_regions(nearest, 6, 2), [0, 1, 1, 0])
    np.testing.assert_array_equal(consumer_regions(np.full(3, -1), 0, 1), [0, 0, 0])
