"""The package's folders follow the flow, and no import runs back up it.

scenario -> log -> engine -> measure -> io -> study -> present -> cli: a module may import
from its own layer or from layers before it, never after (so the engine cannot reach into
KPIs, studies or reports, and processes never import the model). Imports are read from
the source with :mod:`ast`, so a lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

SIM = Path(__file__).parents[1] / "sim"
LAYERS = ("scenario", "log", "engine", "measure", "io", "study", "present", "cli")


def _module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Module -> the sim modules it imports (anywhere in its body)."""
    modules = {_module_name(p): p for p in SIM.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                base = node.module
                if base.startswith("sim"):
                    for alias in node.names:
                        sub = f"{base}.{alias.name}"
                        found.add(sub if sub in modules else base)
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("sim")}
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_lives_in_a_layer_folder():
    """Nothing but the package marker sits loose in sim/: a newcomer sees the flow in the tree."""
    loose = [m for m in _imports() if _layer(m) is None and m != "sim"]
    assert loose == []


def test_no_import_cycle_between_modules():
    graph = nx.DiGraph([(a, b) for a, deps in _imports().items() for b in deps])
    cycles = list(nx.simple_cycles(graph))
    assert cycles == [], f"import cycles: {cycles[:5]}"


def test_no_import_runs_back_up_the_flow():
    backwards = [
        f"{a} -> {b}"
        for a, deps in _imports().items()
        for b in deps
        if _layer(a) is not None and _layer(b) is not None and _layer(b) > _layer(a)
    ]
    assert backwards == []


def test_processes_never_import_the_model():
    """Processes work on a narrow day context; the Mesa model is not theirs to touch."""
    offenders = [
        f"{a} -> {b}"
        for a, deps in _imports().items()
        if a.startswith("sim.engine.processes")
        for b in deps
        if b in ("sim.engine.model", "sim.engine.agents")
    ]
    assert offenders == []
