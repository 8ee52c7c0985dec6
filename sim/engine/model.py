"""The omnichannel journey model: a Mesa model in which one step is one day.

Consumer state lives in numpy columns (:mod:`sim.engine.state`); each day runs a fixed
sequence of vectorised processes over them (reach, app, stores, checkout, loyalty).
Consumers and stores are Mesa agents that view those columns. Policy changes in the
scenario's ``schedule`` are Mesa events, so a phased rollout is just a list of dated
configuration changes.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import mesa
import numpy as np
import pandas as pd
import pyarrow as pa

from sim.engine.agents import Consumer, Store
from sim.engine.inventory import Inventory
from sim.engine.network import small_world
from sim.engine.population import TIERS, assign_nearest_store, draw_traits, place_stores
from sim.engine.processes import exposure, loyalty, shopping
from sim.engine.state import ConsumerState
from sim.engine.streams import Source, Streams
from sim.engine.tally import TALLY_FIELDS, DayTally
from sim.log.eventlog import EventLog
from sim.scenario.config import ScenarioConfig, ScheduledChange, with_overrides


class OmnichannelModel(mesa.Model):
    """Consumers, stores and touchpoints over ``config.horizon_days`` days.

    Args:
        config: the validated scenario.
        rng: the run's seed (a non-negative int); every random stream derives from it.

    Example:
        >>> model = OmnichannelModel(config, rng=7)
        >>> model.run_for(config.horizon_days)
        >>> model.events_table()  # the event log as Arrow
    """

    def __init__(self, config: ScenarioConfig, rng: int = 0):
        if not isinstance(rng, int | np.integer) or isinstance(rng, bool) or rng < 0:
            raise ValueError(f"rng must be a non-negative integer seed, got {rng!r}")
        super().__init__(rng=int(rng))
        self.seed = int(rng)
        self.config = config
        self.streams = Streams(self.seed)
        self.size = config.population.size
        self.scale = config.population.market_size / self.size
        self.log = EventLog()
        self.tally = DayTally()
        self.running = True

        setup = self.streams.get(Source.population)
        self.traits = draw_traits(config, setup)
        self.consumers = [Consumer(self, row) for row in range(self.size)]
        self.consumer_ids = np.fromiter((c.unique_id for c in self.consumers), np.int64, self.size)
        store_rng = self.streams.get(Source.stores)
        self.store_tier = place_stores(config, store_rng)
        self.stores = [Store(self, i, int(t)) for i, t in enumerate(self.store_tier)]
        self.nearest_store, self.store_distance_km = assign_nearest_store(
            config, self.traits, self.store_tier, store_rng
        )
        self.graph = small_world(config.network, self.traits, self.streams.get(Source.network))
        self.state = ConsumerState(self.size)
        self.rows = np.arange(self.size, dtype=np.int64)
        catchment = np.bincount(
            self.nearest_store[self.nearest_store >= 0], minlength=config.stores.count
        )
        self.inventory = Inventory(config.inventory, catchment, float(self.size))
        self.stock_demand = np.zeros_like(self.inventory.stock, dtype=np.float64)
        self._ledger_opening: list[np.ndarray] = []
        self._ledger_sold: list[np.ndarray] = []
        self.coupon_budget_used = 0.0
        self._next_coupon = 0
        self.policy_changes: list[dict[str, Any]] = []
        self._table_cache: tuple[int, pa.Table] | None = None
        self._derive_policy()

        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        # Mesa holds event callbacks weakly: keep the callbacks alive for the run.
        self._policy_callbacks = [partial(self._change_policy, c) for c in config.schedule]
        for change, callback in zip(config.schedule, self._policy_callbacks, strict=True):
            self.schedule_event(callback, at=change.day)

    # ---- policy -------------------------------------------------------------------------
    def _derive_policy(self) -> None:
        """Recompute what depends on policy: targeting weights, store pull, delivery speed."""
        cfg = self.config
        t = cfg.content.targeting
        weight = (1.0 - t) + t * 2.0 * self.traits.online_propensity.astype(np.float64)
        share = weight / weight.sum() if self.size else weight
        self.reach_chance: dict[str, np.ndarray] = {}
        for name, channel in cfg.content.channels.items():
            expected = channel.daily_budget / channel.cost_per_view / self.scale
            if expected > 0:
                self.reach_chance[name] = -np.expm1(-expected * share)
        total = sum(self.reach_chance.values(), np.zeros(self.size))
        self.reach_stacks = bool(self.size == 0 or total.max() <= 1.0)
        has_store = self.nearest_store >= 0
        reach = np.exp(-self.store_distance_km / cfg.behaviour.travel_km)
        self.visit_access = np.where(
            has_store, reach * (0.5 + cfg.stores.experience_level), 0.0
        ).astype(np.float32)
        self.access_cdf = np.cumsum(self.visit_access, dtype=np.float64)
        self.access_total = float(self.access_cdf[-1]) if self.size else 0.0
        hours = np.array([cfg.stores.delivery_hours.tier12, cfg.stores.delivery_hours.tier34])
        self.delivery_factor = np.exp(-hours / cfg.behaviour.delivery_patience_hours)
        self.inventory.set_policy(cfg.inventory)
        self.interest_retention = np.float32(0.5 ** (1.0 / cfg.behaviour.interest_half_life_days))

    def _change_policy(self, change: ScheduledChange) -> None:
        """A scheduled change (Mesa event) takes effect before the day it is dated."""
        self.config = with_overrides(self.config, change.set)
        self.policy_changes.append({"day": change.day, "set": dict(change.set)})
        self._derive_policy()

    def fill_rate(self, in_store: np.ndarray) -> np.ndarray:
        """Chance a local stockout is filled elsewhere: pooling, or ordering online in store."""
        pooled = (
            self.config.inventory.pooled_fill_rate
            if self.config.inventory.mode == "pooled"
            else 0.0
        )
        store_rate = 1.0 if self.config.stores.online_order_area else pooled
        return np.where(in_store, store_rate, pooled)

    # ---- coupons --------------------------------------------------------------------------
    def coupon_budget_allows(self, who: np.ndarray, face_value: float) -> np.ndarray:
        """The first consumers of ``who`` whose coupons still fit in the budget (market money)."""
        per_coupon = face_value * self.scale
        if per_coupon <= 0:
            return who
        room = self.config.coupons.budget - self.coupon_budget_used
        n = int(max(0.0, room) // per_coupon)
        return who[:n]

    def issue_coupons(self, who: np.ndarray, face_value: float, day: int) -> np.ndarray:
        """Give each of ``who`` a new coupon; returns their ids."""
        ids = np.arange(self._next_coupon, self._next_coupon + len(who), dtype=np.int64)
        self._next_coupon += len(who)
        s = self.state
        s.coupon_id[who] = ids
        s.coupon_value[who] = face_value
        s.coupon_expiry[who] = min(day + self.config.coupons.expiry_days, 2**31 - 1)
        self.coupon_budget_used += face_value * self.scale * len(who)
        self.tally.coupon_claims += len(who)
        return ids

    # ---- the day --------------------------------------------------------------------------
    @property
    def day(self) -> int:
        """The day being simulated (0-based); after a step, the last day simulated."""
        return self.steps - 1

    def step(self) -> None:
        """One day: reach, app, stores, checkout, loyalty, restocking, then data collection."""
        day = self.day
        if day >= self.config.horizon_days:
            raise RuntimeError(f"day {day} is past the horizon ({self.config.horizon_days} days)")
        self.tally.reset()
        self.stock_demand[:] = 0.0
        self._ledger_opening.append(self.inventory.stock.astype(np.int32))
        self.state.interest *= self.interest_retention

        exposure.content(self, day)
        online = shopping.app_sessions(self, day)
        store = shopping.store_visits(self, day)
        buyers, channel = shopping.purchase_attempts(self, day, online, store)
        loyalty.after_purchase(self, day, buyers, channel)
        loyalty.retention(self, day)
        loyalty.expire_coupons(self, day)

        self._ledger_sold.append((self._ledger_opening[-1] - self.inventory.stock).astype(np.int32))
        self.inventory.end_of_day(day, self.stock_demand)
        self.datacollector.collect(self)
        if day + 1 >= self.config.horizon_days:
            self.running = False

    def run(self) -> OmnichannelModel:
        """Simulate the whole horizon."""
        self.run_for(self.config.horizon_days - self.steps)
        return self

    def _reporters(self) -> dict[str, Any]:
        s = self.state
        reporters: dict[str, Any] = {
            "day": lambda m: m.day,
            "aware_share": lambda m: float(s.aware.mean()),
            "considering_share": lambda m: float(s.considering.mean()),
            "customers": lambda m: int(np.count_nonzero(s.purchases)),
            "repeat_customers": lambda m: int(np.count_nonzero(s.purchases >= 2)),
            "members": lambda m: int(np.count_nonzero(s.member)),
            "lapsed": lambda m: int(np.count_nonzero(s.lapsed)),
            "coupons_held": lambda m: int(np.count_nonzero(s.coupon_id >= 0)),
            "coupon_budget_used": lambda m: m.coupon_budget_used,
            "min_stock": lambda m: int(m.inventory.stock.min()),
            "stock_units": lambda m: int(m.inventory.stock.sum()),
        }
        for name in TALLY_FIELDS:
            reporters[name] = partial(lambda m, n: getattr(m.tally, n), n=name)
        return reporters

    # ---- results --------------------------------------------------------------------------
    def events_table(self) -> pa.Table:
        """The event log so far (Arrow), consumers as their Mesa unique_id."""
        if self._table_cache is None or self._table_cache[0] != self.log.rows:
            self._table_cache = (self.log.rows, self.log.to_arrow(self.consumer_ids))
        return self._table_cache[1]

    def events_of(self, unique_id: int) -> pd.DataFrame:
        """One consumer's journey so far (a small, fast filter of the log)."""
        row = int(np.searchsorted(self.consumer_ids, unique_id))
        mask_rows = np.flatnonzero(self.log.column("consumer") == row)
        table = self.events_table().take(pa.array(mask_rows))
        return table.to_pandas()

    def consumers_frame(self) -> pd.DataFrame:
        """One row per consumer: traits and end state."""
        t, s = self.traits, self.state
        from sim.engine.state import Stage

        stage = s.stage()
        return pd.DataFrame(
            {
                "consumer": self.consumer_ids,
                "segment": pd.Categorical.from_codes(t.segment, list(t.segment_names)),
                "city_tier": pd.Categorical.from_codes(t.city_tier, list(TIERS)),
                "online_propensity": t.online_propensity,
                "price_sensitivity": t.price_sensitivity,
                "social_activity": t.social_activity,
                "consent": t.consent,
                "store_distance_km": self.store_distance_km,
                "nearest_store": self.nearest_store,
                "friends": self.graph.degree.astype(np.int32),
                "stage": pd.Categorical.from_codes(stage, [x.name for x in Stage]),
                "member": s.member,
                "purchases": s.purchases,
                "first_purchase_day": s.first_purchase_day,
            }
        )

    def daily_frame(self) -> pd.DataFrame:
        """Mesa DataCollector's model series, one row per day."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        return df.astype({"day": "int32"})

    def inventory_frame(self) -> pd.DataFrame:
        """Stock ledger: opening stock and units sold per day, location and item.

        Location ``-2`` is the online warehouse, 0.. are stores.
        """
        days = len(self._ledger_opening)
        if days == 0:
            return pd.DataFrame(columns=["day", "location", "sku", "opening", "sold"])
        opening = np.stack(self._ledger_opening)
        sold = np.stack(self._ledger_sold)
        locs, skus = opening.shape[1], opening.shape[2]
        location = np.arange(locs, dtype=np.int32)
        location[-1] = -2
        return pd.DataFrame(
            {
                "day": np.repeat(np.arange(days, dtype=np.int32), locs * skus),
                "location": np.tile(np.repeat(location, skus), days),
                "sku": np.tile(np.arange(skus, dtype=np.int32), days * locs),
                "opening": opening.ravel(),
                "sold": sold.ravel(),
            }
        )
