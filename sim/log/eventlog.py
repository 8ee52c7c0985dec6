"""The event log: one tidy row per touchpoint, the contract between simulation and analysis.

Processes append whole numpy columns per day (never per-row Python objects); the log is
turned into one Arrow table at the end. Rows are in chronological order: by day, and
within a day in the order things happened (content, word of mouth, app, visits,
purchases, sharing), so "first touchpoint" is the first row of a consumer.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import pyarrow as pa


class Event(IntEnum):
    """Touchpoint and outcome names, as they appear in the ``event`` column."""

    content_view = 0
    wom_received = 1
    app_session = 2
    coupon_claim = 3
    store_visit = 4
    purchase_attempt = 5
    coupon_redeem = 6
    share = 7
    member_join = 8
    coupon_expire = 9
    lapse = 10


class Channel(IntEnum):
    """Content channels and purchase channels, as in the ``channel`` column."""

    short_video = 0
    livestream = 1
    kol = 2
    ugc = 3
    online = 4
    store = 5


class Outcome(IntEnum):
    purchased = 0
    stockout = 1
    abandoned = 2


#: Events that count as touchpoints in the report's sense (2.4.1).
TOUCHPOINTS = ("content_view", "app_session", "coupon_claim", "wom_received", "store_visit")

#: ``fulfilled_from`` value for the online warehouse (stores are 0..count-1).
WAREHOUSE = -2
NONE = -1

_EVENT_NAMES = [e.name for e in Event]
_CHANNEL_NAMES = [c.name for c in Channel]
_OUTCOME_NAMES = [o.name for o in Outcome]

SCHEMA = pa.schema(
    [
        pa.field("day", pa.int32(), nullable=False),
        pa.field("consumer", pa.int64(), nullable=False),
        pa.field("event", pa.dictionary(pa.int8(), pa.string()), nullable=False),
        pa.field("channel", pa.dictionary(pa.int8(), pa.string())),
        pa.field("store", pa.int32(), nullable=False),
        pa.field("value", pa.float64(), nullable=False),
        pa.field("coupon", pa.int64(), nullable=False),
        pa.field("source", pa.int64(), nullable=False),
        pa.field("outcome", pa.dictionary(pa.int8(), pa.string())),
        pa.field("sku", pa.int32(), nullable=False),
        pa.field("fulfilled_from", pa.int32(), nullable=False),
    ]
)

_COLUMNS = (
    "day",
    "consumer",
    "event",
    "channel",
    "store",
    "value",
    "coupon",
    "source",
    "outcome",
    "sku",
    "fulfilled_from",
)
_DTYPES = {
    "day": np.int32,
    "consumer": np.int64,
    "event": np.int8,
    "channel": np.int8,
    "store": np.int32,
    "value": np.float64,
    "coupon": np.int64,
    "source": np.int64,
    "outcome": np.int8,
    "sku": np.int32,
    "fulfilled_from": np.int32,
}
_DEFAULTS = {
    "channel": -1,
    "store": -1,
    "value": 0.0,
    "coupon": -1,
    "source": -1,
    "outcome": -1,
    "sku": -1,
    "fulfilled_from": -1,
}


class EventLog:
    """Column buffers of the day's events; ``consumer`` holds row indices until export."""

    def __init__(self) -> None:
        self._chunks: dict[str, list[np.ndarray]] = {c: [] for c in _COLUMNS}
        self.rows = 0

    def add(self, day: int, event: Event, consumers: np.ndarray, **columns) -> None:
        """Append one row per consumer index; other columns are scalars or aligned arrays."""
        n = len(consumers)
        if n == 0:
            return
        unknown = set(columns) - set(_DEFAULTS)
        if unknown:
            raise ValueError(f"unknown event columns {sorted(unknown)}")
        self._chunks["day"].append(np.full(n, day, np.int32))
        self._chunks["consumer"].append(np.asarray(consumers, np.int64))
        self._chunks["event"].append(np.full(n, int(event), np.int8))
        for name, default in _DEFAULTS.items():
            value = columns.get(name, default)
            arr = np.asarray(value, dtype=_DTYPES[name])
            self._chunks[name].append(np.broadcast_to(arr, (n,)).copy() if arr.ndim == 0 else arr)
        self.rows += n

    def column(self, name: str) -> np.ndarray:
        chunks = self._chunks[name]
        return np.concatenate(chunks) if chunks else np.empty(0, _DTYPES[name])

    def to_arrow(self, consumer_ids: np.ndarray) -> pa.Table:
        """The log as an Arrow table; ``consumer_ids`` maps row index -> Mesa unique_id."""
        cols = {name: self.column(name) for name in _COLUMNS}
        cols["consumer"] = consumer_ids[cols["consumer"]]
        src = cols["source"]
        cols["source"] = np.where(src >= 0, consumer_ids[np.maximum(src, 0)], -1)
        arrays = []
        for field in SCHEMA:
            data = cols[field.name]
            if field.name == "event":
                arrays.append(_dictionary(data, _EVENT_NAMES))
            elif field.name == "channel":
                arrays.append(_dictionary(data, _CHANNEL_NAMES))
            elif field.name == "outcome":
                arrays.append(_dictionary(data, _OUTCOME_NAMES))
            else:
                arrays.append(pa.array(data, type=field.type))
        return pa.Table.from_arrays(arrays, schema=SCHEMA)


def _dictionary(codes: np.ndarray, names: list[str]) -> pa.DictionaryArray:
    mask = codes < 0
    indices = pa.array(codes, type=pa.int8(), mask=mask if mask.any() else None)
    return pa.DictionaryArray.from_arrays(indices, pa.array(names, pa.string()))
