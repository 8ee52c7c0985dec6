"""Reading YAML input files defensively, and echoing bad values briefly.

Every input file (scenario, experiment, sweep, targets, params) is written by a person and
may be wrong in ways PyYAML accepts silently or dangerously, so the loader here adds what
``yaml.safe_load`` lacks:

* a key given twice in one mapping is an error (PyYAML keeps the last one, so a repeated
  arm name would silently replace another arm);
* aliases may not expand a document beyond :data:`MAX_VALUES` values (a "billion laughs"
  file is a few hundred bytes that expand to billions of values when validated or echoed);
* nesting deeper than :data:`MAX_DEPTH` is refused before Python's recursion limit is hit;
* the file must be UTF-8.

:func:`show` is how every error message quotes a value: short, whatever its size.
"""

from __future__ import annotations

import reprlib
from pathlib import Path
from typing import Any

import yaml

#: Values a document may expand to once aliases are followed (a big scenario has ~300).
MAX_VALUES = 100_000
#: Nesting depth of mappings and lists (a scenario needs 5).
MAX_DEPTH = 50
#: Characters of a value quoted in an error message.
MAX_SHOWN = 80

_repr = reprlib.Repr(maxlevel=3, maxdict=6, maxlist=6, maxtuple=6, maxset=6, maxstring=60)
_repr.maxother = 60


def show(value: Any) -> str:
    """``repr`` of a value cut to at most :data:`MAX_SHOWN` characters, never expanding
    shared structures, so echoing an absurd input cannot itself become the problem."""
    text = _repr.repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


class InputError(ValueError):
    """A file that cannot be read as YAML input; the message names the file and where."""


class _StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` plus the checks in the module docstring."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.YAMLError(
                    f"nested more than {MAX_DEPTH} levels deep at line {mark.line + 1}"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_node(self) -> Any:
        node = super().get_single_node()
        if node is not None and _expanded_size(node, {}) > MAX_VALUES:
            raise yaml.YAMLError(
                f"aliases expand the document to more than {MAX_VALUES:,} values "
                "(is it a 'billion laughs' file?)"
            )
        return node

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *base` may be overridden
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                if key in seen:
                    raise yaml.YAMLError(
                        f"key {show(key)} given twice (lines {seen[key]} and {line}); "
                        "each key may appear once"
                    )
                seen[key] = line
            except TypeError:  # an unhashable key: PyYAML reports it below
                continue
        return super().construct_mapping(node, deep=deep)


def _expanded_size(node: Any, memo: dict[int, int]) -> int:
    """Values in ``node`` counting every alias as a full copy (memoised: linear time)."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # a cycle (a recursive alias) counts once
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(v, memo) for v in node.value)
    else:
        size = 1
    memo[key] = min(size, MAX_VALUES + 1)
    return memo[key]


def load_text(text: str) -> Any:
    """Parse YAML text with the strict loader.

    Raises:
        yaml.YAMLError: malformed YAML or one of the checks above.
    """
    loader = _StrictLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def read_text(path: str | Path) -> str:
    """The file's text, which must be UTF-8.

    Raises:
        InputError: unreadable, or not UTF-8 (naming the first bad byte's position).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start}); "
            "save it as UTF-8"
        ) from None


def validation_problems(
    exc: Any,
    *,
    missing: str | None = None,
    allowed: Any = None,
    split: Any = None,
    given: Any = None,
    hint: Any = None,
) -> list[str]:
    """One line per fault of a pydantic ``ValidationError``: the field, the value, the rule.

    Every input file (scenario, experiment, sweep, targets) reports its faults through this
    one function, so messages read alike everywhere. The keyword hooks say what differs:

    Args:
        exc: the ``ValidationError``.
        missing: the text for a missing required field (default: pydantic's, with the value).
        allowed: ``allowed(loc) -> str | None``: the keys allowed where an unknown key sits.
        split: ``split(loc, msg) -> bool``: a model-level check whose message lists several
            faults joined by "; " is reported as one line each, unprefixed.
        given: ``given(err) -> str``: how to quote the value (default: :func:`show` of it).
        hint: ``hint(err) -> str``: text appended to a line (e.g. a YAML gotcha).
    """
    lines = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        path = ".".join(loc) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            keys = allowed(loc) if allowed else None
            msg = "unknown key" + (f" (allowed: {keys})" if keys else "")
        if err["type"] == "missing" and missing is not None:
            lines.append(f"{path}: {missing}")
            continue
        if err["type"] == "value_error" and split is not None and split(loc, msg):
            lines.extend(msg.split("; "))
            continue
        value = given(err) if given else show(err.get("input"))
        lines.append(f"{path}: value {value}: {msg}{hint(err) if hint else ''}")
    return lines
