"""Consumers' fixed traits: segment, city tier, propensities, distance to a store, consent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.streams import Draws
from sim.scenario.config import ScenarioConfig
from sim.scenario.vocabulary import CITY_TIERS

TIERS = CITY_TIERS  # kept for readers of earlier versions


@dataclass(frozen=True)
class Traits:
    """Columns of per-consumer traits; index i is consumer row i."""

    segment: np.ndarray  # int8 index into segment_names
    segment_names: tuple[str, ...]
    city_tier: np.ndarray  # int8: 0 tier-1/2, 1 tier-3/4
    online_propensity: np.ndarray  # float32 0-1
    price_sensitivity: np.ndarray  # float32 0-1
    social_activity: np.ndarray  # float32 0-1
    consent: np.ndarray  # bool
    basket_multiplier: np.ndarray  # float32

    @property
    def size(self) -> int:
        return len(self.segment)


def _beta_around(rng: np.random.Generator, mean: np.ndarray, concentration: float) -> np.ndarray:
    """Beta draws with the given means: individuals vary around their segment's typical value."""
    m = np.clip(mean, 0.01, 0.99)
    return rng.beta(m * concentration, (1 - m) * concentration).astype(np.float32)


def draw_traits(config: ScenarioConfig, rng: np.random.Generator) -> Traits:
    """Draw every consumer's traits from the segment mix."""
    pop = config.population
    names = tuple(pop.segments)
    segs = [pop.segments[n] for n in names]
    n = pop.size
    shares = np.array([s.share for s in segs])
    segment = rng.choice(len(segs), size=n, p=shares / shares.sum()).astype(np.int8)

    def per_segment(attr: str) -> np.ndarray:
        return np.array([getattr(s, attr) for s in segs], dtype=np.float64)[segment]

    city_tier = (rng.random(n) < per_segment("tier34_share")).astype(np.int8)
    spread = pop.trait_concentration
    return Traits(
        segment=segment,
        segment_names=names,
        city_tier=city_tier,
        online_propensity=_beta_around(rng, per_segment("online_propensity"), spread),
        price_sensitivity=_beta_around(rng, per_segment("price_sensitivity"), spread),
        social_activity=_beta_around(rng, per_segment("social_activity"), spread),
        consent=rng.random(n) < per_segment("consent"),
        basket_multiplier=per_segment("basket_multiplier").astype(np.float32),
    )


def place_stores(config: ScenarioConfig, rng: np.random.Generator) -> np.ndarray:
    """City tier of each store (int8), honouring the configured tier-3/4 share."""
    count = config.stores.count
    n34 = int(round(count * config.stores.tier34_share))
    tiers = np.zeros(count, np.int8)
    tiers[:n34] = 1
    rng.shuffle(tiers)
    return tiers


@dataclass(frozen=True)
class StoreSites:
    """The store footprint: each store's city tier (int8) and relative size (mean 1)."""

    tier: np.ndarray
    size: np.ndarray

    @classmethod
    def alike(cls, tier: np.ndarray) -> StoreSites:
        """Stores of one size (``stores.size_spread`` 0)."""
        return cls(np.asarray(tier, np.int8), np.ones(len(tier)))


def draw_store_sizes(config: ScenarioConfig, draws: Draws) -> np.ndarray:
    """Each store's size relative to the mean: log-normal with sigma ``stores.size_spread``.

    Keyed by store id (its own label), so drawing sizes moves no other set-up draw, and a
    store keeps its size whatever the other stores' sizes.
    """
    sigma = config.stores.size_spread
    count = config.stores.count
    if sigma <= 0:
        return np.ones(count)
    z = draws.normal(np.arange(count), "store_size")
    return np.exp(sigma * z - 0.5 * sigma**2)


def assign_nearest_store(
    config: ScenarioConfig,
    traits: Traits,
    store_tier: np.ndarray,
    rng: np.random.Generator,
    store_size: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each consumer's nearest store and its distance in km.

    Distance is exponential with a mean that shrinks with store density in the
    consumer's tier (mean ~ 1/sqrt(density), as for points scattered on a plane),
    relative to ``population.reference_stores``. Consumers in a tier with no store travel
    to the other tier's stores from much further away (``no_local_store_distance_factor``).
    With stores of different sizes (``store_size`` given, ``stores.size_spread`` > 0) a
    consumer's store is drawn in proportion to size: a big store is the nearest one for
    more people (a larger catchment).
    """
    n = traits.size
    nearest = np.full(n, -1, np.int32)
    distance = np.full(n, np.inf, np.float32)
    if len(store_tier) == 0:
        return nearest, distance
    pop = config.population
    ref = {0: pop.reference_stores.tier12, 1: pop.reference_stores.tier34}
    tier_penalty = {0: 1.0, 1: pop.tier34_distance_factor}  # county markets are sparser
    for tier in (0, 1):
        who = np.flatnonzero(traits.city_tier == tier)
        candidates = np.flatnonzero(store_tier == tier)
        penalty = 1.0
        if len(candidates) == 0:
            candidates = np.arange(len(store_tier))
            penalty = pop.no_local_store_distance_factor
        density = len(candidates) / ref[tier]
        mean_km = pop.mean_store_distance_km * tier_penalty[tier] * penalty
        mean_km /= np.sqrt(density)
        if store_size is not None and config.stores.size_spread > 0:
            weight = store_size[candidates]
            nearest[who] = rng.choice(candidates, size=len(who), p=weight / weight.sum())
        else:
            nearest[who] = rng.choice(candidates, size=len(who))
        distance[who] = rng.exponential(mean_km, size=len(who))
    return nearest, distance


def store_regions(count: int, regions: int) -> np.ndarray:
    """Each store's region (int32, 0-based): blocks of consecutive store ids.

    The engine places stores by city tier only (there is no map), so a region is a block of
    ``count / regions`` consecutive store ids: store ``s`` is in region ``s x regions //
    count``. Store ids are shuffled over the tiers at set-up (:func:`place_stores`), so
    each region holds stores of both tiers, in proportions that vary a little by seed.
    Deterministic given the store count, and independent of every policy lever.
    """
    if count == 0:
        return np.zeros(0, np.int32)
    return (np.arange(count, dtype=np.int64) * regions // count).astype(np.int32)


def consumer_regions(nearest_store: np.ndarray, count: int, regions: int) -> np.ndarray:
    """Each consumer's region (int32, 0-based): their nearest store's (0 with no store)."""
    by_store = store_regions(count, regions)
    out = np.zeros(len(nearest_store), np.int32)
    served = nearest_store >= 0
    out[served] = by_store[nearest_store[served]]
    return out
