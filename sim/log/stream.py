"""The event log streamed to Parquet in row groups while the run goes on.

Holding a 10-million-consumer year's log whole (80 million rows, 55 bytes each) as numpy
buffers, then as Arrow, then as pandas, is what ran the machine out of memory; written a
row group at a time the log costs one row group's buffers however long the run. The file
holds the very rows, in the very order and types, that :meth:`EventLog.to_arrow` gives for
the whole log at once, so every KPI reads the same log either way.

Writing is not atomic by itself: the caller writes into a temporary run folder
(:func:`sim.io.atomic.atomic_folder`) that only becomes the run folder when complete.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from sim.log.columns import SCHEMA
from sim.log.eventlog import EventLog

#: Rows per Parquet row group: about 55 MB of buffers, enough for DuckDB and pandas to read
#: the file quickly and small next to a large population's state.
ROW_GROUP_ROWS = 1_000_000


class EventStream:
    """Drains an :class:`EventLog` into one Parquet file, a row group at a time.

    Args:
        path: the ``events.parquet`` to write (zstd-compressed, the log's schema).
        first_ids: seat -> unique_id of each seat's consumer when the log began.
        row_group_rows: drain once the buffers hold at least this many rows.
    """

    def __init__(
        self, path: str | Path, first_ids: np.ndarray, row_group_rows: int = ROW_GROUP_ROWS
    ) -> None:
        if row_group_rows < 1:
            raise ValueError(f"row_group_rows must be at least 1, got {row_group_rows}")
        self.path = Path(path)
        self.row_group_rows = row_group_rows
        self.rows = 0
        self._occupants = np.array(first_ids, np.int64)
        self._newcomers_done = 0
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(
            self.path, SCHEMA, compression="zstd"
        )

    @property
    def open(self) -> bool:
        return self._writer is not None

    def after_day(self, log: EventLog, newcomer_ids: list[int]) -> None:
        """Called at the end of each day (rows never straddle a drain mid-day)."""
        if log.buffered >= self.row_group_rows:
            self._drain(log, newcomer_ids)

    def close(self, log: EventLog, newcomer_ids: list[int]) -> int:
        """Write what is left and close the file; returns the rows written."""
        if self._writer is None:
            return self.rows
        try:
            if log.buffered:
                self._drain(log, newcomer_ids)
        finally:
            self._writer.close()
            self._writer = None
        return self.rows

    def abort(self) -> None:
        """Close the file without writing more (the run failed; the caller discards it)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _drain(self, log: EventLog, newcomer_ids: list[int]) -> None:
        if self._writer is None:
            raise RuntimeError(f"{self.path}: the event stream is closed")
        fresh = np.asarray(newcomer_ids[self._newcomers_done :], np.int64)
        self._newcomers_done = len(newcomer_ids)
        table = log.drain(self._occupants, fresh)
        self._writer.write_table(table, row_group_size=max(table.num_rows, 1))
        self.rows += table.num_rows
