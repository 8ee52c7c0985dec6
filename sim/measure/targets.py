"""Calibration targets: load a targets YAML, and judge replicated KPI values against it.

A targets file has up to three sections. ``levels`` name KPIs of
:data:`sim.measure.kpis.LEVEL_KPIS` that the baseline run must reproduce; ``effects`` name
entries of :data:`EFFECTS`, each a paired comparison of two scenario arms; ``cases`` name a
shipped preset (``configs/<name>.yaml``) and measures of it (a level KPI or one of
:data:`sim.measure.cases.CASE_MEASURES`). All are checked on load, so a misspelt name fails at
once instead of being silently never evaluated. Several files are read together with
:func:`load_target_files` (a name may appear in only one of them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from scipy import stats

from sim.measure.cases import CASE_MEASURES
from sim.measure.kpis import LEVEL_KPIS
from sim.scenario.config import ConfigError, read_yaml
from sim.scenario.reading import show, validation_problems
from sim.scenario.sections import Finite, NonNegative
from sim.scenario.vocabulary import CONTENT_CHANNELS

#: The project's own copy of the report's targets (``targets/`` at the top of the source
#: tree), used when ``omo check``/``omo calibrate`` are given no ``--targets``.
PROJECT_TARGETS = Path(__file__).resolve().parents[2] / "targets" / "omo_report_2025.yaml"


@dataclass(frozen=True)
class Effect:
    """A policy lever's effect on a KPI, measured as a paired comparison of two arms.

    Attributes:
        name: the effect's name in the targets file.
        kpi: the KPI (a key of :func:`sim.measure.kpis.compute_kpis`) the effect is read from.
        control: ``--set``-style overrides of the control arm (applied to the baseline).
        treatment: overrides of the treatment arm.
        measure: "relative_change" = treatment / control - 1; "level_in_treatment" = the
            KPI's value in the treatment arm (the control arm is then not needed);
            "incremental_per_spend" = (treatment - control) / the treatment's ``per`` KPI
            (a return on spend).
        note: how the report's statement maps onto the arms.
        per: the spend KPI of an "incremental_per_spend" effect.
    """

    name: str
    kpi: str
    control: Mapping[str, Any]
    treatment: Mapping[str, Any]
    measure: Literal["relative_change", "level_in_treatment", "incremental_per_spend"]
    note: str = ""
    per: str = ""


_CONSISTENT = {
    "consistency.price_consistent": True,
    "membership.unified": True,
    "coupons.redeemable_in": "everywhere",
}
_INCONSISTENT = {
    "consistency.price_consistent": False,
    "membership.unified": False,
    "coupons.redeemable_in": "online",
}


def _effect(
    name: str, kpi: str, control: dict, treatment: dict, measure: str, note: str, per: str = ""
):
    return Effect(
        name, kpi, MappingProxyType(control), MappingProxyType(treatment), measure, note, per
    )


_NO_CONTENT = {f"content.channels.{c}.daily_budget": 0.0 for c in CONTENT_CHANNELS}


#: The effects a targets file may name. Arms are immutable mappings: copy with ``dict()``.
EFFECTS: Mapping[str, Effect] = MappingProxyType(
    {
        e.name: e
        for e in (
            _effect(
                "coupon_channel_conflict_abandonment",
                "coupon_conflict_abandonment",
                {"coupons.redeemable_in": "online"},
                {"coupons.redeemable_in": "online"},
                "level_in_treatment",
                "A level, not a change: in an arm with app coupons valid online only, the "
                "share of coupon-holding store attempts abandoned. Control is the same arm "
                "(nothing to compare).",
            ),
            _effect(
                "consistency_repurchase_effect",
                "repurchase_rate_members",
                _CONSISTENT,
                _INCONSISTENT,
                "relative_change",
                "'Switched off versus on': control = consistent (one price, one membership, "
                "coupons everywhere), treatment = inconsistent; -15% expected.",
            ),
            _effect(
                "shared_inventory_stockout_effect",
                "stockout_rate",
                {"inventory.mode": "separate"},
                {"inventory.mode": "pooled"},
                "relative_change",
                "Pooled versus separate stock; -35% expected.",
            ),
            _effect(
                "cross_channel_coupon_redemption_effect",
                "coupon_redemption_rate",
                {"coupons.redeemable_in": "online"},
                {"coupons.redeemable_in": "everywhere"},
                "relative_change",
                "Coupons claimed online redeemable in stores too versus online only; +45%.",
            ),
            _effect(
                "content_marketing_roi",
                "revenue",
                _NO_CONTENT,
                {},
                "incremental_per_spend",
                "Revenue of the scenario minus revenue with every content channel's budget at "
                "zero (same seeds), over the scenario's media and production spend "
                "(marketing_cost); 5.8 expected.",
                per="marketing_cost",
            ),
        )
    }
)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Target(_Frozen):
    """One stylized fact: a value the simulated KPI (or effect) must land near."""

    name: str
    value: Finite
    tolerance: NonNegative
    abs: bool = Field(False, description="Absolute tolerance; else relative to |value|.")
    source: str = Field(min_length=1)
    definition: str = Field(min_length=1)

    @property
    def allowed(self) -> float:
        """The largest allowed distance from ``value``, in the KPI's units."""
        return self.tolerance if self.abs else self.tolerance * abs(self.value)

    @property
    def band(self) -> tuple[float, float]:
        return self.value - self.allowed, self.value + self.allowed


