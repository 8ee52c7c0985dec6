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
import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.measure.targets import Targets
from sim.scenario.config import ConfigError, ScenarioConfig, read_yaml, with_overrides
from sim.study.backends import Evaluator
from sim.study.calibration_study import STUDY_NAME, open_study, study_lock, study_storage
from sim.study.check import CheckReport, Runner, check, evaluate_scenario, people_overrides
from sim.study.msm import PILOT_ROOT_SEED, PILOT_SEEDS, msm_loss, noise_sd

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

    def to_unit(self, value: float) -> float:
        """Position in the bounds, 0..1 (on the log scale for ``log``): the search's scale.

        Scaling every parameter to the unit interval is what lets one step size (CMA-ES's
        sigma, a finite difference) mean the same for a rate of 0.001 and a share of 0.5.
        """
        lo, hi, v = self.low, self.high, min(max(value, self.low), self.high)
        if self.log:
            return (math.log(v) - math.log(lo)) / (math.log(hi) - math.log(lo))
        return (v - lo) / (hi - lo)

    def from_unit(self, u: float) -> float:
        """The value at position ``u`` (clipped to 0..1) in the bounds."""
        u = min(max(u, 0.0), 1.0)
        if self.log:
            v = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            v = self.low + u * (self.high - self.low)
        v = min(max(v, self.low), self.high)
        return float(round(v)) if self.integer else v


@dataclass(frozen=True)
class Stage:
    """One fidelity of a multi-fidelity search: a population, seeds per trial, trials.

    ``population`` None keeps the scenario's own.
    """

    population: int | None
    seeds: int
    trials: int

    @classmethod
    def parse(cls, text: str) -> Stage:
        """``POPULATION:SEEDS:TRIALS`` (``full`` for the scenario's own population).

        Raises:
            ConfigError: not three whole numbers >= 1.
        """
        parts = text.split(":")
        try:
            if len(parts) != 3:
                raise ValueError
            pop = None if parts[0] == "full" else int(parts[0])
            seeds, trials = int(parts[1]), int(parts[2])
            if (pop is not None and pop < 1) or seeds < 1 or trials < 1:
                raise ValueError
        except ValueError:
            raise ConfigError(
                [
                    f"--stage {text!r}: expected POPULATION:SEEDS:TRIALS with whole numbers "
                    ">= 1 (POPULATION may be 'full'), e.g. 5000:2:60"
                ]
            ) from None
        return cls(pop, seeds, trials)


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
    names = set(targets.names())
    for name, w in weights.items():
        if name not in names:
            problems.append(
                f"{path}: weights.{name}: not a target in the targets file "
                f"(allowed: {', '.join(sorted(names))})"
            )
        elif not _number(w) or w < 0:
            problems.append(f"{path}: weights.{name}: value {w!r}: must be a number >= 0")
    for name, target in targets.all().items():
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
    """The outcome: best parameters, the studies, the final check and files written."""

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
    #: Per stage: (stage, its losses in trial order, its best trial's per-target means).
    stages: list[dict[str, Any]] = field(default_factory=list)
    loss_kind: str = "tolerance"
    noise: dict[str, float] = field(default_factory=dict)
    check_seeds: list[int] = field(default_factory=list)
    wall_time_s: float = 0.0
    ensemble: Any = None  # the plausible set, once written (sim.study.ensemble.Ensemble)


def searched_targets(targets: Targets, weights: Mapping[str, float]) -> Targets:
    """The targets without those of weight 0: the search does not simulate what it ignores
    (the final check still judges every target)."""

    def keep(name: str) -> bool:
        return float(weights.get(name, 1.0)) != 0

    return targets.model_copy(
        update={
            "levels": {k: v for k, v in targets.levels.items() if keep(k)},
            "effects": {k: v for k, v in targets.effects.items() if keep(k)},
            "cases": {
                case: {m: t for m, t in ms.items() if keep(f"{case}.{m}")}
                for case, ms in targets.cases.items()
                if any(keep(f"{case}.{m}") for m in ms)
            },
        }
    )


