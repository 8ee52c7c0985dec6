"""The sweep file: schema, validation and resolution into a runnable :class:`Sweep`.

A sweep file is validated completely before anything runs or is written: every problem
is collected (bad config paths, empty levels, inverted bounds, unknown designs or KPIs)
and reported at once as :class:`sim.scenario.config.ConfigError`, one line per problem naming the
field, the value and what is allowed. A typo found after an hour of runs costs an hour.

Example::

    name: coupon_value
    base: ../../configs/baseline.yaml     # relative to this file
    set: {population.size: 20000}          # fixed overrides applied to the base
    parameters:
      coupons.value: {lower: 5, upper: 40}
      coupons.redeemable_in: {levels: [online, store, everywhere]}
    design: {kind: grid, grid_points: 5}
    replications: 3
    root_seed: 2025
    kpis: [revenue, omnichannel_customer_share]
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.scenario.config import (
    ConfigError,
    ScenarioConfig,
    load_scenario,
    read_yaml,
    with_overrides,
)
from sim.scenario.reading import validation_problems
from sim.scenario.relative import is_relative, resolve
from sim.scenario.sections import Finite, FolderName, Seed, Whole
from sim.study.sweep import design as dsg

#: Refuse designs larger than this: almost always a typo in grid_points or samples.
MAX_RUNS = 200_000
DEFAULT_SMOKE = {"population.size": 1000, "horizon_days": 60}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterSpec(_Frozen):
    """Bounds (real or integer) or a list of levels for one dotted config path."""

    lower: Finite | dict[str, Any] | None = Field(
        None, description="Lower bound (with upper); may be relative: {times: 0.5}."
    )
    upper: Finite | dict[str, Any] | None = Field(
        None, description="Upper bound (with lower); may be relative: {times: 4}."
    )
    integer: bool = Field(False, description="Draw whole numbers in [lower, upper].")
    levels: list[Any] | None = Field(
        None, description="Explicit values (categorical); each may be relative: {times: 2}."
    )

    @model_validator(mode="after")
    def _bounds_or_levels(self) -> ParameterSpec:
        if self.levels is not None:
            if self.lower is not None or self.upper is not None:
                raise ValueError("give either levels or lower/upper, not both")
            if not self.levels:
                raise ValueError("levels is empty: list at least one value")
            if len({json.dumps(v, sort_keys=True) for v in self.levels}) != len(self.levels):
                raise ValueError(f"levels {self.levels}: repeated values")
            return self
        if self.lower is None or self.upper is None:
            raise ValueError("needs levels: [...] or both lower and upper")
        if isinstance(self.lower, dict) or isinstance(self.upper, dict):
            return self  # compared once resolved against the base (see resolve_parameter)
        if not self.lower < self.upper:
            raise ValueError(f"lower {self.lower:g} >= upper {self.upper:g}: lower must be < upper")
        if self.integer and not (self.lower.is_integer() and self.upper.is_integer()):
            raise ValueError("integer: true needs whole-number lower and upper")
        return self


class DesignSpec(_Frozen):
    """Which design and its size."""

    kind: Literal["grid", "lhs", "sobol", "morris"] = Field(description="The design.")
    samples: Annotated[Whole, Field(ge=1, le=MAX_RUNS)] | None = Field(
        None,
        description="lhs: points; sobol: base sample N (a power of 2; N*(D+2) points, "
        "N*(2D+2) with second_order); morris: trajectories (r*(D+1) points).",
    )
    grid_points: Annotated[Whole, Field(ge=2, le=MAX_RUNS)] = Field(
        5, description="grid: values per bounded parameter."
    )
    num_levels: Annotated[Whole, Field(ge=2, le=1000)] = Field(
        4, description="morris: grid levels p."
    )
    second_order: bool = Field(False, description="sobol: also estimate second-order indices.")
    seed: Seed | None = Field(None, description="Seed of the design draw (default: root_seed).")


class SweepSpec(_Frozen):
    """A whole sweep file."""

    name: FolderName
    description: str = ""
    base: str = Field(description="Scenario YAML, relative to the sweep file.")
    set: dict[str, Any] = Field(default_factory=dict, description="Fixed overrides of the base.")
    parameters: Annotated[dict[str, ParameterSpec], Field(min_length=1)]
    design: DesignSpec
    replications: Annotated[Whole, Field(ge=1, le=MAX_RUNS)] = 1
    root_seed: Seed = 0
    kpis: list[str] | None = Field(None, description="KPIs to keep (default: all).")
    keep_timeseries: bool = Field(False, description="Store each run's daily table.")
    keep_events: bool = Field(False, description="Store each run's event log (large).")
    smoke: dict[str, Any] = Field(
        default_factory=lambda: dict(DEFAULT_SMOKE),
        description="Overrides applied by --smoke for a quick try of the file.",
    )


def _format(exc: ValidationError) -> list[str]:
    return validation_problems(exc, missing="missing (required)")


def known_kpis() -> list[str]:
    """KPI names a sweep may keep (from :mod:`sim.measure.kpis`)."""
    from sim.measure.kpis import KPI_DESCRIPTIONS

    return list(KPI_DESCRIPTIONS)


@dataclass
class Sweep:
    """A validated sweep, resolved against its base scenario; ready to run."""

    spec: SweepSpec
    source: Path
    base: ScenarioConfig
    parameters: list[dsg.Parameter]
    smoke: bool = False
    _design: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def design(self) -> pd.DataFrame:
        """One row per run (drawn once, deterministically, from the design seed)."""
        if self._design is None:
            d = self.spec.design
            points, raw = dsg.design_points(
                self.parameters,
                d.kind,
                samples=d.samples,
                grid_points=d.grid_points,
                num_levels=d.num_levels,
                second_order=d.second_order,
                seed=self.spec.root_seed if d.seed is None else d.seed,
            )
            self._design = dsg.build_design(
                self.parameters,
                points,
                raw,
                replications=self.spec.replications,
                root_seed=self.spec.root_seed,
            )
        return self._design

    @property
    def kpis(self) -> list[str]:
        return list(self.spec.kpis) if self.spec.kpis else known_kpis()

    def fingerprint(self) -> str:
        """What makes two sweeps the same: resolved base, parameters, design, seeds, KPIs.

        The name, description and file location are left out, so moving or renaming the
        file still resumes; anything that changes which runs exist or what they keep does not.
        """
        spec = self.spec.model_dump(mode="json", exclude={"name", "description", "base", "smoke"})
        spec["set"] = {}  # folded into the base hash
        payload = {"base": self.base.config_hash(), "spec": spec, "kpis": self.kpis}
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def overrides(self, row: dict[str, Any]) -> dict[str, Any]:
        """The config overrides of one design row."""
        return {p.path: row[p.path] for p in self.parameters}


def resolve_parameter(base: ScenarioConfig, path: str, p: ParameterSpec) -> ParameterSpec:
    """``p`` with relative bounds and levels made absolute against the base's value at ``path``.

    Raises:
        ConfigError: naming ``parameters.<path>``, when a relative value cannot be resolved
            or the resolved bounds are inverted.
    """
    data = base.to_dict()
    problems = []
    update: dict[str, Any] = {}
    try:
        if p.levels is not None:
            update["levels"] = [resolve(data, path, v) for v in p.levels]
        else:
            for bound in ("lower", "upper"):
                value = getattr(p, bound)
                if isinstance(value, dict) and not is_relative(value):
                    raise ValueError(f"{bound}: value {value!r}: a number or {{times: k}}")
                update[bound] = resolve(data, path, value)
    except ValueError as exc:
        problems.append(f"parameters.{path}: {exc}")
    if not problems:
        try:
            return ParameterSpec.model_validate({**p.model_dump(), **update})
        except ValidationError as exc:
            for e in exc.errors():
                why = e["msg"].removeprefix("Value error, ")
                problems.append(f"parameters.{path}: resolved against the base, {why}")
    raise ConfigError(problems)


def _to_parameter(path: str, p: ParameterSpec) -> dsg.Parameter:
    if p.levels is not None:
        return dsg.CategoricalParameter(path, tuple(p.levels))
    assert p.lower is not None and p.upper is not None
    if p.integer:
        return dsg.IntegerParameter(path, int(p.lower), int(p.upper))
    return dsg.RealParameter(path, p.lower, p.upper)


def _probe_values(p: dsg.Parameter) -> list[Any]:
    if isinstance(p, dsg.CategoricalParameter):
        return list(p.levels)
    if isinstance(p, dsg.IntegerParameter):
        return [p.lower, p.upper]
    return [p.lower, p.upper]


def probe_problems(base: ScenarioConfig, path: str, values: list[Any], what: str = "") -> list[str]:
    """What the scenario schema says about ``path`` at each of ``values``, one line each.

    Study files declare a parameter's range, not its values: probing the bounds (and what lies
    between) finds a range the schema would refuse before any run starts. Stops at an unknown
    path (every value would say the same).
    """
    problems: list[str] = []
    for value in values:
        try:
            with_overrides(base, {path: value})
        except ConfigError as exc:
            for line in exc.problems:
                # "path: no such key" -> keep; validation lines name nested fields already
                detail = line.removeprefix(f"{path}: ")
                if not detail.startswith(("value ", "no such")):
                    detail = f"value {value!r}: {detail}"
                problems.append(f"parameters.{path}: {what}{detail}")
            if any("no such" in line for line in exc.problems):
                break
    return list(dict.fromkeys(problems))


def _check_parameter(base: ScenarioConfig, p: dsg.Parameter) -> list[str]:
    return probe_problems(base, p.path, list(_probe_values(p)))


def _check_design(spec: SweepSpec, parameters: list[dsg.Parameter]) -> list[str]:
    d = spec.design
    problems = []
    if d.kind != "grid" and d.samples is None:
        problems.append(f"design.samples: missing (required for kind {d.kind!r})")
    if d.kind == "sobol" and d.samples and d.samples & (d.samples - 1):
        problems.append(f"design.samples: value {d.samples}: sobol needs a power of 2")
    if d.kind == "morris" and d.num_levels % 2:
        problems.append(f"design.num_levels: value {d.num_levels}: morris needs an even number")
    if d.kind == "morris" and d.samples is not None and d.samples < 2:
        problems.append(f"design.samples: value {d.samples}: morris needs >= 2 trajectories")
    if not problems:
        n = dsg.design_size(
            parameters,
            d.kind,
            samples=d.samples,
            grid_points=d.grid_points,
            second_order=d.second_order,
        )
        total = n * spec.replications
        if total > MAX_RUNS:
            problems.append(
                f"design: {n:,} points x {spec.replications} replications = {total:,} runs: "
                f"at most {MAX_RUNS:,} allowed (check grid_points / samples)"
            )
    return problems


def resolve_base(spec: SweepSpec, source: Path) -> Path:
    """The base scenario path: relative paths are relative to the sweep file's folder."""
    base = Path(spec.base)
    return base if base.is_absolute() else (source.parent / base)


