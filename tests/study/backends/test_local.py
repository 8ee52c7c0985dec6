"""Local backend: workers end with their command, even after ``kill -9``.

A ``kill -9`` runs no clean-up code in the command, so only the workers' own watch can
end them. Each test starts a real ``omo`` process, waits until its pool's workers are
computing, kills the command alone (not its process group, as an OOM kill or a crashed
terminal would) and requires every process it had started to be gone within seconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.study.backends.local import LocalEvaluator
from tests.omo_process import ROOT, descendants, kill9_leaves_no_orphans, start_omo, wait_for

BASELINE = ROOT / "configs" / "baseline.yaml"


def write(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def workers_started(pid: int, n: int) -> bool:
    """The command runs at least ``n`` pool workers (besides the forkserver)."""
    return len(descendants(pid)) >= n + 1


@pytest.mark.slow
def test_kill_9_of_compare_leaves_no_worker_processes(tmp_path):
    exp = write(
        tmp_path / "exp.yaml",
        {
            "name": "k",
            "base": str(BASELINE),
            "set": {"population.size": 3000, "horizon_days": 120},
            "arms": {
                "a": {"set": {"coupons.redeemable_in": "everywhere"}},
                "b": {"set": {"coupons.redeemable_in": "online"}},
            },
            "kpis": ["revenue"],
            "replications": 40,
        },
    )
    proc = start_omo("compare", str(exp), "--out", "out", "--workers", "2", cwd=tmp_path)
    wait_for(lambda: workers_started(proc.pid, 2), 60, "compare's pool workers")
    wait_for(lambda: any((tmp_path / "out.work").glob("*.json")), 60, "a finished run")
    kill9_leaves_no_orphans(proc)


@pytest.mark.slow
def test_kill_9_of_calibrate_leaves_no_worker_processes(tmp_path):
    scenario = write(
        tmp_path / "s.yaml",
        {"name": "s", "population": {"size": 3000}, "horizon_days": 120},
    )
    rule = {"value": 0.3, "tolerance": 0.5, "abs": True, "source": "s", "definition": "d"}
    targets = write(tmp_path / "t.yaml", {"levels": {"omnichannel_aov_uplift": rule}})
    params = write(
        tmp_path / "p.yaml",
        {"parameters": [{"path": "behaviour.omnichannel_basket_uplift", "low": 0, "high": 1}]},
    )
    args = ["calibrate", str(scenario), "--targets", str(targets), "--params", str(params)]
    args += ["--trials", "50", "--out", "cal.yaml", "--seeds", "4", "--workers", "2"]
    proc = start_omo(*args, cwd=tmp_path)
    wait_for(lambda: workers_started(proc.pid, 2), 60, "calibrate's pool workers")
    kill9_leaves_no_orphans(proc)


def test_one_worker_runs_in_this_process():
    """``workers=1`` starts no pool: runs can be debugged and profiled in-process."""
    import os

    from sim.scenario.config import ScenarioConfig, with_overrides

    config = with_overrides(ScenarioConfig(name="t"), {"population.size": 200, "horizon_days": 5})
    job = {"run_id": "r", "config": config.to_dict(), "seed": 1}
    with LocalEvaluator(1) as ev:
        (outcome,) = ev.evaluate([job])
        assert ev._pool is None
    assert outcome["status"] == "ok" and outcome["worker"].endswith(f":{os.getpid()}")


def test_zero_workers_is_refused_naming_the_option():
    from sim.scenario.config import ConfigError

    with pytest.raises(ConfigError, match="--workers: value 0: must be at least 1"):
        LocalEvaluator(0)