def _stage_name(k: int) -> str:
    return STUDY_NAME if k == 0 else f"{STUDY_NAME}-stage{k}"


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
    sampler: str = "tpe",
    loss: str = "tolerance",
    stages: list[Stage] | None = None,
    check_root_seed: int = 1000,
    confirm: int = 3,
) -> CalibrationResult:
    """Search the parameters stage by stage until each study holds its trials, then check.

    Args:
        config: the scenario to calibrate (its population is the one the output keeps).
        targets: the targets (levels, effects and cases).
        spec: the free parameters and weights from :func:`load_params`.
        trials: total finished trials wanted (single-stage search; see ``stages``).
        out: the calibrated scenario's path; the studies are in ``<out>.study.db``.
        seeds: seeds 0..seeds-1, the same in every trial (common random numbers).
        population: ``population.size`` during the search (smaller = faster).
        workers: processes for the runs of each trial and the final check.
        fresh: delete previous studies at that path and start over.
        check_replications: seeds of the final check at the scenario's own population.
        sampler_seed: the sampler's seed; offset by the trials already stored, so a
            resumed run does not replay the start-up points.
        progress: a tqdm bar over trials (and the final check) on a terminal.
        on_study: called with each stage's study before optimising (tests interrupt).
        evaluator: an entered backend for every trial's runs (``workers`` is then
            ignored); by default a local pool of ``workers`` for the whole search.
        sampler: ``tpe`` or ``cmaes`` (CMA-ES on the unit-scaled parameters).
        loss: ``tolerance`` (sum of squared tolerance-scaled misses) or ``msm`` (misses
            scaled by the target's tolerance and the simulated moment's standard error;
            :mod:`sim.study.msm`).
        stages: a multi-fidelity plan replacing ``trials``/``seeds``/``population``: each
            stage searches at its population and seeds, starting from the best points of
            the one before (cheap screening first, the expensive fidelity to confirm).
        check_root_seed: first seed of the final check: fresh seeds, none used in the
            search, so the verdict is not fitted to the seeds' luck.
        confirm: the best this-many trials of the last stage are re-measured on as many
            more seeds (at the last stage's fidelity) and the best on all seeds is kept;
            1 keeps the single best trial.

    Raises:
        ConfigError: bad numbers, or an existing study made for a different setup.
    """
    import time

    import optuna

    started = time.perf_counter()
    problems = []
    if trials < 1:
        problems.append(f"--trials: value {trials}: must be at least 1")
    if seeds < 1:
        problems.append(f"--seeds: value {seeds}: must be at least 1")
    if population is not None and population < 1:
        problems.append(f"--population: value {population}: must be at least 1")
    if sampler not in ("tpe", "cmaes"):
        problems.append(f"--sampler: value {sampler!r}: allowed: tpe, cmaes")
    if loss not in ("tolerance", "msm"):
        problems.append(f"--loss: value {loss!r}: allowed: tolerance, msm")
    if check_root_seed < 0:
        problems.append(f"--check-root-seed: value {check_root_seed}: must be >= 0")
    plan = stages or [Stage(population, seeds, trials)]
    if any(st.population is not None for st in plan) and any(
        p.path == "population.size" for p in spec.params
    ):
        problems.append(
            "--population/--stage: population.size is a free parameter in the params file, "
            "so the search cannot also fix it; drop one of the two"
        )
    if problems:
        raise ConfigError(problems)
    db, url = study_storage(out)
    db.parent.mkdir(parents=True, exist_ok=True)
    full_targets, targets = targets, searched_targets(targets, spec.weights)
    resolved = config.to_dict()
    start = {p.path: min(max(_get_path(resolved, p.path), p.low), p.high) for p in spec.params}
    carried: list[dict[str, float]] = []
    total_complete, run_now, all_losses, stage_log = 0, 0, [], []
    best_values, best_loss, best_number, noise = dict(start), math.inf, 0, {}
    noise_pop = config.population.size
    with study_lock(db), Runner(workers, evaluator=evaluator) as runner:
        for k, stage in enumerate(plan):
            search = (
                config
                if stage.population is None
                else with_overrides(config, {"population.size": stage.population})
            )
            seed_list = list(range(stage.seeds))
            setup = {
                "scenario": search.config_hash(),
                "targets": targets.model_dump(),
                "spec": spec.to_dict(),
                "seeds": seed_list,
            }
            if sampler != "tpe" or loss != "tolerance" or stages:
                setup |= {"sampler": sampler, "loss": loss, "stage": k}
            cmaes = sampler == "cmaes"
            warm = (
                {
                    f"u:{p.path}": p.to_unit(v)
                    for p, v in zip(spec.params, start.values(), strict=True)
                }
                if cmaes
                else start
            )
            extra = [
                {f"u:{p.path}": p.to_unit(c[p.path]) for p in spec.params} if cmaes else c
                for c in carried[1 : min(3, stage.trials)]  # carried[0] is the warm start
            ]
            study, done = open_study(
                db,
                url,
                setup,
                warm,
                trials=stage.trials,
                fresh=fresh,
                sampler_seed=sampler_seed,
                sampler=sampler,
                study_name=_stage_name(k),
                x0=warm if cmaes else None,
                sigma0=0.3 if k == 0 else 0.1,
                extra_starts=extra,
            )
            if on_study is not None:
                on_study(study)
            if loss == "msm" and k == 0:
                noise = _noise_pilot(study, search, targets, spec, start, runner)
                noise_pop = search.population.size
            elif loss == "msm":
                # Moments are averages over consumers: their seed noise shrinks as
                # 1/sqrt(population), so the first stage's pilot serves every later one.
                shrink = math.sqrt(noise_pop / search.population.size)
                noise = {t: v * shrink for t, v in noise.items()}
            todo = max(0, stage.trials - done)
            if todo:
                _optimise(
                    study,
                    search,
                    targets,
                    spec,
                    seed_list,
                    runner,
                    todo,
                    progress,
                    loss=loss,
                    noise=noise,
                    cmaes=cmaes,
                )
            complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
            if not complete:
                raise ConfigError([f"{db}: no trial completed (all pruned or failed)"])
            ranked = sorted(complete, key=lambda t: t.value)
            carried = [_values(t, spec) for t in ranked[: max(3, confirm)]]
            best = ranked[0]
            start = carried[0]
            best_values, best_loss = start, float(best.value)
            best_number = total_complete + best.number
            all_losses += [(total_complete + t.number, float(t.value)) for t in complete]
            stage_log.append(
                {
                    "stage": k,
                    "population": search.population.size,
                    "seeds": stage.seeds,
                    "trials": len(complete),
                    "losses": [float(t.value) for t in sorted(complete, key=lambda t: t.number)],
                    "best": best.number,
                    "best_loss": float(best.value),
                    "best_means": dict(best.user_attrs.get("means", {})),
                    "study": _stage_name(k),
                }
            )
            total_complete += len(complete)
            run_now += todo
        if confirm > 1 and len(carried) > 1:
            # One trial's loss is its parameters plus its seeds' luck; the lowest of many is
            # partly luck. Re-measure the best few on more seeds and keep the best on average.
            chosen = _confirm(
                study, search, targets, spec, carried[:confirm], seed_list, runner, loss, noise
            )
            stage_log[-1]["confirmed"] = chosen
            best_values, best_loss = carried[chosen["pick"]], chosen["losses"][chosen["pick"]]
        values = {
            p.path: (best_values[p.path] if p.integer else _sig(best_values[p.path]))
            for p in spec.params
        }
        final = apply_params(config, spec.params, values)
        runner.progress = progress
        report = check(
            final,
            full_targets,
            check_replications,
            check_root_seed,
            runner=runner,
            case_overrides=people_overrides(final),
        )
    return CalibrationResult(
        values,
        best_loss,
        best_number,
        total_complete,
        run_now,
        final,
        report,
        all_losses,
        db,
        stages=stage_log,
        loss_kind=loss,
        noise=noise,
        check_seeds=list(report.seeds),
        wall_time_s=time.perf_counter() - started,
    )


