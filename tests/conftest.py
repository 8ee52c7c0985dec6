"""Shared fixtures: small scenarios built from the baseline, and runs shared per session.

Runs are expensive relative to assertions, so every test that only reads a run's
output shares one of the session-scoped runs below instead of simulating its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.scenario.config import ScenarioConfig, load_scenario
from sim.study.run import RunResult, simulate, write_run

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "configs" / "baseline.yaml"

#: The shared small run: big enough for every event type to occur, small enough to be cheap.
SMALL_SIZE = 4000
SMALL_HORIZON = 150
SMALL_SEED = 11
#: Seeds for invariants that must hold on every run, not just one.
INVARIANT_SEEDS = (0, 1, 2, 3)
#: The baseline's policy as a brand launch: no past, no win-back, no turnover, no churn. The
#: shared runs use it, because their invariants are about a log that starts when the brand
#: does (every redeemed coupon was claimed in the log, every consumer is one of day 0's
#: agents); the baseline's market with a past has its own tests (tests/engine/test_history.py).
LAUNCH = {
    "market.burn_in_days": 0,
    "market.winback_rate": 0.0,
    "market.winback_per_touch": 0.0,
    "market.turnover_rate": 0.0,
    "market.churn_rate": 0.0,
}


#: The test files that take minutes (``make test`` prints the slowest tests), slowest first.
#: They are collected before the rest, so that ``pytest -n 2 --dist loadfile
#: --no-loadscope-reorder`` (``make test``) starts them first and the two workers finish
#: together, instead of one running a long file alone at the end.
SLOWEST_FILES = (
    "test_readme_commands.py",
    "engine/test_population_independence.py",
    "test_baseline.py",
    "study/optimize/test_optimize.py",
    "study/sweep/test_sweep_store.py",
    "study/test_calibrate.py",
    "study/backends/test_dask.py",
    "study/test_identify.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the tests of :data:`SLOWEST_FILES` first, in that order; the rest keep theirs."""
    rank = {ROOT / "tests" / name: i for i, name in enumerate(SLOWEST_FILES)}
    if missing := [str(path) for path in rank if not path.is_file()]:
        raise pytest.UsageError(f"tests/conftest.py SLOWEST_FILES names no file: {missing}")
    items.sort(key=lambda item: rank.get(item.path, len(rank)))


def make_config(
    size: int = SMALL_SIZE, horizon: int = SMALL_HORIZON, **overrides: Any
) -> ScenarioConfig:
    """The baseline scenario at a small size; ``overrides`` are dotted paths with ``__`` for dots.

    Example: ``make_config(coupons__value=35.0)``.
    """
    sets = {"population.size": size, "horizon_days": horizon}
    sets.update({k.replace("__", "."): v for k, v in overrides.items()})
    return load_scenario(BASELINE, sets)


@pytest.fixture(scope="session")
def config_factory():
    """A factory for small scenarios: ``config_factory(size=..., horizon=..., a__b=value)``."""
    return make_config


def make_launch_config(
    size: int = SMALL_SIZE, horizon: int = SMALL_HORIZON, **overrides: Any
) -> ScenarioConfig:
    """:func:`make_config` as a brand launch (:data:`LAUNCH`)."""
    launch = {k.replace(".", "__"): v for k, v in LAUNCH.items()}
    return make_config(size, horizon, **{**launch, **overrides})


@pytest.fixture(scope="session")
def small_config() -> ScenarioConfig:
    return make_launch_config()


@pytest.fixture(scope="session")
def small_run(small_config) -> RunResult:
    """One small baseline run, with the model kept for agent-level checks."""
    return simulate(small_config, SMALL_SEED, keep_model=True)


@pytest.fixture(scope="session")
def small_events(small_run):
    """The shared run's event log as pandas, string columns as plain strings."""
    frame = small_run.events.to_pandas()
    for col in ("event", "channel", "outcome"):
        frame[col] = frame[col].astype(object)
    return frame


@pytest.fixture(scope="session")
def small_run_dir(small_run, tmp_path_factory) -> Path:
    """The shared run written to a run folder."""
    return write_run(small_run, tmp_path_factory.mktemp("runs") / "small")


@pytest.fixture(scope="session")
def seed_runs() -> dict[int, RunResult]:
    """Smaller baseline runs on several seeds, for invariants of the log."""
    config = make_launch_config(size=2500, horizon=120)
    return {seed: simulate(config, seed) for seed in INVARIANT_SEEDS}
