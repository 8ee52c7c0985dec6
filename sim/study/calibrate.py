"""Calibrate a scenario's free parameters to targets with Optuna, resumably.

The loss is the one :meth:`sim.study.check.CheckReport.loss` defines: per target
``weight * ((mean - value) / allowed)^2``, levels from the scenario's runs and effects from
paired arms, so "loss 0" and "``omo check`` passes" measure the same thing. Every trial runs
on the same fixed seeds (common random numbers): two trials then differ only by their
parameters, not by luck, which is what lets TPE compare them with two seeds per trial.

The study lives in SQLite next to the output and is reopened with ``load_if_exists``, so an
interrupted calibration resumes where it stopped; a fingerprint of the setup (scenario,
targets, parameters, seeds) guards against silently resuming a different calibration.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.measure.targets import Targets
from sim.scenario.config import ConfigError, ScenarioConfig, read_yaml, with_overrides
from sim.study.backends import Evaluator
from sim.study.check import CheckReport, Runner, check, evaluate_scenario

STUDY_NAME = "calibration"
_PARAM_KEYS = {"path", "low", "high", "log"}


@dataclass(frozen=True)
class Param:
    """A free parameter: a dotted config path searched between ``low`` and ``high``.

    ``integer`` follows the scenario's current value, so an int field stays an int.
    """

    path: str
    low: float
    high: float
    log: bool = False
    integer: bool = False


@dataclass(frozen=True)
class CalibrationSpec:
    """What a params file says: the free parameters and per-target loss weights."""

    params: tuple[Param, ...]
    weights: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameters": [p.__dict__ for p in self.params],
            "weights": dict(sorted(self.weights.items())),
        }


def _get_path(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def load_params(path: str | Path, config: ScenarioConfig, targets: Targets) -> CalibrationSpec:
    """Read and validate a params file against the scenario and the targets.

    The file is a mapping with ``parameters`` (a list of ``{path, low, high, log?}``) and an
    optional ``weights`` mapping of target name to weight (default 1); a bare list is read as
    ``parameters``. Every problem is reported at once.

    Raises:
        ConfigError: one line per problem, naming the file and the entry: an unknown or
            non-numeric config path, ``low >= high``, ``log`` with ``low <= 0``, bounds the
            scenario schema rejects, duplicate paths, unknown target names in weights.
    """
    data = read_yaml(path)
    if isinstance(data, list):
        data = {"parameters": data}
    if not isinstance(data, dict) or not isinstance(data.get("parameters"), list):
        raise ConfigError([f"{path}: must hold a mapping with a 'parameters' list"])
    problems = [
        f"{path}: {k}: unknown key (allowed: parameters, weights)"
        for k in data
        if k not in ("parameters", "weights")
    ]
    if not data["parameters"]:
        problems.append(f"{path}: parameters: at least one parameter is required")
    resolved = config.to_dict()
    params: list[Param] = []
    for i, entry in enumerate(data["parameters"]):
        where = f"{path}: parameters.{i}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: value {entry!r}: must be a mapping with path, low, high")
            continue
        where = f"{where} ({entry.get('path', '?')})"
        bad = [
            f"{where}: {k}: unknown key (allowed: path, low, high, log)"
            for k in entry
            if k not in _PARAM_KEYS
        ]
        bad += [f"{where}: {k}: missing" for k in ("path", "low", "high") if k not in entry]
        if bad:
            problems += bad
            continue
        p, low, high, log = entry["path"], entry["low"], entry["high"], entry.get("log", False)
        if not isinstance(p, str) or not _exists(resolved, p):
            try:
                with_overrides(config, {str(p): low})
                msg = f"{p}: no such config path"
            except ConfigError as exc:
                msg = exc.problems[0]
            problems.append(f"{where}: path: {msg}")
            continue
        current = _get_path(resolved, p)
        if not _number(current):
            problems.append(f"{where}: path {p!r}: value {current!r} is not a number")
            continue
        if not (_number(low) and _number(high)):
            problems.append(f"{where}: low {low!r}, high {high!r}: must be numbers")
            continue
        if low >= high:
            problems.append(f"{where}: low {low!r} must be below high {high!r}")
            continue
        if not isinstance(log, bool):
            problems.append(f"{where}: log: value {log!r}: must be true or false")
            continue
        if log and low <= 0:
            problems.append(f"{where}: log: true needs low > 0 (low is {low!r})")
            continue
        integer = isinstance(current, int)
        for bound in (low, high):
            try:
                with_overrides(config, {p: int(bound) if integer else float(bound)})
            except ConfigError as exc:
                problems += [f"{where}: bound {bound!r}: {msg}" for msg in exc.problems]
        if any(q.path == p for q in params):
            problems.append(f"{where}: path {p!r} is listed twice")
        params.append(Param(p, float(low), float(high), log, integer))
    weights = data.get("weights") or {}
    if not isinstance(weights, dict):
        problems.append(f"{path}: weights: must map target names to numbers")
        weights = {}
    names = set(targets.levels) | set(targets.effects)
    for name, w in weights.items():
        if name not in names:
            problems.append(
                f"{path}: weights.{name}: not a target in the targets file "
                f"(allowed: {', '.join(sorted(names))})"
            )
        elif not _number(w) or w < 0:
            problems.append(f"{path}: weights.{name}: value {w!r}: must be a number >= 0")
    for name, target in {**targets.levels, **targets.effects}.items():
        if target.allowed <= 0 and weights.get(name, 1) > 0:
            problems.append(
                f"targets {name}: tolerance 0 cannot scale the loss (give it a tolerance, "
                f"or weight 0 in {path})"
            )
    if problems:
        raise ConfigError(problems)
    return CalibrationSpec(tuple(params), {k: float(v) for k, v in weights.items()})


def _exists(data: Any, path: str) -> bool:
    try:
        _get_path(data, path)
    except (KeyError, IndexError, ValueError, TypeError):
        return False
    return True


def _sig(value: float, digits: int = 4) -> float:
    """Round to significant digits: a readable YAML that is still exactly what was checked."""
    return float(f"{value:.{digits}g}")


def apply_params(
    config: ScenarioConfig, params: tuple[Param, ...], values: Mapping[str, float]
) -> ScenarioConfig:
    """The scenario with parameter values set (ints as ints)."""
    return with_overrides(
        config,
        {p.path: int(round(values[p.path])) if p.integer else values[p.path] for p in params},
    )


@dataclass
class CalibrationResult:
    """The outcome: best parameters, the study, the final check and files written."""

    best_params: dict[str, float]
    best_loss: float
    best_trial: int
    trials_complete: int
    trials_run_now: int
    config: ScenarioConfig
    report: CheckReport
    losses: list[tuple[int, float]]
    study_path: Path
    written: list[Path] = field(default_factory=list)


def study_storage(out: str | Path) -> tuple[Path, str]:
    """``<out>.study.db`` and its SQLAlchemy URL."""
    db = Path(f"{out}.study.db")
    return db, f"sqlite:///{db.resolve()}"


def _fingerprint(setup: dict[str, Any]) -> str:
    text = json.dumps(setup, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def calibrate(
    config: ScenarioConfig,
    targets: Targets,
    spec: CalibrationSpec,
    trials: int,
    out: str | Path,
    *,
    seeds: int = 2,
    population: int | None = None,
    workers: int | None = None,
    fresh: bool = False,
    check_replications: int = 5,
    sampler_seed: int = 0,
    progress: bool = False,
    on_study: Callable[[Any], None] | None = None,
    evaluator: Evaluator | None = None,
) -> CalibrationResult:
    """Search the parameters until the study holds ``trials`` finished trials, then check.

    Args:
        config: the scenario to calibrate (its population is the one the output keeps).
        targets: the targets (levels and effects).
        spec: the free parameters and weights from :func:`load_params`.
        trials: total finished trials wanted in the study; a resumed study only runs the
            missing ones.
        out: the calibrated scenario's path; the study is ``<out>.study.db``.
        seeds: seeds 0..seeds-1, the same in every trial (common random numbers).
        population: ``population.size`` during the search (smaller = faster).
        workers: processes for the runs of each trial and the final check.
        fresh: delete a previous study at that path and start over.
        check_replications: seeds of the final check at the scenario's own population.
        sampler_seed: TPE's seed; offset by the trials already stored, so a resumed run
            does not replay the start-up points.
        progress: a tqdm bar over trials (and the final check) on a terminal.
        on_study: called with the study before optimising (tests use it to interrupt).
        evaluator: an entered backend for every trial's runs (``workers`` is then
            ignored); by default a local pool of ``workers`` for the whole search.

    Raises:
        ConfigError: bad numbers, or an existing study made for a different setup.
    """
    import optuna

    problems = []
    if trials < 1:
        problems.append(f"--trials: value {trials}: must be at least 1")
    if seeds < 1:
        problems.append(f"--seeds: value {seeds}: must be at least 1")
    if population is not None and population < 1:
        problems.append(f"--population: value {population}: must be at least 1")
    if problems:
        raise ConfigError(problems)
    search = (
        config if population is None else with_overrides(config, {"population.size": population})
    )
    seed_list = list(range(seeds))
    setup = {
        "scenario": search.config_hash(),
        "targets": targets.model_dump(),
        "spec": spec.to_dict(),
        "seeds": seed_list,
    }
    fingerprint = _fingerprint(setup)
    db, url = study_storage(out)
    db.parent.mkdir(parents=True, exist_ok=True)
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # Ctrl-C: no traceback
    storage = optuna.storages.RDBStorage(url)
    if fresh:
        with contextlib.suppress(KeyError):
            optuna.delete_study(study_name=STUDY_NAME, storage=storage)
    done = _finished(optuna, storage)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(
            seed=sampler_seed + done,
            multivariate=True,
            n_startup_trials=max(5, min(10, trials // 5)),
        )
    study = optuna.create_study(
        study_name=STUDY_NAME, storage=storage, sampler=sampler, load_if_exists=True
    )
    stored = study.user_attrs.get("fingerprint")
    if stored is None:
        study.set_user_attr("fingerprint", fingerprint)
        study.set_user_attr("setup", json.loads(json.dumps(setup, default=str)))
    elif stored != fingerprint:
        raise ConfigError(
            [
                f"{db}: holds a calibration of a different setup (scenario, targets, params or "
                "seeds changed); pass --fresh to start over, or choose another --out"
            ]
        )
    if not study.trials:
        # Warm start: the scenario's own values are the first trial, so the search never
        # ends worse than where it began.
        resolved = config.to_dict()
        start = {p.path: min(max(_get_path(resolved, p.path), p.low), p.high) for p in spec.params}
        study.enqueue_trial(start)
    if on_study is not None:
        on_study(study)
    todo = max(0, trials - done)
    with Runner(workers, evaluator=evaluator) as runner:
        if todo:
            _optimise(study, search, targets, spec, seed_list, runner, todo, progress)
        complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
        if not complete:
            raise ConfigError([f"{db}: no trial completed (all pruned or failed)"])
        best = min(complete, key=lambda t: t.value)
        values = {
            p.path: (best.params[p.path] if p.integer else _sig(best.params[p.path]))
            for p in spec.params
        }
        final = apply_params(config, spec.params, values)
        runner.progress = progress
        report = check(final, targets, check_replications, 0, runner=runner)
    return CalibrationResult(
        values,
        float(best.value),
        best.number,
        len(complete),
        todo,
        final,
        report,
        [(t.number, float(t.value)) for t in complete],
        db,
    )


def _finished(optuna: Any, storage: Any) -> int:
    """Finished (complete or pruned) trials already stored; interrupted ones do not count."""
    try:
        study = optuna.load_study(study_name=STUDY_NAME, storage=storage)
    except KeyError:
        return 0
    states = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    return len(study.get_trials(deepcopy=False, states=states))


def _optimise(
    study: Any,
    search: ScenarioConfig,
    targets: Targets,
    spec: CalibrationSpec,
    seeds: list[int],
    runner: Runner,
    todo: int,
    progress: bool,
) -> None:
    import optuna
    from tqdm import tqdm

    def objective(trial: optuna.Trial) -> float:
        values = {
            p.path: trial.suggest_int(p.path, int(p.low), int(p.high), log=p.log)
            if p.integer
            else trial.suggest_float(p.path, p.low, p.high, log=p.log)
            for p in spec.params
        }
        try:
            config = apply_params(search, spec.params, values)
        except ConfigError as exc:
            trial.set_user_attr("error", exc.problems)
            raise optuna.TrialPruned(str(exc)) from None
        report = evaluate_scenario(config, targets, seeds, runner, desc=f"trial {trial.number}")
        trial.set_user_attr("means", {r.name: _json_float(r.mean) for r in report.results})
        return report.loss(spec.weights)

    show = progress and sys.stderr.isatty()
    bar = tqdm(total=todo, desc="calibrate", unit="trial", file=sys.stderr, disable=not show)

    def tick(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        bar.update(1)
        with contextlib.suppress(ValueError):  # no complete trial yet
            bar.set_postfix(best=f"{study.best_value:.3g}")

    try:
        study.optimize(objective, n_trials=todo, callbacks=[tick], catch=())
    finally:
        bar.close()


def _json_float(x: float) -> float | None:
    return None if math.isnan(x) else x
