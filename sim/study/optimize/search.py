"""The search: Optuna proposes plans, every plan runs on the same seeds, constraints filter.

Every plan runs on the same search seeds (common random numbers), so two plans differ only
by their levers, not by luck: that is what lets a sampler rank them with a few seeds each.
Plans are asked for in batches as wide as the backend (``ask``/``tell``), so a pool of
workers is kept busy whether a plan has one seed or many. The study lives in SQLite in the
output folder and resumes where it stopped (a killed run's unfinished plans are marked
failed and re-proposed); a fingerprint refuses to resume a different optimisation.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario.config import ConfigError, change_from_day_0
from sim.study.backends import Evaluator
from sim.study.calibration_study import fingerprint, study_lock
from sim.study.optimize.spec import (
    SHARE,
    ObjectiveSpec,
    Optimization,
    SubsetParameter,
    known_kpis,
)
from sim.study.sweep import design as dsg

STUDY_NAME = "optimize"


def is_money(kpi: str) -> bool:
    """Whether a KPI is money (reported and constrained in market money)."""
    return known_kpis().get(kpi) == "money"


def market(opt: Optimization, kpi: str, values: pd.Series) -> pd.Series:
    """KPI values in the units a strategist reads: money scaled to the market."""
    return values * opt.scale if is_money(kpi) else values


def goal_value(opt: Optimization, goal: ObjectiveSpec, runs: pd.DataFrame) -> float:
    """An objective over one plan's runs (one row per seed)."""
    values = market(opt, goal.kpi, runs[goal.kpi].astype(float))
    return float(values.mean() if goal.statistic == "mean" else values.std(ddof=1))


def constraint_values(opt: Optimization, runs: pd.DataFrame) -> list[float]:
    """Optuna's convention: one number per bound, feasible when <= 0."""
    out = []
    for kpi, bound in opt.spec.constraints.items():
        mean = float(market(opt, kpi, runs[kpi].astype(float)).mean())
        if math.isnan(mean):
            out.append(math.inf)  # undefined in this plan: cannot show it holds
            continue
        if bound.max is not None:
            out.append(mean - bound.max)
        if bound.min is not None:
            out.append(bound.min - mean)
    return out


def run_plans(
    opt: Optimization,
    plans: dict[str, dict[str, Any]],
    seeds: Iterable[int],
    evaluator: Evaluator,
) -> dict[str, pd.DataFrame | str]:
    """Run each plan (scenario overrides of the base) on every seed.

    Returns:
        per plan, a KPI frame indexed by seed, or the error text when its scenario is
        refused (say, phase days out of order) or one of its runs failed.
    """
    seeds = list(seeds)
    jobs, errors = [], {}
    for key, overrides in plans.items():
        try:
            # In a market with a past, every plan shares the base's history and acts from day 0.
            config = change_from_day_0(opt.base, overrides).to_dict()
        except ConfigError as exc:
            errors[key] = "; ".join(exc.problems)
            continue
        jobs += [{"run_id": f"{key}|{s}", "config": config, "seed": s} for s in seeds]
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in plans if k not in errors}
    for outcome in evaluator.evaluate(jobs):
        key, seed = outcome["run_id"].rsplit("|", 1)
        if outcome["status"] != "ok":
            errors.setdefault(key, outcome["error"])
            continue
        rows[key].append({"seed": int(seed), **outcome["kpis"]})
    out: dict[str, pd.DataFrame | str] = dict(errors)
    for key, r in rows.items():
        if key not in errors:
            out[key] = pd.DataFrame(r).set_index("seed").sort_index()
    return out


def suggest(trial: Any, opt: Optimization) -> dict[str, Any]:
    """A plan from Optuna's trial: the levers, and raw weights of the budget split."""
    plan: dict[str, Any] = {}
    for p in opt.parameters:
        if isinstance(p, SubsetParameter):
            for item in p.items:
                plan[p.key(item)] = trial.suggest_categorical(p.key(item), [False, True])
        elif isinstance(p, dsg.CategoricalParameter):
            plan[p.path] = trial.suggest_categorical(p.path, list(p.levels))
        elif isinstance(p, dsg.IntegerParameter):
            plan[p.path] = trial.suggest_int(p.path, int(p.lower), int(p.upper))
        else:
            plan[p.path] = trial.suggest_float(p.path, float(p.lower), float(p.upper))
    for c in opt.channels:
        plan[SHARE + c] = trial.suggest_float(SHARE + c, 0.0, 1.0)
    return plan


