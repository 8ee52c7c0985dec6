"""Strategy experiments: named arms over one base scenario, run with common random numbers.

An experiment file says what a team is weighing: a base scenario, a few named arms (each a
set of overrides and/or a replacement policy schedule), the KPIs to report, how many
replications and a root seed. Replication ``r`` runs with seed ``root_seed + r`` in *every*
arm; because each source of randomness has its own stream per day (:mod:`sim.engine.streams`),
the arms of one replication differ only by the policy, so their KPI differences are paired
and far less noisy than differences between independent runs.

Paths: ``base`` is resolved relative to the experiment file's own folder (an absolute path
is used as is), so an experiment runs the same from any working directory. The shipped
experiments therefore say ``base: ../configs/baseline.yaml``.

Every fault in a file is reported at once, as :class:`~sim.scenario.config.ConfigError` lines that
name the field, the value and what is allowed, before any simulation starts.
"""

from __future__ import annotations

import difflib
import multiprocessing
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.measure.kpis import KPI_DESCRIPTIONS
from sim.scenario.config import (
    ConfigError,
    ScenarioConfig,
    from_dict,
    load_scenario,
    read_yaml,
    with_overrides,
)
from sim.scenario.relative import resolve_all

#: Daily-table columns kept per run (as per-arm mean and 5-95% band), for time-series plots.
DAILY_SERIES = (
    "revenue_online",
    "revenue_store",
    "customers",
    "members",
    "aware_share",
    "store_visits",
    "orders_online",
    "orders_store",
    "stockouts",
    "coupon_cost",
    "content_spend",
)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def known_kpis() -> tuple[str, ...]:
    """KPI names an experiment may ask for: every KPI :mod:`sim.measure.kpis` describes."""
    return tuple(KPI_DESCRIPTIONS)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Arm(_Strict):
    """One strategy: overrides on the experiment's base and/or a replacement schedule."""

    description: str = Field("", description="What this arm stands for, in plain words.")
    set: dict[str, Any] = Field(
        default_factory=dict, description="Dotted scenario paths and values, as with --set."
    )
    schedule: list[dict[str, Any]] | None = Field(
        None,
        description="Policy changes [{day, set}] replacing the base schedule (None keeps it).",
    )


class Experiment(_Strict):
    """An experiment file, validated. Names are checked against the known KPIs."""

    name: str | None = Field(None, description="Results folder name; default the file stem.")
    description: str = ""
    base: str = Field(description="Scenario YAML, relative to the experiment file.")
    set: dict[str, Any] = Field(default_factory=dict, description="Overrides on the base.")
    arms: dict[str, Arm] = Field(description="Named arms; at least two.")
    control: str | None = Field(None, description="The arm others are compared to (first).")
    kpis: list[str] = Field(description="KPIs to report (names from sim.measure.kpis).")
    bootstrap_kpis: list[str] = Field(
        default_factory=list, description="KPIs (among kpis) to interval by bootstrap."
    )
    replications: Annotated[int, Field(ge=2, le=100_000)] = 20
    root_seed: Annotated[int, Field(ge=0)] = 0
    suggest: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=dict, description="KPI -> wanted 95% half-width, for the suggestion."
    )

    @model_validator(mode="after")
    def _names_exist(self) -> Experiment:
        problems = []
        if self.name is not None and not _NAME.match(self.name):
            problems.append(
                f"name: value {self.name!r}: letters, digits, '_', '-', '.' only (a folder name)"
            )
        if len(self.arms) < 2:
            problems.append(f"arms: {len(self.arms)} given: an experiment needs at least two arms")
        if self.control is not None and self.control not in self.arms:
            problems.append(
                f"control: value {self.control!r}: not an arm (allowed: {', '.join(self.arms)})"
            )
        if not self.kpis:
            problems.append("kpis: empty: name at least one KPI")
        known = known_kpis()
        for field_name, names in (
            ("kpis", self.kpis),
            ("bootstrap_kpis", self.bootstrap_kpis),
            ("suggest", list(self.suggest)),
        ):
            for name in names:
                if name not in known:
                    close = difflib.get_close_matches(name, known, n=3)
                    hint = f"did you mean {', '.join(close)}?" if close else "see `omo compare -h`"
                    problems.append(f"{field_name}: value {name!r}: unknown KPI ({hint})")
                elif field_name != "kpis" and name not in self.kpis:
                    problems.append(f"{field_name}: value {name!r}: must also be listed in kpis")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def control_arm(self) -> str:
        """The control arm's name: ``control`` if given, else the first arm."""
        return self.control or next(iter(self.arms))


