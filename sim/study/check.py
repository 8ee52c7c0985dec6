"""Check a scenario against calibration targets: levels, and lever effects as paired arms.

A level target is read from the scenario's own runs; an effect target from two arms (the
scenario with the effect's control / treatment overrides on top) run with the *same* seeds,
so seed-to-seed noise common to both arms cancels in the per-seed effect (common random
numbers). Arms are keyed by their resolved config hash, so an arm that equals another (e.g.
the scenario already redeems coupons everywhere, which is the redemption effect's treatment)
is simulated once per seed and reused, and the report says so. A case target (a measure of a
shipped preset, :mod:`sim.measure.cases`) adds the preset's arms to the same plan; they take
``case_overrides`` (a calibration trial's parameters and population) on top of the preset file.

:func:`check` is the one entry point; ``omo check`` and ``omo calibrate`` (its fit report
and, through :func:`evaluate_scenario`, every trial) both go through it, so a calibrated
scenario is judged by exactly the rule ``omo check`` applies.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.measure.cases import CASE_MEASURES, level_case, run_measures
from sim.measure.targets import EFFECTS, Effect, TargetResult, Targets, effect_value, evaluate
from sim.scenario.config import (
    ConfigError,
    ScenarioConfig,
    change_from_day_0,
    load_scenario,
    parse_value,
    with_overrides,
)
from sim.study.backends import Evaluator, make_evaluator, progress_bar, require_ok

BASE = "base scenario"


def format_set(path: str, value: Any) -> str:
    """``PATH=VALUE`` that ``omo run --set`` parses back to exactly ``value``.

    Values go through YAML on the way in (:func:`sim.scenario.config.parse_value`), so a string that
    YAML would read as something else (``"true"``, ``"1"``) is written JSON-quoted.
    """
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value if parse_value(value) == value and value.strip() == value else None
        text = text if text else json.dumps(value)
    elif isinstance(value, float):
        text = repr(value)
        mantissa, e, exponent = text.partition("e")
        if e and "." not in mantissa:  # YAML 1.1 reads "1e-05" as a string
            text = f"{mantissa}.0e{exponent}"
    else:
        text = json.dumps(value)
    return f"{path}={text}"


class Runner:
    """Runs batches of (config, seed) jobs on one evaluator and returns their KPIs.

    One runner (one set of workers) lives for a whole command, so a calibration's hundreds
    of trials do not each pay for starting processes. The runs go through the same worker
    entry and backends as every other study (:mod:`sim.study.backends`).
    """

    def __init__(
        self,
        workers: int | None = None,
        progress: bool = False,
        evaluator: Evaluator | None = None,
    ) -> None:
        """Use the caller's evaluator, or a local pool of ``workers`` this runner owns.

        Args:
            workers: local processes (1 = in-process); ignored with ``evaluator``.
            progress: a progress bar per batch on a terminal.
            evaluator: an entered evaluator to run on (the caller closes it).
        """
        self._own = evaluator is None
        self.evaluator = evaluator if evaluator is not None else make_evaluator("local", workers)
        self.workers = self.evaluator.workers
        self.progress = progress

    def __enter__(self) -> Runner:
        if self._own:
            self.evaluator.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the workers this runner started; pending jobs are cancelled."""
        if self._own:
            self.evaluator.close()

    def run(
        self, jobs: Sequence[tuple[str, dict[str, Any], int]], desc: str = "runs"
    ) -> dict[tuple[str, int], dict[str, float]]:
        """KPIs (and daily-table measures) of every ``(key, config dict, seed)`` job.

        Keyed by ``(key, seed)``; each value is :func:`sim.measure.cases.run_measures`: the
        run's KPIs plus the daily sums case targets read.

        Raises:
            RunFailed: a run raised; a verdict is never given on missing runs.
        """
        ids = {f"{key}/seed{seed}": (key, seed) for key, _, seed in jobs}
        batch = [
            {"run_id": f"{key}/seed{seed}", "config": config, "seed": seed, "keep": ["daily"]}
            for key, config, seed in jobs
        ]
        out: dict[tuple[str, int], dict[str, float]] = {}
        with progress_bar(len(batch), desc, self.progress) as bar:
            for outcome in self.evaluator.evaluate(batch):
                done = require_ok(outcome)
                out[ids[outcome["run_id"]]] = run_measures(done["kpis"], done.get("daily"))
                bar.update(1)
        return out


