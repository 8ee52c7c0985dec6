"""What ``omo truth`` measures, when it stops, and the counterfactual arms it runs.

Arms are whole scenarios derived from the base, so they run through the engine like any
other run and stay paired by seed: whatever the engine does when a channel stops spending
(including how the remaining channels' audiences move) is part of the truth measured.

- **Coalitions** of content channels (the players: channels that spend at some point):
  every channel outside the coalition has its daily budget set to zero, in the base and in
  every scheduled change. All channels on is the base; none on is "no content".
- **Families switched off**, one arm each, by the scenario keys that control them (see
  :data:`FAMILIES`); a family already off in the base is reported and not run.
- **Budget steps**: one channel's budget times ``1 + budget_step`` for the marginal return.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.measure import shapley
from sim.scenario.config import ConfigError, ScenarioConfig, from_dict, with_shared_history
from sim.scenario.reading import validation_problems
from sim.scenario.sections import Seed, Whole


class TruthSettings(BaseModel):
    """How precisely to measure, and the limits on doing so."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    precision: Annotated[float, Field(gt=0, le=1)] = Field(
        0.1,
        description="Stop when every headline effect's 95% half-width is at most this share of "
        "the effect (or of floor_share x the all-content effect, for small effects).",
    )
    floor_share: Annotated[float, Field(ge=0, le=1)] = Field(
        0.05,
        description="Effects smaller than this share of the all-content effect are judged "
        "against it: a near-zero effect needs no relative precision.",
    )
    min_seeds: Annotated[Whole, Field(ge=2, le=10_000)] = Field(3, description="First round.")
    max_seeds: Annotated[Whole, Field(ge=2, le=10_000)] = Field(20, description="Seed limit.")
    seeds_per_round: Annotated[Whole, Field(ge=1, le=1_000)] = Field(
        2, description="Seeds added per round until the rule is met."
    )
    time_limit_s: Annotated[float, Field(gt=0)] = Field(
        3600.0, description="No new round starts after this many seconds."
    )
    root_seed: Seed = Field(0, description="Replication r runs with seed root_seed + r.")
    budget_step: Annotated[float, Field(gt=0, le=1)] = Field(
        0.1, description="Relative budget increase of the marginal-return arms."
    )
    families: bool = Field(True, description="Run the touchpoint-family-off arms.")
    marginal: bool = Field(True, description="Run the budget-step arms (marginal return).")
    permutations: Annotated[Whole, Field(ge=2, le=100_000)] = Field(
        64, description="Sampled orders when there are more than 6 channels."
    )
    grain: Literal["week", "day"] = Field(
        "week",
        description="Finest time cells measured: week, or day too (daily panels and daily "
        "truth; about seven times the values per run).",
    )


def settings(**values: Any) -> TruthSettings:
    """Validated settings; ConfigError names each bad option, its value and what is allowed."""
    try:
        out = TruthSettings.model_validate(values)
    except ValidationError as exc:
        problems = validation_problems(
            exc,
            missing="required",
            allowed=lambda loc: ", ".join(TruthSettings.model_fields),
            split=lambda loc, msg: False,
        )
        raise ConfigError([f"--{p.replace('_', '-', 2)}" for p in problems]) from None
    if out.max_seeds < out.min_seeds:
        raise ConfigError(
            [f"--max-seeds: value {out.max_seeds}: must be at least --min-seeds ({out.min_seeds})"]
        )
    return out


@dataclass(frozen=True)
class Family:
    """A touchpoint family and how to switch it off."""

    name: str
    label: str
    #: The base scenario dict -> dotted overrides switching the family off (None: already off).
    off: Callable[[dict[str, Any]], dict[str, Any] | None]


def _coupon_scope(keep: str) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """Coupons valid in the other channel switched off, keeping those valid in ``keep``."""
    dropped = "store" if keep == "online" else "online"

    def off(d: dict[str, Any]) -> dict[str, Any] | None:
        c = d["coupons"]
        if not c["enabled"] or c["redeemable_in"] not in (dropped, "everywhere"):
            return None
        if c["redeemable_in"] == "everywhere":
            return {"coupons.redeemable_in": keep}
        return {"coupons.enabled": False}

    return off


#: Touchpoint families and the keys that switch each off.
FAMILIES: tuple[Family, ...] = (
    Family(
        "word_of_mouth",
        "word of mouth: buyers sharing with friends (behaviour.share_after_purchase = 0; "
        "the referral coupons that ride on shares go with it)",
        lambda d: (
            {"behaviour.share_after_purchase": 0.0}
            if d["behaviour"]["share_after_purchase"] > 0
            else None
        ),
    ),
    Family(
        "share_to_get",
        "share-to-get referral coupons (coupons.share_to_get = false)",
        lambda d: (
            {"coupons.share_to_get": False}
            if d["coupons"]["enabled"] and d["coupons"]["share_to_get"]
            else None
        ),
    ),
    Family(
        "coupons",
        "every coupon, app and referral (coupons.enabled = false)",
        lambda d: {"coupons.enabled": False} if d["coupons"]["enabled"] else None,
    ),
    Family(
        "coupons_in_store",
        "coupons' validity in store (coupons.redeemable_in: everywhere -> online)",
        _coupon_scope("online"),
    ),
    Family(
        "coupons_online",
        "coupons' validity online (coupons.redeemable_in: everywhere -> store)",
        _coupon_scope("store"),
    ),
    Family(
        "store_discovery",
        "store walk-ins by unaware passers-by (behaviour.discovery_rate = 0)",
        lambda d: {"behaviour.discovery_rate": 0.0} if d["behaviour"]["discovery_rate"] else None,
    ),
    Family(
        "bopis",
        "buy online, pick up in store (stores.bopis = false)",
        lambda d: {"stores.bopis": False} if d["stores"]["bopis"] else None,
    ),
    Family(
        "member_events",
        "member-only events (membership.member_events_per_month = 0)",
        lambda d: (
            {"membership.member_events_per_month": 0.0}
            if d["membership"]["member_events_per_month"] > 0
            else None
        ),
    ),
)


