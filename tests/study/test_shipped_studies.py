"""Shipped experiments and sweeps stay tied to the baseline they vary.

A shipped file once set 12x the baseline's content budget while its text said "up by half":
the baseline had been re-tuned under numbers copied into the file. These tests fail if a
shipped experiment or sweep writes a content budget as an absolute number (it must be
``{times: k}`` or ``{plus: d}``, resolved against the base), or if any arm, phase or sweep
corner spends more than ``MAX_MULTIPLE`` times the baseline's total content budget.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.scenario.config import load_scenario, read_yaml
from sim.scenario.relative import is_relative
from sim.study.experiment import load_experiment
from sim.study.sweep.spec import load_sweep

ROOT = Path(__file__).resolve().parents[2]
BASELINE = load_scenario(ROOT / "configs" / "baseline.yaml")
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.yaml"))
SWEEPS = sorted((ROOT / "experiments" / "sweeps").glob("*.yaml"))
MAX_MULTIPLE = 10
BASE_TOTAL = sum(ch.daily_budget for ch in BASELINE.content.channels.values())


def _overrides(data: Any) -> list[tuple[str, Any]]:
    """Every (dotted path, value) written in a file's set/schedule/parameters, at any depth."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("set", "parameters") and isinstance(value, dict):
                found.extend(value.items())
            found.extend(_overrides(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(_overrides(item))
    return found


def _budget_values(path: str, value: Any) -> list[Any]:
    if not path.endswith("daily_budget"):
        return []
    if isinstance(value, dict) and not is_relative(value):  # a sweep parameter
        return [v for k, v in value.items() if k in ("lower", "upper")] + value.get("levels", [])
    return [value]


@pytest.mark.parametrize("path", EXPERIMENTS + SWEEPS, ids=lambda p: p.stem)
def test_content_budgets_are_written_relative_to_the_base(path):
    absolute = [
        (where, v)
        for where, value in _overrides(read_yaml(path))
        for v in _budget_values(where, value)
        if not is_relative(v)
    ]
    assert not absolute, f"{path.name}: write these as {{times: k}} or {{plus: d}}: {absolute}"


def _totals(config) -> list[float]:
    """Total daily content budget at the start and after each scheduled change."""
    budgets = {name: ch.daily_budget for name, ch in config.content.channels.items()}
    totals = [sum(budgets.values())]
    for change in config.schedule:
        for where, value in change.set.items():
            parts = where.split(".")
            if parts[:2] == ["content", "channels"] and parts[-1] == "daily_budget":
                budgets[parts[2]] = value
        totals.append(sum(budgets.values()))
    return totals


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_no_experiment_arm_spends_far_beyond_the_baseline(path):
    exp = load_experiment(path)
    for arm, config in exp.configs.items():
        worst = max(_totals(config))
        assert worst <= MAX_MULTIPLE * BASE_TOTAL, f"{path.stem}.{arm}: {worst:,.0f} a day"


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_no_sweep_reaches_far_beyond_the_baseline(path):
    sweep = load_sweep(path)
    top = 0.0
    for channel, spec in BASELINE.content.channels.items():
        param = next((p for p in sweep.parameters if p.path.split(".")[2:3] == [channel]), None)
        top += spec.daily_budget if param is None else max(getattr(param, "upper", 0), 0)
    assert top <= MAX_MULTIPLE * BASE_TOTAL, f"{path.stem}: up to {top:,.0f} a day"
