"""Which stores are converted, and how each store is fitted out under the strategy in force.

A brand rarely upgrades every store at once: experience zones go into the flagship city
stores first, an online-order area into the busiest ones. ``stores.conversion`` names the
stores by city tier and by catchment rank (busiest first) and the levers they get; the
other stores keep the ``stores`` settings. :func:`fit_stores` turns that into per-store
arrays that the processes index by a consumer's store. When the conversion changes
nothing (no lever set, or no store chosen) it returns None and every process keeps its
one-setting-for-all-stores path, so a scenario without a conversion runs exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.population import StoreSites
from sim.scenario.config import ScenarioConfig
from sim.scenario.vocabulary import CITY_TIERS


@dataclass(frozen=True)
class StoreFit:
    """Per-store settings (index = store id).

    Attributes:
        converted: the stores the conversion chose.
        experience: each store's experience level.
        order_area: whether the store has an online-order area.
        bopis: whether online buyers may pick up there.
    """

    converted: np.ndarray
    experience: np.ndarray
    order_area: np.ndarray
    bopis: np.ndarray


def tier_shares(config: ScenarioConfig) -> np.ndarray:
    """Share of the market's consumers living in each city tier (from the segment mix)."""
    segments = config.population.segments.values()
    tier34 = sum(s.share * s.tier34_share for s in segments)
    return np.array([1.0 - tier34, tier34])


def expected_catchment(config: ScenarioConfig, sites: StoreSites) -> np.ndarray:
    """Each store's expected share of the market's consumers (those whose store it is).

    A tier's consumers are shared among its stores in proportion to size (all of them
    among every store when their tier has none), as in
    :func:`~sim.engine.population.assign_nearest_store`. It is the market's expectation,
    not the simulated sample's count, so the busiest stores are the same at any population.
    """
    shares = tier_shares(config)
    out = np.zeros(len(sites.tier))
    for t in range(len(CITY_TIERS)):
        mine = sites.tier == t
        where = mine if mine.any() else np.ones_like(mine)
        total = sites.size[where].sum()
        if total > 0:
            out[where] += shares[t] * sites.size[where] / total
    return out


def converted_stores(config: ScenarioConfig, sites: StoreSites) -> np.ndarray:
    """The stores ``stores.conversion`` chooses: in its tiers, the busiest share, by catchment.

    Ties (stores of one size) are broken by store id, which is arbitrary: store ids are
    placed at random, so with ``size_spread`` 0 the busiest share is any share of the tier.
    """
    conv = config.stores.conversion
    wanted = [CITY_TIERS.index(t) for t in conv.tiers]
    candidates = np.flatnonzero(np.isin(sites.tier, wanted))
    n = int(np.floor(conv.busiest_share * len(candidates) + 0.5))
    catchment = expected_catchment(config, sites)[candidates]
    order = candidates[np.lexsort((candidates, -catchment))]
    chosen = np.zeros(len(sites.tier), bool)
    chosen[order[:n]] = True
    return chosen


def converted_count(config: ScenarioConfig) -> int:
    """How many stores ``stores.conversion`` converts (0 when it sets no lever).

    The count follows from the footprint alone (tier counts are fixed by
    ``stores.tier34_share``); which stores they are depends on their sizes.
    """
    stores = config.stores
    if not stores.conversion.levers:
        return 0
    n34 = int(round(stores.count * stores.tier34_share))  # as place_stores does
    in_tier = {"tier12": stores.count - n34, "tier34": n34}
    candidates = sum(in_tier[t] for t in stores.conversion.tiers)
    return int(np.floor(stores.conversion.busiest_share * candidates + 0.5))


def fit_stores(config: ScenarioConfig, sites: StoreSites) -> StoreFit | None:
    """Per-store levels under ``config``, or None when the conversion changes no store."""
    levers = config.stores.conversion.levers
    if not levers or len(sites.tier) == 0:
        return None
    converted = converted_stores(config, sites)
    if not converted.any():
        return None
    stores = config.stores

    def per_store(name: str, dtype: type) -> np.ndarray:
        base = getattr(stores, name)
        return np.where(converted, levers.get(name, base), base).astype(dtype)

    return StoreFit(
        converted=converted,
        experience=per_store("experience_level", np.float64),
        order_area=per_store("online_order_area", bool),
        bopis=per_store("bopis", bool),
    )


__all__ = [
    "StoreFit",
    "converted_count",
    "converted_stores",
    "expected_catchment",
    "fit_stores",
    "tier_shares",
]
