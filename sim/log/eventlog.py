"""The event log: one tidy row per touchpoint, the contract between simulation and analysis.

Processes append whole numpy columns per day (never per-row Python objects); the log is
turned into one Arrow table at the end. Rows are in chronological order: by day, and
within a day in the order things happened (content, word of mouth, app, visits,
purchases, sharing), so "first touchpoint" is the first row of a consumer.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sim.log.columns import (  # noqa: F401  (re-exported: the log's vocabulary)
    BY_NAME,
    COLUMN_NAMES,
    COLUMNS,
    EVENTS,
    LABELS,
    SCHEMA,
    SEAT_RENEWALS,
    TOUCHPOINTS,
    Channel,
    Event,
    Outcome,
    WithoutCoupon,
)

#: ``fulfilled_from`` value for the online warehouse (stores are 0..count-1).
WAREHOUSE = -2
NONE = -1

_OPTIONAL = {c.name: c for c in COLUMNS if c.default is not None}


class EventLog:
    """Column buffers of the day's events; ``consumer`` holds row indices until export.

    Attributes:
        rows: rows added since the log began (drained ones included).
        buffered: rows still held in the buffers (not yet drained to a file).
    """

    def __init__(self) -> None:
        self._chunks: dict[str, list[np.ndarray]] = {c: [] for c in COLUMN_NAMES}
        self.rows = 0
        self.buffered = 0

    def add(self, day: int, event: Event, consumers: np.ndarray, **columns) -> None:
        """Append one row per consumer index; other columns are scalars or aligned arrays."""
        n = len(consumers)
        if n == 0:
            return
        unknown = set(columns) - set(_OPTIONAL)
        if unknown:
            raise ValueError(f"unknown event columns {sorted(unknown)}")
        self._chunks["day"].append(np.full(n, day, np.int32))
        self._chunks["consumer"].append(np.asarray(consumers, np.int64))
        self._chunks["event"].append(np.full(n, int(event), np.int8))
        for name, column in _OPTIONAL.items():
            value = columns.get(name, column.default)
            arr = np.asarray(value, dtype=column.dtype)
            self._chunks[name].append(np.broadcast_to(arr, (n,)).copy() if arr.ndim == 0 else arr)
        self.rows += n
        self.buffered += n

    @property
    def buffered_bytes(self) -> int:
        """Bytes the buffers hold now."""
        return sum(a.nbytes for chunks in self._chunks.values() for a in chunks)

    def drain(self, occupants: np.ndarray, newcomer_ids: np.ndarray) -> pa.Table:
        """The buffered rows as Arrow (as :meth:`to_arrow`), and empty the buffers.

        Streaming a long run to disk a piece at a time (see :mod:`sim.log.stream`): the
        buffers hold only the rows since the last drain, so memory stays bounded whatever
        the horizon and population.

        Args:
            occupants: seat -> unique_id of who sat there when the buffered rows began;
                updated in place to who sits there after them (the newcomers of the
                seat-renewing rows drained: ``market_exit``, ``customer_lost``).
            newcomer_ids: the newcomer after each seat-renewing row among the buffered
                rows, in log order.
        """
        table = self.to_arrow(occupants, newcomer_ids)
        exits = np.flatnonzero(_renews_seat(self.column("event")))
        seats = self.column("consumer")[exits]
        for seat, newcomer in zip(seats.tolist(), np.asarray(newcomer_ids).tolist(), strict=True):
            occupants[seat] = newcomer
        self._chunks = {c: [] for c in COLUMN_NAMES}
        self.buffered = 0
        return table

    def column(self, name: str) -> np.ndarray:
        chunks = self._chunks[name]
        return np.concatenate(chunks) if chunks else np.empty(0, BY_NAME[name].dtype)

    @property
    def appends(self) -> int:
        """How many times rows were appended so far: a mark for :meth:`columns_since`."""
        return len(self._chunks["day"])

    def columns_since(self, mark: int, names: tuple[str, ...]) -> dict[str, np.ndarray]:
        """The named columns of the rows appended after ``mark`` (an earlier :attr:`appends`).

        A reader that follows the log as it grows (a live chart) reads each row once
        instead of the whole log at every look.
        """
        out = {}
        for name in names:
            chunks = self._chunks[name][mark:]
            out[name] = np.concatenate(chunks) if chunks else np.empty(0, BY_NAME[name].dtype)
        return out

    def to_arrow(
        self, consumer_ids: np.ndarray, newcomer_ids: np.ndarray | None = None
    ) -> pa.Table:
        """The log as an Arrow table, consumer rows turned into Mesa unique_ids.

        Args:
            consumer_ids: row index -> unique_id of the seat's first consumer.
            newcomer_ids: unique_id of the newcomer after each seat-renewing row, in log
                order (a seat that turned over g times has had g + 1 consumers).
        """
        cols = {name: self.column(name) for name in COLUMN_NAMES}
        who = _Identities(cols, consumer_ids, newcomer_ids)
        cols["consumer"] = who.ids(cols["consumer"])
        cols["source"] = who.ids(cols["source"])
        arrays = []
        for field in SCHEMA:
            data = cols[field.name]
            if field.name in LABELS:
                arrays.append(_dictionary(data, LABELS[field.name]))
            else:
                arrays.append(pa.array(data, type=field.type))
        return pa.Table.from_arrays(arrays, schema=SCHEMA)


_RENEWAL_CODES = np.array([Event[name] for name in SEAT_RENEWALS], np.int8)


def _renews_seat(events: np.ndarray) -> np.ndarray:
    """Rows after which the seat holds a newcomer (:data:`SEAT_RENEWALS`)."""
    return np.isin(events, _RENEWAL_CODES)


class _Identities:
    """Who sat in a seat at a given row: the seat's first consumer until its first
    seat-renewing row (``market_exit``, ``customer_lost``), then the newcomers in turn (the
    renewing row is the leaver's own)."""

    def __init__(self, cols: dict, consumer_ids: np.ndarray, newcomer_ids: np.ndarray | None):
        self.consumer_ids = consumer_ids
        exits = np.flatnonzero(_renews_seat(cols["event"]))
        self.newcomer_ids = np.asarray(newcomer_ids if newcomer_ids is not None else [], np.int64)
        if len(exits) != len(self.newcomer_ids):
            raise ValueError(f"{len(exits)} market exits but {len(self.newcomer_ids)} newcomers")
        self.n = len(cols["event"]) + 1
        seat = cols["consumer"][exits]
        self.keys = seat * self.n + exits  # exits sorted by (seat, row)
        self.order = np.argsort(self.keys, kind="stable")
        self.keys = self.keys[self.order]

    def ids(self, seats: np.ndarray) -> np.ndarray:
        out = np.where(seats >= 0, self.consumer_ids[np.maximum(seats, 0)], -1)
        if len(self.keys) == 0:
            return out
        row = np.arange(len(seats), dtype=np.int64)
        start = np.searchsorted(self.keys, seats * self.n, "left")
        before = np.searchsorted(self.keys, seats * self.n + row, "left") - start
        later = (seats >= 0) & (before > 0)
        nth_exit = self.order[start[later] + before[later] - 1]  # the exit that seated them
        out[later] = self.newcomer_ids[nth_exit]
        return out


def _dictionary(codes: np.ndarray, names: list[str]) -> pa.DictionaryArray:
    mask = codes < 0
    indices = pa.array(codes, type=pa.int8(), mask=mask if mask.any() else None)
    return pa.DictionaryArray.from_arrays(indices, pa.array(names, pa.string()))
