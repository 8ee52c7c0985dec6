"""Dask executor: identical KPI rows to the local pool; a worker killed mid-sweep."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.study import results
from sim.study.sweep import load_sweep, run_sweep
from tests.sweep_specs import write_sweep_spec

SPEC = {
    # a 30-day past: the executors' agreement, not the market's history, is under test
    "set": {"population.size": 1000, "horizon_days": 60, "market.burn_in_days": 30},
    "parameters": {
        "content.channels.livestream.daily_budget": {"lower": 0, "upper": 50000},
        "stores.count": {"lower": 50, "upper": 400, "integer": True},
    },
    "design": {"kind": "lhs", "samples": 4},
    "replications": 2,
    "root_seed": 11,
    "kpis": ["revenue", "customers", "store_visits", "omnichannel_customer_share"],
}


def write_spec(tmp_path: Path, **changes) -> Path:
    return write_sweep_spec(tmp_path, SPEC, **changes)


@pytest.mark.slow
def test_local_and_dask_give_identical_kpi_rows(tmp_path):
    sweep = load_sweep(write_spec(tmp_path))
    run_sweep(sweep, tmp_path / "local", executor="local", workers=2, progress=False)
    summary = run_sweep(sweep, tmp_path / "dask", executor="dask", workers=2, progress=False)
    assert (summary.ok, summary.failed) == (8, 0)
    local, dask = results.load(tmp_path / "local"), results.load(tmp_path / "dask")
    assert len(local.kpis) == 8
    pd.testing.assert_frame_equal(local.kpis, dask.kpis, check_exact=True)
    assert dask.status["executor"] == "dask"


@pytest.mark.slow
def test_a_dask_worker_killed_mid_sweep_loses_no_run(tmp_path):
    from dask.distributed import Client, LocalCluster

    spec = write_spec(
        tmp_path,
        set={"population.size": 2000, "horizon_days": 90},
        design={"kind": "lhs", "samples": 12},
    )
    sweep = load_sweep(spec)
    total = len(sweep.design)
    out = tmp_path / "out"
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        ) as cluster,
        Client(cluster) as client,
    ):
        pids = client.run(os.getpid)
        box: dict = {}

        def sweep_thread() -> None:
            try:
                box["summary"] = run_sweep(
                    sweep, out, executor="dask", scheduler=cluster.scheduler_address, progress=False
                )
            except BaseException as exc:  # surfaced below
                box["error"] = exc

        thread = threading.Thread(target=sweep_thread)
        thread.start()
        deadline = time.monotonic() + 60
        while len(list((out / "parts").glob("[!.]*.parquet"))) < 2:
            assert time.monotonic() < deadline and thread.is_alive(), box
            time.sleep(0.02)
        done_at_kill = len(list((out / "parts").glob("[!.]*.parquet")))
        victim = sorted(pids.values())[0]
        os.kill(victim, signal.SIGKILL)
        thread.join(timeout=180)
        assert not thread.is_alive()
    assert "error" not in box, box.get("error")
    assert done_at_kill < total, "the sweep finished before the kill: make it longer"
    summary = box["summary"]
    assert (summary.ok, summary.failed) == (total, 0)
    res = results.load(out)
    assert res.status["counts"] == {"total": total, "ok": total, "failed": 0, "missing": 0}
    assert res.kpis.index.is_unique