def _constraints_func(trial: Any) -> list[float]:
    return trial.user_attrs.get("constraints", [])


def _trial_constraints() -> bool:
    """Optuna >= 5 takes constraints on the trial (``set_constraint``), not the sampler."""
    import optuna

    return hasattr(optuna.trial.Trial, "set_constraint")


def open_study(opt: Optimization, db: Path, *, fresh: bool) -> Any:
    """Create or resume the study at ``db`` (call under :func:`study_lock`).

    Raises:
        ConfigError: the stored study was made for a different optimisation.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    storage = optuna.storages.RDBStorage(f"sqlite:///{db.resolve()}")
    if fresh:
        with contextlib.suppress(KeyError):
            optuna.delete_study(study_name=STUDY_NAME, storage=storage)
    goals = opt.spec.goals
    constrained = _constraints_func if opt.spec.constraints and not _trial_constraints() else None
    seed = opt.spec.sampler_seed + _count(optuna, storage)  # a resumed run draws anew
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        if opt.spec.sampler == "nsga2":
            sampler = optuna.samplers.NSGAIISampler(seed=seed, constraints_func=constrained)
        elif opt.spec.sampler == "random":
            sampler = optuna.samplers.RandomSampler(seed=seed)
        else:
            sampler = optuna.samplers.TPESampler(
                seed=seed,
                multivariate=True,
                n_startup_trials=max(5, min(10, opt.spec.trials // 4)),
                constraints_func=constrained,
            )
    study = optuna.create_study(
        study_name=STUDY_NAME,
        storage=storage,
        sampler=sampler,
        directions=[g.direction for g in goals],
        load_if_exists=True,
    )
    setup = {"fingerprint": opt.fingerprint()}
    stored = study.user_attrs.get("fingerprint")
    if stored is None:
        study.set_user_attr("fingerprint", fingerprint(setup))
    elif stored != fingerprint(setup):
        raise ConfigError(
            [
                f"{db}: holds an optimisation of a different setup (base, levers, objectives, "
                "constraints or seeds changed); pass --fresh to start over, or choose another --out"
            ]
        )
    states = optuna.trial.TrialState
    for t in study.get_trials(deepcopy=False, states=(states.RUNNING,)):
        storage.set_trial_state_values(t._trial_id, states.FAIL)  # left by a killed run
    if not any(t.user_attrs.get("current_plan") for t in study.get_trials(deepcopy=False)):
        # the current plan is a candidate: the search never ends worse than where it began
        study.enqueue_trial(opt.current_plan(), user_attrs={"current_plan": True})
    return study


def _count(optuna: Any, storage: Any) -> int:
    try:
        study = optuna.load_study(study_name=STUDY_NAME, storage=storage)
    except KeyError:
        return 0
    return len(study.get_trials(deepcopy=False))


def finished(study: Any) -> int:
    """Trials finished (complete or pruned); failed ones are proposed again."""
    import optuna

    states = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    return len(study.get_trials(deepcopy=False, states=states))


def search(
    opt: Optimization,
    db: Path,
    evaluator: Evaluator,
    *,
    fresh: bool = False,
    progress: bool = False,
    on_trial: Callable[[Any], None] | None = None,
) -> Any:
    """Run trials until the study holds ``spec.trials`` finished ones; returns the study.

    Args:
        opt: the validated optimisation.
        db: the SQLite file of the study.
        evaluator: an entered backend; batches of plans are as wide as its workers.
        fresh: discard a stored study and start over.
        progress: a tqdm bar over trials on a terminal.
        on_trial: called after each told trial (tests use it to interrupt).
    """
    from tqdm import tqdm

    db.parent.mkdir(parents=True, exist_ok=True)
    seeds = opt.search_seeds
    with study_lock(db):
        study = open_study(opt, db, fresh=fresh)
        todo = max(0, opt.spec.trials - finished(study))
        width = max(1, math.ceil(evaluator.workers / len(seeds)))
        show = progress and sys.stderr.isatty()
        bar = tqdm(total=todo, desc="optimize", unit="plan", file=sys.stderr, disable=not show)
        try:
            while todo > 0:
                batch = [study.ask() for _ in range(min(width, todo))]
                plans = {str(t.number): suggest(t, opt) for t in batch}
                results = run_plans(
                    opt, {k: opt.overrides(p) for k, p in plans.items()}, seeds, evaluator
                )
                for trial in batch:
                    _tell(study, trial, opt, plans[str(trial.number)], results[str(trial.number)])
                    bar.update(1)
                    if on_trial is not None:
                        on_trial(study)
                todo = max(0, opt.spec.trials - finished(study))
        finally:
            bar.close()
    return study


def _tell(study: Any, trial: Any, opt: Optimization, plan: dict, runs: Any) -> None:
    import optuna

    trial.set_user_attr("plan", _plain(opt.overrides(plan)))
    if isinstance(runs, str):
        trial.set_user_attr("error", runs)
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        return
    means = {k: _plain(float(v)) for k, v in runs.mean(numeric_only=True).items()}
    trial.set_user_attr("means", means)
    limits = constraint_values(opt, runs)
    trial.set_user_attr("constraints", limits)
    if _trial_constraints():
        for i, value in enumerate(limits):
            trial.set_constraint(f"c{i}", value)
    values = [goal_value(opt, g, runs) for g in opt.spec.goals]
    if any(math.isnan(v) for v in values):
        trial.set_user_attr("error", "objective undefined (NaN) for this plan")
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        return
    study.tell(trial, values if len(values) > 1 else values[0])


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def feasible(trial: Any) -> bool:
    """Every constraint of a finished trial holds."""
    return all(c <= 0 for c in trial.user_attrs.get("constraints", []))


def trials_frame(opt: Optimization, study: Any) -> pd.DataFrame:
    """One row per trial: number, state, the plan's overrides, objectives, feasibility, KPIs."""
    rows = []
    for t in study.get_trials(deepcopy=False):
        row: dict[str, Any] = {
            "trial": t.number,
            "state": t.state.name.lower(),
            "current_plan": bool(t.user_attrs.get("current_plan")),
            "feasible": feasible(t) if t.values else False,
        }
        row.update(t.user_attrs.get("plan", {}))
        for g, v in zip(opt.spec.goals, t.values or [], strict=False):
            row[f"objective:{g.statistic}:{g.kpi}"] = v
        row.update({f"kpi:{k}": v for k, v in t.user_attrs.get("means", {}).items()})
        row["error"] = t.user_attrs.get("error")
        rows.append(row)
    return pd.DataFrame(rows)


def best_trials(opt: Optimization, study: Any) -> list[Any]:
    """The best feasible trial (one objective), or the feasible Pareto front (several).

    Raises:
        ConfigError: no finished plan meets the constraints.
    """
    import optuna

    done = [
        t
        for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        if feasible(t)
    ]
    if not done:
        raise ConfigError(
            ["no plan tried meets the constraints: loosen them, widen the bounds or add trials"]
        )
    goals = opt.spec.goals
    if len(goals) == 1:
        sign = 1 if goals[0].direction == "maximize" else -1
        return [max(done, key=lambda t: sign * t.values[0])]
    signs = np.array([1 if g.direction == "maximize" else -1 for g in goals])
    values = np.array([t.values for t in done]) * signs
    front = []
    for i, v in enumerate(values):
        dominated = np.any(np.all(values >= v, axis=1) & np.any(values > v, axis=1))
        if not dominated:
            front.append(done[i])
    return sorted(front, key=lambda t: -t.values[0] * signs[0])


def dumps(data: Any) -> str:
    return json.dumps(_plain(data), indent=2, sort_keys=False, default=str)
