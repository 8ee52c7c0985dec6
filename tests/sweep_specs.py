"""One writer for the sweep spec files the sweep tests use (each test module keeps its own
defaults: the parameters and sizes that exercise what it tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.conftest import BASELINE


def write_sweep_spec(
    tmp_path: Path, defaults: dict[str, Any], filename: str = "sweep.yaml", **changes: Any
) -> Path:
    """Write ``defaults`` updated with ``changes`` as a sweep spec on the baseline; its path.

    ``base`` is the shipped baseline unless ``defaults`` or ``changes`` say otherwise.
    """
    spec = {"name": "t", "base": str(BASELINE), **defaults, **changes}
    path = tmp_path / filename
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path
