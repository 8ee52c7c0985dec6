"""The day context: everything the touchpoint processes share, and nothing else.

Processes are functions of a :class:`DayContext` and the day. They never see the Mesa
model, so a process can be tested on a dozen consumers built by hand
(:func:`sim.engine.context.DayContext.build` does it from a scenario and columns), and the
model is free to be a Mesa citizen without the processes depending on it.

Random numbers come only from ``streams`` (keyed per consumer, see
:mod:`sim.engine.streams`): never from Mesa's ``model.rng``/``model.random``, which would
break common random numbers between the arms of a comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.engine.coupons import CouponBook
from sim.engine.inventory import Inventory
from sim.engine.network import SocialGraph
from sim.engine.policy import Policy, derive_policy
from sim.engine.population import StoreSites, Traits
from sim.engine.state import ConsumerState
from sim.engine.streams import Streams
from sim.engine.tally import DayTally
from sim.log.eventlog import EventLog
from sim.scenario.config import ScenarioConfig
from sim.scenario.vocabulary import CITY_TIERS

_EMPTY = np.empty(0, np.int64)


@dataclass
class Today:
    """What one process hands to the next within a day; cleared at the start of each day.

    Attributes:
        online_attempts: consumers trying to order online today (app buyers and missions).
        store_attempts: consumers trying to buy in store today.
        buyers: consumers whose attempt ended in a purchase, in checkout order.
        bought_in: the channel code (:class:`sim.log.eventlog.Channel`) of each purchase.
        stock_demand: real shoppers (market units) who wanted each (location, item)
            today, stockouts included.
        media_spend: content spend per channel today (sample money).
        online_orders_by_tier: online orders placed today, per city tier.
        touched: consumers touched today, one array per touch (with repeats).
        demand: today's propensity to shop from the retail calendar (1: a flat day); every
            shopping rate (app sessions, store trips, the need to rebuy) is multiplied by it.
        list_price: today's list price index per purchase channel (online, store).
        promo_depth: today's promotional cut per purchase channel (0: none).
        livestream_depth: today's cut on orders placed in a livestream (a flash sale, or an
            online cut, whichever is deeper).
        rival_price: each competitor's price index today, its promotions taken off.
        price_premium: value of today's orders above the basket at index 1 (sample money),
            so the cost of goods follows the goods, not the price charged.
        rival_buyers: consumers who bought from a competitor today (a stolen sale).
        coupon_made_online: online buyers of today who would not have bought without the
            coupon they held (same random draw, no coupon); missions never are.
        coupon_made_store: the same for store buyers.
        instant_orders: viewers who order online on the spot from content (a livestream's
            buy button); the app adds them to today's online attempts.
        livestream_orders: those of them who ordered in a livestream (a livestream flash
            sale cuts their price at the till).
    """

    online_attempts: np.ndarray = field(default_factory=lambda: _EMPTY)
    store_attempts: np.ndarray = field(default_factory=lambda: _EMPTY)
    buyers: np.ndarray = field(default_factory=lambda: _EMPTY)
    bought_in: np.ndarray = field(default_factory=lambda: np.empty(0, np.int8))
    stock_demand: np.ndarray | None = None
    media_spend: dict[str, float] = field(default_factory=dict)
    online_orders_by_tier: np.ndarray = field(default_factory=lambda: np.zeros(2, np.int64))
    touched: list[np.ndarray] = field(default_factory=list)
    demand: float = 1.0
    list_price: np.ndarray = field(default_factory=lambda: np.ones(2))
    promo_depth: np.ndarray = field(default_factory=lambda: np.zeros(2))
    livestream_depth: float = 0.0
    rival_price: np.ndarray = field(default_factory=lambda: np.empty(0))
    price_premium: float = 0.0
    rival_buyers: np.ndarray = field(default_factory=lambda: _EMPTY)
    coupon_made_online: np.ndarray = field(default_factory=lambda: _EMPTY)
    coupon_made_store: np.ndarray = field(default_factory=lambda: _EMPTY)
    instant_orders: np.ndarray = field(default_factory=lambda: _EMPTY)
    livestream_orders: np.ndarray = field(default_factory=lambda: _EMPTY)


@dataclass
class DayContext:
    """What processes share: the market, its state, the strategy in force, the records.

    Attributes:
        config: the scenario in force today (replaced by scheduled policy changes).
        policy: chances derived from ``config`` (see :mod:`sim.engine.policy`).
        traits: consumers' fixed traits.
        state: consumers' journey state (changed by processes).
        graph: who is friends with whom.
        nearest_store: each consumer's store (-1: none).
        store_distance_km: the distance to it.
        inventory: stock by location and item.
        coupons: the coupon budget spent and coupon ids.
        streams: keyed random numbers, the only source of randomness for processes.
        log: the event log (processes append rows).
        tally: the day's running totals for the daily table.
        today: what processes hand each other within the day.
        installed: integration levers already set up (their one-off cost is paid).
        on_exit: told which seats turned over (the model gives newcomers their agents).
        scale: market consumers per simulated consumer (money in market units).
        calendar_offset: added to the day to find its date and promotions (negative while
            living the days before day 0, see :mod:`sim.engine.history`).
        opening: the scenario as it stood on day 0 (the market the brand's flow is
            calibrated in; competition measures departures from it).
        sites: the store footprint (tier and size per store), for store conversions.
        installed_stores: per integration lever, the level already set up in each store
            (a conversion pays the one-off cost per store it reaches).
    """

    config: ScenarioConfig
    policy: Policy
    traits: Traits
    state: ConsumerState
    graph: SocialGraph
    nearest_store: np.ndarray
    store_distance_km: np.ndarray
    inventory: Inventory
    coupons: CouponBook
    streams: Streams
    log: EventLog
    tally: DayTally
    scale: float
    today: Today = field(default_factory=Today)
    installed: set[str] = field(default_factory=set)
    on_exit: Callable[[np.ndarray], None] | None = None
    calendar_offset: int = 0
    opening: ScenarioConfig | None = None
    sites: StoreSites | None = None
    installed_stores: dict[str, np.ndarray] = field(default_factory=dict)
    rows: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rows = np.arange(self.size, dtype=np.int64)  # every consumer's row index

    @property
    def size(self) -> int:
        """Simulated consumers."""
        return self.traits.size

    @classmethod
    def create(
        cls,
        config: ScenarioConfig,
        traits: Traits,
        nearest_store: np.ndarray,
        store_distance_km: np.ndarray,
        graph: SocialGraph,
        streams: Streams,
        sites: StoreSites | None = None,
    ) -> DayContext:
        """A fresh market on day 0: nobody aware, stock at its opening level, no coupons.

        The model builds its context this way, and so can a test, from a dozen consumers'
        traits written by hand.
        """
        size = traits.size
        scale = config.population.market_size / size
        served = nearest_store >= 0
        tiers = len(CITY_TIERS)
        cells = nearest_store[served].astype(np.int64) * tiers + traits.city_tier[served]
        catchment = np.bincount(cells, minlength=config.stores.count * tiers).reshape(-1, tiers)
        return cls(
            config=config,
            policy=derive_policy(config, traits, nearest_store, store_distance_km, scale, sites),
            traits=traits,
            state=ConsumerState(size),
            graph=graph,
            nearest_store=nearest_store,
            store_distance_km=store_distance_km,
            inventory=Inventory(config.inventory, catchment, float(size), scale),
            coupons=CouponBook(scale),
            streams=streams,
            log=EventLog(),
            tally=DayTally(),
            scale=scale,
            opening=config,
            sites=sites,
        )

    def change_policy(self, config: ScenarioConfig) -> None:
        """Put a new strategy in force: re-derive chances and the stock policy."""
        self.config = config
        self.policy = derive_policy(
            config, self.traits, self.nearest_store, self.store_distance_km, self.scale, self.sites
        )
        self.inventory.set_policy(config.inventory)

    def start_day(self) -> None:
        """Clear the day's hand-overs and totals."""
        self.tally.reset()
        self.today = Today(stock_demand=np.zeros(self.inventory.stock.shape, np.float64))
