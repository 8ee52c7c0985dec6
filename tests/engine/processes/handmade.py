"""A dozen consumers built by hand, for testing one process without a model.

Consumer i: city tier ``i % 2``; consumers 0-9 live near store 0 or 1 (``i % 2``), 10 and
11 have no store; store ``j`` is in tier ``j % 2`` (store 0 tier-1/2, store 1 tier-3/4).
Friends form a ring (i knows i-1 and i+1). Everyone starts unaware, with mid-range
propensities, so a test sets exactly the state its behaviour needs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.context import DayContext
from sim.engine.network import SocialGraph
from sim.engine.population import StoreSites, Traits
from sim.engine.streams import Streams
from sim.scenario.config import from_dict

N = 12


def ring(n: int) -> SocialGraph:
    """Each consumer's friends are their two neighbours on a ring."""
    indices = np.array([[(i - 1) % n, (i + 1) % n] for i in range(n)], np.int64).ravel()
    return SocialGraph(indptr=np.arange(0, 2 * n + 1, 2, dtype=np.int64), indices=indices)


def hand_traits(n: int = N, **overrides: Any) -> Traits:
    columns = {
        "segment": np.zeros(n, np.int8),
        "segment_names": ("everyone",),
        "city_tier": (np.arange(n) % 2).astype(np.int8),
        "online_propensity": np.full(n, 0.5, np.float32),
        "price_sensitivity": np.full(n, 0.5, np.float32),
        "social_activity": np.full(n, 0.5, np.float32),
        "consent": np.ones(n, bool),
        "basket_multiplier": np.ones(n, np.float32),
    }
    columns.update(overrides)
    return Traits(**columns)


def make_ctx(scenario: dict[str, Any] | None = None, seed: int = 0, **traits: Any) -> DayContext:
    """A day context for ``N`` hand-made consumers under ``scenario`` (dotted or nested)."""
    data: dict[str, Any] = {"horizon_days": 30, "stores": {"count": 2, "tier34_share": 0.5}}
    for section, values in (scenario or {}).items():
        if isinstance(values, dict) and isinstance(data.get(section), dict):
            data[section] = {**data[section], **values}
        else:
            data[section] = values
    data.setdefault("population", {})
    data["population"] = {"size": N, "market_size": N * 100, **data["population"]}
    config = from_dict(data)
    nearest = np.where(np.arange(N) < 10, np.arange(N) % 2, -1).astype(np.int32)
    distance = np.where(nearest >= 0, 1.0, np.inf).astype(np.float32)
    sites = StoreSites.alike(np.arange(config.stores.count) % 2)  # store i in tier i % 2
    ctx = DayContext.create(
        config, hand_traits(**traits), nearest, distance, ring(N), Streams(seed), sites
    )
    ctx.start_day()
    return ctx


def events_of(ctx: DayContext, name: str) -> np.ndarray:
    """Consumer rows of the logged events named ``name``."""
    from sim.log.eventlog import Event

    return ctx.log.column("consumer")[ctx.log.column("event") == Event[name]]
