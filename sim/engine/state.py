"""Consumers' journey state as columns: one numpy array per attribute, row i = consumer i."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from sim.scenario.vocabulary import CONTENT_CHANNELS

NEVER = -1


class Stage(IntEnum):
    """Where a consumer stands in the funnel (acquire -> convert -> retain -> refer)."""

    unaware = 0
    aware = 1
    considering = 2
    customer = 3
    repeat = 4
    lapsed = 5


class Mission(IntEnum):
    """A repeat-purchase need, and the channel it will be met in."""

    none = 0
    online = 1
    store = 2


@dataclass
class ConsumerState:
    """Everything that changes over a journey. Agents are views on these columns."""

    size: int
    aware: np.ndarray = field(init=False)
    considering: np.ndarray = field(init=False)
    interest: np.ndarray = field(init=False)
    first_view_day: np.ndarray = field(init=False)
    first_purchase_day: np.ndarray = field(init=False)
    last_purchase_day: np.ndarray = field(init=False)
    purchases: np.ndarray = field(init=False)
    used_online: np.ndarray = field(init=False)
    used_store: np.ndarray = field(init=False)
    member: np.ndarray = field(init=False)
    member_channel: np.ndarray = field(init=False)
    lapsed: np.ndarray = field(init=False)
    coupon_id: np.ndarray = field(init=False)
    coupon_value: np.ndarray = field(init=False)
    coupon_expiry: np.ndarray = field(init=False)
    planned_visit_day: np.ndarray = field(init=False)
    mission: np.ndarray = field(init=False)
    shares: np.ndarray = field(init=False)
    touches: np.ndarray = field(init=False)
    online_orders: np.ndarray = field(init=False)
    stocked_until: np.ndarray = field(init=False)
    next_occasion: np.ndarray = field(init=False)
    adstock: np.ndarray = field(init=False)
    content_interest: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = self.size
        self.aware = np.zeros(n, bool)
        self.considering = np.zeros(n, bool)
        self.interest = np.zeros(n, np.float32)
        self.first_view_day = np.full(n, NEVER, np.int32)
        self.first_purchase_day = np.full(n, NEVER, np.int32)
        self.last_purchase_day = np.full(n, NEVER, np.int32)
        self.purchases = np.zeros(n, np.int32)
        self.used_online = np.zeros(n, bool)
        self.used_store = np.zeros(n, bool)
        self.member = np.zeros(n, bool)
        self.member_channel = np.zeros(n, np.int8)  # Mission.online / Mission.store when joined
        self.lapsed = np.zeros(n, bool)
        self.coupon_id = np.full(n, NEVER, np.int64)
        self.coupon_value = np.zeros(n, np.float32)
        self.coupon_expiry = np.full(n, NEVER, np.int32)
        self.planned_visit_day = np.full(n, NEVER, np.int32)
        self.mission = np.zeros(n, np.int8)
        self.shares = np.zeros(n, np.int32)
        self.touches = np.zeros(n, np.int32)
        self.online_orders = np.zeros(n, np.int32)
        self.stocked_until = np.full(n, NEVER, np.int32)  # stocked up in a sale until this day
        self.next_occasion = np.full(n, NEVER, np.int32)  # next category need (competition)
        # Per content channel (columns in CONTENT_CHANNELS order): the adstock of its views,
        # and the interest it holds in the consumer (see sim.engine.processes.content).
        # Column-major: each day's carry-over scans one channel's column, contiguous this way.
        self.adstock = np.zeros((n, len(CONTENT_CHANNELS)), np.float32, order="F")
        self.content_interest = np.zeros((n, len(CONTENT_CHANNELS)), np.float32, order="F")

    def reset(self, rows: np.ndarray) -> None:
        """Consumers ``rows`` start afresh, as on day 0 (a newcomer in a seat that was left)."""
        fresh = ConsumerState(1)
        for name in self.__dataclass_fields__:
            if name != "size":
                getattr(self, name)[rows] = getattr(fresh, name)[0]

    def stage_of(self, row: int) -> Stage:
        """One consumer's funnel stage (same rules as :meth:`stage`, without the O(N) pass)."""
        if self.lapsed[row]:
            return Stage.lapsed
        if self.purchases[row] >= 2:
            return Stage.repeat
        if self.purchases[row] == 1:
            return Stage.customer
        if self.considering[row]:
            return Stage.considering
        return Stage.aware if self.aware[row] else Stage.unaware

    def stage(self) -> np.ndarray:
        """Funnel stage of every consumer (int8 codes of :class:`Stage`)."""
        s = np.where(self.aware, Stage.aware, Stage.unaware).astype(np.int8)
        s[self.considering] = Stage.considering
        s[self.purchases >= 1] = Stage.customer
        s[self.purchases >= 2] = Stage.repeat
        s[self.lapsed] = Stage.lapsed
        return s
