"""Every schedulable lever takes effect on the day it is scheduled, and not before.

For each scenario path a schedule may change, a run with the change dated day ``D`` is
compared with the same run without it (same seed): the event logs must be identical
before day ``D`` and differ from day ``D`` on. A path the engine reads only at set-up
(so a schedule would silently do nothing) fails here and belongs in ``FIXED_PATHS``.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pandas as pd
import pytest

from sim.present.docs import scenario_keys
from sim.scenario.config import ScenarioConfig, is_fixed_path, with_overrides
from sim.scenario.vocabulary import CONTENT_CHANNELS
from sim.study.run import simulate
from tests.conftest import make_launch_config

D = 20
HORIZON = 45
RIVAL = "competitors.rival"  # the rival both runs have, for the competitors.<name> keys
#: The rival's deal over the whole run, so rival levers have sales to steal.
DEAL = [{"first_day": 0, "last_day": HORIZON, "depth": 0.5}]

#: Changes big enough to show within HORIZON - D days at this population.
SPECIAL: dict[str, Any] = {
    "stores.delivery_hours.tier12": 48.0,
    "stores.delivery_hours.tier34": 0.0,
    "inventory.mode": "pooled",
    "inventory.review_period_days": 1,
    "inventory.cover_days": 0.1,
    "inventory.demand_smoothing": 1.0,
    "inventory.sku_popularity": 0.0,
    "coupons.redeemable_in": "online",
    "coupons.expiry_days": 1,
    "coupons.threshold": 150.0,
    "coupons.budget": 0.0,
    "membership.member_events_per_month": 30.0,
    "behaviour.interest_half_life_days": 0.5,
    "behaviour.visit_delay_days": 10.0,
    "behaviour.friends_per_share": 12,
    "behaviour.delivery_patience_hours": 0.1,
    "behaviour.travel_km": 0.5,
    "behaviour.channel_habit": 0.0,
    "behaviour.bopis_pickup_share": 1.0,
    "calendar.weekday": [3.0] * 7,
    "calendar.month": [3.0] * 12,
    "calendar.peaks": [{"date": "01-01", "days": 60, "lift": 2.0}],
    "promotions": [{"first_day": 0, "last_day": HORIZON, "depth": 0.5}],
    "prices.online": 2.0,
    "prices.store": 2.0,
    "competitors": {"rival": {"appeal": 1.0}},
    f"{RIVAL}.promotions": [{"first_day": 0, "last_day": HORIZON, "depth": 0.9}],
    f"{RIVAL}.price": 3.0,
    f"{RIVAL}.appeal": -3.0,
    f"{RIVAL}.media_pressure": 1e7,
    "prices.stockpile_days": 0.0,
    "competition.by_segment": {"gen_z": 10.0},
    # A store conversion's levers are null (the stores' own settings) until set.
    "stores.conversion.tiers": ["tier34"],
    "stores.conversion.experience_level": 1.0,
    "stores.conversion.online_order_area": True,
    "stores.conversion.bopis": False,
    **{
        f"content.channels.{name}.audience.segments": {"gen_z": 5.0, "families": 0.0}
        for name in CONTENT_CHANNELS
    },
    # The one region at 0: the channel stops buying views.
    **{f"content.channels.{name}.region_budget": {"region_1": 0.0} for name in CONTENT_CHANNELS},
    # What a view is worth to each segment: nothing to Gen Z, five times as much to families.
    **{
        f"content.channels.{name}.audience.response": {"gen_z": 0.0, "families": 5.0}
        for name in CONTENT_CHANNELS
    },
    "prices.gap_distrust": 5.0,
    # Views near the top of consideration odds: switching them off shows, raising them may not.
    **{f"content.channels.{name}.consider_weight": 0.0 for name in CONTENT_CHANNELS},
}

#: Levers that act only together with another setting, given to both runs.
CONTEXT: dict[str, dict[str, Any]] = {
    "stores.bopis": {"behaviour.bopis_pickup_share": 0.5},
    "stores.conversion.bopis": {"behaviour.bopis_pickup_share": 0.5},
    # Which stores are converted matters only when the conversion sets a lever.
    "stores.conversion.tiers": {"stores.conversion.experience_level": 1.0},
    "stores.conversion.busiest_share": {"stores.conversion.experience_level": 1.0},
    "content.personalization_lift": {"content.personalization": True},
    "behaviour.coupon_conflict_abandonment": {"coupons.redeemable_in": "online"},
    "behaviour.inconsistency_lapse": {"consistency.price_consistent": False},
    # A store-only retailer's prospects go to the store instead of the app.
    "behaviour.store_substitution": {"online.enabled": False},
    "inventory.pooled_fill_rate": {"inventory.mode": "pooled"},
    "prices.inconsistent_store_premium": {"consistency.price_consistent": False},
    "prices.gap_distrust": {
        "consistency.price_consistent": False,
        "prices.inconsistent_store_premium": 0.2,
    },
    "prices.elasticity": {"promotions": [{"first_day": 0, "last_day": HORIZON, "depth": 0.5}]},
    "prices.stockpile_days": {"promotions": [{"first_day": 0, "last_day": HORIZON, "depth": 0.5}]},
    # Few sales per store and item at this population: restock daily so the cover shows.
    "inventory.cover_days": {"inventory.review_period_days": 1, "inventory.skus": 1},
    # A few dozen KOL views in 25 days at this population: too few to show a consideration change.
    "content.channels.kol.consider_weight": {"content.channels.kol.daily_budget": 500_000.0},
    "content.channels.ugc.consider_weight": {"content.channels.ugc.daily_budget": 500_000.0},
    # A launch has few lapsed customers by day 20: let customers lapse fast.
    "market.winback_per_touch": {"behaviour.lapse_rate": 0.2},
    # UGC's repeat views (where a ceiling acts) are few at its small budget, and most land on
    # segments it barely moves (the baseline's audience.response): buy more of them.
    "content.channels.ugc.saturation_ceiling": {"content.channels.ugc.daily_budget": 200_000.0},
}
#: Rival-brand levers act only where there is a rival: give both runs one.
for _path in ("competition", RIVAL):
    CONTEXT[_path] = {"competitors": {"rival": {"media_pressure": 1e5, "promotions": DEAL}}}
#: Loyalty acts on customers' and members' attempts only: give them many to steal.
for _path in ("competition.customer_loyalty", "competition.member_loyalty"):
    CONTEXT[_path] = {**CONTEXT["competition"], "behaviour.repurchase_rate": 0.2}


def _context(path: str) -> dict[str, Any]:
    """The settings both runs of ``path`` share (a rival for the competition keys)."""
    if path in CONTEXT:
        return CONTEXT[path]
    prefix = next((p for p in ("competition", RIVAL) if path.startswith(p + ".")), None)
    return CONTEXT[prefix] if prefix else {}


def _base(path: str = "") -> ScenarioConfig:
    sets = {k.replace(".", "__"): v for k, v in _context(path).items()}
    # A launch: at this size and horizon, some channel levers barely show in a market with a
    # past (its consumers have long worn out the calls to action).
    return make_launch_config(size=3000, horizon=HORIZON, **sets)


def _paths(base: ScenarioConfig) -> list[tuple[str, bool]]:
    """(path, whether it is a 0-1 share) for every leaf a schedule may change."""
    paths = []
    for path, kind, *_ in scenario_keys():
        if is_fixed_path(path):
            continue
        if path == "content.channels":
            continue  # a free-form mapping: its leaves are tested one by one
        share = "<= 1.0" in kind
        if path.startswith("competitors.<name>."):
            paths.append((path.replace("<name>", "rival"), share))
        elif "<name>" in path:
            paths += [(path.replace("<name>", name), share) for name in base.content.channels]
        else:
            paths.append((path, share))
    return paths


def _get(config: ScenarioConfig, path: str) -> Any:
    node: Any = config
    for key in path.split("."):
        node = node[key] if isinstance(node, dict) else getattr(node, key)
    return node


def _changed(path: str, value: Any, share: bool) -> Any:
    """A value different enough from ``value`` to change behaviour."""
    if path in SPECIAL:
        return SPECIAL[path]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value * 3 + 1
    if share:
        return 1.0 if value < 0.5 else 0.0
    return value * 5 if value else 1.0


@functools.cache
def _unchanged(context: str) -> pd.DataFrame:
    """The run without the change (shared by every path with the same context, as JSON)."""
    base = _base(next((p for p, c in CONTEXT.items() if json.dumps(c) == context), ""))
    return simulate(base, seed=5).events.to_pandas()


@pytest.mark.parametrize(("path", "share"), _paths(_base()))
def test_a_scheduled_change_acts_from_its_day_on(path, share):
    base = _base(path)
    unchanged = _unchanged(json.dumps(_context(path)))
    value = _changed(path, _get(base, path), share)
    assert value != _get(base, path)
    scheduled = with_overrides(base, {"schedule": [{"day": D, "set": {path: value}}]})
    events = simulate(scheduled, seed=5).events.to_pandas()
    before = unchanged[unchanged.day < D].reset_index(drop=True)
    pd.testing.assert_frame_equal(events[events.day < D].reset_index(drop=True), before)
    after_then = unchanged[unchanged.day >= D].reset_index(drop=True)
    after_now = events[events.day >= D].reset_index(drop=True)
    assert not after_now.equals(after_then), f"{path} -> {value!r} changed nothing from day {D}"
