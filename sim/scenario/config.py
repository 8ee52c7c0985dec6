"""Scenario configuration: one frozen, validated object per scenario.

YAML is read here and nowhere else. Variants are made by copying with changes
(:func:`with_overrides`), never by mutating, so two arms of a comparison can be
traced back to one base plus a short list of dotted-path overrides.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import typing
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from sim.scenario.market import (  # noqa: F401  (re-exported: the market's building blocks)
    Calendar,
    Competition,
    Competitor,
    Peak,
    Prices,
    Promotion,
)
from sim.scenario.reading import InputError, load_text, read_text, show, validation_problems
from sim.scenario.sections import (  # noqa: F401  (re-exported: the scenario's building blocks)
    CONTENT_CHANNELS,
    REDEEMABLE,
    Behaviour,
    Consistency,
    Content,
    ContentChannel,
    Costs,
    Count,
    Coupons,
    DeliveryHours,
    FolderName,
    Inventory,
    Market,
    Membership,
    Network,
    Online,
    Population,
    ScheduledChange,
    Segment,
    Stores,
    Whole,
    _Frozen,
)
from sim.scenario.vocabulary import region_names

#: What a schedule may not change: the population, the network and the store footprint.
#: Costs are the run's price list: a schedule switches levers, and what they cost follows.
FIXED_SECTIONS = ("name", "horizon_days", "population", "network", "schedule", "costs")
FIXED_PATHS = (
    "stores.count",
    "stores.tier34_share",
    "stores.regions",  # the map: which store, and so which consumer, is in which region
    "stores.size_spread",  # store sizes shape where consumers shop: the footprint's
    "inventory.skus",
    "inventory.sku_popularity",  # the item range and its demand are the market's
    "inventory.prior_orders_per_consumer_day",  # sets opening stock only
    "market.burn_in_days",  # happens before day 0
    "calendar.start_date",  # the run's clock: day 0's date
)


class ConfigError(ValueError):
    """A scenario that cannot be run; ``problems`` holds one line per fault."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class ScenarioConfig(_Frozen):
    """A whole scenario. Frozen: make variants with :func:`with_overrides`."""

    name: FolderName = Field(
        "scenario",
        description="Scenario name, used in run folder names (letters, digits, '_', '-', '.').",
    )
    horizon_days: Annotated[Whole, Field(ge=1, le=3650)] = Field(
        365, description="Days simulated; one Mesa step is one day."
    )
    population: Population = Field(default_factory=Population)
    network: Network = Field(default_factory=Network)
    stores: Stores = Field(default_factory=Stores)
    inventory: Inventory = Field(default_factory=Inventory)
    content: Content = Field(default_factory=Content)
    coupons: Coupons = Field(default_factory=Coupons)
    consistency: Consistency = Field(default_factory=Consistency)
    membership: Membership = Field(default_factory=Membership)
    market: Market = Field(default_factory=Market)
    online: Online = Field(default_factory=Online)
    costs: Costs = Field(default_factory=Costs)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    calendar: Calendar = Field(default_factory=Calendar)
    prices: Prices = Field(default_factory=Prices)
    promotions: list[Promotion] = Field(
        default_factory=list,
        description="The brand's dated price cuts: [{name: double_11_flash, first_day: 314, "
        "last_day: 314, channel: online, depth: 0.3}].",
    )
    competition: Competition = Field(default_factory=Competition)
    competitors: dict[str, Competitor] = Field(
        default_factory=dict,
        description="Rival brands by name; none: the brand has the market to itself.",
    )
    schedule: list[ScheduledChange] = Field(
        default_factory=list,
        description="Dated policy changes: [{day: 120, set: {coupons.redeemable_in: everywhere}}].",
    )

    @model_validator(mode="after")
    def _schedule_is_valid(self) -> ScenarioConfig:
        if not self.schedule:
            return self
        problems = []
        base = self.model_dump(mode="json", exclude={"schedule"})
        for i, change in enumerate(self.schedule):
            if change.day >= self.horizon_days:
                problems.append(
                    f"schedule.{i}.day: value {change.day}: "
                    f"must be before the horizon (0..{self.horizon_days - 1})"
                )
            for path, value in expand_sections(change.set).items():
                if is_fixed_path(path):
                    problems.append(
                        f"schedule.{i}.set.{path}: cannot change mid-run (fixed: "
                        f"{', '.join(FIXED_SECTIONS + FIXED_PATHS)})"
                    )
                    continue
                try:
                    base = _set_path(base, path, value)
                except KeyError as exc:
                    problems.append(f"schedule.{i}.set.{path}: {exc.args[0]}")
        if problems:
            raise ValueError("; ".join(problems))
        try:
            ScenarioConfig.model_validate({**base, "schedule": []})
        except ValidationError as exc:
            raise ValueError(
                "; ".join(f"schedule: after all changes, {p}" for p in _format_errors(exc))
            ) from None
        return self

    @model_validator(mode="after")
    def _segments_named_exist(self) -> ScenarioConfig:
        unknown = sorted(set(self.competition.by_segment) - set(self.population.segments))
        if unknown:
            raise ValueError(
                f"competition.by_segment: value {unknown}: no such segment (segments: "
                f"{', '.join(self.population.segments)})"
            )
        return self

    @model_validator(mode="after")
    def _audiences_name_segments(self) -> ScenarioConfig:
        """A channel's audience may only name segments the population has (a misspelt
        segment would otherwise be silently ignored)."""
        names = sorted(self.population.segments)
        problems = [
            f"content.channels.{channel}.audience.{key}.{segment}: no such segment "
            f"(allowed: {', '.join(names)})"
            for channel, spec in self.content.channels.items()
            for key, named in (
                ("segments", spec.audience.segments),
                ("response", spec.audience.response),
            )
            for segment in named
            if segment not in self.population.segments
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _regions_exist(self) -> ScenarioConfig:
        """Store regions need stores to hold them, and a channel's region budgets may only
        name regions the scenario has (a misspelt region would otherwise be ignored)."""
        stores = self.stores
        problems = []
        if stores.count and stores.regions > stores.count:
            problems.append(
                f"stores.regions: value {stores.regions}: at most stores.count ({stores.count})"
            )
        names = region_names(stores.regions)
        problems += [
            f"content.channels.{channel}.region_budget.{region}: no such region "
            f"(allowed: {names[0]}..{names[-1]}, from stores.regions {stores.regions})"
            for channel, spec in self.content.channels.items()
            for region in spec.region_budget
            if region not in names
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _fits_in_memory(self) -> ScenarioConfig:
        need, have = memory_estimate(self), physical_memory()
        if have and need > 0.9 * have:
            raise ValueError(
                f"population.size {self.population.size:,} and stores.count "
                f"{self.stores.count:,} over {self.horizon_days} days: a run needs about "
                f"{need / 2**30:,.1f} GiB of memory, this machine has {have / 2**30:,.1f} GiB: "
                "use fewer consumers (market_size keeps the money in market units) or fewer "
                "stores, items or days"
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        """The fully resolved scenario as plain JSON-able data."""
        return self.model_dump(mode="json")

    def config_hash(self) -> str:
        """SHA-256 of the canonical JSON of the resolved scenario (first 16 hex digits).

        Keys keep their order (fields in schema order, mappings such as the segments and
        the content channels in the order the file gives them), because the order is part
        of the run: the population is drawn segment by segment and content is bought
        channel by channel, so two orders give two sets of events and must not share a
        hash (and hence a run folder or a sweep store).
        """
        canonical = json.dumps(self.to_dict(), separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


#: Measured peak memory of ``omo run`` (Python and libraries; per consumer; per store-item-day
#: of the stock ledger), so a run too big for the machine is refused before it allocates.
#: The ledger's cell holds market units since stock is the market's: opening and sold went from
#: int32 to int64 (52 bytes measured, + 2 x 2 x 4 bytes for the held arrays and the frame).
BASE_BYTES = 250 * 2**20
CONSUMER_BYTES = 440
CONSUMER_BYTES_PER_FRIEND = 16
CONSUMER_BYTES_PER_DAY = 4
LEDGER_BYTES_PER_CELL_DAY = 68


def memory_estimate(config: ScenarioConfig) -> int:
    """Bytes a run of ``config`` needs at its peak (about 2 KB per consumer over a year).

    Measured on 300,000 consumers and on 2,000 stores over 365 days; within about 20%.
    """
    per_consumer = (
        CONSUMER_BYTES
        + CONSUMER_BYTES_PER_FRIEND * config.network.mean_degree
        + CONSUMER_BYTES_PER_DAY * config.horizon_days
    )
    cells = (config.stores.count + 1) * config.inventory.skus * config.horizon_days
    return BASE_BYTES + config.population.size * per_consumer + cells * LEDGER_BYTES_PER_CELL_DAY


def physical_memory() -> int:
    """This machine's RAM in bytes (0 when the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def _section_at(path: str) -> bool:
    """Whether ``path`` names a section of the schema (a fixed set of fields such as
    ``stores`` or ``stores.delivery_hours``), as opposed to a field or a free-form mapping
    such as ``population.segments`` whose keys are the user's names."""
    cls: Any = ScenarioConfig
    keys = path.split(".")
    i = 0
    while i < len(keys):
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            return False
        field = cls.model_fields.get(keys[i])
        if field is None:
            return False
        annotation = field.annotation
        if typing.get_origin(annotation) is dict:
            value_type = typing.get_args(annotation)[1]
            if i + 1 == len(keys):
                return False  # the whole mapping: replaced, not merged
            cls, i = value_type, i + 2
            continue
        cls, i = annotation, i + 1
    return isinstance(cls, type) and issubclass(cls, BaseModel)


def expand_sections(overrides: dict[str, Any]) -> dict[str, Any]:
    """Turn a mapping given for a whole section into one override per field it names.

    ``{"stores": {"count": 5}}`` becomes ``{"stores.count": 5}``: setting a section changes
    the fields named and leaves the others as they are (replacing the section would reset
    them to defaults), and a schedule's fixed-field guard sees ``stores.count``. Free-form
    mappings (segments, content channels) given whole are replaced whole.
    """
    out: dict[str, Any] = {}
    for path, value in overrides.items():
        if isinstance(value, dict) and value and _section_at(path):
            nested = {f"{path}.{k}": v for k, v in value.items()}
            out.update(expand_sections(nested))
        else:
            out[path] = value
    return out


def _set_path(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Return a deep copy of ``data`` with the dotted ``path`` set; KeyError if it does not exist.

    A path may end in a new key only inside a free-form mapping (segments, channels).
    """
    out = copy.deepcopy(data)
    node = out
    keys = path.split(".")
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                raise KeyError(f"no such list index '{key}' (has {len(node)} entries)")
            if last:
                node[int(key)] = value
            else:
                node = node[int(key)]
            continue
        if not isinstance(node, dict) or key not in node:
            where = ".".join(keys[:depth]) or "the top level"
            allowed = ", ".join(sorted(node)) if isinstance(node, dict) else "none (not a mapping)"
            raise KeyError(f"no such key '{key}' under {where} (allowed: {allowed})")
        if last:
            node[key] = value
        else:
            node = node[key]
    return out


def _format_errors(exc: ValidationError) -> list[str]:
    """A scenario's faults; model-level checks (schedule, segments) list theirs one a line."""

    def split(loc: list[str], msg: str) -> bool:
        return not loc or "; " in msg or msg.startswith(("schedule", "population.segments"))

    return validation_problems(exc, split=split)


def from_dict(data: dict[str, Any]) -> ScenarioConfig:
    """Validate plain data into a scenario; every fault is reported at once as ConfigError."""
    if not isinstance(data, dict):
        raise ConfigError([f"(top level): value {show(data)}: a scenario must be a mapping"])
    try:
        return ScenarioConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc)) from None


def parse_value(text: str) -> Any:
    """Parse a ``--set`` value the way YAML would (numbers, booleans, lists, strings)."""
    try:
        return load_text(text)
    except yaml.YAMLError:
        return text


def with_overrides(config: ScenarioConfig, overrides: dict[str, Any]) -> ScenarioConfig:
    """A copy of ``config`` with dotted-path overrides applied and re-validated."""
    data = config.to_dict()
    problems = []
    for path, value in expand_sections(overrides).items():
        try:
            data = _set_path(data, path, value)
        except KeyError as exc:
            problems.append(f"{path}: {exc.args[0]}")
    if problems:
        raise ConfigError(problems)
    return from_dict(data)


def is_fixed_path(path: str) -> bool:
    """Whether a dotted path cannot change mid-run (the market, the clock, the population)."""
    return path.split(".")[0] in FIXED_SECTIONS or path in FIXED_PATHS


def changed_paths(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> dict:
    """Dotted paths whose values differ from ``before`` to ``after``, with ``after``'s values.

    Mappings are compared key by key; anything else (numbers, lists, a key one side lacks)
    is one path holding the whole new value.
    """
    out: dict[str, Any] = {}
    for key in sorted(after.keys() | before.keys()):
        path = f"{prefix}{key}"
        a, b = before.get(key), after.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out.update(changed_paths(a, b, f"{path}."))
        elif a != b:
            out[path] = b
    return out


def with_shared_history(base: ScenarioConfig, arm: ScenarioConfig) -> ScenarioConfig:
    """``arm`` living ``base``'s history: the arm's policy acts from day 0 on.

    A launch market (no ``market.burn_in_days``) has no past, so this is ``arm`` itself. A
    market with a past lives its history under the policy in force on day 0, so two arms
    built as whole scenarios would be two different markets on day 0. Here the history is
    ``base``'s and the arm's differences become a day-0 entry of its schedule (before the
    arm's own schedule): every arm of a comparison shares the same customers, members and
    habits on day 0, on the same random numbers, and differs only from the day the lever
    acts, as a brand that changes its policy would. An arm that differs in a path that
    cannot change mid-run (:data:`FIXED_PATHS`, e.g. the store count) is another market:
    it is returned as it is, with its own history.
    """
    if base.market.burn_in_days == 0:
        return arm
    before, after = base.to_dict(), arm.to_dict()
    schedule = after.pop("schedule", [])
    before.pop("schedule", None)
    diff = changed_paths(before, after)
    if not diff:
        return arm
    if any(is_fixed_path(p) for p in diff):
        return arm
    before["schedule"] = [{"day": 0, "set": diff}, *schedule]
    return from_dict(before)


def change_from_day_0(config: ScenarioConfig, overrides: dict[str, Any]) -> ScenarioConfig:
    """``config`` with ``overrides`` as a policy change that acts from day 0: one arm of a
    comparison, sharing ``config``'s history (:func:`with_shared_history`)."""
    return with_shared_history(config, with_overrides(config, overrides))


def parse_set_args(items: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Turn ``["a.b=1", "c=x"]`` into ``{"a.b": 1, "c": "x"}``."""
    out: dict[str, Any] = {}
    problems = []
    for item in items:
        path, sep, raw = item.partition("=")
        if not sep or not path.strip():
            problems.append(f"--set {item!r}: expected PATH=VALUE, e.g. coupons.value=15")
            continue
        out[path.strip()] = parse_value(raw)
    if problems:
        raise ConfigError(problems)
    return out


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file safely; the one place the project parses YAML files.

    Strict where PyYAML is lenient (see :mod:`sim.scenario.reading`): repeated keys, alias
    bombs, absurd nesting and non-UTF-8 files are refused as ConfigError naming the file.
    """
    path = Path(path)
    try:
        text = read_text(path)
    except InputError as exc:
        raise ConfigError([str(exc)]) from None
    try:
        return load_text(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(exc, "problem", None) or " ".join(str(exc).split())
        raise ConfigError([f"{path}: not valid YAML{where}: {what}"]) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> ScenarioConfig:
    """Load a scenario YAML and apply overrides; raises ConfigError with every problem."""
    data = read_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: a scenario file must hold a mapping"])
    from sim.scenario.base import BaseFileError, warn_if_uncalibrated, with_base

    data = with_calendar_file(data, path)
    try:
        data = with_base(data, path, _read_scenario_file)  # `base: other.yaml` merged in
    except BaseFileError as exc:
        raise ConfigError(exc.problems) from None
    try:
        base = from_dict(data)
    except ConfigError as exc:
        raise ConfigError([f"{path}: {p}" for p in exc.problems]) from None
    warn_if_uncalibrated(data, path)
    if not overrides:
        return base
    try:
        return with_overrides(base, overrides)
    except ConfigError as exc:
        raise ConfigError([f"--set {p}" for p in exc.problems]) from None


def _read_scenario_file(path: Path) -> Any:
    """A base scenario file, its ``calendar`` file (if it names one) read in."""
    data = read_yaml(path)
    return with_calendar_file(data, path) if isinstance(data, dict) else data


def with_calendar_file(data: dict[str, Any], path: str | Path) -> dict[str, Any]:
    """The scenario mapping with ``calendar: some/file.yaml`` replaced by that file's mapping.

    Presets share one retail calendar (``configs/calendars/china_retail.yaml``) instead of
    copying its festivals. The path is relative to the scenario file's folder; the file holds
    the ``calendar`` section's mapping (optionally under a top-level ``calendar`` key).
    """
    name = data.get("calendar")
    if not isinstance(name, str):
        return data
    file = Path(name) if Path(name).is_absolute() else Path(path).parent / name
    if not file.is_file():
        raise ConfigError(
            [f"{path}: calendar: value {name!r}: no such calendar file ({file}; paths are "
             "relative to this file's folder), or give the calendar as a mapping"]
        )  # fmt: skip
    calendar = read_yaml(file)
    if isinstance(calendar, dict) and set(calendar) == {"calendar"}:
        calendar = calendar["calendar"]
    if not isinstance(calendar, dict):
        raise ConfigError([f"{path}: calendar: {file}: a calendar file must hold a mapping"])
    return {**data, "calendar": calendar}