@dataclass(frozen=True)
class Arm:
    """One side of an effect: its overrides on top of the scenario and its config key."""

    overrides: Mapping[str, Any]
    key: str
    same_as: str | None = None
    needed: bool = True

    def sets(self, base_sets: Mapping[str, Any]) -> list[str]:
        """The ``--set`` strings that rebuild this arm from the scenario file."""
        merged = {**base_sets, **self.overrides}
        return [format_set(path, value) for path, value in merged.items()]


@dataclass
class EffectResult:
    """An effect target's verdict, the per-seed values and the two arms behind them."""

    effect: Effect
    result: TargetResult
    values: list[float]
    control: Arm
    treatment: Arm


@dataclass
class CaseResult:
    """A case target's verdict, per-seed values and the config key of each of its arms."""

    preset: str
    measure: str
    result: TargetResult
    values: list[float]
    arms: dict[str, str]


@dataclass
class CheckReport:
    """Everything ``omo check`` prints: per-target verdicts, arms, and how runs were shared."""

    scenario: str
    config_hash: str
    seeds: list[int]
    levels: dict[str, tuple[TargetResult, list[float]]]
    effects: dict[str, EffectResult]
    distinct_configs: int
    arm_references: int
    base_sets: dict[str, Any] = field(default_factory=dict)
    cases: dict[str, CaseResult] = field(default_factory=dict)

    @property
    def results(self) -> Iterator[TargetResult]:
        """Every target's result, levels first, then effects, then cases.

        A case's result is named ``<preset>.<measure>``.
        """
        yield from (r for r, _ in self.levels.values())
        yield from (e.result for e in self.effects.values())
        yield from (c.result for c in self.cases.values())

    def values(self) -> dict[str, list[float]]:
        """Per-seed values of every target, by result name."""
        out = {name: v for name, (_, v) in self.levels.items()}
        out |= {name: e.values for name, e in self.effects.items()}
        return out | {name: c.values for name, c in self.cases.items()}

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def loss(self, weights: Mapping[str, float] | None = None, nan_penalty: float = 1e4) -> float:
        """Sum of ``weight * ((mean - value) / allowed)^2``; an undefined mean costs a penalty.

        Scaling by the allowed tolerance makes targets in different units comparable: a
        term of 1 means "exactly on the edge of the band" whatever the KPI.
        """
        total = 0.0
        for r in self.results:
            w = 1.0 if weights is None else float(weights.get(r.name, 1.0))
            if w == 0:
                continue
            if math.isnan(r.mean):
                total += w * nan_penalty
            else:
                total += w * ((r.mean - r.target) / max(r.allowed, 1e-12)) ** 2
        return total

    def to_dict(self, scenario_path: str = "SCENARIO") -> dict[str, Any]:
        """Machine-readable report; each effect arm carries its ``omo run`` ``--set`` list."""

        def res(r: TargetResult, values: list[float]) -> dict[str, Any]:
            return _clean({**r.to_dict(), "values": values})

        def arm(a: Arm) -> dict[str, Any]:
            sets = a.sets(self.base_sets)
            flags = " ".join(f"--set {s}" for s in sets)
            return {
                "set": sets,
                "config_hash": a.key,
                "same_as": a.same_as,
                "simulated": a.needed,
                "rerun": [
                    f"omo run {scenario_path} --seed {s} {flags}".rstrip() for s in self.seeds
                ],
            }

        return {
            "scenario": self.scenario,
            "config_hash": self.config_hash,
            "seeds": self.seeds,
            "passed": self.passed,
            "runs": {
                "distinct_configs": self.distinct_configs,
                "arm_references": self.arm_references,
                "simulations": self.distinct_configs * len(self.seeds),
            },
            "levels": {name: res(r, v) for name, (r, v) in self.levels.items()},
            "effects": {
                name: {
                    **res(e.result, e.values),
                    "kpi": e.effect.kpi,
                    "measure": e.effect.measure,
                    "control": arm(e.control),
                    "treatment": arm(e.treatment),
                }
                for name, e in self.effects.items()
            },
            "cases": {
                name: {**res(c.result, c.values), "preset": c.preset, "measure": c.measure}
                for name, c in self.cases.items()
            },
        }

    def format(self) -> str:
        """A readable table: one row per target, then how runs were shared, then the verdict."""
        seeds = self.seeds
        span = f"{seeds[0]}..{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])
        lines = [
            f"omo check: {self.scenario} (config {self.config_hash[:8]}), "
            f"{len(seeds)} replications (seeds {span}); mean and 95% t-interval over seeds"
        ]
        rows = [(name, r) for name, (r, _) in self.levels.items()]
        erows = [(name, e.result) for name, e in self.effects.items()]
        crows = [(name, c.result) for name, c in self.cases.items()]
        width = max([len(n) for n, _ in rows + erows + crows] + [6])
        head = (
            f"  {'target':<{width}}  {'value':>8}  {'allowed band':>20}  {'mean':>8}  "
            f"{'95% interval':>20}  result"
        )
        groups = (
            ("Levels", rows),
            ("Effects (paired arms, same seeds)", erows),
            ("Cases (shipped presets, same seeds)", crows),
        )
        for title, group in groups:
            if not group:
                continue
            lines += ["", title, head]
            lines += [f"  {name:<{width}}  {_row(r)}" for name, r in group]
        if self.effects:
            lines += ["", "Effect arms (--set on top of the scenario):"]
            for name, e in self.effects.items():
                for side, a in (("control", e.control), ("treatment", e.treatment)):
                    note = f"  [reused: same config as {a.same_as}]" if a.same_as else ""
                    if not a.needed:
                        note = "  [not simulated: the effect is the treatment arm's level]"
                    sets = " ".join(a.sets({})) or "(none)"
                    lines.append(f"  {name}.{side}: {sets}{note}")
        simulated = self.distinct_configs * len(seeds)
        saved = (self.arm_references - self.distinct_configs) * len(seeds)
        lines += [
            "",
            f"Runs: {self.distinct_configs} distinct configs x {len(seeds)} seeds = "
            f"{simulated} simulations ({saved} reused instead of re-simulated).",
        ]
        n_pass = sum(r.passed for r in self.results)
        n_all = sum(1 for _ in self.results)
        verdict = "PASS" if self.passed else "FAIL"
        lines.append(f"Result: {verdict}: {n_pass}/{n_all} targets within tolerance.")
        return "\n".join(lines)


