"""One simulation run, end to end: scenario -> model -> event log -> KPIs -> run folder.

A run folder is written to a temporary sibling and renamed into place when complete,
so a half-written run folder never exists under its real name.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.engine.model import OmnichannelModel
from sim.io.atomic import atomic_folder
from sim.scenario.config import ScenarioConfig

RUN_FILES = (
    "events.parquet",
    "consumers.parquet",
    "daily.parquet",
    "inventory.parquet",
    "kpis.json",
    "manifest.json",
)
_PACKAGES = ("omo-sim", "mesa", "numpy", "pandas", "pyarrow", "pydantic", "scipy")


@dataclass
class RunResult:
    """Everything one run produced, in memory."""

    config: ScenarioConfig
    seed: int
    events: pa.Table
    consumers: pd.DataFrame
    daily: pd.DataFrame
    inventory: pd.DataFrame
    kpis: dict[str, float]
    manifest: dict[str, Any] = field(default_factory=dict)
    model: OmnichannelModel | None = None

    def events_frame(self) -> pd.DataFrame:
        """The event log as pandas (string columns as categoricals)."""
        return self.events.to_pandas()


def versions() -> dict[str, str]:
    """Versions of Python and the packages that decide a run's numbers."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def simulate(
    config: ScenarioConfig, seed: int = 0, *, progress: bool = False, keep_model: bool = False
) -> RunResult:
    """Run a scenario with a seed and compute its KPIs.

    Args:
        config: the scenario.
        seed: the root of every random stream in the run.
        progress: show a progress bar over days (on stderr).
        keep_model: keep the Mesa model on the result, to inspect agents afterwards.
    """
    from sim.measure.kpis import compute_kpis

    started = time.perf_counter()
    model = OmnichannelModel(config, rng=seed)
    days = config.horizon_days
    if progress:
        from tqdm import tqdm

        for _ in tqdm(
            range(days), desc=f"{config.name} seed {seed}", unit="day", file=sys.stderr, leave=False
        ):
            model.run_for(1)
    else:
        model.run_for(days)
    events = model.events_table()
    consumers = model.consumers_frame()
    daily = model.daily_frame()
    kpis = compute_kpis(
        events.to_pandas(), consumers, days, daily=daily, redeemable_in=config.coupons.redeemable_in
    )
    wall = time.perf_counter() - started
    manifest = {
        "scenario": config.name,
        "seed": seed,
        "config_hash": config.config_hash(),
        "config": config.to_dict(),
        "policy_changes": model.policy_changes,
        "horizon_days": days,
        "population": config.population.size,
        "market_scale": model.scale,
        "events": events.num_rows,
        "wall_time_s": round(wall, 3),
        "versions": versions(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return RunResult(
        config,
        seed,
        events,
        consumers,
        daily,
        model.inventory_frame(),
        kpis,
        manifest,
        model if keep_model else None,
    )


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON-serialisable: {value!r}")


def _clean(kpis: dict[str, Any]) -> dict[str, Any]:
    """NaN is not JSON: undefined KPIs are written as null."""
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in kpis.items()}


def write_run(result: RunResult, out: str | Path, *, force: bool = False) -> Path:
    """Write the run folder atomically; refuses to overwrite unless ``force``."""
    out = Path(out)
    with atomic_folder(out, force=force) as tmp:
        pq.write_table(result.events, tmp / "events.parquet", compression="zstd")
        result.consumers.to_parquet(tmp / "consumers.parquet", index=False)
        result.daily.to_parquet(tmp / "daily.parquet", index=False)
        result.inventory.to_parquet(tmp / "inventory.parquet", index=False)
        (tmp / "kpis.json").write_text(
            json.dumps(_clean(result.kpis), indent=2, default=_json_default) + "\n"
        )
        (tmp / "manifest.json").write_text(
            json.dumps(result.manifest, indent=2, default=_json_default) + "\n"
        )
    return out


def default_run_dir(config: ScenarioConfig, seed: int, root: str | Path = "runs") -> Path:
    """``runs/<scenario>-seed<seed>-<config hash>``: distinct configs never collide."""
    return Path(root) / f"{config.name}-seed{seed}-{config.config_hash()[:8]}"


def load_run(path: str | Path) -> dict[str, Any]:
    """Read a run folder back: DataFrames for the tables, dicts for the JSON files."""
    path = Path(path)
    missing = [f for f in RUN_FILES if not (path / f).exists()]
    if missing:
        raise FileNotFoundError(f"{path} is not a complete run folder (missing {missing})")
    return {
        "events": pd.read_parquet(path / "events.parquet"),
        "consumers": pd.read_parquet(path / "consumers.parquet"),
        "daily": pd.read_parquet(path / "daily.parquet"),
        "inventory": pd.read_parquet(path / "inventory.parquet"),
        "kpis": json.loads((path / "kpis.json").read_text()),
        "manifest": json.loads((path / "manifest.json").read_text()),
    }


def run_kpis(config: ScenarioConfig | dict[str, Any], seed: int) -> dict[str, float]:
    """KPIs of one run, nothing written.

    A top-level function taking plain data, so process pools and Dask workers can
    ship it; the scenario is re-validated on the worker.
    """
    from sim.scenario.config import from_dict

    if isinstance(config, dict):
        config = from_dict(config)
    return simulate(config, seed).kpis
