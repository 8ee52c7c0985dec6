"""Read a sweep's result store back: pandas for notebooks, DuckDB SQL for questions.

``load(DIR)`` is safe while the sweep is still running: it only reads committed files
(temporary names are never globbed), so it sees a consistent subset of finished runs.

SQL views (``SweepResults.sql`` and ``omo results DIR --sql``):

* ``design``: one row per run: run_id, point, replication, seed, one column per parameter
  (named by its config path: quote it, e.g. ``"coupons.value"``).
* ``kpis``: one row per finished run: run_id, status, wall_time_s, engine (fingerprint of
  the simulator code that computed it), one column per KPI.
* ``failures``: run_id, error, of runs whose last attempt failed.
* ``runs``: design left-joined to kpis, with ``status`` ok / failed / missing.
* ``timeseries``: the daily tables, when the sweep kept them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.scenario.config import ConfigError
from sim.study.sweep import store as st

_ID_COLUMNS = {"run_id", "status", "wall_time_s", "engine"}


def _files(folder: Path) -> list[str]:
    """Committed Parquet files of a store folder (temporary names are never read)."""
    return [str(folder / f"{run_id}.parquet") for run_id in sorted(st.ids_in(folder))]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class SweepResults:
    """A sweep folder in memory. DataFrames are indexed by run_id."""

    path: Path
    design: pd.DataFrame
    kpis: pd.DataFrame
    failures: pd.DataFrame
    status: dict[str, Any]
    meta: dict[str, Any] = field(repr=False)
    wall_times: pd.Series = field(repr=False, default_factory=lambda: pd.Series(dtype=float))
    #: Engine-code fingerprint of each finished run; more than one value means mixed code.
    engines: pd.Series = field(repr=False, default_factory=lambda: pd.Series(dtype=object))

    @property
    def spec(self) -> dict[str, Any]:
        """The sweep file as validated (plain data)."""
        return self.meta["spec"]

    @property
    def parameters(self) -> list[str]:
        """Parameter column names (config paths), in the sweep file's order."""
        return list(self.spec["parameters"])

    @property
    def kpi_names(self) -> list[str]:
        return [c for c in self.kpis.columns if c not in _ID_COLUMNS]

    @property
    def missing(self) -> list[str]:
        """run_ids neither finished nor failed (never run, or interrupted)."""
        seen = set(self.kpis.index) | set(self.failures.index)
        return [r for r in self.design.index if r not in seen]

    @property
    def runs(self) -> pd.DataFrame:
        """Design joined to KPIs, with a ``status`` column (ok / failed / missing)."""
        cols = ["point", "replication", "seed", *self.parameters]
        out = self.design[cols].join(self.kpis[self.kpi_names], how="left")
        status = pd.Series("missing", index=out.index, dtype=object)
        status[out.index.isin(self.failures.index)] = "failed"
        status[out.index.isin(self.kpis.index)] = "ok"
        out.insert(0, "status", status)
        return out

    def sweep_parameters(self) -> list[Any]:
        """The design's parameter objects (bounds/levels), for sensitivity analysis."""
        from sim.scenario.config import from_dict
        from sim.study.sweep.spec import SweepSpec, _to_parameter, resolve_parameter

        spec = SweepSpec.model_validate(self.spec)
        base = from_dict(self.meta["base_config"])
        return [
            _to_parameter(path, resolve_parameter(base, path, p))
            for path, p in spec.parameters.items()
        ]

    def connect(self) -> Any:
        """A DuckDB connection with the views listed in the module docstring."""
        return connect(self.path)

    def sql(self, query: str) -> pd.DataFrame:
        """Run SQL over the store's Parquet files and return a DataFrame."""
        con = self.connect()
        try:
            return con.execute(query).df()
        finally:
            con.close()

    def timeseries(self, run_id: str | None = None) -> pd.DataFrame:
        """Daily tables kept by the sweep (``keep_timeseries: true``), one or all runs."""
        folder = self.path / st.TIMESERIES
        if run_id is not None:
            return pd.read_parquet(folder / f"{run_id}.parquet")
        files = sorted(p for p in folder.glob("[!.]*.parquet")) if folder.is_dir() else []
        if not files:
            return pd.DataFrame()
        return pd.concat([pd.read_parquet(p) for p in files], ignore_index=True)

    def events(self, run_id: str) -> pd.DataFrame:
        """One run's event log (``keep_events: true``)."""
        return pd.read_parquet(self.path / st.EVENTS / f"{run_id}.parquet")