def _fmt(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.4g}"


def _row(r: TargetResult) -> str:
    band = f"[{_fmt(r.low)}, {_fmt(r.high)}]"
    ci = f"[{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]"
    verdict = "pass" if r.passed else "FAIL"
    return f"{_fmt(r.target):>8}  {band:>20}  {_fmt(r.mean):>8}  {ci:>20}  {verdict}"


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """NaN is not JSON: undefined numbers become null."""

    def fix(v: Any) -> Any:
        if isinstance(v, float) and math.isnan(v):
            return None
        if isinstance(v, list):
            return [fix(x) for x in v]
        return v

    return {k: fix(v) for k, v in data.items()}


def plan_arms(
    config: ScenarioConfig, targets: Targets
) -> tuple[dict[str, dict[str, Any]], dict[str, tuple[Arm, Arm]], int]:
    """Distinct configs to simulate (by hash), each effect's two arms, and arm references.

    The control arm of a ``level_in_treatment`` effect is not needed and not counted.
    """
    base_key = config.config_hash()
    configs: dict[str, dict[str, Any]] = {base_key: config.to_dict()}
    labels: dict[str, str] = {base_key: BASE}
    arms: dict[str, tuple[Arm, Arm]] = {}
    references = 1
    # Registry order, not the targets file's: which arm is simulated and which reuses it
    # must not depend on how the caller ordered the effects.
    for name in (n for n in EFFECTS if n in targets.effects):
        effect = EFFECTS[name]
        built = []
        for side in ("control", "treatment"):
            overrides = dict(getattr(effect, side))
            try:
                arm_config = change_from_day_0(config, overrides)
            except ConfigError as exc:
                raise ConfigError([f"effect {name}.{side}: {p}" for p in exc.problems]) from None
            key = arm_config.config_hash()
            needed = side == "treatment" or effect.measure != "level_in_treatment"
            same_as = labels.get(key) if needed else None
            if needed:
                references += 1
                if key not in configs:
                    configs[key] = arm_config.to_dict()
                    labels[key] = f"{name}.{side}"
            built.append(Arm(overrides, key, same_as, needed))
        arms[name] = (built[0], built[1])
    return configs, arms, references


