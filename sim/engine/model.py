"""The omnichannel journey model: a Mesa model in which one step is one day.

Consumer state lives in numpy columns (:mod:`sim.engine.state`); each day runs the ordered
touchpoint processes of :data:`sim.engine.processes.PROCESSES` over a narrow
:class:`~sim.engine.context.DayContext`. Consumers and stores are Mesa agents that view
those columns. Policy changes in the scenario's ``schedule`` are Mesa events, so a phased
rollout is just a list of dated configuration changes.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.engine.agents import Consumer, Store
from sim.engine.context import DayContext
from sim.engine.history import live_before_day_0
from sim.engine.network import small_world
from sim.engine.population import (
    StoreSites,
    assign_nearest_store,
    consumer_regions,
    draw_store_sizes,
    draw_traits,
    place_stores,
)
from sim.engine.processes import PROCESSES, process_name
from sim.engine.streams import Source, Streams
from sim.engine.tally import TALLY_FIELDS
from sim.log.stream import ROW_GROUP_ROWS, EventStream
from sim.scenario.config import ScenarioConfig, ScheduledChange, with_overrides
from sim.scenario.vocabulary import CITY_TIERS, region_names


class OmnichannelModel(mesa.Model):
    """Consumers, stores and touchpoints over ``config.horizon_days`` days.

    Args:
        config: the validated scenario.
        rng: the run's seed (a non-negative int); every random stream derives from it.
            ``None`` (Mesa's default) draws a fresh seed, kept in ``model.seed``.

    Mesa's own ``model.rng``/``model.random`` are seeded as usual but the simulation never
    draws from them: every decision is keyed (see :mod:`sim.engine.streams`), so code that
    draws from them would break the pairing of compared arms.

    Example:
        >>> model = OmnichannelModel(config, rng=7)
        >>> model.run_for(config.horizon_days)
        >>> model.events_table()  # the event log as Arrow
    """

    def __init__(self, config: ScenarioConfig, rng: int | None = None):
        if rng is None:
            rng = int(np.random.SeedSequence().entropy % 2**63)
        if not isinstance(rng, int | np.integer) or isinstance(rng, bool) or rng < 0:
            raise ValueError(f"rng must be a non-negative integer seed, got {rng!r}")
        super().__init__(rng=int(rng))
        self.seed = int(rng)
        self.streams = Streams(self.seed)
        self.size = config.population.size
        self.scale = config.population.market_size / self.size
        self.running = True

        traits = draw_traits(config, self.streams.get(Source.population))
        self.consumers = [Consumer(self, row) for row in range(self.size)]
        self.consumer_ids = np.fromiter((c.unique_id for c in self.consumers), np.int64, self.size)
        store_rng = self.streams.get(Source.stores)
        self.store_tier = place_stores(config, store_rng)
        self.store_size = draw_store_sizes(config, self.streams.draws(Source.stores, -1))
        self.stores = [Store(self, i, int(t)) for i, t in enumerate(self.store_tier)]
        nearest, distance = assign_nearest_store(
            config, traits, self.store_tier, store_rng, self.store_size
        )
        graph = small_world(config.network, traits, self.streams.get(Source.network))
        sites = StoreSites(self.store_tier, self.store_size)
        self.ctx = DayContext.create(config, traits, nearest, distance, graph, self.streams, sites)
        self.newcomer_ids: list[int] = []  # the newcomer after each market exit, in order
        self.ctx.on_exit = self._newcomers
        live_before_day_0(self.ctx, config.market.burn_in_days, PROCESSES)
        self.first_ids = self.consumer_ids.copy()  # each seat's consumer on day 0, for the log
        self.newcomer_ids.clear()
        self._ledger_opening: list[np.ndarray] = []
        self._ledger_sold: list[np.ndarray] = []
        self.policy_changes: list[dict[str, Any]] = []
        self._table_cache: tuple[int, pa.Table] | None = None
        self._stream: EventStream | None = None
        #: Wall seconds spent in each process (``module.function``), restocking, data
        #: collection and streaming the log to disk over the days simulated so far.
        self._process_names = [process_name(p) for p in PROCESSES]
        self.process_seconds: dict[str, float] = dict.fromkeys(
            [*self._process_names, "restock", "collect", "write_events"], 0.0
        )

        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        # Mesa holds event callbacks weakly: keep the callbacks alive for the run.
        self._policy_callbacks = [partial(self._change_policy, c) for c in config.schedule]
        for change, callback in zip(config.schedule, self._policy_callbacks, strict=True):
            self.schedule_event(callback, at=change.day)

    # ---- views on the day context ------------------------------------------------------
    config = property(lambda self: self.ctx.config, doc="The scenario in force now.")
    state = property(lambda self: self.ctx.state, doc="Consumers' journey state (columns).")
    traits = property(lambda self: self.ctx.traits, doc="Consumers' fixed traits (columns).")
    graph = property(lambda self: self.ctx.graph, doc="The social graph.")
    inventory = property(lambda self: self.ctx.inventory, doc="Stock by location and item.")
    log = property(lambda self: self.ctx.log, doc="The event log being written.")
    tally = property(lambda self: self.ctx.tally, doc="Today's running totals.")
    nearest_store = property(lambda self: self.ctx.nearest_store, doc="Each consumer's store.")
    store_distance_km = property(lambda self: self.ctx.store_distance_km, doc="Its distance.")
    policy = property(lambda self: self.ctx.policy, doc="Chances derived from the strategy.")
    coupon_budget_used = property(
        lambda self: self.ctx.coupons.budget_used, doc="Coupon face value issued, market money."
    )

    def _newcomers(self, seats: np.ndarray) -> None:
        """Consumers left the market: their agents go, newcomers' agents take the seats."""
        for seat in seats.tolist():
            self.consumers[seat].remove()
            newcomer = Consumer(self, seat)
            self.consumers[seat] = newcomer
            self.consumer_ids[seat] = newcomer.unique_id
            self.newcomer_ids.append(newcomer.unique_id)

    def _change_policy(self, change: ScheduledChange) -> None:
        """A scheduled change (Mesa event) takes effect before the day it is dated."""
        self.ctx.change_policy(with_overrides(self.ctx.config, change.set))
        self.policy_changes.append({"day": change.day, "set": dict(change.set)})

    # ---- the day --------------------------------------------------------------------------
    @property
    def day(self) -> int:
        """The day being simulated (0-based); after a step, the last day simulated."""
        return self.steps - 1

    def step(self) -> None:
        """One day: the touchpoint processes in order, restocking, then data collection."""
        day = self.day
        if day >= self.config.horizon_days:
            raise RuntimeError(f"day {day} is past the horizon ({self.config.horizon_days} days)")
        ctx = self.ctx
        ctx.start_day()
        self._ledger_opening.append(ctx.inventory.stock.copy())
        seconds = self.process_seconds
        clock = time.perf_counter
        for process, name in zip(PROCESSES, self._process_names, strict=True):
            started = clock()
            process(ctx, day)
            seconds[name] += clock() - started
        started = clock()
        self._ledger_sold.append(self._ledger_opening[-1] - ctx.inventory.stock)
        ctx.inventory.end_of_day(day, ctx.today.stock_demand)
        seconds["restock"] += clock() - started
        started = clock()
        self.datacollector.collect(self)
        seconds["collect"] += clock() - started
        if self._stream is not None:
            started = clock()
            self._stream.after_day(self.log, self.newcomer_ids)
            seconds["write_events"] += clock() - started
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
    def stream_events(self, path: str | Path, row_group_rows: int = ROW_GROUP_ROWS) -> None:
        """Write the event log to ``path`` (Parquet) a row group at a time as days pass.

        Call before the first day; :meth:`finish_events` writes the rest and closes the file.
        The model then holds at most about one row group of the log, so memory no longer
        grows with the run's events. The file's rows equal :meth:`events_table`'s of an
        unstreamed run of the same scenario and seed.
        """
        if self.steps:
            raise RuntimeError("stream_events must be called before the first day")
        self._stream = EventStream(path, self.first_ids, row_group_rows)

    def finish_events(self) -> int:
        """Write the streamed log's last rows and close its file; returns its rows."""
        if self._stream is None:
            raise RuntimeError("the event log is not being streamed (see stream_events)")
        return self._stream.close(self.log, self.newcomer_ids)

    def abort_events(self) -> None:
        """Close a streamed log's file after a failure, writing nothing more."""
        if self._stream is not None:
            self._stream.abort()

    def events_table(self) -> pa.Table:
        """The event log so far (Arrow), consumers as their Mesa unique_id.

        A streamed log is read back from its file once :meth:`finish_events` closed it.
        """
        if self._stream is not None:
            if self._stream.open:
                raise RuntimeError("the streamed event log is still open (see finish_events)")
            return pq.read_table(self._stream.path)
        if self._table_cache is None or self._table_cache[0] != self.log.rows:
            table = self.log.to_arrow(self.first_ids, np.array(self.newcomer_ids, np.int64))
            self._table_cache = (self.log.rows, table)
        return self._table_cache[1]

    def events_of(self, unique_id: int) -> pd.DataFrame:
        """One consumer's journey so far (a small, fast filter of the log)."""
        table = self.events_table()
        mask_rows = np.flatnonzero(table.column("consumer").to_numpy() == unique_id)
        return table.take(pa.array(mask_rows)).to_pandas()

    def consumers_frame(self) -> pd.DataFrame:
        """One row per consumer: traits and end state."""
        t, s, cfg = self.traits, self.state, self.config
        from sim.engine.state import Stage

        stage = s.stage()
        return pd.DataFrame(
            {
                "consumer": self.consumer_ids,
                "segment": pd.Categorical.from_codes(t.segment, list(t.segment_names)),
                "city_tier": pd.Categorical.from_codes(t.city_tier, list(CITY_TIERS)),
                "online_propensity": t.online_propensity,
                "price_sensitivity": t.price_sensitivity,
                "social_activity": t.social_activity,
                "consent": t.consent,
                "store_distance_km": self.store_distance_km,
                "nearest_store": self.nearest_store,
                "region": pd.Categorical.from_codes(
                    consumer_regions(self.nearest_store, len(self.stores), cfg.stores.regions),
                    list(region_names(cfg.stores.regions)),
                ),
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

        In market units (real shoppers' units, see :mod:`sim.engine.inventory`): a
        simulated purchase stands for ``market_size / size`` of them. Location ``-2`` is
        the online warehouse, 0.. are stores.
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
