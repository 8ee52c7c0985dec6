"""Randomness only through keyed streams: Mesa's generators are never drawn from.

Common random numbers between the arms of a comparison depend on every decision being
keyed (seed, source, day, decision, consumer). A draw from Mesa's ``model.rng`` or
``model.random``, or from numpy's global generator, would silently break the pairing.
"""

from __future__ import annotations

import ast
from pathlib import Path

from sim.engine.model import OmnichannelModel
from tests.conftest import make_config

PROCESSES = Path(__file__).parents[2] / "sim" / "engine" / "processes"


class Forbidden:
    """Stands in for Mesa's generators; any use fails the test."""

    def __getattr__(self, name: str):
        raise AssertionError(f"the simulation drew from Mesa's generator ({name})")


def test_a_run_never_touches_mesas_generators():
    model = OmnichannelModel(make_config(size=2000, horizon=40), rng=3)
    model.rng, model.random = Forbidden(), Forbidden()
    model.run_for(40)
    assert model.events_table().num_rows > 0


def test_processes_use_no_global_or_unkeyed_generator():
    """No process module names np.random, the random module, or a Mesa model's rng."""
    offenders = []
    for path in PROCESSES.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            numpy_random = isinstance(node, ast.Attribute) and node.attr == "random"
            numpy_random &= isinstance(getattr(node, "value", None), ast.Name)
            if numpy_random and node.value.id in ("np", "numpy"):
                offenders.append(f"{path.name}: np.random")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names]
                module = getattr(node, "module", None) or ""
                if "random" in names or module.startswith(("random", "numpy.random")):
                    offenders.append(f"{path.name}: imports random")
    assert offenders == []
