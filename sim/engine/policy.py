"""What the day's processes read from the strategy, derived once per policy change.

A scenario says "2,200 a day on content, stores with experience level 0.5, 30-minute
delivery"; processes need per-consumer chances. :func:`derive_policy` turns the first
into the second at the start of the run and again whenever a scheduled change takes
effect, so no process recomputes them and every process sees the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.population import StoreSites, Traits, consumer_regions
from sim.engine.store_fit import StoreFit, fit_stores
from sim.scenario.config import ScenarioConfig
from sim.scenario.sections import ChannelAudience
from sim.scenario.vocabulary import CITY_TIERS, region_names


@dataclass(frozen=True)
class Policy:
    """Per-consumer chances implied by the current strategy.

    Attributes:
        reach_chance: per content channel with budget, each consumer's daily chance of a view.
        view_cost: per content channel with budget, what one view costs at today's depth of
            buying (market money; above ``cost_per_view`` when the channel has a
            ``cost_rise``).
        carryover: per content channel, the share of its adstock kept from one day to the
            next (the channel's own half-life, or the interest half-life if it has none).
        visit_access: how easy and rewarding a store trip is for each consumer (0 with no store).
        access_cdf: cumulative ``visit_access``, for walk-ins weighted by access.
        access_total: its total.
        delivery_factor: per city tier, the share of online buyers not put off by delivery time.
        interest_retention: the share of interest kept from one day to the next.
        stores: per-store settings when ``stores.conversion`` fits some stores out
            differently from the rest; None when every store follows ``stores``.
    """

    reach_chance: dict[str, np.ndarray]
    view_cost: dict[str, float]
    carryover: dict[str, np.float32]
    visit_access: np.ndarray
    access_cdf: np.ndarray
    access_total: float
    delivery_factor: np.ndarray
    interest_retention: np.float32
    stores: StoreFit | None = None

    def experience(self, config: ScenarioConfig, store: np.ndarray) -> np.ndarray | float:
        """The experience level of each given store (one number when all stores share it)."""
        if self.stores is None:
            return config.stores.experience_level
        return self.stores.experience[store]


def derive_policy(
    config: ScenarioConfig,
    traits: Traits,
    nearest_store: np.ndarray,
    store_distance_km: np.ndarray,
    scale: float,
    sites: StoreSites | None = None,
) -> Policy:
    """The chances processes use under ``config``, for this market.

    ``sites`` (the store footprint) is needed when ``stores.conversion`` converts a subset
    of stores; without it every store counts as a tier-1/2 store of one size.
    """
    size = traits.size
    b = config.behaviour
    t = config.content.targeting
    weight = (1.0 - t) + t * b.targeting_tilt * traits.online_propensity.astype(np.float64)
    reach_chance: dict[str, np.ndarray] = {}
    view_cost: dict[str, float] = {}
    carryover: dict[str, np.float32] = {}
    for name, channel in config.content.channels.items():
        half_life = channel.carryover_half_life_days or b.interest_half_life_days
        carryover[name] = np.float32(0.5 ** (1.0 / half_life))
        audience = weight * audience_affinity(channel.audience, traits)
        total = audience.sum() if size else 0.0
        if channel.daily_budget <= 0 or total <= 0:
            continue
        size_equiv = total / audience.max()  # the channel's audience, full-affinity equivalents
        budget, spread = channel.daily_budget, total
        if channel.region_budget:
            audience = audience * region_factors(config, channel.region_budget, nearest_store)
            spread = audience.sum()
            if spread <= 0:
                continue
            budget = channel.daily_budget * spread / total
        views, cost = views_bought(
            budget / scale, channel.cost_per_view, channel.cost_rise, size_equiv
        )
        reach_chance[name] = -np.expm1(-views * audience / spread)
        view_cost[name] = cost
    has_store = nearest_store >= 0
    reach = np.exp(-store_distance_km / b.travel_km)
    if sites is None:
        sites = StoreSites.alike(np.zeros(config.stores.count, np.int8))
    stores = fit_stores(config, sites)
    experience = (
        config.stores.experience_level
        if stores is None
        else stores.experience[np.maximum(nearest_store, 0)]
    )
    visit_access = np.where(has_store, reach * (b.store_pull_base + experience), 0.0).astype(
        np.float32
    )
    access_cdf = np.cumsum(visit_access, dtype=np.float64)
    hours = np.array([getattr(config.stores.delivery_hours, tier) for tier in CITY_TIERS])
    return Policy(
        reach_chance=reach_chance,
        view_cost=view_cost,
        carryover=carryover,
        visit_access=visit_access,
        access_cdf=access_cdf,
        access_total=float(access_cdf[-1]) if size else 0.0,
        delivery_factor=np.exp(-hours / b.delivery_patience_hours),
        interest_retention=np.float32(0.5 ** (1.0 / b.interest_half_life_days)),
        stores=stores,
    )


def region_factors(
    config: ScenarioConfig, region_budget: dict[str, float], nearest_store: np.ndarray
) -> np.ndarray:
    """Each consumer's budget multiplier from a channel's ``region_budget`` (1 if unnamed).

    Scaling a consumer's targeting weight by their region's factor, and the channel's budget
    by the weighted audience over the plain one, spends ``daily_budget x share x factor``
    in each region at the channel's national price per view (geo flighting): a region at 0
    gets no views, one at 2 twice its share.
    """
    names = region_names(config.stores.regions)
    by_region = np.array([region_budget.get(n, 1.0) for n in names])
    return by_region[consumer_regions(nearest_store, config.stores.count, config.stores.regions)]


def audience_affinity(audience: ChannelAudience, traits: Traits) -> np.ndarray:
    """Each consumer's affinity for a channel: their segment's times their city tier's."""
    by_segment = np.array([audience.segments.get(n, 1.0) for n in traits.segment_names])
    by_tier = np.array([getattr(audience, tier) for tier in CITY_TIERS])
    return by_segment[traits.segment] * by_tier[traits.city_tier]


def views_bought(
    budget: float, cost_per_view: float, cost_rise: float, audience: float
) -> tuple[float, float]:
    """Views a day's budget buys, and the price paid per view, when buying deeper costs more.

    The price of a view is ``cost_per_view x (1 + cost_rise x views / audience)``: the more
    views per audience member a channel buys in a day, the dearer each (the cheap, willing
    viewers are reached first). Spending ``budget`` then buys the root ``v`` of
    ``v x cost_per_view x (1 + cost_rise x v / audience) = budget``.

    Args:
        budget: the day's budget (sample money: market money / scale).
        cost_per_view: the price of a view when buying shallow.
        cost_rise: how fast the price grows with views per audience member (0: flat).
        audience: the channel's audience in consumers (full-affinity equivalents).

    Returns:
        (views, price per view), views in simulated consumers' units.
    """
    if budget <= 0:
        return 0.0, cost_per_view
    a = cost_per_view * cost_rise / audience
    # The stable root of a v^2 + c v - budget = 0 (v = budget / c when a = 0).
    views = 2.0 * budget / (cost_per_view + np.sqrt(cost_per_view**2 + 4.0 * a * budget))
    return float(views), float(budget / views)
