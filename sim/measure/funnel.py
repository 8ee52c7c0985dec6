"""The event log prepared for analysis, and the business (funnel, money) KPIs of a run.

:class:`EventFrame` turns the log's columns into numpy arrays and small integer codes once,
so every KPI is a few vectorised passes over the rows whatever the log's size (10M rows is
normal) and whether the text columns arrive as pandas Categoricals or plain strings.
Row position is the clock within a day: the log is written in the order things happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.log.eventlog import TOUCHPOINTS
from sim.scenario.vocabulary import CONTENT_CHANNELS

REQUIRED_COLUMNS = ("day", "consumer", "event", "channel", "value", "coupon", "source", "outcome")


def text_values(column: pd.Series) -> np.ndarray:
    """A text column's values as plain objects (a categorical column's labels, not codes), so
    comparisons with names work whether the log came from Arrow (dictionary) or elsewhere."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.astype(object).to_numpy()
    return column.to_numpy()


def _codes(column: pd.Series) -> tuple[np.ndarray, dict[str, int]]:
    """Integer codes (-1 = missing) and the name -> code map of a text column."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        names = column.cat.categories
        return column.cat.codes.to_numpy(), {str(n): i for i, n in enumerate(names)}
    codes, names = pd.factorize(column, use_na_sentinel=True)
    return np.asarray(codes), {str(n): i for i, n in enumerate(names)}


def _compact(values: np.ndarray) -> np.ndarray:
    """An integer column as int32 when its values fit (days, coupon and sender ids), else
    int64: half the memory of a 10-million-consumer log's frame, the same numbers."""
    values = np.asarray(values)
    if len(values) and values.dtype.itemsize > 4:
        low, high = values.min(), values.max()
        if low >= np.iinfo(np.int32).min and high <= np.iinfo(np.int32).max:
            return values.astype(np.int32)
    return values.astype(np.int64, copy=False) if values.dtype.itemsize > 4 else values


