"""What the day's processes read from the strategy, derived once per policy change.

A scenario says "2,200 a day on content, stores with experience level 0.5, 30-minute
delivery"; processes need per-consumer chances. :func:`derive_policy` turns the first
into the second at the start of the run and again whenever a scheduled change takes
effect, so no process recomputes them and every process sees the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.population import Traits
from sim.scenario.config import ScenarioConfig
from sim.scenario.vocabulary import CITY_TIERS


@dataclass(frozen=True)
class Policy:
    """Per-consumer chances implied by the current strategy.

    Attributes:
        reach_chance: per content channel with budget, each consumer's daily chance of a view.
        reach_stacks: whether every consumer's chances add up to at most 1 (slices of one
            uniform can then be used, see :mod:`sim.engine.processes.content`).
        visit_access: how easy and rewarding a store trip is for each consumer (0 with no store).
        access_cdf: cumulative ``visit_access``, for walk-ins weighted by access.
        access_total: its total.
        delivery_factor: per city tier, the share of online buyers not put off by delivery time.
        interest_retention: the share of interest kept from one day to the next.
    """

    reach_chance: dict[str, np.ndarray]
    reach_stacks: bool
    visit_access: np.ndarray
    access_cdf: np.ndarray
    access_total: float
    delivery_factor: np.ndarray
    interest_retention: np.float32


def derive_policy(
    config: ScenarioConfig,
    traits: Traits,
    nearest_store: np.ndarray,
    store_distance_km: np.ndarray,
    scale: float,
) -> Policy:
    """The chances processes use under ``config``, for this market."""
    size = traits.size
    b = config.behaviour
    t = config.content.targeting
    weight = (1.0 - t) + t * b.targeting_tilt * traits.online_propensity.astype(np.float64)
    share = weight / weight.sum() if size else weight
    reach_chance: dict[str, np.ndarray] = {}
    for name, channel in config.content.channels.items():
        expected = channel.daily_budget / channel.cost_per_view / scale
        if expected > 0:
            reach_chance[name] = -np.expm1(-expected * share)
    total = sum(reach_chance.values(), np.zeros(size))
    has_store = nearest_store >= 0
    reach = np.exp(-store_distance_km / b.travel_km)
    visit_access = np.where(
        has_store, reach * (b.store_pull_base + config.stores.experience_level), 0.0
    ).astype(np.float32)
    access_cdf = np.cumsum(visit_access, dtype=np.float64)
    hours = np.array([getattr(config.stores.delivery_hours, tier) for tier in CITY_TIERS])
    return Policy(
        reach_chance=reach_chance,
        reach_stacks=bool(size == 0 or total.max() <= 1.0),
        visit_access=visit_access,
        access_cdf=access_cdf,
        access_total=float(access_cdf[-1]) if size else 0.0,
        delivery_factor=np.exp(-hours / b.delivery_patience_hours),
        interest_retention=np.float32(0.5 ** (1.0 / b.interest_half_life_days)),
    )
