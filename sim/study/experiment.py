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
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.io.parts import PartsFolder
from sim.measure.kpis import KPI_DESCRIPTIONS
from sim.scenario.config import (
    ConfigError,
    ScenarioConfig,
    from_dict,
    load_scenario,
    read_yaml,
    with_overrides,
    with_shared_history,
)
from sim.scenario.reading import show, validation_problems
from sim.scenario.relative import resolve_all
from sim.scenario.sections import Finite, FolderName, Seed, Whole
from sim.study.backends import (
    Evaluator,
    Outcome,
    engine_fingerprint,
    make_evaluator,
    progress_bar,
    require_ok,
)

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
#: Daily P&L lines kept per run (from the worker's daily P&L), for payback and running totals.
PNL_SERIES = ("profit",)
#: Arm names appear in tables, plot labels and the HTML report: printable, short, and
#: without ``$`` or a backslash (matplotlib would read them as mathematics and fail after the runs).
ARM_NAME = re.compile(r"[^\x00-\x1f\x7f$\\]{1,60}")
ARM_NAME_RULE = "1 to 60 printable characters, no '$' or '\\' (it labels tables and plots)"


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

    name: FolderName | None = Field(None, description="Results folder name; default the file stem.")
    description: str = ""
    base: str = Field(description="Scenario YAML, relative to the experiment file.")
    set: dict[str, Any] = Field(default_factory=dict, description="Overrides on the base.")
    arms: dict[str, Arm] = Field(description="Named arms; at least two.")
    control: str | None = Field(None, description="The arm others are compared to (first).")
    kpis: list[str] = Field(description="KPIs to report (names from sim.measure.kpis).")
    bootstrap_kpis: list[str] = Field(
        default_factory=list, description="KPIs (among kpis) to interval by bootstrap."
    )
    replications: Annotated[Whole, Field(ge=2, le=100_000)] = 20
    root_seed: Seed = 0
    suggest: dict[str, Annotated[Finite, Field(gt=0)]] = Field(
        default_factory=dict, description="KPI -> wanted 95% half-width, for the suggestion."
    )

    @model_validator(mode="after")
    def _names_exist(self) -> Experiment:
        problems = []
        problems += [
            f"arms: name {show(arm)}: {ARM_NAME_RULE}"
            for arm in self.arms
            if not ARM_NAME.fullmatch(arm)
        ]
        if len(self.arms) < 2:
            problems.append(f"arms: {len(self.arms)} given: an experiment needs at least two arms")
        if self.control is not None and self.control not in self.arms:
            problems.append(
                f"control: value {self.control!r}: not an arm (allowed: {', '.join(self.arms)})"
            )
        if not self.kpis:
            problems.append("kpis: empty: name at least one KPI")
        for field_name, names in (("kpis", self.kpis), ("bootstrap_kpis", self.bootstrap_kpis)):
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                problems.append(
                    f"{field_name}: {', '.join(repeated)}: listed more than once (list each once)"
                )
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

    def allowed(loc: list[str]) -> str:
        model = Arm if loc[:1] == ["arms"] and len(loc) == 3 else Experiment
        return ", ".join(model.model_fields)

    def hint(err: dict) -> str:
        if isinstance(err.get("input"), bool) and err["type"] == "string_type":
            return " (YAML reads on/off/yes/no as true/false: quote the name)"
        return ""

    return validation_problems(
        exc,
        missing="required field is missing",
        allowed=allowed,
        split=lambda loc, msg: not loc,
        hint=hint,
    )


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

    In a market with a past, the arm shares ``base``'s history and its differences act from
    day 0 (:func:`sim.scenario.config.with_shared_history`).

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
            return with_shared_history(base, from_dict(data))
        except ConfigError as exc:
            raise ConfigError([f"schedule: {p}" for p in exc.problems]) from None
    return with_shared_history(base, from_dict(data))


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
    #: Runs simulated by this call, and runs reused from an interrupted earlier call.
    ran: int = 0
    reused: int = 0
    #: Money measures of each arm against the control (:func:`money_measures`).
    money: pd.DataFrame = field(default_factory=pd.DataFrame)