@dataclass(frozen=True)
class EventFrame:
    """A run's event log as aligned numpy arrays; row position (0..n-1) orders events in time.

    Consumers get dense codes ``cid`` in ``0..size-1`` so that per-consumer quantities are
    plain arrays indexed by code (first rows via ``np.minimum.at``, sets as boolean masks):
    linear time, no sorting, no Python loops. Small non-negative ids (the model's) are used
    as codes directly; anything else is factorised.
    """

    day: np.ndarray
    cid: np.ndarray
    value: np.ndarray
    coupon: np.ndarray
    source: np.ndarray
    size: int
    ids: pd.Index | None = field(repr=False)
    codes: dict[str, tuple[np.ndarray, dict[str, int]]] = field(repr=False)
    competitor: np.ndarray | None = field(default=None, repr=False)
    _masks: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def from_events(cls, events: pd.DataFrame) -> EventFrame:
        """Validate the columns and convert; raises ValueError naming any missing column.

        Only consumers' rows are kept: ``cost`` rows (about no consumer) are the money
        ledger's, read by :mod:`sim.measure.money`.
        """
        missing = [c for c in REQUIRED_COLUMNS if c not in events.columns]
        if missing:
            raise ValueError(f"event log lacks columns {missing} (needs {list(REQUIRED_COLUMNS)})")
        keep = (events["consumer"] >= 0).to_numpy()

        def column(name: str) -> np.ndarray | None:
            if name not in events.columns:
                return None
            values = events[name]
            return values.to_numpy() if keep.all() else values.to_numpy()[keep]

        def labels(name: str) -> tuple[np.ndarray, dict[str, int]]:
            codes, lookup = _codes(events[name])
            return (codes if keep.all() else codes[keep]), lookup

        return cls.from_columns(column, labels)

    @classmethod
    def from_parquet(cls, path: str | Path) -> EventFrame:
        """The frame of an ``events.parquet``, read one column at a time.

        Never holds the whole log: each column is read, its consumers' rows kept in the
        frame's compact types, and the file's copy dropped before the next is read, so a
        10-million-consumer log fits where its pandas frame would not. The frame equals
        :meth:`from_events` of the same log read whole.
        """
        file = pq.ParquetFile(path)
        names = file.schema_arrow.names
        missing = [c for c in REQUIRED_COLUMNS if c not in names]
        if missing:
            raise ValueError(f"{path}: event log lacks columns {missing}")
        keep = file.read(["consumer"]).column(0).to_numpy() >= 0

        def read(name: str) -> pa.ChunkedArray:
            return file.read([name]).column(0)

        def column(name: str) -> np.ndarray | None:
            if name not in names:
                return None
            values = read(name).to_numpy()
            return values if keep.all() else values[keep]

        def labels(name: str) -> tuple[np.ndarray, dict[str, int]]:
            array = read(name).unify_dictionaries().combine_chunks()
            codes = array.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            lookup = {str(n): i for i, n in enumerate(array.dictionary.to_pylist())}
            return (codes if keep.all() else codes[keep]), lookup

        return cls.from_columns(column, labels)

    @classmethod
    def from_columns(
        cls,
        column: Callable[[str], np.ndarray | None],
        labels: Callable[[str], tuple[np.ndarray, dict[str, int]]],
    ) -> EventFrame:
        """Build the frame from consumers' rows, one column at a time in compact types.

        Args:
            column: name -> the column's consumer rows as numpy (None: no such column).
            labels: name -> (integer codes, -1 missing; label -> code) of a text column.
        """
        consumer = column("consumer").astype(np.int64, copy=False)
        ids = None
        if len(consumer) == 0:
            cid, size = consumer, 0
        elif consumer.min() >= 0 and consumer.max() < 4 * len(consumer) + 1_000_000:
            cid, size = consumer, int(consumer.max()) + 1
        else:
            codes, uniques = pd.factorize(consumer)
            cid, size, ids = codes.astype(np.int64), len(uniques), pd.Index(uniques)
        del consumer
        competitor = column("competitor")
        return cls(
            day=_compact(column("day")),
            cid=cid,
            value=column("value").astype(np.float64, copy=False),
            coupon=_compact(column("coupon")),
            source=_compact(column("source")),
            size=size,
            ids=ids,
            codes={c: labels(c) for c in ("event", "channel", "outcome")},
            competitor=None if competitor is None else _compact(competitor),
        )

    def __len__(self) -> int:
        return len(self.day)

    def code_of(self, consumer_ids: np.ndarray) -> np.ndarray:
        """Dense codes of consumer ids (e.g. senders); -1 for ids absent from the log."""
        if self.ids is not None:
            return self.ids.get_indexer(consumer_ids)
        inside = (consumer_ids >= 0) & (consumer_ids < self.size)
        return np.where(inside, consumer_ids, -1)

    def has(self, column: str, *names: str) -> np.ndarray:
        """Boolean mask of rows whose ``column`` is one of ``names`` (missing never matches)."""
        key = (column, *names)
        if key not in self._masks:
            codes, lookup = self.codes[column]
            chosen = [lookup[n] for n in names if n in lookup]
            if codes.dtype == np.int8:  # a table lookup by code (-1, missing, is entry 255)
                wanted = np.zeros(256, bool)
                wanted[chosen] = True
                self._masks[key] = wanted[codes.view(np.uint8)]
            else:
                self._masks[key] = np.isin(codes, chosen)
        return self._masks[key]

    def event(self, *names: str) -> np.ndarray:
        return self.has("event", *names)

    @property
    def purchased(self) -> np.ndarray:
        """Purchase attempts that became orders: the report's "purchase"."""
        return self.event("purchase_attempt") & self.has("outcome", "purchased")

    def first(self, mask: np.ndarray) -> np.ndarray:
        """Per consumer code, the row of their first event matching ``mask``; -1 if none.

        Consumers with a ``prior_history`` row knew the brand before the log began: their
        first rows here are not their firsts, so they get -1 too.
        """
        rows = np.flatnonzero(mask)
        first = np.full(self.size, len(self), np.int64)
        np.minimum.at(first, self.cid[rows], rows)
        first[first == len(self)] = -1
        first[self.who(self.event("prior_history"))] = -1
        return first

    def day_of(self, rows: np.ndarray) -> np.ndarray:
        """Day of each row, -1 where the row is -1 (no such event)."""
        return np.where(rows >= 0, self.day[np.maximum(rows, 0)], -1)

    def who(self, mask: np.ndarray) -> np.ndarray:
        """Per consumer code, whether they have at least one row matching ``mask``."""
        seen = np.zeros(self.size, bool)
        seen[self.cid[mask]] = True
        return seen


