"""Values relative to the base: ``{times: 1.5}`` or ``{plus: 500}`` instead of a number.

An experiment arm that means "content budget up by half" should say so, not copy today's
budget times 1.5 into the file: when the base is recalibrated, a copied number silently
stops meaning what the file says (a shipped experiment once set 12x the baseline's budget
because the baseline had been re-tuned under it). A relative value is resolved against the
base scenario at load time, so it always means what it says.

Where a dotted path takes a number (in an experiment's or arm's ``set``, in a schedule
change's ``set``, in a sweep's ``lower``/``upper``/``levels``, and in a scenario file built
on a ``base:``), the value may be a mapping with exactly one key:

- ``{times: k}``: k times the base's value (``k >= 0``);
- ``{plus: d}``: the base's value plus d (d may be negative).

The base's value at that path must be a number. Relative values never compound: in a
schedule, ``{times: 2}`` on day 240 is twice the *base* value, not twice day 120's.
"""

from __future__ import annotations

import math
from typing import Any

#: The keys a relative value may use, and what each means (for messages).
RELATIVE_KEYS = {"times": "k times the base value", "plus": "the base value plus d"}


def is_relative(value: Any) -> bool:
    """Whether ``value`` is written as a relative value (a one-key mapping of a known kind).

    A mapping that uses one of the keys but is malformed (two keys, a non-number) still
    counts, so that :func:`resolve` reports it instead of passing it on as a number.
    """
    return isinstance(value, dict) and bool(value) and set(value) & set(RELATIVE_KEYS) != set()


def _lookup(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for key in path.split("."):
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            raise KeyError(path)
    return node


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def resolve(base: dict[str, Any], path: str, value: Any) -> Any:
    """The absolute value of ``value`` at dotted ``path``, reading the base's value there.

    A non-relative value is returned unchanged.

    Raises:
        ValueError: a message naming the value and what is allowed (the caller prefixes
            the field), when the form is wrong or the base has no number at ``path``.
    """
    if not is_relative(value):
        return value
    allowed = "{times: k} (k >= 0) or {plus: d}"
    if len(value) != 1:
        raise ValueError(f"value {value!r}: give exactly one of times/plus ({allowed})")
    ((kind, amount),) = value.items()
    if kind not in RELATIVE_KEYS:
        raise ValueError(f"value {value!r}: unknown key {kind!r} ({allowed})")
    if not _number(amount) or (kind == "times" and amount < 0):
        raise ValueError(f"value {value!r}: {kind} needs a finite number ({allowed})")
    try:
        current = _lookup(base, path)
    except KeyError:
        raise ValueError(f"value {value!r}: the base has no value here to be relative to") from None
    if not _number(current):
        raise ValueError(
            f"value {value!r}: relative values need a number in the base (it has {current!r})"
        )
    out = current * amount if kind == "times" else current + amount
    if isinstance(current, int) and float(out).is_integer():
        return int(out)
    return float(out)


def resolve_all(
    base: dict[str, Any], overrides: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Every value of a ``{dotted path: value}`` mapping resolved against ``base``.

    Returns:
        The resolved mapping, and one problem line per bad value (``"path: value ...: why"``),
        so callers can report every fault of a file at once.
    """
    out: dict[str, Any] = {}
    problems = []
    for path, value in overrides.items():
        try:
            out[path] = resolve(base, path, value)
        except ValueError as exc:
            problems.append(f"{path}: {exc}")
    return out, problems


__all__ = ["RELATIVE_KEYS", "is_relative", "resolve", "resolve_all"]
