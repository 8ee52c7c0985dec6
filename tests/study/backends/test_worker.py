"""The one worker entry: the same job gives the same KPIs on every backend and pool size."""

from __future__ import annotations

import math

import pytest

from sim.scenario.config import ScenarioConfig, with_overrides
from sim.study.backends import RunFailed, make_evaluator, require_ok, run_job
from sim.study.run import simulate

SEEDS = (3, 4, 5)


def small() -> ScenarioConfig:
    return with_overrides(ScenarioConfig(name="t"), {"population.size": 600, "horizon_days": 30})


def jobs() -> list[dict]:
    config = small().to_dict()
    return [{"run_id": f"s{seed}", "config": config, "seed": seed} for seed in SEEDS]


def same(a: dict[str, float], b: dict[str, float]) -> bool:
    """Equal KPI dicts, NaN equal to NaN (an undefined KPI stays undefined)."""
    return a.keys() == b.keys() and all(
        a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a
    )


def test_a_job_gives_the_kpis_of_a_direct_simulation():
    outcome = run_job(jobs()[0])
    assert outcome["status"] == "ok"
    assert same(outcome["kpis"], simulate(small(), SEEDS[0]).kpis)


def test_overrides_are_applied_on_the_worker_like_with_overrides():
    job = {**jobs()[0], "overrides": {"stores.count": 40}}
    expected = simulate(with_overrides(small(), {"stores.count": 40}), SEEDS[0]).kpis
    assert same(run_job(job)["kpis"], expected)


def test_a_run_that_raises_is_a_failed_outcome_that_require_ok_refuses():
    job = {**jobs()[0], "overrides": {"population.size": -5}}
    outcome = run_job(job)
    assert outcome["status"] == "failed" and "population.size" in outcome["error"]
    with pytest.raises(RunFailed, match="run s3 failed"):
        require_ok(outcome)


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "workers"), [("local", 1), ("local", 2), ("dask", 2)])
def test_every_backend_and_pool_size_gives_identical_kpis(kind, workers):
    expected = {f"s{seed}": simulate(small(), seed).kpis for seed in SEEDS}
    with make_evaluator(kind, workers) as ev:
        got = {o["run_id"]: require_ok(o)["kpis"] for o in ev.evaluate(jobs())}
    assert got.keys() == expected.keys()
    assert all(same(got[k], expected[k]) for k in expected)