def from_spec(spec: SweepSpec, source: str | Path, *, smoke: bool = False) -> Sweep:
    """Resolve a parsed spec against its base scenario, collecting every problem."""
    source = Path(source)
    problems: list[str] = []
    base_path = resolve_base(spec, source)
    try:
        base = load_scenario(base_path)
    except ConfigError as exc:
        raise ConfigError([f"{source}: base: {p}" for p in exc.problems]) from None
    fixed = dict(spec.set)
    if smoke:
        fixed.update(spec.smoke)
    if fixed:
        try:
            base = with_overrides(base, fixed)
        except ConfigError as exc:
            where = "set/smoke" if smoke else "set"
            problems.extend(f"{where}.{p}" for p in exc.problems)
    parameters = []
    for path, p in spec.parameters.items():
        try:
            parameters.append(_to_parameter(path, resolve_parameter(base, path, p)))
        except ConfigError as exc:
            problems.extend(exc.problems)
    for p in parameters:
        if p.path in fixed:
            problems.append(f"parameters.{p.path}: also fixed in set/smoke; sweep it or fix it")
        problems.extend(_check_parameter(base, p))
    problems.extend(_check_design(spec, parameters))
    if spec.kpis is not None:
        known = known_kpis()
        if not spec.kpis:
            problems.append("kpis: value []: list at least one KPI, or leave kpis out for all")
        repeated = sorted({n for n in spec.kpis if spec.kpis.count(n) > 1})
        if repeated:
            problems.append(f"kpis: {', '.join(repeated)}: listed more than once (list each once)")
        for name in spec.kpis:
            if name not in known:
                problems.append(f"kpis: value {name!r}: unknown KPI (allowed: {', '.join(known)})")
    if problems:
        raise ConfigError([f"{source}: {p}" for p in problems])
    return Sweep(spec, source, base, parameters, smoke)


