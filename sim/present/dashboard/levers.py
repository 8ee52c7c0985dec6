"""The levers the dashboard shows, declared once: what a control sets in the scenario.

Each lever is a dotted scenario path with the control that moves it. Its start value is
read from the chosen scenario, so the controls always show the scenario as it is, and only
levers moved away from it become overrides (the scenario's own values are never rewritten).

The store conversion (``stores.conversion``) is a group of levers: which city tiers'
stores, what share of them (busiest first), and what a converted store gets. What it gets
is optional (``None``: the same as the other stores), and a conversion that gives nothing
converts no store, so :func:`conversion_text` says how many stores the levers convert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.engine.store_fit import converted_count
from sim.scenario.config import ConfigError, ScenarioConfig, parse_value, with_overrides
from sim.scenario.vocabulary import CITY_TIERS


@dataclass(frozen=True)
class Lever:
    """One control: ``kind`` is "int", "float", "choice", "switch" or "subset".

    A "subset" lever holds a list of some of its ``choices`` (one switch each). An
    ``optional`` lever may also be ``None``, which the scenario reads as "not set here"
    (for a converted store: the same as the other stores). ``fmt`` formats the value in
    the label; ``group`` heads a group of levers in the sidebar.
    """

    path: str
    label: str
    kind: str
    low: float = 0
    high: float = 1
    step: float = 1
    choices: tuple[str, ...] = ()
    optional: bool = False
    fmt: str = "{:,}"
    group: str = ""
    choice_labels: tuple[str, ...] = ()

    def choice_label(self, choice: str) -> str:
        """What a choice is called on its control (its own name unless labelled)."""
        labels = dict(zip(self.choices, self.choice_labels, strict=False))
        return labels.get(choice, choice)

    def same(self, a: Any, b: Any) -> bool:
        """Whether two values are the same setting (a subset's order does not matter)."""
        if self.kind == "subset" and isinstance(a, list) and isinstance(b, list):
            return set(a) == set(b)
        return a == b


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
    Lever("coupons.value", "Coupon value", "float", 0, 60, 1, fmt="{:,.0f}"),
    Lever("membership.unified", "One membership", "switch"),
    Lever("content.personalization", "AI personalisation", "switch"),
)

#: Names of the city tiers on the conversion's switches.
TIER_LABELS = {"tier12": "tier-1/2 cities", "tier34": "tier-3/4 and county markets"}

#: ``stores.conversion``: which stores are upgraded, busiest first, and what they get.
CONVERSION = "Store conversion"
CONVERSION_LEVERS: tuple[Lever, ...] = (
    Lever("stores.conversion.tiers", "Convert stores in", "subset", choices=CITY_TIERS,
          choice_labels=tuple(TIER_LABELS[t] for t in CITY_TIERS), group=CONVERSION),
    Lever("stores.conversion.busiest_share", "Busiest share converted", "float", 0.0, 1.0, 0.05,
          fmt="{:.0%}", group=CONVERSION),
    Lever("stores.conversion.experience_level", "Their experience level", "float", 0.0, 1.0, 0.05,
          optional=True, fmt="{:.2f}", group=CONVERSION),
    Lever("stores.conversion.online_order_area", "Their online-order area", "switch",
          optional=True, group=CONVERSION),
    Lever("stores.conversion.bopis", "Their BOPIS pick-up", "switch", optional=True,
          group=CONVERSION),
)  # fmt: skip

#: What a converted store's switch-like levers say, off and on.
GIVES = {
    "online_order_area": ("no online-order area", "an online-order area"),
    "bopis": ("no BOPIS pick-up", "BOPIS pick-up"),
}

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
                fmt="{:,.0f}",
                group="Content budgets",
            )
        )
    return tuple(out)


def all_levers(config: ScenarioConfig) -> tuple[Lever, ...]:
    return LEVERS + CONVERSION_LEVERS + content_levers(config)


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
    levers = {lever.path: lever for lever in all_levers(config)}
    return {p: v for p, v in values.items() if p in base and not levers[p].same(v, base[p])}


def conversion_text(config: ScenarioConfig) -> str:
    """How many stores the scenario's ``stores.conversion`` converts, and what they get."""
    conv = config.stores.conversion
    total = config.stores.count
    if not conv.levers:
        return (
            f"Converts no store of {total:,}: give converted stores an experience level, "
            "an online-order area or BOPIS."
        )
    gets = [
        f"experience level {v:.2f}" if name == "experience_level" else GIVES[name][bool(v)]
        for name, v in conv.levers.items()
    ]
    where = " and ".join(TIER_LABELS[t] for t in conv.tiers) or "no city tier"
    return (
        f"Converts {converted_count(config):,} of {total:,} stores (the busiest "
        f"{conv.busiest_share:.0%} in {where}): {', '.join(gets)}."
    )


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
