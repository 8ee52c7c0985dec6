"""Calibration targets: load a targets YAML, and judge replicated KPI values against it.

A targets file has two sections. ``levels`` name KPIs of :data:`sim.measure.kpis.LEVEL_KPIS` that
the baseline run must reproduce; ``effects`` name entries of :data:`EFFECTS`, each a
paired comparison of two scenario arms. Both are checked on load, so a misspelt name
fails at once instead of being silently never evaluated.
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

from sim.measure.kpis import LEVEL_KPIS
from sim.scenario.config import ConfigError, read_yaml
from sim.scenario.reading import show, validation_problems
from sim.scenario.sections import Finite, NonNegative

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
            KPI's value in the treatment arm (the control arm is then not needed).
        note: how the report's statement maps onto the arms.
    """

    name: str
    kpi: str
    control: Mapping[str, Any]
    treatment: Mapping[str, Any]
    measure: Literal["relative_change", "level_in_treatment"]
    note: str = ""


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


def _effect(name: str, kpi: str, control: dict, treatment: dict, measure: str, note: str):
    return Effect(name, kpi, MappingProxyType(control), MappingProxyType(treatment), measure, note)


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
    """All targets of a file: level KPIs and policy effects, by name."""

    levels: dict[str, Target] = Field(default_factory=dict)
    effects: dict[str, Target] = Field(default_factory=dict)


def _problems(exc: ValidationError, where: str, body: Any) -> list[str]:
    """A target's faults, each prefixed with where it sits in the file."""

    def given(err: dict) -> str:
        key = err["loc"][0] if err["loc"] else None
        return show(body[key]) if isinstance(body, dict) and key in body else "missing"

    lines = validation_problems(
        exc, allowed=lambda loc: "value, tolerance, abs, source, definition", given=given
    )
    return [f"{where}.{line}" for line in lines]


def load_targets(path: str | Path) -> Targets:
    """Read and validate a targets file.

    Raises:
        ConfigError: one line per problem (unknown section or KPI/effect name, missing or
            invalid field), each naming the path in the file, the value and what is allowed.
    """
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: value {show(data)}: a targets file must hold a mapping"])
    allowed = {"levels": LEVEL_KPIS, "effects": tuple(EFFECTS)}
    problems: list[str] = []
    sections: dict[str, dict[str, Target]] = {"levels": {}, "effects": {}}
    for section, entries in data.items():
        if section not in allowed:
            problems.append(f"{path}: {section}: unknown section (allowed: levels, effects)")
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
    if not problems and not any(sections.values()):
        problems.append(
            f"{path}: holds no targets: give at least one under levels or effects "
            f"(levels: {', '.join(LEVEL_KPIS)}; effects: {', '.join(EFFECTS)})"
        )
    if problems:
        raise ConfigError(problems)
    return Targets(**sections)


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
    if control == 0 or math.isnan(control):
        return float("nan")
    return treatment / control - 1.0