def _confirm(
    study: Any,
    search: ScenarioConfig,
    targets: Targets,
    spec: CalibrationSpec,
    candidates: list[dict[str, float]],
    seeds: list[int],
    runner: Runner,
    loss: str,
    noise: Mapping[str, float],
) -> dict[str, Any]:
    """Each candidate's loss on the search seeds plus as many more; stored in the study."""
    stored = study.user_attrs.get("confirmed")
    if stored and stored.get("candidates") == candidates:  # a resume after the confirmation
        return stored
    more = list(range(len(seeds), 2 * len(seeds)))
    losses = []
    for values in candidates:
        config = apply_params(search, spec.params, values)
        report = evaluate_scenario(
            config,
            targets,
            seeds + more,
            runner,
            desc="confirm",
            case_overrides=people_overrides(config),
        )
        if loss == "msm":
            losses.append(
                msm_loss(list(report.results), noise, len(seeds) + len(more), spec.weights)
            )
        else:
            losses.append(report.loss(spec.weights))
    pick = int(min(range(len(losses)), key=losses.__getitem__))
    chosen = {"candidates": candidates, "losses": losses, "pick": pick}
    study.set_user_attr("confirmed", chosen)
    return chosen


def _values(trial: Any, spec: CalibrationSpec) -> dict[str, float]:
    """A trial's parameter values on their own scales (CMA-ES trials store unit positions)."""
    stored = trial.user_attrs.get("values")
    if stored:
        return {p.path: float(stored[p.path]) for p in spec.params}
    if all(f"u:{p.path}" in trial.params for p in spec.params):
        return {p.path: p.from_unit(trial.params[f"u:{p.path}"]) for p in spec.params}
    return {p.path: float(trial.params[p.path]) for p in spec.params}


