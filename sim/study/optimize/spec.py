"""The optimisation file: which levers to choose, what to maximise, what must hold.

A strategist declares the plan's free levers in the sweep vocabulary
(:class:`sim.study.sweep.spec.ParameterSpec`: ``{lower, upper, integer}`` or ``{levels}``,
relative bounds allowed), optionally the split of a fixed daily content budget across
channels, one objective (or several, for a Pareto front) and constraints on KPIs. The file is
validated completely before anything runs; every problem is reported at once, one line each,
naming the field, the value and what is allowed.

Example::

    name: content_and_coupon
    base: ../../configs/baseline.yaml
    set: {population.size: 10000}
    budget: {channels: [short_video, livestream, kol, ugc]}   # total: the base's
    parameters:
      coupons.value: {lower: 0, upper: 40}
      stores.conversion.tiers: {subset: [tier12, tier34]}      # any subset of the groups
    objective: {kpi: profit}                                   # maximise, the default
    constraints:
      stockout_rate: {max: 0.12}
    trials: 40
    seeds: 3
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.scenario.config import (
    ConfigError,
    ScenarioConfig,
    load_scenario,
    with_overrides,
)
from sim.scenario.reading import validation_problems
from sim.scenario.relative import resolve
from sim.scenario.sections import Finite, FolderName, Probability, Seed, Whole
from sim.study.sweep import design as dsg
from sim.study.sweep.spec import (
    ParameterSpec,
    _check_parameter,
    _to_parameter,
    probe_problems,
    read_study_file,
    resolve_parameter,
)

DEFAULT_SMOKE = {"population.size": 1000, "horizon_days": 60}
#: Prefix of the budget-share parameters in the study (never a scenario path).
SHARE = "share."


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LeverSpec(ParameterSpec):
    """A lever to choose: bounds or levels as in sweeps, or ``subset``: which of a list.

    ``{subset: [tier12, tier34]}`` lets the search pick any subset of the listed values
    (the empty one too), each member switched on or off on its own: which city tiers'
    stores to convert, say. The lever receives the chosen members as a list, in the
    listed order.
    """

    subset: list[Any] | None = Field(
        None, description="Values any subset of which the lever may take (a list lever)."
    )

    @model_validator(mode="after")
    def _bounds_or_levels(self) -> LeverSpec:
        if self.subset is None:
            try:
                ParameterSpec.model_validate(self.model_dump(exclude={"subset"}))
            except ValidationError as exc:
                raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
            return self
        if self.levels is not None or self.lower is not None or self.upper is not None:
            raise ValueError("give subset alone, not with levels or lower/upper")
        if not self.subset:
            raise ValueError("subset is empty: list at least one value")
        if len({json.dumps(v, sort_keys=True) for v in self.subset}) != len(self.subset):
            raise ValueError(f"subset {self.subset}: repeated values")
        return self


@dataclass(frozen=True)
class SubsetParameter:
    """A list lever taking any subset of ``items`` (each member on or off)."""

    path: str
    items: tuple[Any, ...]

    def key(self, item: Any) -> str:
        """The study's name of one member's on/off switch."""
        return f"{self.path}[{item}]"

    def value(self, plan: dict[str, Any]) -> list[Any]:
        """The chosen members, in the listed order."""
        return [item for item in self.items if plan[self.key(item)]]


#: A lever of the search: the sweep's kinds, or a subset.
Lever = dsg.Parameter | SubsetParameter


class BudgetSpec(_Frozen):
    """Split a fixed daily content budget across channels (the split is chosen, the total not)."""

    total: Finite | dict[str, Any] | None = Field(
        None,
        description="Daily content budget in market money (default: the base's total over "
        "the channels; may be relative: {times: 1.5}).",
    )
    channels: list[str] | None = Field(
        None, description="Channels sharing the budget (default: every channel of the base)."
    )
    min_share: Annotated[Probability, Field(lt=0.5)] = Field(
        0.0, description="Least share of the budget any listed channel gets."
    )


class ObjectiveSpec(_Frozen):
    """One objective: a KPI's mean (or its spread across seeds: risk) over the seeds."""

    kpi: str = Field("profit", description="A KPI of sim.measure.kpis (profit by default).")
    direction: Literal["maximize", "minimize"] = Field("maximize", description="Which way.")
    statistic: Literal["mean", "sd"] = Field(
        "mean", description="mean over the seeds, or sd across them (a risk measure)."
    )