def run_experiment(
    experiment: LoadedExperiment,
    *,
    workers: int | None = None,
    progress: bool | None = None,
    evaluator: Evaluator | None = None,
    work: str | Path | None = None,
) -> ExperimentResult:
    """Run every arm x replication, keeping each finished run in ``work`` when given.

    Arms with the same resolved config share their runs (same config and seed, same
    numbers). With ``work``, every finished run is saved there as it arrives, and runs
    already saved by an interrupted call (same config, seed and simulator code) are not
    run again, so the same command resumes where it stopped with identical results.

    Args:
        experiment: a loaded experiment.
        workers: local processes (default ``os.cpu_count()``; 1 runs in this process);
            ignored with ``evaluator``.
        progress: show a progress bar on stderr (default: when stderr is a terminal).
        evaluator: an entered backend to run on (default: a local pool of ``workers``).
        work: the working folder of finished runs (see :class:`sim.io.parts.PartsFolder`).

    Raises:
        RunFailed: a run raised in the simulator (finished runs stay in ``work``).
    """
    if progress is None:
        progress = sys.stderr.isatty()
    hashes = {arm: cfg.config_hash() for arm, cfg in experiment.configs.items()}
    parts = PartsFolder(work) if work is not None else None
    records = _finished(experiment, hashes, parts)
    reused = len(records)
    missing = _missing(experiment, hashes, records)
    jobs = list(missing.values())
    key_of = {job["run_id"]: key for key, job in missing.items()}
    started = time.perf_counter()
    own = evaluator is None
    ev = make_evaluator("local", workers) if own else evaluator
    try:
        if own:
            ev.__enter__()
        total = len({(h, seed) for h in hashes.values() for seed in experiment.seeds})
        with progress_bar(total, experiment.name, progress, reused) as bar:
            for outcome in ev.evaluate(jobs):
                config_hash, seed = key_of[outcome["run_id"]]
                rec = _record(require_ok(outcome), config_hash, seed)
                if parts is not None:
                    parts.put(outcome["run_id"], rec)
                records[config_hash, seed] = rec
                bar.update(1)
    finally:
        if own:
            ev.close()
    wall = time.perf_counter() - started
    runs, daily, paired, money = _tables(experiment, hashes, records)
    return ExperimentResult(
        experiment,
        runs,
        daily,
        round(wall, 3),
        ev.workers,
        hashes,
        paired,
        ran=len(jobs),
        reused=reused,
        money=money,
    )


def _finished(
    experiment: LoadedExperiment, hashes: dict[str, str], parts: PartsFolder | None
) -> dict[tuple[str, int], dict[str, Any]]:
    """Runs an interrupted call left in ``parts`` that this experiment can reuse.

    Only runs of this experiment's arm configs and seeds, made by this very simulator
    code, count: anything else is run again rather than silently mixed in.
    """
    if parts is None:
        return {}
    engine = engine_fingerprint()
    wanted = {(h, seed) for h in hashes.values() for seed in experiment.seeds}
    out = {}
    for rec in parts.load().values():
        key = (rec.get("config_hash"), rec.get("seed"))
        if rec.get("engine") == engine and key in wanted:
            out[key] = rec
    return out


def _missing(
    experiment: LoadedExperiment,
    hashes: dict[str, str],
    records: dict[tuple[str, int], dict[str, Any]],
) -> dict[tuple[str, int], dict[str, Any]]:
    """A job per (arm config hash, seed) not in ``records``; each config once per seed.

    Replication-major order: the first results to arrive cover every arm.
    """
    jobs: dict[tuple[str, int], dict[str, Any]] = {}
    for seed in experiment.seeds:
        for arm in experiment.arms:
            key = (hashes[arm], seed)
            if key not in records and key not in jobs:
                jobs[key] = {
                    "run_id": f"{key[0]}-seed{seed}",
                    "config": experiment.configs[arm].to_dict(),
                    "seed": seed,
                    "keep": ["daily", "pnl"],
                }
    return jobs