def people_overrides(config: ScenarioConfig) -> dict[str, Any]:
    """The scenario's consumers, as overrides for a preset: behaviour and population size.

    Presets differ from the calibrated scenario in policy only, so a case target must be
    read from the preset with the scenario's (the trial's) behaviour, not the file's.
    """
    data = config.to_dict()
    out = {f"behaviour.{k}": v for k, v in data["behaviour"].items()}
    return out | {"population.size": config.population.size}


def plan_cases(
    targets: Targets, case_overrides: Mapping[str, Any] | None = None
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, str]]]:
    """Configs the case targets need (by hash) and, per ``<preset>.<measure>``, its arms' keys.

    Each arm is the preset file with ``case_overrides`` and then the arm's own overrides.

    Raises:
        ConfigError: a preset file or an override the schema rejects.
    """
    configs: dict[str, dict[str, Any]] = {}
    plan: dict[str, dict[str, str]] = {}
    loaded: dict[str, ScenarioConfig] = {}

    def preset(name: str) -> ScenarioConfig:
        if name not in loaded:
            try:
                base = load_scenario(targets.case_files[name])
                loaded[name] = with_overrides(base, dict(case_overrides or {}))
            except (ConfigError, KeyError) as exc:
                why = exc.problems if isinstance(exc, ConfigError) else ["no preset file found"]
                raise ConfigError([f"cases.{name}: {p}" for p in why]) from None
        return loaded[name]

    for case, measures in targets.cases.items():
        for name in measures:
            measure = CASE_MEASURES.get(name) or level_case(name)
            keys = {}
            for label, (other, overrides) in measure.arms.items():
                try:
                    own = preset(other or case)
                    # An arm of the case's own preset shares its history; another preset is
                    # another market, with its own.
                    config = (
                        with_overrides(own, dict(overrides))
                        if other
                        else change_from_day_0(own, dict(overrides))
                    )
                except ConfigError as exc:
                    where = f"cases.{case}.{name}.{label}"
                    raise ConfigError([f"{where}: {p}" for p in exc.problems]) from None
                keys[label] = config.config_hash()
                configs.setdefault(keys[label], config.to_dict())
            plan[f"{case}.{name}"] = keys
    return configs, plan


