"""Scenario files built on another: ``base: baseline.yaml`` plus what differs.

A scenario of two lines (``name: mine``, ``stores: {count: 150}``) otherwise runs on the
schema's defaults for everything it leaves out, including how consumers respond
(``behaviour``), which are placeholders, not the calibrated baseline: 36 touchpoints before a
first purchase instead of about 4. Saying ``base: baseline.yaml`` starts from the base file
and changes only what the scenario lists, the way experiments and sweeps already work.

Rules:

- ``base`` is relative to the scenario file's own folder (an absolute path is used as is),
  so a scenario loads the same from any working directory. A base may have a base.
- Mappings merge key by key (``stores: {count: 150}`` keeps the base's other store keys);
  lists and plain values replace the base's (a ``schedule`` replaces the base schedule).
- A number may be written relative to the base's value: ``{times: 0.7}``, ``{plus: -50}``
  (see :mod:`sim.scenario.relative`).

:func:`uncalibrated_warning` says when a scenario's behaviour is the schema's defaults, so
the command line can warn (not refuse: a toy scenario is a legitimate thing to run).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.scenario.relative import is_relative, resolve

#: A chain of bases deeper than this is almost surely a mistake (or a cycle).
MAX_DEPTH = 10


class BaseFileError(ValueError):
    """A ``base`` that cannot be used; ``problems`` holds one line per fault (field named).

    :func:`sim.scenario.config.load_scenario` turns it into its ``ConfigError``.
    """

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class UncalibratedWarning(UserWarning):
    """A scenario runs on the schema's placeholder behaviour, not on a calibrated one."""


def _merge(base: dict[str, Any], top: dict[str, Any], where: str, problems: list[str]) -> dict:
    out = dict(base)
    for key, value in top.items():
        path = f"{where}.{key}" if where else str(key)
        if is_relative(value):
            try:
                out[key] = resolve(base, str(key), value)
            except ValueError as exc:
                problems.append(f"{path}: {exc}")
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = _merge(base[key], value, path, problems)
        else:
            out[key] = value
    return out


def with_base(
    data: dict[str, Any],
    path: str | Path,
    read: Callable[[Path], Any],
    _seen: tuple[Path, ...] = (),
) -> dict:
    """The scenario mapping of the file at ``path`` merged over its ``base`` (if it names one).

    Args:
        data: the file's parsed YAML (a mapping).
        path: the file it came from; ``base`` is resolved relative to its folder.
        read: reads a YAML file (the project's one YAML reader, passed in so that this
            module does not import the scenario schema that calls it).

    Raises:
        BaseFileError: naming ``base`` with the value, when the base is missing, not a
            mapping, part of a cycle, or when a relative value cannot be resolved.
    """
    if "base" not in data:
        return data
    path = Path(path)
    data = dict(data)
    name = data.pop("base")
    if not isinstance(name, str) or not name:
        raise BaseFileError(
            [f"{path}: base: value {name!r}: a scenario file path, e.g. baseline.yaml"]
        )
    base_path = Path(name) if Path(name).is_absolute() else path.parent / name
    if not base_path.is_file():
        raise BaseFileError(
            [f"{path}: base: value {name!r}: no such scenario file ({base_path}; "
             "paths are relative to this file's folder)"]
        )  # fmt: skip
    chain = (*_seen, path.resolve())
    if base_path.resolve() in chain or len(chain) > MAX_DEPTH:
        raise BaseFileError(
            [f"{path}: base: value {name!r}: bases form a cycle or a chain too deep"]
        )
    base = read(base_path) or {}
    if not isinstance(base, dict):
        raise BaseFileError([f"{path}: base: {base_path}: a scenario file must hold a mapping"])
    base = with_base(base, base_path, read, chain)
    problems: list[str] = []
    merged = _merge(base, data, "", problems)
    if problems:
        raise BaseFileError([f"{path}: {p}" for p in problems])
    return merged


def uncalibrated_warning(data: dict[str, Any], path: str | Path) -> str | None:
    """A warning when the scenario sets no ``behaviour`` (after its base), else None."""
    if data.get("behaviour"):
        return None
    return (
        f"{path}: no behaviour section, so consumers respond with the schema's uncalibrated "
        "defaults (journeys far longer than the report's); start from the calibrated one "
        "with `base: baseline.yaml` (a path relative to this file)"
    )


def warn_if_uncalibrated(data: dict[str, Any], path: str | Path) -> None:
    """Warn (:class:`UncalibratedWarning`; the command line shows it as one stderr line) when
    a valid scenario leaves the behaviour at the schema's uncalibrated defaults."""
    note = uncalibrated_warning(data, path)
    if note:
        warnings.warn(note, UncalibratedWarning, stacklevel=3)


__all__ = [
    "MAX_DEPTH",
    "BaseFileError",
    "UncalibratedWarning",
    "uncalibrated_warning",
    "warn_if_uncalibrated",
    "with_base",
]
