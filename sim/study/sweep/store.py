"""The crash-safe result store: one folder per sweep.

Layout::

    DIR/design.parquet            one row per run (written once, before any run)
    DIR/status.json               counts, times, versions, base hash, the spec
    DIR/parts/<run_id>.parquet    KPI row of a finished run (status ok)
    DIR/failures/<run_id>.parquet error of a failed run (status failed)
    DIR/timeseries/<run_id>.parquet, DIR/events/<run_id>.parquet   optional
    DIR/.lock                     held (flock) by the one process writing

Why it survives ``kill -9`` at any moment: every file is written to a temporary name
(``.<name>.tmp-<pid>``, which readers never glob) and moved into place with
``os.replace``, which is atomic. The KPI part is written last for a run, so it is the
commit record: a run is done if and only if ``parts/<run_id>.parquet`` exists. A run_id
maps to exactly one file name, so a run can never be stored twice, and resume is simply
"run every run_id without a part". Only the process holding the lock writes.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.scenario.config import ConfigError

DESIGN = "design.parquet"
STATUS = "status.json"
PARTS = "parts"
FAILURES = "failures"
TIMESERIES = "timeseries"
EVENTS = "events"
LOCK = ".lock"
_SUBDIRS = (PARTS, FAILURES, TIMESERIES, EVENTS)
_META_KEY = b"omo_sweep"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _tmp_name(path: Path) -> Path:
    return path.parent / f".{path.name}.tmp-{os.getpid()}"


def atomic_write_table(table: pa.Table, path: Path) -> None:
    """Write a Parquet file under a temporary name, fsync it, then rename it into place."""
    tmp = _tmp_name(path)
    try:
        with open(tmp, "wb") as fh:
            pq.write_table(table, fh, compression="zstd")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(text: str, path: Path) -> None:
    """Write a small text file atomically (status.json)."""
    tmp = _tmp_name(path)
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def ids_in(folder: Path) -> set[str]:
    """run_ids with a committed file in ``folder`` (temporary files are ignored)."""
    if not folder.is_dir():
        return set()
    return {
        p.name.removesuffix(".parquet")
        for p in folder.iterdir()
        if p.name.endswith(".parquet") and not p.name.startswith(".")
    }


def read_design_meta(root: Path) -> dict[str, Any]:
    """The metadata stored with the design: fingerprint, spec, base scenario, kpis."""
    meta = pq.read_schema(root / DESIGN).metadata or {}
    if _META_KEY not in meta:
        raise ConfigError([f"{root / DESIGN}: not a sweep design (no omo_sweep metadata)"])
    return json.loads(meta[_META_KEY])


def kpi_row(
    run_id: str, kpis: dict[str, float], names: list[str], wall: float, engine: str | None = None
) -> pa.Table:
    """One ok KPI row; undefined KPIs (NaN) are stored as null so SQL averages skip them."""
    columns: dict[str, pa.Array] = {
        "run_id": pa.array([run_id], pa.string()),
        "status": pa.array(["ok"], pa.string()),
        "wall_time_s": pa.array([wall], pa.float64()),
        "engine": pa.array([engine], pa.string()),
    }
    for name in names:
        value = kpis.get(name)
        value = None if value is None or value != value else float(value)
        columns[name] = pa.array([value], pa.float64())
    return pa.table(columns)


def failure_row(run_id: str, error: str, wall: float) -> pa.Table:
    return pa.table(
        {
            "run_id": pa.array([run_id], pa.string()),
            "status": pa.array(["failed"], pa.string()),
            "wall_time_s": pa.array([wall], pa.float64()),
            "error": pa.array([error], pa.string()),
            "failed_utc": pa.array([now()], pa.string()),
        }
    )


class SweepStore:
    """A sweep folder opened for writing by one process (see the module docstring)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._lock_fh: Any = None

    # -- opening ---------------------------------------------------------------------------
    def open(self, design: pd.DataFrame, meta: dict[str, Any]) -> SweepStore:
        """Create or reopen the folder, lock it and write or check the design.

        Raises:
            ConfigError: another process holds the folder, or it holds a different sweep.
        """
        if self.root.exists() and not self.root.is_dir():
            raise ConfigError([f"--out {self.root}: exists and is not a folder"])
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock()
        try:
            self._open_locked(design, meta)
        except BaseException:
            self.close()
            raise
        return self

    def _open_locked(self, design: pd.DataFrame, meta: dict[str, Any]) -> None:
        fresh = not (self.root / DESIGN).exists()  # decided under the lock
        if fresh and any(self._foreign(p) for p in self.root.iterdir()):
            (self.root / LOCK).unlink(missing_ok=True)  # leave a stranger's folder as it was
            raise ConfigError(
                [f"--out {self.root}: not empty and holds no sweep design; choose another folder"]
            )
        for sub in _SUBDIRS:
            (self.root / sub).mkdir(exist_ok=True)
        self._clean_tmp()
        if fresh:
            table = pa.Table.from_pandas(design, preserve_index=False)
            table = table.replace_schema_metadata(
                {**(table.schema.metadata or {}), _META_KEY: json.dumps(meta).encode()}
            )
            atomic_write_table(table, self.root / DESIGN)
        else:
            self._check_same(design, meta)
            self.set_aside_damaged()

    @staticmethod
    def _foreign(path: Path) -> bool:
        """Not ours: anything but hidden files and our own subfolders still holding no run
        (a writer killed between creating them and committing the design leaves those)."""
        if path.name.startswith("."):
            return False
        return not (path.name in _SUBDIRS and path.is_dir() and not ids_in(path))

    def _lock(self) -> None:
        fh = open(self.root / LOCK, "a+")  # noqa: SIM115 - held open for the sweep's life
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise ConfigError(
                [f"--out {self.root}: a sweep is already writing here ({holder}); wait for it"]
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}\n")
        fh.flush()
        self._lock_fh = fh

    def close(self) -> None:
        """Release the lock (also released by the OS if the process dies)."""
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _clean_tmp(self) -> None:
        """Leftovers of a killed writer: safe to delete, we hold the lock."""
        for folder in (self.root, *(self.root / s for s in _SUBDIRS)):
            for p in folder.glob(".*.tmp-*"):
                p.unlink(missing_ok=True)

    def _check_same(self, design: pd.DataFrame, meta: dict[str, Any]) -> None:
        old = read_design_meta(self.root)
        if old.get("fingerprint") == meta["fingerprint"]:
            stored = pd.read_parquet(self.root / DESIGN)
            if list(stored["run_id"]) == list(design["run_id"]):
                return
        what = [
            key
            for key in ("base_config_hash", "parameters", "design", "replications", "root_seed")
            if old.get("spec_view", {}).get(key) != meta["spec_view"].get(key)
        ]
        if old.get("kpis") != meta.get("kpis"):
            what.append("kpis")
        detail = f" (differs in: {', '.join(what)})" if what else ""
        raise ConfigError(
            [
                f"--out {self.root}: holds a different sweep{detail}; "
                "resume only with the same sweep file, or choose another --out"
            ]
        )

    def set_aside_damaged(self) -> list[str]:
        """Move parts that cannot be read, or that hold another run, out of the store.

        A part is the commit record of a run, so a truncated or corrupt one would make a
        resumed sweep count a run as done that has no readable result. Each is renamed to
        ``.damaged-<name>`` (kept for inspection, ignored by readers) and its run is redone.

        Returns:
            the run_ids set aside.
        """
        bad = []
        for folder in (self.root / PARTS, self.root / FAILURES):
            for run_id in sorted(ids_in(folder)):
                path = folder / f"{run_id}.parquet"
                try:
                    ids = pq.read_table(path, columns=["run_id"]).column("run_id").to_pylist()
                except (OSError, ValueError, KeyError, pa.ArrowException):
                    ids = None
                if ids != [run_id]:
                    path.rename(folder / f".damaged-{path.name}")
                    bad.append(run_id)
        return bad

    # -- state -----------------------------------------------------------------------------
    def done(self) -> set[str]:
        """run_ids with a committed KPI part."""
        return ids_in(self.root / PARTS)

    def failed(self) -> set[str]:
        """run_ids whose last attempt failed and that have no KPI part."""
        return ids_in(self.root / FAILURES) - self.done()

    # -- writing ---------------------------------------------------------------------------
    def write_ok(
        self,
        run_id: str,
        kpis: dict[str, float],
        names: list[str],
        wall: float,
        *,
        daily: pd.DataFrame | None = None,
        events: pa.Table | None = None,
        engine: str | None = None,
    ) -> None:
        """Store a finished run: optional extras first, the KPI part (the commit) last."""
        if daily is not None:
            ts = pa.Table.from_pandas(daily, preserve_index=False)
            ts = ts.add_column(0, "run_id", pa.array([run_id] * ts.num_rows, pa.string()))
            atomic_write_table(ts, self.root / TIMESERIES / f"{run_id}.parquet")
        if events is not None:
            atomic_write_table(events, self.root / EVENTS / f"{run_id}.parquet")
        atomic_write_table(
            kpi_row(run_id, kpis, names, wall, engine), self.root / PARTS / f"{run_id}.parquet"
        )
        (self.root / FAILURES / f"{run_id}.parquet").unlink(missing_ok=True)

    def write_failed(self, run_id: str, error: str, wall: float) -> None:
        """Record a failed run; it is retried by the next run of the same command."""
        atomic_write_table(
            failure_row(run_id, error, wall), self.root / FAILURES / f"{run_id}.parquet"
        )

    def write_status(self, status: dict[str, Any]) -> None:
        status = {**status, "updated_utc": now()}
        atomic_write_text(json.dumps(status, indent=2, default=str) + "\n", self.root / STATUS)