@dataclass(frozen=True)
class Arm:
    """One counterfactual scenario: what kind, about whom, and the config."""

    name: str
    kind: str  # "coalition", "family_off" or "budget_step"
    player: str  # the channel or family ("" for coalitions)
    coalition: frozenset[str]
    config: ScenarioConfig


def _budget_key(ch: str) -> str:
    return f"content.channels.{ch}.daily_budget"


def _scale_budget(data: dict[str, Any], ch: str, factor: float) -> None:
    """Multiply one channel's budget by ``factor``, in the base and in every scheduled change."""
    data["content"]["channels"][ch]["daily_budget"] *= factor
    for change in data.get("schedule") or []:
        sets = change.get("set", {})
        for k, v in list(sets.items()):
            if k == _budget_key(ch) and isinstance(v, int | float):
                sets[k] = v * factor
            elif k == f"content.channels.{ch}" and isinstance(v, dict) and "daily_budget" in v:
                v["daily_budget"] *= factor
            elif k == "content.channels" and "daily_budget" in _as_dict(_as_dict(v).get(ch)):
                v[ch]["daily_budget"] *= factor


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _override(data: dict[str, Any], overrides: dict[str, Any]) -> None:
    """Set dotted paths in the base and in every scheduled change that sets the same path."""
    for path, value in overrides.items():
        node = data
        *parents, last = path.split(".")
        for p in parents:
            node = node[p]
        node[last] = value
        for change in data.get("schedule") or []:
            sets = change.get("set", {})
            if path in sets:
                sets[path] = value


def players(config: ScenarioConfig) -> list[str]:
    """Content channels that spend at some point of the run (the Shapley players)."""
    data = config.to_dict()
    out = []
    for ch, c in data["content"]["channels"].items():
        probe = copy.deepcopy(data)
        _scale_budget(probe, ch, 0.0)
        if c["daily_budget"] > 0 or probe != _zeroed_reference(data, ch):
            out.append(ch)
    return out


def _zeroed_reference(data: dict[str, Any], ch: str) -> dict[str, Any]:
    """The data with only the base budget zeroed (a scheduled budget then shows as a change)."""
    ref = copy.deepcopy(data)
    ref["content"]["channels"][ch]["daily_budget"] = 0.0
    return ref


def coalition_name(coalition: frozenset[str], all_players: list[str]) -> str:
    """``base`` for all channels, ``no_content`` for none, else ``only:<a+b>``."""
    if coalition == frozenset(all_players):
        return "base"
    if not coalition:
        return "no_content"
    return "only:" + "+".join(p for p in all_players if p in coalition)


def build_arms(base: ScenarioConfig, s: TruthSettings) -> tuple[list[Arm], list[str], Any]:
    """Every arm to run, the players, and the sampled orders (None when exact).

    Returns:
        arms (base first), the channel players in config order, and the sampled Shapley
        orders when there are more than :data:`shapley.MAX_EXACT` players.
    """
    data = base.to_dict()
    chans = players(base)
    orders = None
    if len(chans) > shapley.MAX_EXACT:
        orders = shapley.sampled_orders(chans, s.permutations, s.root_seed)
    arms: list[Arm] = []
    problems: list[str] = []

    def make(name: str, kind: str, player: str, coalition: frozenset, d: dict) -> None:
        try:
            # In a market with a past, every arm lives the base's history: what a channel
            # causes is measured from day 0, on the same customers.
            config = with_shared_history(base, from_dict(d))
            arms.append(Arm(name, kind, player, coalition, config))
        except ConfigError as exc:
            problems.extend(f"arm {name}: {p}" for p in exc.problems)

    for coalition in sorted(
        shapley.coalitions_needed(chans, orders), key=lambda c: (-len(c), sorted(c))
    ):
        d = copy.deepcopy(data)
        for ch in chans:
            if ch not in coalition:
                _scale_budget(d, ch, 0.0)
        make(coalition_name(coalition, chans), "coalition", "", coalition, d)
    for fam in FAMILIES if s.families else ():
        overrides = fam.off(data)
        if overrides is None:
            continue
        d = copy.deepcopy(data)
        _override(d, overrides)
        make(f"off:{fam.name}", "family_off", fam.name, frozenset(chans), d)
    for ch in chans if s.marginal else ():
        d = copy.deepcopy(data)
        _scale_budget(d, ch, 1.0 + s.budget_step)
        make(f"more:{ch}", "budget_step", ch, frozenset(chans), d)
    if problems:
        raise ConfigError(problems)
    return arms, chans, orders


def families_off_in_base(base: ScenarioConfig) -> list[str]:
    """Families the base scenario does not use (their effect is zero by construction)."""
    data = base.to_dict()
    return [f.name for f in FAMILIES if f.off(data) is None]