class Targets(_Frozen):
    """All targets of one or more files: level KPIs, policy effects and preset cases.

    ``cases`` maps a preset name to its measures; ``case_files`` where each preset's
    scenario file was found (beside the targets file: ``../configs/<name>.yaml``).
    """

    levels: dict[str, Target] = Field(default_factory=dict)
    effects: dict[str, Target] = Field(default_factory=dict)
    cases: dict[str, dict[str, Target]] = Field(default_factory=dict)
    case_files: dict[str, str] = Field(default_factory=dict)

    def names(self) -> list[str]:
        """Every target's name; a case measure is ``<preset>.<measure>``."""
        cases = [f"{p}.{m}" for p, ms in self.cases.items() for m in ms]
        return [*self.levels, *self.effects, *cases]

    def all(self) -> dict[str, Target]:
        """Every target by :meth:`names` name."""
        cases = {f"{p}.{m}": t for p, ms in self.cases.items() for m, t in ms.items()}
        return {**self.levels, **self.effects, **cases}


def _problems(exc: ValidationError, where: str, body: Any) -> list[str]:
    """A target's faults, each prefixed with where it sits in the file."""

    def given(err: dict) -> str:
        key = err["loc"][0] if err["loc"] else None
        return show(body[key]) if isinstance(body, dict) and key in body else "missing"

    lines = validation_problems(
        exc, allowed=lambda loc: "value, tolerance, abs, source, definition", given=given
    )
    return [f"{where}.{line}" for line in lines]


#: What a case may measure: any level KPI or a case measure.
CASE_NAMES: tuple[str, ...] = (*LEVEL_KPIS, *CASE_MEASURES)


def _preset_file(path: Path, preset: str) -> Path | None:
    """``configs/<preset>.yaml`` beside the targets file's folder, else under the project."""
    for root in (path.resolve().parent.parent, PROJECT_TARGETS.parents[1]):
        candidate = root / "configs" / f"{preset}.yaml"
        if candidate.is_file():
            return candidate
    return None


def _load_cases(
    path: Path, entries: Any, problems: list[str]
) -> tuple[dict[str, dict[str, Target]], dict[str, str]]:
    cases: dict[str, dict[str, Target]] = {}
    files: dict[str, str] = {}
    if not isinstance(entries, dict):
        problems.append(f"{path}: cases: value {show(entries)}: must map preset names to measures")
        return cases, files
    needed = {p for c in CASE_MEASURES.values() for p, _ in c.arms.values() if p}
    for preset, measures in entries.items():
        found = _preset_file(path, str(preset))
        if found is None:
            problems.append(
                f"{path}: cases.{preset}: no preset file configs/{preset}.yaml beside the "
                "targets folder or in the project"
            )
            continue
        files[str(preset)] = str(found)
        if not isinstance(measures, dict):
            problems.append(f"{path}: cases.{preset}: value {show(measures)}: must be a mapping")
            continue
        cases[str(preset)] = {}
        for name, body in measures.items():
            where = f"{path}: cases.{preset}.{name}"
            if name not in CASE_NAMES:
                allowed = ", ".join(CASE_NAMES)
                problems.append(f"{where}: unknown measure {name!r} (allowed: {allowed})")
                continue
            if not isinstance(body, dict):
                problems.append(f"{where}: value {show(body)}: must be a mapping")
                continue
            try:
                cases[str(preset)][name] = Target.model_validate({**body, "name": name})
            except ValidationError as exc:
                problems.extend(_problems(exc, where, body))
    for preset in needed:
        if preset not in files and (found := _preset_file(path, preset)) is not None:
            files[preset] = str(found)
    return cases, files