def read_study_file(
    path: Path, what: str, overrides: dict[str, Any] | None = None, **replace: Any
) -> dict[str, Any]:
    """A study file (sweep, optimisation) as a mapping, with the command line's changes.

    ``overrides`` (``--set``) are added to the file's ``set``; each ``replace`` given (not
    None), e.g. ``replications`` or ``trials``, replaces the file's key of that name.
    """
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: {what} file must hold a mapping"])
    if overrides:
        fixed = data.get("set") if isinstance(data.get("set"), dict) else {}
        data = {**data, "set": {**fixed, **overrides}}
    return {**data, **{k: v for k, v in replace.items() if v is not None}}


def load_sweep(
    path: str | Path,
    *,
    smoke: bool = False,
    overrides: dict[str, Any] | None = None,
    replications: int | None = None,
) -> Sweep:
    """Read, validate and resolve a sweep file; raises ConfigError listing every problem.

    Args:
        path: the sweep YAML.
        smoke: apply the file's ``smoke`` overrides (a quick try).
        overrides: dotted paths added to the file's ``set`` (``omo sweep --set``).
        replications: replaces the file's ``replications`` (``omo sweep --replications``).
    """
    path = Path(path)
    data = read_study_file(path, "a sweep", overrides, replications=replications)
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([f"{path}: {p}" for p in _format(exc)]) from None
    return from_spec(spec, path, smoke=smoke)


def spec_from_dict(data: dict[str, Any], source: str | Path = "<sweep>") -> SweepSpec:
    """Validate plain data into a spec (for notebooks and tests building sweeps in code)."""
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([f"{source}: {p}" for p in _format(exc)]) from None


__all__ = [
    "MAX_RUNS",
    "DesignSpec",
    "ParameterSpec",
    "Sweep",
    "SweepSpec",
    "from_spec",
    "load_sweep",
]