def _format(exc: ValidationError) -> list[str]:
    """One line per fault; unknown keys list the keys allowed at that place."""
    lines = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        path = ".".join(loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            model = Arm if loc[:1] == ["arms"] and len(loc) == 3 else Experiment
            allowed = ", ".join(model.model_fields)
            lines.append(f"{path}: unknown key (allowed: {allowed})")
        elif err["type"] == "missing":
            lines.append(f"{path}: required field is missing")
        elif err["type"] == "value_error":
            lines.extend(err["msg"].removeprefix("Value error, ").split("; "))
        else:
            hint = ""
            if isinstance(err.get("input"), bool) and err["type"] == "string_type":
                hint = " (YAML reads on/off/yes/no as true/false: quote the name)"
            lines.append(f"{path}: value {err.get('input')!r}: {err['msg']}{hint}")
    return lines


@dataclass(frozen=True)
class LoadedExperiment:
    """An experiment with its base found and every arm resolved to a scenario."""

    spec: Experiment
    path: Path
    base_path: Path
    name: str
    configs: dict[str, ScenarioConfig]

    @property
    def control(self) -> str:
        return self.spec.control_arm

    @property
    def arms(self) -> list[str]:
        """Arm names in file order."""
        return list(self.configs)

    @property
    def seeds(self) -> list[int]:
        """Seed of each replication; the same in every arm (common random numbers)."""
        return [self.spec.root_seed + r for r in range(self.spec.replications)]


def load_experiment(
    path: str | Path,
    *,
    replications: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> LoadedExperiment:
    """Read, validate and resolve an experiment file; ConfigError lists every fault.

    Args:
        path: the experiment YAML.
        replications: replaces the file's ``replications`` (the ``--replications`` option).
        overrides: dotted paths added to the file's ``set``, for every arm (``--set``).
    """
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: an experiment file must hold a mapping"])
    if replications is not None:
        data = {**data, "replications": replications}
    if overrides:
        fixed = data.get("set") if isinstance(data.get("set"), dict) else {}
        data = {**data, "set": {**fixed, **overrides}}
    try:
        spec = Experiment.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([f"{path}: {p}" for p in _format(exc)]) from None
    base_path = Path(spec.base)
    if not base_path.is_absolute():
        base_path = path.parent / base_path
    if not base_path.is_file():
        raise ConfigError(
            [
                f"{path}: base: value {spec.base!r}: no such scenario file ({base_path}; "
                "paths are relative to the experiment file)"
            ]
        )
    try:
        base = load_scenario(base_path)
    except ConfigError as exc:
        raise ConfigError([f"{path}: base: {p}" for p in exc.problems]) from None
    problems: list[str] = []
    try:
        base = _apply(base, spec.set, None)
    except ConfigError as exc:
        raise ConfigError([f"{path}: set.{p}" for p in exc.problems]) from None
    configs = {}
    for name, arm in spec.arms.items():
        try:
            configs[name] = _apply(base, arm.set, arm.schedule)
        except ConfigError as exc:
            problems.extend(f"{path}: arms.{name}.{p}" for p in exc.problems)
    if problems:
        raise ConfigError(problems)
    return LoadedExperiment(spec, path, base_path, spec.name or path.stem, configs)


def _apply(
    base: ScenarioConfig, overrides: dict[str, Any], schedule: list[dict[str, Any]] | None
) -> ScenarioConfig:
    """Overrides then an optional replacement schedule; problems are prefixed by field.

    Relative values (``{times: 1.5}``, ``{plus: 500}``; :mod:`sim.scenario.relative`) are
    resolved against ``base`` (the base scenario after the experiment's ``set``) in the
    overrides and in every schedule change, so an arm stays what it says when the base moves.
    """
    data = base.to_dict()
    overrides, problems = resolve_all(data, overrides)
    if problems:
        raise ConfigError([f"set.{p}" for p in problems])
    if overrides:
        try:
            data = with_overrides(base, overrides).to_dict()
        except ConfigError as exc:
            raise ConfigError([f"set.{p}" for p in exc.problems]) from None
    if schedule is not None:
        schedule, problems = _resolve_schedule(base.to_dict(), schedule)
        if problems:
            raise ConfigError(problems)
        data["schedule"] = schedule
        try:
            return from_dict(data)
        except ConfigError as exc:
            raise ConfigError([f"schedule: {p}" for p in exc.problems]) from None
    return from_dict(data)


def _resolve_schedule(
    base: dict[str, Any], schedule: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """A schedule with relative values in its changes made absolute (against ``base``)."""
    out, problems = [], []
    for i, change in enumerate(schedule):
        if isinstance(change, dict) and isinstance(change.get("set"), dict):
            resolved, bad = resolve_all(base, change["set"])
            problems.extend(f"schedule.{i}.set.{p}" for p in bad)
            change = {**change, "set": resolved}
        out.append(change)
    return out, problems


def run_one(config: dict[str, Any], seed: int) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """One arm x replication: its KPIs and its daily series (picklable, for process pools)."""
    from sim.study.run import simulate

    result = simulate(from_dict(config), seed)
    kpis = dict(result.kpis)
    daily = {c: result.daily[c].to_numpy(float) for c in DAILY_SERIES if c in result.daily}
    return kpis, daily


@dataclass
class ExperimentResult:
    """Every run of an experiment: tidy KPI rows and per-arm daily bands."""

    experiment: LoadedExperiment
    runs: pd.DataFrame
    daily: pd.DataFrame
    wall_time_s: float
    workers: int
    config_hashes: dict[str, str] = field(default_factory=dict)
    paired_daily: pd.DataFrame = field(default_factory=pd.DataFrame)


def _pool_context() -> multiprocessing.context.BaseContext:
    """forkserver where available: fork after pyarrow/BLAS threads exist can deadlock."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def run_experiment(
    experiment: LoadedExperiment, *, workers: int | None = None, progress: bool | None = None
) -> ExperimentResult:
    """Run every arm x replication, in parallel processes unless ``workers == 1``.

    Args:
        experiment: a loaded experiment.
        workers: processes to use (default ``os.cpu_count()``); 1 runs in this process.
        progress: show a progress bar on stderr (default: when stderr is a terminal).
    """
    workers = max(1, workers or os.cpu_count() or 1)
    if progress is None:
        progress = sys.stderr.isatty()
    tasks = [
        (arm, r, seed)
        for r, seed in enumerate(experiment.seeds)
        for arm in experiment.arms  # replication-major: early results cover every arm
    ]
    dicts = {arm: cfg.to_dict() for arm, cfg in experiment.configs.items()}
    results: dict[tuple[str, int], tuple[dict[str, float], dict[str, np.ndarray]]] = {}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(tasks), desc=experiment.name, unit="run", file=sys.stderr)
    started = time.perf_counter()
    try:
        if workers == 1 or len(tasks) == 1:
            for arm, r, seed in tasks:
                results[arm, r] = run_one(dicts[arm], seed)
                if bar is not None:
                    bar.update()
        else:
            n = min(workers, len(tasks))
            with ProcessPoolExecutor(max_workers=n, mp_context=_pool_context()) as pool:
                futures = {
                    pool.submit(run_one, dicts[arm], seed): (arm, r) for arm, r, seed in tasks
                }
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    if bar is not None:
                        bar.update()
    finally:
        if bar is not None:
            bar.close()
    wall = time.perf_counter() - started
    hashes = {arm: cfg.config_hash() for arm, cfg in experiment.configs.items()}
    rows = []
    for arm in experiment.arms:
        for r, seed in enumerate(experiment.seeds):
            kpis = results[arm, r][0]
            rows.append(
                {"arm": arm, "replication": r, "seed": seed, "config_hash": hashes[arm], **kpis}
            )
    runs = pd.DataFrame(rows)
    daily = _daily_bands(experiment, results)
    paired = paired_daily(experiment, results)
    return ExperimentResult(experiment, runs, daily, round(wall, 3), workers, hashes, paired)


#: Money series whose running total is compared day by day (``revenue`` = online + store).
CUMULATIVE_SERIES = ("revenue", "content_spend", "coupon_cost")


def paired_daily(
    experiment: LoadedExperiment,
    results: dict[tuple[str, int], tuple[dict[str, float], dict[str, np.ndarray]]],
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Running total of each money series, arm minus control, per day: mean and t interval.

    Bands across replications overlap even where every replication's difference has the same
    sign; the paired difference (same seed in both arms) shows what the arms' randomness
    shares cancel out, so this is the view of "how far ahead, since when".
    """
    from scipy import stats

    control, n = experiment.control, len(experiment.seeds)

    def running(arm: str, r: int, name: str) -> np.ndarray | None:
        daily = results[arm, r][1]
        if name == "revenue":
            if "revenue_online" not in daily or "revenue_store" not in daily:
                return None
            return np.cumsum(daily["revenue_online"] + daily["revenue_store"])
        return np.cumsum(daily[name]) if name in daily else None

    frames = []
    t = stats.t.ppf(0.5 + confidence / 2, n - 1) if n > 1 else float("nan")
    for arm in experiment.arms:
        if arm == control:
            continue
        for name in CUMULATIVE_SERIES:
            pairs = [(running(arm, r, name), running(control, r, name)) for r in range(n)]
            if any(a is None or b is None for a, b in pairs):
                continue
            diffs = np.vstack([a - b for a, b in pairs])
            mean = diffs.mean(axis=0)
            half = t * diffs.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.nan * mean
            frames.append(
                pd.DataFrame(
                    {
                        "arm": arm,
                        "series": name,
                        "day": np.arange(diffs.shape[1]),
                        "diff": mean,
                        "ci_low": mean - half,
                        "ci_high": mean + half,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _daily_bands(
    experiment: LoadedExperiment,
    results: dict[tuple[str, int], tuple[dict[str, float], dict[str, np.ndarray]]],
) -> pd.DataFrame:
    """Per arm, series and day: mean and 5-95% band across replications (tidy rows)."""
    frames = []
    for arm in experiment.arms:
        series = results[arm, 0][1].keys()
        for name in series:
            stack = np.vstack([results[arm, r][1][name] for r in range(len(experiment.seeds))])
            frames.append(
                pd.DataFrame(
                    {
                        "arm": arm,
                        "series": name,
                        "day": np.arange(stack.shape[1]),
                        "mean": stack.mean(axis=0),
                        "p05": np.quantile(stack, 0.05, axis=0),
                        "p95": np.quantile(stack, 0.95, axis=0),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