class Bound(_Frozen):
    """A KPI's mean over the seeds must stay within [min, max] (money in market money)."""

    min: Finite | None = Field(None, description="Least allowed value.")
    max: Finite | None = Field(None, description="Largest allowed value.")

    @model_validator(mode="after")
    def _one_side(self) -> Bound:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} > max {self.max:g}")
        return self


class ConfirmSpec(_Frozen):
    """The final check of the best plan, on seeds the search never saw."""

    replications: Annotated[Whole, Field(ge=2, le=1000)] = Field(
        8, description="Fresh seeds for the best plan against the current one."
    )
    root_seed: Seed = Field(
        1_000_000, description="First fresh seed (must not overlap the search's seeds)."
    )
    step: Annotated[Finite, Field(gt=0, le=1)] = Field(
        0.1,
        description="Marginal returns: each channel's budget raised by this share of the "
        "total budget.",
    )


class OptimizeSpec(_Frozen):
    """A whole optimisation file."""

    name: FolderName
    description: str = ""
    base: str = Field(description="Scenario YAML, relative to this file.")
    set: dict[str, Any] = Field(default_factory=dict, description="Fixed overrides of the base.")
    budget: BudgetSpec | None = Field(None, description="Content budget split to choose.")
    parameters: dict[str, LeverSpec] = Field(
        default_factory=dict,
        description="Levers to choose: bounds or levels, as in sweeps, or a subset of a list.",
    )
    objective: ObjectiveSpec | None = Field(None, description="One objective (default: profit).")
    objectives: list[ObjectiveSpec] | None = Field(
        None, description="Two or more objectives: the result is a Pareto front."
    )
    constraints: dict[str, Bound] = Field(
        default_factory=dict, description="KPI -> {min, max}; money KPIs in market money."
    )
    trials: Annotated[Whole, Field(ge=1, le=100_000)] = Field(40, description="Plans to try.")
    seeds: Annotated[Whole, Field(ge=1, le=1000)] = Field(
        3, description="Seeds per plan, the same for every plan (common random numbers)."
    )
    root_seed: Seed = Field(0, description="Seeds are root_seed, root_seed + 1, ...")
    sampler: Literal["tpe", "nsga2", "random"] = Field("tpe", description="Optuna's sampler.")
    sampler_seed: Seed = Field(0, description="Seed of the sampler.")
    confirm: ConfirmSpec = Field(default_factory=ConfirmSpec)
    smoke: dict[str, Any] = Field(
        default_factory=lambda: dict(DEFAULT_SMOKE),
        description="Overrides applied by --smoke for a quick try of the file.",
    )

    @model_validator(mode="after")
    def _something_to_choose(self) -> OptimizeSpec:
        if not self.parameters and self.budget is None:
            raise ValueError("parameters: empty and no budget: declare at least one lever")
        if self.objective is not None and self.objectives is not None:
            raise ValueError("give objective or objectives, not both")
        if self.objectives is not None and len(self.objectives) < 2:
            raise ValueError("objectives: list two or more (one objective: use objective)")
        return self

    @property
    def goals(self) -> list[ObjectiveSpec]:
        """The objectives, one or more (profit, maximised, when none is given)."""
        if self.objectives:
            return list(self.objectives)
        return [self.objective or ObjectiveSpec()]


