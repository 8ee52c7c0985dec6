"""The result store: resume, kill -9 at random moments, failures, refusal of another design."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from sim.scenario.config import ConfigError
from sim.study import results
from sim.study.sweep import load_sweep, run_sweep
from sim.study.sweep.store import SweepStore
from tests.sweep_specs import write_sweep_spec

ROOT = Path(__file__).resolve().parents[3]


SPEC = {
    "set": {"population.size": 1000, "horizon_days": 60},
    "parameters": {
        "coupons.value": {"lower": 5, "upper": 40},
        "coupons.redeemable_in": {"levels": ["online", "store", "everywhere"]},
    },
    "design": {"kind": "lhs", "samples": 4},
    "replications": 2,
    "root_seed": 7,
    "kpis": ["revenue", "customers", "repurchase_rate_members"],
}


def write_spec(tmp_path: Path, filename: str = "sweep.yaml", **changes) -> Path:
    return write_sweep_spec(tmp_path, SPEC, filename, **changes)


def test_sweep_writes_store_and_resume_is_a_no_op(tmp_path):
    sweep = load_sweep(write_spec(tmp_path, keep_timeseries=True, keep_events=True))
    out = tmp_path / "out"
    summary = run_sweep(sweep, out, workers=2, progress=False)
    assert (summary.ok, summary.failed, summary.skipped) == (8, 0, 0)
    res = results.load(out)
    assert res.status["counts"] == {"total": 8, "ok": 8, "failed": 0, "missing": 0}
    assert res.status["state"] == "complete"
    assert res.status["base_config_hash"] == sweep.base.config_hash()
    assert list(res.kpis.columns) == ["revenue", "customers", "repurchase_rate_members"]
    assert res.kpis["repurchase_rate_members"].isna().all()  # undefined at 60 days: null
    assert res.runs["status"].eq("ok").all()
    from sim.study.backends import engine_fingerprint

    assert set(res.engines) == {engine_fingerprint()} == {res.status["engine"]}
    ts = res.timeseries()
    assert set(ts["run_id"]) == set(res.design.index)
    events = res.events("p00000-r00")
    assert len(events) > 0 and "day" in events
    got = res.sql('select "coupons.redeemable_in" as r, count(*) as n from runs group by 1')
    assert got["n"].sum() == 8
    again = run_sweep(sweep, out, workers=2, progress=False)
    assert (again.ok, again.skipped) == (0, 8)


def test_a_different_design_in_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    run_sweep(load_sweep(write_spec(tmp_path, replications=1)), out, workers=1, progress=False)
    before = sorted(p.name for p in (out / "parts").iterdir())
    other = load_sweep(write_spec(tmp_path, filename="other.yaml", replications=3))
    with pytest.raises(ConfigError, match="holds a different sweep.*replications"):
        run_sweep(other, out, workers=1, progress=False)
    assert sorted(p.name for p in (out / "parts").iterdir()) == before


def test_a_second_writer_is_locked_out_and_temp_files_are_ignored(tmp_path):
    sweep = load_sweep(write_spec(tmp_path))
    out = tmp_path / "out"
    from sim.study.sweep.runner import design_meta

    store = SweepStore(out).open(sweep.design, design_meta(sweep))
    try:
        with pytest.raises(ConfigError, match="already writing"):
            SweepStore(out).open(sweep.design, design_meta(sweep))
        # a half-written part left by a killed writer is invisible to readers
        (out / "parts" / ".p00000-r00.parquet.tmp-999").write_bytes(b"garbage")
        assert results.load(out).status["counts"]["ok"] == 0
    finally:
        store.close()
    run_sweep(sweep, out, workers=2, progress=False)
    assert not list(out.rglob(".*.tmp-*"))
    assert results.load(out).status["counts"]["ok"] == 8


def test_a_foreign_folder_is_refused_but_a_half_created_store_is_reused(tmp_path):
    from sim.study.sweep.runner import design_meta

    sweep = load_sweep(write_spec(tmp_path))
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty and holds no sweep design"):
        SweepStore(foreign).open(sweep.design, design_meta(sweep))
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]
    half = tmp_path / "half"  # killed after creating its folders, before the design
    for sub in ("parts", "failures", "timeseries", "events"):
        (half / sub).mkdir(parents=True)
    SweepStore(half).open(sweep.design, design_meta(sweep)).close()
    assert (half / "design.parquet").exists()


def test_failed_runs_are_recorded_and_the_sweep_goes_on(tmp_path):
    """horizon 40 with the schedule change on day 50 is invalid only in combination."""
    base = tmp_path / "base.yaml"
    base.write_text(
        yaml.safe_dump(
            {
                "horizon_days": 60,
                "population": {"size": 800},
                "schedule": [{"day": 10, "set": {"coupons.value": 10}}],
            }
        )
    )
    spec = write_spec(
        tmp_path,
        base=str(base),
        set={},
        parameters={"horizon_days": {"levels": [40, 60]}, "schedule.0.day": {"levels": [5, 50]}},
        design={"kind": "grid"},
        replications=1,
    )
    out = tmp_path / "out"
    summary = run_sweep(load_sweep(spec), out, workers=2, progress=False)
    # (40, 50) is invalid; the others run (or fail for reasons of their own: all are recorded)
    assert summary.ok + summary.failed == 4 and summary.failed >= 1
    res = results.load(out)
    assert "p00001-r00" in res.failures.index
    assert "schedule.0.day" in res.failures.loc["p00001-r00", "error"]
    assert res.runs.loc["p00001-r00", "status"] == "failed"
    assert res.status["state"] == "complete_with_failures"
    assert res.status["counts"]["missing"] == 0
    # a rerun retries only the failed runs
    again = run_sweep(load_sweep(spec), out, workers=1, progress=False)
    assert (again.skipped, again.failed) == (summary.ok, summary.failed)


def _part_ids(out: Path) -> list[str]:
    parts = out / "parts"
    return sorted(p.name for p in parts.glob("[!.]*.parquet")) if parts.is_dir() else []


def _wait_for_progress(proc: subprocess.Popen, out: Path, since: int, timeout: float = 60) -> None:
    """Until the sweep has stored a run beyond ``since`` (its workers are up), or it exits."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and len(_part_ids(out)) <= since:
        assert time.monotonic() < deadline, "sweep made no progress"
        time.sleep(0.01)


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_nothing_and_duplicates_nothing(tmp_path):
    """kill -9 the sweep (and its workers) 3 times: once during start-up (design being
    written), then at seeded random moments after it has started storing runs."""
    spec = write_spec(
        tmp_path,
        # A 30-day past: the store's robustness, not the market's history, is under test.
        set={"population.size": 1000, "horizon_days": 60, "market.burn_in_days": 30},
        design={"kind": "lhs", "samples": 20},
        replications=2,
    )
    total = 40
    reference = tmp_path / "reference"
    run_sweep(load_sweep(spec), reference, workers=2, progress=False)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim.cli.main", "sweep", str(spec), "--out", str(out)]
    cmd += ["--workers", "2", "--quiet"]
    rng = random.Random(6)
    seen = []
    for attempt in range(3):
        before = len(_part_ids(out))
        proc = subprocess.Popen(
            cmd, cwd=ROOT, start_new_session=True, stderr=subprocess.PIPE, text=True
        )
        if attempt == 0:
            time.sleep(rng.uniform(0.3, 2.0))
        else:
            _wait_for_progress(proc, out, before)
            time.sleep(rng.uniform(0.0, 0.8))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, mid-write or not
        else:
            assert proc.returncode == 0, proc.stderr.read()
        proc.wait()
        proc.stderr.close()
        seen.append(len(_part_ids(out)))
        for part in _part_ids(out):  # every committed part is whole and readable
            pq.read_table(out / "parts" / part)
        if (out / "design.parquet").exists():
            pq.read_table(out / "design.parquet")
    print("parts after each kill:", seen)
    assert any(0 < n < total for n in seen), f"no kill landed mid-sweep: {seen}"
    assert seen == sorted(seen)  # finished runs are never lost
    final = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert final.returncode == 0, final.stderr
    res = results.load(out)
    assert res.status["counts"] == {"total": total, "ok": total, "failed": 0, "missing": 0}
    assert res.kpis.index.is_unique and len(_part_ids(out)) == total
    assert not list(out.rglob(".*.tmp-*"))
    ref = results.load(reference)
    pd.testing.assert_frame_equal(res.kpis, ref.kpis, check_exact=True)
    pd.testing.assert_frame_equal(res.design, ref.design, check_exact=True)