def load_targets(path: str | Path) -> Targets:
    """Read and validate a targets file.

    Raises:
        ConfigError: one line per problem (unknown section, KPI, effect, preset or measure
            name, missing or invalid field), each naming the path in the file, the value and
            what is allowed.
    """
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: value {show(data)}: a targets file must hold a mapping"])
    allowed = {"levels": LEVEL_KPIS, "effects": tuple(EFFECTS)}
    problems: list[str] = []
    sections: dict[str, dict[str, Target]] = {"levels": {}, "effects": {}}
    cases: dict[str, dict[str, Target]] = {}
    files: dict[str, str] = {}
    for section, entries in data.items():
        if section == "cases":
            cases, files = _load_cases(path, entries, problems)
            continue
        if section not in allowed:
            problems.append(f"{path}: {section}: unknown section (allowed: levels, effects, cases)")
            continue
        if not isinstance(entries, dict):
            problems.append(f"{path}: {section}: value {show(entries)}: must be a mapping of names")
            continue
        for name, body in entries.items():
            where = f"{path}: {section}.{name}"
            if name not in allowed[section]:
                names = ", ".join(allowed[section])
                problems.append(f"{where}: unknown name {name!r} (allowed: {names})")
                continue
            if not isinstance(body, dict):
                problems.append(f"{where}: value {show(body)}: must be a mapping")
                continue
            try:
                sections[section][name] = Target.model_validate({**body, "name": name})
            except ValidationError as exc:
                problems.extend(_problems(exc, where, body))
    if not problems and not any(sections.values()) and not any(cases.values()):
        problems.append(
            f"{path}: holds no targets: give at least one under levels, effects or cases "
            f"(levels: {', '.join(LEVEL_KPIS)}; effects: {', '.join(EFFECTS)})"
        )
    if problems:
        raise ConfigError(problems)
    return Targets(**sections, cases=cases, case_files=files)


def load_target_files(paths: Sequence[str | Path]) -> Targets:
    """Read several targets files as one set (e.g. the report's twelve and its cases).

    Raises:
        ConfigError: every file's problems, and any target named in two files.
    """
    problems: list[str] = []
    loaded: list[tuple[Path, Targets]] = []
    for path in paths:
        try:
            loaded.append((Path(path), load_targets(path)))
        except ConfigError as exc:
            problems += exc.problems
    levels: dict[str, Target] = {}
    effects: dict[str, Target] = {}
    cases: dict[str, dict[str, Target]] = {}
    files: dict[str, str] = {}
    seen: dict[str, Path] = {}
    for path, t in loaded:
        for name in t.names():
            if name in seen:
                problems.append(f"{path}: {name}: already a target in {seen[name]}; name it once")
            seen.setdefault(name, path)
        levels |= t.levels
        effects |= t.effects
        for preset, measures in t.cases.items():
            cases[preset] = {**cases.get(preset, {}), **measures}
        files = {**t.case_files, **files}
    if problems:
        raise ConfigError(problems)
    return Targets(levels=levels, effects=effects, cases=cases, case_files=files)


@dataclass(frozen=True)
class TargetResult:
    """How replicated values of one KPI or effect compare with its target."""

    name: str
    target: float
    allowed: float
    low: float
    high: float
    n: int
    mean: float
    ci_low: float
    ci_high: float
    passed: bool

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


#: Slack on the tolerance edge so a mean exactly on it is not failed by rounding error.
_EDGE = 1e-9


def evaluate(target: Target, values: Sequence[float], confidence: float = 0.95) -> TargetResult:
    """Mean of replicated values, its t-interval, and whether it meets the target.

    Pass means ``|mean - value| <= allowed`` (inclusive, with 1e-9 relative slack for
    floating-point rounding). Any NaN replication makes the mean NaN and the target fail:
    a KPI that was undefined in a run is a finding, not something to average away. The
    interval needs two or more replications (NaN otherwise).
    """
    x = np.asarray(values, dtype=float)
    n = len(x)
    mean = float(x.mean()) if n else float("nan")
    half = float("nan")
    if n >= 2:
        sem = float(x.std(ddof=1)) / math.sqrt(n)
        half = float(stats.t.ppf(0.5 + confidence / 2, df=n - 1)) * sem
    allowed = target.allowed
    slack = _EDGE * max(1.0, abs(target.value))
    passed = bool(abs(mean - target.value) <= allowed + slack)  # False for NaN
    low, high = target.band
    return TargetResult(
        target.name, target.value, allowed, low, high, n, mean, mean - half, mean + half, passed
    )


def effect_value(
    effect: Effect, control_kpis: Mapping[str, float], treatment_kpis: Mapping[str, float]
) -> float:
    """The effect in one paired replication (NaN if the control KPI is 0 or NaN).

    Raises:
        KeyError: the KPI is missing from an arm's KPIs.
    """

    def kpi(arm: str, kpis: Mapping[str, float]) -> float:
        if effect.kpi not in kpis:
            raise KeyError(f"effect {effect.name}: {arm} KPIs lack {effect.kpi!r}")
        return float(kpis[effect.kpi])

    if effect.measure == "level_in_treatment":
        return kpi("treatment", treatment_kpis)
    control = kpi("control", control_kpis)
    treatment = kpi("treatment", treatment_kpis)
    if effect.measure == "incremental_per_spend":
        if effect.per not in treatment_kpis:
            raise KeyError(f"effect {effect.name}: treatment KPIs lack {effect.per!r}")
        spend = float(treatment_kpis[effect.per])
        return (treatment - control) / spend if spend > 0 else float("nan")
    if control == 0 or math.isnan(control):
        return float("nan")
    return treatment / control - 1.0