@dataclass
class Optimization:
    """A validated optimisation, resolved against its base scenario; ready to run."""

    spec: OptimizeSpec
    source: Path
    base: ScenarioConfig
    parameters: list[Lever]
    channels: list[str]
    budget_total: float
    smoke: bool = False

    @property
    def scale(self) -> float:
        """Market consumers per simulated one: sample money x scale = market money."""
        pop = self.base.population
        return pop.market_size / pop.size

    @property
    def currency(self) -> str:
        return self.base.population.currency

    @property
    def search_seeds(self) -> list[int]:
        return [self.spec.root_seed + i for i in range(self.spec.seeds)]

    @property
    def confirm_seeds(self) -> list[int]:
        c = self.spec.confirm
        return [c.root_seed + i for i in range(c.replications)]

    def current_shares(self) -> dict[str, float]:
        """The base plan's split of the budget over the chosen channels."""
        budgets = {c: self.base.content.channels[c].daily_budget for c in self.channels}
        total = sum(budgets.values())
        n = len(self.channels)
        return {c: (b / total if total > 0 else 1 / n) for c, b in budgets.items()}

    def current_plan(self) -> dict[str, Any]:
        """The base's own lever values, in the study's terms (the warm start)."""
        data = self.base.to_dict()
        plan: dict[str, Any] = {}
        for p in self.parameters:
            value = _get(data, p.path)
            if isinstance(p, SubsetParameter):
                have = value if isinstance(value, list) else []
                plan.update({p.key(item): item in have for item in p.items})
            elif isinstance(p, dsg.CategoricalParameter):
                plan[p.path] = value if value in p.levels else p.levels[0]
            else:
                plan[p.path] = min(max(value, p.lower), p.upper)
        for c, s in self.current_shares().items():
            plan[SHARE + c] = s
        return plan

    def levers(self, plan: dict[str, Any]) -> dict[str, Any]:
        """Each lever's value in a plan (a subset lever's chosen members as a list)."""
        return {
            p.path: p.value(plan) if isinstance(p, SubsetParameter) else plan[p.path]
            for p in self.parameters
        }

    def overrides(self, plan: dict[str, Any]) -> dict[str, Any]:
        """Scenario overrides of a plan: lever values, and the budget split into budgets."""
        out = self.levers(plan)
        if self.channels:
            for c, share in self.shares(plan).items():
                out[f"content.channels.{c}.daily_budget"] = share * self.budget_total
        return out

    def shares(self, plan: dict[str, Any]) -> dict[str, float]:
        """Budget shares of a plan: raw weights normalised, each at least ``min_share``."""
        weights = {c: max(float(plan[SHARE + c]), 0.0) for c in self.channels}
        total = sum(weights.values())
        n = len(self.channels)
        floor = self.spec.budget.min_share if self.spec.budget else 0.0
        free = 1.0 - n * floor
        return {c: floor + free * (w / total if total > 0 else 1 / n) for c, w in weights.items()}

    def fingerprint(self) -> str:
        """What makes two optimisations the same study: resolved base, levers, goals, seeds."""
        spec = self.spec.model_dump(
            mode="json", exclude={"name", "description", "base", "smoke", "trials", "confirm"}
        )
        spec["set"] = {}  # folded into the base hash
        payload = {"base": self.base.config_hash(), "spec": spec, "total": self.budget_total}
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _get(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


def _check_subset(base: ScenarioConfig, p: SubsetParameter) -> list[str]:
    """The lever must take a list: the empty one, each member alone and all of them."""
    probes = [[], list(p.items)] + [[item] for item in p.items]
    return probe_problems(base, p.path, probes, "subset ")


def known_kpis() -> dict[str, str]:
    """KPI name -> unit, from :mod:`sim.measure.kpis`."""
    from sim.measure.kpis import KPIS

    return {k.name: k.unit for k in KPIS}


def _check_budget(spec: OptimizeSpec, base: ScenarioConfig) -> tuple[list[str], float, list[str]]:
    b = spec.budget
    if b is None:
        return [], 0.0, []
    problems = []
    have = list(base.content.channels)
    channels = list(b.channels) if b.channels is not None else have
    for c in channels:
        if c not in have:
            problems.append(
                f"budget.channels: value {c!r}: not a channel of the base (allowed: "
                f"{', '.join(have)})"
            )
    if len(set(channels)) != len(channels):
        problems.append(f"budget.channels: {channels}: a channel listed twice")
    if len(channels) < 2:
        problems.append(f"budget.channels: {channels}: list at least two channels to split over")
    if b.min_share * max(len(channels), 1) >= 1:
        problems.append(
            f"budget.min_share: value {b.min_share:g}: times {len(channels)} channels must be < 1"
        )
    if problems:
        return problems, 0.0, []
    current = sum(base.content.channels[c].daily_budget for c in channels)
    data = {"budget": current}
    try:
        total = current if b.total is None else float(resolve(data, "budget", b.total))
    except ValueError as exc:
        return [f"budget.total: {exc}"], 0.0, []
    if not total > 0:
        problems.append(f"budget.total: value {total:g}: must be > 0 (market money per day)")
    for path in spec.parameters:
        if path.startswith("content.channels.") and path.endswith(".daily_budget"):
            ch = path.split(".")[2]
            if ch in channels:
                problems.append(f"parameters.{path}: set by the budget split; drop one of the two")
    return problems, total, channels


def _check_goals(spec: OptimizeSpec) -> list[str]:
    known = known_kpis()
    problems = []
    where = "objectives" if spec.objectives else "objective"
    for i, g in enumerate(spec.goals):
        at = f"{where}.{i}" if spec.objectives else where
        if g.kpi not in known:
            problems.append(f"{at}.kpi: value {g.kpi!r}: unknown KPI (see the README's KPI table)")
    for name in spec.constraints:
        if name not in known:
            problems.append(f"constraints.{name}: unknown KPI (see the README's KPI table)")
    return problems


def from_spec(spec: OptimizeSpec, source: str | Path, *, smoke: bool = False) -> Optimization:
    """Resolve a parsed spec against its base scenario, collecting every problem."""
    source = Path(source)
    base_path = Path(spec.base)
    base_path = base_path if base_path.is_absolute() else source.parent / base_path
    try:
        base = load_scenario(base_path)
    except ConfigError as exc:
        raise ConfigError([f"{source}: base: {p}" for p in exc.problems]) from None
    problems: list[str] = []
    fixed = dict(spec.set)
    if smoke:
        fixed.update(spec.smoke)
    if fixed:
        try:
            base = with_overrides(base, fixed)
        except ConfigError as exc:
            problems.extend(f"{'set/smoke' if smoke else 'set'}.{p}" for p in exc.problems)
    parameters: list[Lever] = []
    for path, p in spec.parameters.items():
        if p.subset is not None:
            parameters.append(SubsetParameter(path, tuple(p.subset)))
            continue
        plain = ParameterSpec.model_validate(p.model_dump(exclude={"subset"}))
        try:
            parameters.append(_to_parameter(path, resolve_parameter(base, path, plain)))
        except ConfigError as exc:
            problems.extend(exc.problems)
    for p in parameters:
        if p.path in fixed:
            problems.append(f"parameters.{p.path}: also fixed in set/smoke; choose it or fix it")
        if isinstance(p, SubsetParameter):
            problems.extend(_check_subset(base, p))
        else:
            problems.extend(_check_parameter(base, p))
    more, total, channels = _check_budget(spec, base)
    problems += more + _check_goals(spec)
    overlap = set(range(spec.root_seed, spec.root_seed + spec.seeds)) & set(
        range(spec.confirm.root_seed, spec.confirm.root_seed + spec.confirm.replications)
    )
    if overlap:
        problems.append(
            f"confirm.root_seed: value {spec.confirm.root_seed}: its seeds overlap the search's "
            f"({spec.root_seed}..{spec.root_seed + spec.seeds - 1}); the confirmation needs "
            "fresh seeds"
        )
    if problems:
        raise ConfigError([f"{source}: {p}" for p in problems])
    return Optimization(spec, source, base, parameters, channels, total, smoke)


def load_optimization(
    path: str | Path,
    *,
    smoke: bool = False,
    overrides: dict[str, Any] | None = None,
    trials: int | None = None,
) -> Optimization:
    """Read, validate and resolve an optimisation file; ConfigError lists every problem.

    Args:
        path: the YAML file.
        smoke: apply the file's ``smoke`` overrides (a quick try).
        overrides: dotted paths added to the file's ``set`` (``omo optimize --set``).
        trials: replaces the file's ``trials`` (``omo optimize --trials``).
    """
    path = Path(path)
    data = read_study_file(path, "an optimisation", overrides, trials=trials)
    return from_spec(spec_from_dict(data, path), path, smoke=smoke)


def spec_from_dict(data: dict[str, Any], source: str | Path = "<optimize>") -> OptimizeSpec:
    """Validate plain data into a spec (for notebooks and tests)."""
    try:
        return OptimizeSpec.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(exc, missing="missing (required)")
        raise ConfigError([f"{source}: {p}" for p in problems]) from None
