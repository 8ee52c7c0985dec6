"""Run folders: what one run produced, in memory (:class:`RunResult`) and on disk.

A run folder is written to a temporary sibling and renamed into place when complete,
so a half-written run folder never exists under its real name. Nothing here runs a
simulation: :mod:`sim.study.run` does, and hands its result here.
"""

from __future__ import annotations

import functools
import json
import platform
import shutil
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

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
    events: pa.Table | None  # None when the log was streamed to ``events_path``
    consumers: pd.DataFrame
    daily: pd.DataFrame
    inventory: pd.DataFrame
    kpis: dict[str, float]
    manifest: dict[str, Any] = field(default_factory=dict)
    model: Any = None  # the Mesa model, when kept for inspection
    events_path: Path | None = None  # the streamed log's file (in the run folder being built)

    def events_frame(self) -> pd.DataFrame:
        """The event log as pandas (string columns as categoricals)."""
        if self.events is None:
            return pd.read_parquet(self.events_path)
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
        write_run_files(result, tmp)
    return out


def run_folder(out: str | Path, *, force: bool = False):
    """The run folder being built: a temporary sibling of ``out`` that becomes ``out`` only
    when the block ends without an exception (:func:`sim.io.atomic.atomic_folder`).

    For a run that streams its event log (``simulate(..., events_path=folder /
    "events.parquet")``) and then :func:`write_run_files` the rest into the same folder.
    """
    return atomic_folder(Path(out), force=force)


def write_run_files(result: RunResult, folder: Path) -> None:
    """Write a result's files into ``folder``; a streamed log is already there (or moved in)."""
    target = folder / "events.parquet"
    if result.events is not None:
        pq.write_table(result.events, target, compression="zstd")
    elif result.events_path is None:
        raise ValueError("the result has neither an event table nor an event-log file")
    elif Path(result.events_path).resolve() != target.resolve():
        shutil.copyfile(result.events_path, target)
    result.consumers.to_parquet(folder / "consumers.parquet", index=False)
    result.daily.to_parquet(folder / "daily.parquet", index=False)
    result.inventory.to_parquet(folder / "inventory.parquet", index=False)
    (folder / "kpis.json").write_text(
        json.dumps(_clean(result.kpis), indent=2, default=_json_default) + "\n"
    )
    (folder / "manifest.json").write_text(
        json.dumps(result.manifest, indent=2, default=_json_default) + "\n"
    )


@functools.cache
def engine_fingerprint() -> str:
    """SHA-256 (16 hex) of the ``sim`` package source this process imported.

    Recorded in every run's manifest and with every pool or sweep run, so a run folder is
    known to come from this code (and ``omo run`` may reuse it), and results of different
    simulator code are detected instead of silently mixed. Computed once per process.
    """
    import hashlib

    import sim

    root = Path(sim.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def default_run_dir(config: ScenarioConfig, seed: int, root: str | Path = "runs") -> Path:
    """``runs/<scenario>-seed<seed>-<config hash>``: distinct configs never collide."""
    return Path(root) / f"{config.name}-seed{seed}-{config.config_hash()[:8]}"


def same_run(path: Path, config: ScenarioConfig, seed: int, engine: str) -> bool:
    """Whether ``path`` is a complete run folder of this scenario, seed and engine code.

    Runs are deterministic given these three, so such a folder is exactly what running again
    would write (``omo run`` reuses it rather than refusing or duplicating it).
    """
    if not all((path / f).is_file() for f in RUN_FILES):
        return False
    try:
        manifest = json.loads((path / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return (
        manifest.get("config_hash") == config.config_hash()
        and manifest.get("seed") == seed
        and manifest.get("engine") == engine
    )


def free_run_dir(config: ScenarioConfig, seed: int, engine: str, root: str | Path = "runs") -> Path:
    """The default folder for a run, and whether it already holds the very same run.

    ``runs/<scenario>-seed<seed>-<hash>`` if free or holding the same run (see
    :func:`same_run`); otherwise the first free or same ``...-2``, ``...-3``: a folder the user
    never named is never a reason to refuse.
    """
    first = default_run_dir(config, seed, root)
    candidate, n = first, 1
    while candidate.exists() and not same_run(candidate, config, seed, engine):
        n += 1
        candidate = first.with_name(f"{first.name}-{n}")
    return candidate


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