def as_frame(events: pd.DataFrame | EventFrame) -> EventFrame:
    return events if isinstance(events, EventFrame) else EventFrame.from_events(events)


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` as a plain float, NaN when the denominator is 0 or NaN."""
    if not denominator or np.isnan(denominator):
        return float("nan")
    return float(numerator) / float(denominator)


def omnichannel_customers(frame: EventFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per consumer code: is a customer, and is an omnichannel customer.

    Online = content view, app session, coupon claim or an online purchase attempt (any
    outcome); store = store visit or an in-store purchase attempt; anywhere in the horizon
    (the definition counts the whole journey, not only the steps before the first order).
    In a market with a past the journey began before day 0: ``prior_use`` rows say which
    channels a consumer had used by then.
    """
    attempt = frame.event("purchase_attempt")
    prior = frame.event("prior_use")
    online = frame.event("content_view", "app_session", "coupon_claim") | (
        (attempt | prior) & frame.has("channel", "online")
    )
    store = frame.event("store_visit") | ((attempt | prior) & frame.has("channel", "store"))
    customers = frame.who(frame.purchased)
    return customers, customers & frame.who(online) & frame.who(store)


def stockout_rate(events: pd.DataFrame | EventFrame, channel: str | None = None) -> float:
    """Share of purchase attempts (any channel, or ``channel``) that found the item out of stock."""
    frame = as_frame(events)
    attempts = frame.event("purchase_attempt")
    if channel is not None:
        attempts = attempts & frame.has("channel", channel)
    return ratio(np.count_nonzero(attempts & frame.has("outcome", "stockout")), attempts.sum())


def coupon_redemption_rate(events: pd.DataFrame | EventFrame) -> float:
    """Distinct claimed coupon ids that were redeemed, over distinct claimed coupon ids."""
    frame = as_frame(events)
    claimed = np.unique(frame.coupon[frame.event("coupon_claim")])
    redeemed = np.unique(frame.coupon[frame.event("coupon_redeem")])
    return ratio(np.isin(claimed, redeemed).sum(), len(claimed))


def coupon_conflict_abandonment(events: pd.DataFrame | EventFrame) -> float:
    """Share abandoned of purchase attempts whose coupon was refused in that channel.

    Read from the log alone: checkout writes a ``coupon_refused`` row (with the attempt's
    outcome) for every attempt holding a coupon not valid in its channel, whatever the
    coupon scope was that day, so a scope changed by a schedule is measured as it was.
    NaN when no coupon was refused (coupons valid everywhere, say).
    """
    frame = as_frame(events)
    refused = frame.event("coupon_refused")
    return ratio(np.count_nonzero(refused & frame.has("outcome", "abandoned")), refused.sum())


def referrers(frame: EventFrame) -> np.ndarray:
    """Per consumer code: a customer who shared and one of whose recipients bought after.

    A recipient is the receiver of a word-of-mouth message or a referral coupon claim
    (``source`` = the sender); "after" means a purchase in a later row than that message.
    """
    purchased = frame.purchased
    buys = np.flatnonzero(purchased)
    last_buy = np.full(frame.size, -1, np.int64)
    np.maximum.at(last_buy, frame.cid[buys], buys)
    links = np.flatnonzero(frame.event("wom_received", "coupon_claim") & (frame.source >= 0))
    senders = frame.code_of(frame.source[links][last_buy[frame.cid[links]] > links])
    brought = np.zeros(frame.size, bool)
    brought[senders[senders >= 0]] = True
    return brought & frame.who(frame.event("share")) & frame.who(purchased)


def funnel_kpis(
    frame: EventFrame,
    population: int,
    daily: pd.DataFrame | None = None,
    media_spend: float | None = None,
) -> dict[str, float]:
    """Funnel counts and conversions, money, coupons, content and membership KPIs.

    Funnel stages (consumers): aware = any touchpoint event; considering = a store visit,
    coupon claim or purchase attempt (a step towards buying, not just being reached);
    customers = at least one purchase; repeat customers = two or more purchases.
    Each conversion rate is a stage over the previous one.
    """
    purchased = frame.purchased
    attempt = frame.event("purchase_attempt")
    aware = int(frame.who(frame.event(*TOUCHPOINTS)).sum())
    considering = frame.who(frame.event("store_visit", "coupon_claim", "purchase_attempt")).sum()
    orders_per = np.bincount(frame.cid[purchased], minlength=frame.size)
    customers = int(np.count_nonzero(orders_per))
    repeat = int(np.count_nonzero(orders_per >= 2))
    n_referrers = int(referrers(frame).sum())
    members = frame.who(frame.event("member_join"))

    revenue = float(frame.value[purchased].sum())
    online = purchased & frame.has("channel", "online")
    store = purchased & frame.has("channel", "store")
    orders = int(purchased.sum())
    redeem = frame.event("coupon_redeem")
    coupon_cost = float(frame.value[redeem].sum())
    views = frame.event("content_view")

    spend = float("nan")  # content spend: the log's media cost rows, else the daily table
    if media_spend is not None:
        spend = media_spend
    elif daily is not None and "content_spend" in daily.columns:
        spend = float(daily["content_spend"].sum())

    out: dict[str, float] = {
        "consumers": population,
        "aware": aware,
        "considering": considering,
        "customers": customers,
        "repeat_customers": repeat,
        "referrers": n_referrers,
        "awareness_rate": ratio(aware, population),
        "consideration_rate": ratio(considering, aware),
        "purchase_conversion_rate": ratio(customers, considering),
        "customer_penetration": ratio(customers, population),
        "repeat_customer_rate": ratio(repeat, customers),
        "referrer_rate": ratio(n_referrers, customers),
        "revenue": revenue,
        "revenue_online": float(frame.value[online].sum()),
        "revenue_store": float(frame.value[store].sum()),
        "orders": orders,
        "orders_online": int(online.sum()),
        "orders_store": int(store.sum()),
        "average_order_value": ratio(revenue, orders),
        "purchase_attempts": int(attempt.sum()),
        "abandonment_rate": ratio(
            np.count_nonzero(attempt & frame.has("outcome", "abandoned")), attempt.sum()
        ),
        "stockout_rate": stockout_rate(frame),
        "stockout_rate_online": stockout_rate(frame, "online"),
        "stockout_rate_store": stockout_rate(frame, "store"),
        "store_visits": int(frame.event("store_visit").sum()),
        "coupon_claims": len(np.unique(frame.coupon[frame.event("coupon_claim")])),
        "coupon_redemptions": len(np.unique(frame.coupon[redeem])),
        "coupon_redemption_rate": coupon_redemption_rate(frame),
        "coupon_cost": coupon_cost,
        "content_views": int(views.sum()),
        **{
            f"content_views_{c}": int((views & frame.has("channel", c)).sum())
            for c in CONTENT_CHANNELS
        },
        "content_spend": spend,
        "content_roi": ratio(revenue, spend),
        "customer_acquisition_cost": ratio(spend + coupon_cost, customers),
        "members": int(members.sum()),
        "member_share_of_customers": ratio((members & (orders_per > 0)).sum(), customers),
    }
    return {k: float(v) for k, v in out.items()}