def evaluate_scenario(
    config: ScenarioConfig,
    targets: Targets,
    seeds: Sequence[int],
    runner: Runner,
    base_sets: Mapping[str, Any] | None = None,
    desc: str = "check",
    case_overrides: Mapping[str, Any] | None = None,
) -> CheckReport:
    """Simulate every distinct arm on ``seeds`` and judge each target; the core of check.

    ``case_overrides`` go on top of every case preset (calibration: the trial's parameters).
    """
    seeds = list(seeds)
    configs, arms, references = plan_arms(config, targets)
    case_configs, case_plan = plan_cases(targets, case_overrides)
    references += sum(len(k) for k in case_plan.values())
    for key, data in case_configs.items():
        configs.setdefault(key, data)
    jobs = [(key, data, seed) for key, data in configs.items() for seed in seeds]
    kpis = runner.run(jobs, desc=desc)
    base_key = config.config_hash()
    levels = {
        name: _judge(target, [float(kpis[base_key, s][name]) for s in seeds])
        for name, target in targets.levels.items()
    }
    effects = {}
    for name, target in targets.effects.items():
        effect = EFFECTS[name]
        control, treatment = arms[name]
        try:
            values = [
                effect_value(effect, kpis[control.key, s], kpis[treatment.key, s])
                if effect.measure != "level_in_treatment"
                else effect_value(effect, {}, kpis[treatment.key, s])
                for s in seeds
            ]
        except KeyError as exc:
            raise ConfigError([f"effect {name}: {exc.args[0]}"]) from None
        result, values = _judge(target, values)
        effects[name] = EffectResult(effect, result, values, control, treatment)
    cases = {}
    for full, keys in case_plan.items():
        case, name = full.split(".", 1)
        measure = CASE_MEASURES.get(name) or level_case(name)
        values = [measure.value({lab: kpis[k, s] for lab, k in keys.items()}) for s in seeds]
        result, values = _judge(targets.cases[case][name].model_copy(update={"name": full}), values)
        cases[full] = CaseResult(case, name, result, values, keys)
    return CheckReport(
        config.name,
        base_key,
        seeds,
        levels,
        effects,
        len(configs),
        references,
        dict(base_sets or {}),
        cases,
    )


def _judge(target: Any, values: list[float]) -> tuple[TargetResult, list[float]]:
    return evaluate(target, values), values


def check(
    config: ScenarioConfig,
    targets: Targets,
    replications: int = 5,
    root_seed: int = 0,
    workers: int | None = None,
    *,
    progress: bool = False,
    base_sets: Mapping[str, Any] | None = None,
    runner: Runner | None = None,
    case_overrides: Mapping[str, Any] | None = None,
) -> CheckReport:
    """Judge a scenario against targets over seeds ``root_seed .. root_seed+replications-1``.

    Args:
        config: the scenario (with any ``--set`` overrides already applied).
        targets: from :func:`sim.measure.targets.load_targets`.
        replications: seeds per arm; the 95% interval needs at least 2.
        root_seed: the first seed.
        workers: processes (default: CPU count; 1 runs in this process).
        progress: a progress bar on stderr when it is a terminal.
        base_sets: the ``--set`` overrides already in ``config``, so each effect arm's
            reported ``--set`` list rebuilds it from the scenario file alone.
        runner: reuse an existing pool (calibrate does); ``workers`` is then ignored.
        case_overrides: applied to every case preset before its arms' own overrides.

    Raises:
        ConfigError: bad replications / seed / workers, or an arm the schema rejects.
    """
    problems = []
    if replications < 1:
        problems.append(f"--replications: value {replications}: must be at least 1")
    if root_seed < 0:
        problems.append(f"--root-seed: value {root_seed}: must be a non-negative integer")
    if workers is not None and workers < 1:
        problems.append(f"--workers: value {workers}: must be at least 1")
    if problems:
        raise ConfigError(problems)
    seeds = range(root_seed, root_seed + replications)
    if runner is not None:
        return evaluate_scenario(
            config, targets, seeds, runner, base_sets, case_overrides=case_overrides
        )
    with Runner(workers, progress) as own:
        return evaluate_scenario(
            config, targets, seeds, own, base_sets, case_overrides=case_overrides
        )
