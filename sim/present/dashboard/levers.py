"""The levers the dashboard shows, declared once: what a control sets in the scenario.

Each lever is a dotted scenario path with the control that moves it. Its start value is
read from the chosen scenario, so the controls always show the scenario as it is, and only
levers moved away from it become overrides (the scenario's own values are never rewritten).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.scenario.config import ConfigError, ScenarioConfig, parse_value, with_overrides


@dataclass(frozen=True)
class Lever:
    """One control: ``kind`` is "int", "float", "choice" or "switch"."""

    path: str
    label: str
    kind: str
    low: float = 0
    high: float = 1
    step: float = 1
    choices: tuple[str, ...] = ()


LEVERS: tuple[Lever, ...] = (
    Lever("stores.count", "Stores", "int", 0, 600, 10),
    Lever("inventory.mode", "Inventory", "choice", choices=("separate", "pooled")),
    Lever("coupons.enabled", "Coupons on", "switch"),
    Lever(
        "coupons.redeemable_in",
        "Coupons valid in",
        "choice",
        choices=("online", "store", "everywhere"),
    ),
    Lever("coupons.value", "Coupon value", "float", 0, 60, 1),
    Lever("membership.unified", "One membership", "switch"),
    Lever("content.personalization", "AI personalisation", "switch"),
)

#: Content budget sliders go from 0 to this multiple of the scenario's own budget.
BUDGET_RANGE = 4.0


def content_levers(config: ScenarioConfig) -> tuple[Lever, ...]:
    """A daily-budget slider per content channel of the scenario."""
    out = []
    for name, channel in config.content.channels.items():
        high = max(channel.daily_budget * BUDGET_RANGE, 100.0)
        step = max(round(high / 80, -1), 1.0)
        out.append(
            Lever(
                f"content.channels.{name}.daily_budget",
                f"{name.replace('_', ' ')} budget / day",
                "float",
                0,
                high,
                step,
            )
        )
    return tuple(out)


def all_levers(config: ScenarioConfig) -> tuple[Lever, ...]:
    return LEVERS + content_levers(config)


def current_values(config: ScenarioConfig) -> dict[str, Any]:
    """Each lever's value in the scenario."""
    data = config.to_dict()
    out = {}
    for lever in all_levers(config):
        node: Any = data
        for key in lever.path.split("."):
            node = node[key]
        out[lever.path] = node
    return out


def overrides(config: ScenarioConfig, values: dict[str, Any]) -> dict[str, Any]:
    """The levers moved away from the scenario's values, as dotted overrides."""
    base = current_values(config)
    return {p: v for p, v in values.items() if p in base and v != base[p]}


def parse_schedule(text: str) -> list[dict[str, Any]] | None:
    """A schedule typed as YAML (``- {day: 120, set: {coupons.value: 10}}``); None if blank.

    Raises:
        ConfigError: not a list of ``{day, set}`` mappings.
    """
    if not text.strip():
        return None
    value = parse_value(text)
    if not isinstance(value, list) or not all(
        isinstance(v, dict) and set(v) == {"day", "set"} for v in value
    ):
        raise ConfigError(["schedule: a list of {day: N, set: {path: value}} entries"])
    return value


def apply(
    config: ScenarioConfig, values: dict[str, Any], schedule: str = ""
) -> tuple[ScenarioConfig, dict[str, Any]]:
    """The scenario with the moved levers (and a typed schedule) applied, and those overrides.

    Raises:
        ConfigError: a value or the schedule is refused (the message names the field).
    """
    over = overrides(config, values)
    phases = parse_schedule(schedule)
    if phases is not None:
        over["schedule"] = phases
    return with_overrides(config, over), over