def _tables(
    experiment: LoadedExperiment,
    hashes: dict[str, str],
    records: dict[tuple[str, int], dict[str, Any]],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Tidy KPI rows (one per arm x replication), per-arm daily bands, paired running totals
    and the money measures."""
    rows = []
    results: dict[tuple[str, int], dict[str, Any]] = {}
    for arm in experiment.arms:
        for r, seed in enumerate(experiment.seeds):
            rec = records[hashes[arm], seed]
            results[arm, r] = rec
            rows.append(
                {
                    "arm": arm,
                    "replication": r,
                    "seed": seed,
                    "config_hash": hashes[arm],
                    **rec["kpis"],
                }
            )
    return (
        pd.DataFrame(rows),
        _daily_bands(experiment, results),
        paired_daily(experiment, results),
        money_measures(experiment, results),
    )


def _record(outcome: Outcome, config_hash: str, seed: int) -> dict[str, Any]:
    """A finished run as plain JSON data: the same values whether just run or reloaded.

    Every run goes through JSON (floats round-trip exactly, NaN included), so a resumed
    comparison builds its tables from exactly what an uninterrupted one would.
    """
    daily = outcome["daily"]
    series = {c: daily[c].to_numpy(float).tolist() for c in DAILY_SERIES if c in daily}
    pnl = outcome.get("pnl")
    if pnl is not None:
        series.update({c: pnl[c].to_numpy(float).tolist() for c in PNL_SERIES})
    record = {
        "config_hash": config_hash,
        "seed": seed,
        "engine": outcome["engine"],
        "kpis": outcome["kpis"],
        "daily": series,
    }
    return json.loads(json.dumps(record, default=_plain))


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON-serialisable: {value!r}")


#: Money series whose running total is compared day by day (``revenue`` = online + store).
CUMULATIVE_SERIES = ("revenue", "profit", "content_spend", "coupon_cost")


def paired_daily(
    experiment: LoadedExperiment,
    results: dict[tuple[str, int], dict[str, Any]],
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
        daily = {k: np.asarray(v, float) for k, v in results[arm, r]["daily"].items()}
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


#: Money measures of an arm against the control, in display order: (name, unit, meaning).
MONEY_MEASURES: tuple[tuple[str, str, str], ...] = (
    ("extra_new_customers", "count", "New customers, arm minus control (mean of pairs)."),
    (
        "extra_acquisition_spend",
        "money",
        "Acquisition spend (marketing cost + coupon discounts), arm minus control.",
    ),
    (
        "incremental_acquisition_cost",
        "money per customer",
        "Extra acquisition spend / extra new customers (paired means); interval by paired "
        "bootstrap over replications, none when the extra customers may be 0.",
    ),
    (
        "payback_day",
        "day",
        "First day from which the arm's cumulative profit stays above the control's (mean of "
        "paired replications); inf: not within the horizon; interval by paired bootstrap.",
    ),
)


def money_measures(
    experiment: LoadedExperiment,
    results: dict[tuple[str, int], dict[str, Any]],
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per non-control arm: extra new customers and acquisition spend (paired t), incremental
    customer acquisition cost and payback day (paired bootstrap), in the log's money.

    Ratios and first-crossing days of paired differences have no t interval, so both resample
    replications whole; a measure the runs do not carry (runs recorded before it existed) is
    left out.
    """
    from sim.study.stats import paired_difference, paired_payback, ratio_of_differences

    control, n = experiment.control, len(experiment.seeds)

    def kpi(arm: str, name: str) -> np.ndarray:
        return np.array([results[arm, r]["kpis"].get(name, np.nan) for r in range(n)], float)

    def profit(arm: str) -> np.ndarray | None:
        curves = [results[arm, r]["daily"].get("profit") for r in range(n)]
        return None if any(c is None for c in curves) else np.array(curves, float)

    rows = []
    for arm in experiment.arms:
        if arm == control:
            continue
        found = {}
        for name, kpi_name in (
            ("extra_new_customers", "new_customers"),
            ("extra_acquisition_spend", "acquisition_spend"),
        ):
            a, b = kpi(arm, kpi_name), kpi(control, kpi_name)
            if np.isnan(a).all():
                continue
            d = paired_difference(a, b, confidence=confidence)
            found[name] = (d.mean_diff, d.ci_low, d.ci_high, d.n, "paired t")
        if len(found) == 2:
            e = ratio_of_differences(
                kpi(arm, "acquisition_spend"),
                kpi(control, "acquisition_spend"),
                kpi(arm, "new_customers"),
                kpi(control, "new_customers"),
                confidence=confidence,
            )
            found["incremental_acquisition_cost"] = (e.value, e.ci_low, e.ci_high, e.n, e.method)
        treated, base = profit(arm), profit(control)
        if treated is not None and base is not None:
            e = paired_payback(treated, base, confidence=confidence)
            found["payback_day"] = (e.value, e.ci_low, e.ci_high, e.n, e.method)
        for name, unit, _ in MONEY_MEASURES:
            if name in found:
                value, low, high, count, method = found[name]
                rows.append(
                    {
                        "arm": arm,
                        "measure": name,
                        "unit": unit,
                        "estimate": value,
                        "ci_low": low,
                        "ci_high": high,
                        "n": count,
                        "method": method,
                    }
                )
    columns = ["arm", "measure", "unit", "estimate", "ci_low", "ci_high", "n", "method"]
    return pd.DataFrame(rows, columns=columns)


def _daily_bands(
    experiment: LoadedExperiment,
    results: dict[tuple[str, int], dict[str, Any]],
) -> pd.DataFrame:
    """Per arm, series and day: mean and 5-95% band across replications (tidy rows)."""
    frames = []
    for arm in experiment.arms:
        series = results[arm, 0]["daily"].keys()
        for name in series:
            stack = np.vstack(
                [results[arm, r]["daily"][name] for r in range(len(experiment.seeds))]
            )
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
