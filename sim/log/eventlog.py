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
    TOUCHPOINTS,
    Channel,
    Event,
    Outcome,
)

#: ``fulfilled_from`` value for the online warehouse (stores are 0..count-1).
WAREHOUSE = -2
NONE = -1

_OPTIONAL = {c.name: c for c in COLUMNS if c.default is not None}


class EventLog:
    """Column buffers of the day's events; ``consumer`` holds row indices until export."""

    def __init__(self) -> None:
        self._chunks: dict[str, list[np.ndarray]] = {c: [] for c in COLUMN_NAMES}
        self.rows = 0

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

    def column(self, name: str) -> np.ndarray:
        chunks = self._chunks[name]
        return np.concatenate(chunks) if chunks else np.empty(0, BY_NAME[name].dtype)

    def to_arrow(self, consumer_ids: np.ndarray) -> pa.Table:
        """The log as an Arrow table; ``consumer_ids`` maps row index -> Mesa unique_id."""
        cols = {name: self.column(name) for name in COLUMN_NAMES}
        cols["consumer"] = consumer_ids[cols["consumer"]]
        src = cols["source"]
        cols["source"] = np.where(src >= 0, consumer_ids[np.maximum(src, 0)], -1)
        arrays = []
        for field in SCHEMA:
            data = cols[field.name]
            if field.name in LABELS:
                arrays.append(_dictionary(data, LABELS[field.name]))
            else:
                arrays.append(pa.array(data, type=field.type))
        return pa.Table.from_arrays(arrays, schema=SCHEMA)


def _dictionary(codes: np.ndarray, names: list[str]) -> pa.DictionaryArray:
    mask = codes < 0
    indices = pa.array(codes, type=pa.int8(), mask=mask if mask.any() else None)
    return pa.DictionaryArray.from_arrays(indices, pa.array(names, pa.string()))