def _noise_pilot(
    study: Any,
    search: ScenarioConfig,
    targets: Targets,
    spec: CalibrationSpec,
    start: Mapping[str, float],
    runner: Runner,
) -> dict[str, float]:
    """Seed-to-seed SD of every target at the search's start, measured once and stored."""
    stored = study.user_attrs.get("noise_sd")
    if stored is not None:
        return {k: (math.nan if v is None else float(v)) for k, v in stored.items()}
    config = apply_params(search, spec.params, start)
    seeds = range(PILOT_ROOT_SEED, PILOT_ROOT_SEED + PILOT_SEEDS)
    report = evaluate_scenario(
        config, targets, seeds, runner, desc="noise pilot", case_overrides=people_overrides(config)
    )
    sd = noise_sd(report.values())
    study.set_user_attr("noise_sd", {k: _json_float(v) for k, v in sd.items()})
    return sd


def _optimise(
    study: Any,
    search: ScenarioConfig,
    targets: Targets,
    spec: CalibrationSpec,
    seeds: list[int],
    runner: Runner,
    todo: int,
    progress: bool,
    *,
    loss: str = "tolerance",
    noise: Mapping[str, float] | None = None,
    cmaes: bool = False,
) -> None:
    import optuna
    from tqdm import tqdm

    def objective(trial: optuna.Trial) -> float:
        if cmaes:
            values = {
                p.path: p.from_unit(trial.suggest_float(f"u:{p.path}", 0.0, 1.0))
                for p in spec.params
            }
        else:
            values = {
                p.path: trial.suggest_int(p.path, int(p.low), int(p.high), log=p.log)
                if p.integer
                else trial.suggest_float(p.path, p.low, p.high, log=p.log)
                for p in spec.params
            }
        trial.set_user_attr("values", values)
        try:
            config = apply_params(search, spec.params, values)
        except ConfigError as exc:
            trial.set_user_attr("error", exc.problems)
            raise optuna.TrialPruned(str(exc)) from None
        report = evaluate_scenario(
            config,
            targets,
            seeds,
            runner,
            desc=f"trial {trial.number}",
            case_overrides=people_overrides(config),
        )
        trial.set_user_attr("means", {r.name: _json_float(r.mean) for r in report.results})
        if loss == "msm":
            return msm_loss(list(report.results), noise or {}, len(seeds), spec.weights)
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