def connect(path: str | Path) -> Any:
    """DuckDB in memory, with views over the store's Parquet parts.

    Files are handed to DuckDB as lists, never pasted into SQL text, so any folder name
    works. Once the views exist, DuckDB may touch no file but those Parquet files
    (``enable_external_access = false``): a query can read the sweep, not write files or
    read others.
    """
    import duckdb

    path = Path(path)
    _check(path)
    con = duckdb.connect(":memory:")
    allowed = [str(path / st.DESIGN)]
    con.read_parquet(allowed[0]).create_view("design")
    meta = st.read_design_meta(path)
    kpi_cols = ", ".join(f"null::double as {_quote(k)}" for k in meta["kpis"])
    parts = _files(path / st.PARTS)
    if parts:
        con.read_parquet(parts, union_by_name=True).create_view("kpis")
    else:
        con.execute(
            "create view kpis as select null::varchar as run_id, null::varchar as status, "
            f"null::double as wall_time_s, null::varchar as engine, {kpi_cols} where false"
        )
    fails = _files(path / st.FAILURES)
    if fails:
        con.read_parquet(fails, union_by_name=True).create_view("failed_parts")
        con.execute(
            "create view failures as select f.* from failed_parts f anti join kpis k using (run_id)"
        )
    else:
        con.execute(
            "create view failures as select null::varchar as run_id, null::varchar as status, "
            "null::double as wall_time_s, null::varchar as error, null::varchar as failed_utc "
            "where false"
        )
    con.execute(
        "create view runs as select d.*, case when k.run_id is not null then 'ok' "
        "when f.run_id is not null then 'failed' else 'missing' end as status, "
        "k.* exclude (run_id, status) from design d "
        "left join kpis k using (run_id) left join failures f using (run_id)"
    )
    ts = _files(path / st.TIMESERIES)
    if ts:
        con.read_parquet(ts, union_by_name=True).create_view("timeseries")
    con.execute("set allowed_paths = ?", [allowed + parts + fails + ts])
    con.execute("set enable_external_access = false")
    return con


def _check(path: Path) -> None:
    if not (path / st.DESIGN).exists():
        raise ConfigError([f"{path}: not a sweep folder (no {st.DESIGN})"])


def load(path: str | Path) -> SweepResults:
    """Load a sweep folder into pandas (see :class:`SweepResults`).

    Raises:
        ConfigError: ``path`` is not a sweep folder.
    """
    path = Path(path)
    con = connect(path)
    try:
        design = con.execute("select * from design order by run_id").df().set_index("run_id")
        kpis = con.execute("select * from kpis order by run_id").df().set_index("run_id")
        failures = con.execute("select * from failures order by run_id").df().set_index("run_id")
    finally:
        con.close()
    meta = st.read_design_meta(path)
    wall = kpis.pop("wall_time_s") if "wall_time_s" in kpis else pd.Series(dtype=float)
    engines = kpis.pop("engine") if "engine" in kpis else pd.Series(dtype=object)
    kpis = kpis.drop(columns=["status"], errors="ignore")
    status_file = path / st.STATUS
    status = json.loads(status_file.read_text()) if status_file.exists() else {}
    status["counts"] = {
        "total": len(design),
        "ok": len(kpis),
        "failed": len(failures),
        "missing": len(design) - len(kpis) - len(failures),
    }
    return SweepResults(path, design, kpis, failures, status, meta, wall, engines)
