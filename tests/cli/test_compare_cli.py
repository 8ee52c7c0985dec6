"""``omo compare`` end to end: bad input exits 2 writing nothing; a tiny run writes a report."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import sim.cli.main
from sim.cli.main import main

REGISTERED = sim.cli.main.COMMAND_MODULES  # before the fixture below narrows it
ROOT = Path(__file__).resolve().parents[2]
TINY = f"""
name: tiny
description: Coupons everywhere versus online only, on a tiny market.
base: {ROOT / "configs" / "baseline.yaml"}
set: {{population.size: 1500, horizon_days: 60, market.burn_in_days: 30}}
arms:
  everywhere: {{set: {{coupons.redeemable_in: everywhere}}}}
  online_only: {{set: {{coupons.redeemable_in: online}}}}
kpis: [revenue, coupon_redemption_rate, orders_store]
bootstrap_kpis: [revenue]
replications: 3
root_seed: 11
"""


@pytest.fixture(autouse=True)
def only_compare(monkeypatch):
    """Isolate from sibling subcommands still being written; registration is tested below."""
    monkeypatch.setattr(sim.cli.main, "COMMAND_MODULES", ("compare",))


def test_compare_is_registered():
    assert "compare" in REGISTERED


def experiment(tmp_path: Path, text: str = TINY) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (
            ("  online_only: {set:", "  online_only: {sett:"),
            "arms.online_only.sett: value {'coupons.redeemable_in': 'online'}: unknown key",
        ),
        (("orders_store]", "orders_shop]"), "kpis: value 'orders_shop': unknown KPI"),
        (("replications: 3", "replications: 0"), "replications: value 0"),
        (("base: ", "base: /nowhere"), "base: value '/nowhere"),
        # defect 14: found up front, not after every simulation has run
        (("  online_only:", "  $\\frac$:"), "arms: name '$\\\\frac$'"),
        (("root_seed: 11", "root_seed: 18446744073709551616"), "root_seed: value"),
        # defect 11: a repeated arm name used to replace the first arm silently
        (("  online_only:", "  everywhere:"), "'everywhere' given twice"),
        # defect 19: duplicated KPI names gave duplicated rows; an infinite suggest 2 runs
        (("orders_store]", "orders_store, revenue]"), "kpis: revenue: listed more than once"),
        (("root_seed: 11", "root_seed: 11\nsuggest: {revenue: .inf}"), "suggest.revenue"),
        (("name: tiny", "name: ../../escaped"), "name: value '../../escaped'"),
    ],
)
def test_bad_experiment_files_exit_2_and_write_nothing(tmp_path, capsys, edit, field):
    path = experiment(tmp_path, TINY.replace(*edit))
    out = tmp_path / "results"
    assert main(["compare", str(path), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert field in err and err.startswith("error: ") and "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.yaml"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--replications", "1"], "--replications: value 1: must be >= 2"),
        (["--workers", "0"], "--workers: value 0: must be at least 1"),
        (["--suggest", "revenue"], "expected KPI=HALF_WIDTH"),
        (["--suggest", "customers=5"], "not among the experiment's kpis"),
        (["--suggest", "revenue=-1"], "must be a number > 0"),
    ],
)
def test_bad_options_exit_2(tmp_path, capsys, args, message):
    out = tmp_path / "results"
    assert main(["compare", str(experiment(tmp_path)), "--out", str(out), *args]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_missing_experiment_file_exits_2(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "none.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_tiny_compare_writes_the_results_folder(tmp_path, capsys):
    out = tmp_path / "results"
    args = ["compare", str(experiment(tmp_path)), "--out", str(out), "--workers", "1"]
    assert main([*args, "--suggest", "revenue=100"]) == 0
    printed = capsys.readouterr().out
    assert "tiny: 2 arms x 3 replications" in printed
    assert "coupon_redemption_rate" in printed and "everywhere (control)" in printed
    assert "change" in printed and "suggest: revenue +-100 vs online_only" in printed

    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 6 and set(runs["seed"]) == {11, 12, 13}
    assert pd.read_parquet(out / "runs.parquet").shape == runs.shape
    summary = pd.read_parquet(out / "summary.parquet")
    assert set(summary["kpi"]) == {"revenue", "coupon_redemption_rate", "orders_store"}
    assert (summary.loc[summary["kpi"] == "revenue", "method"] != "t").all()
    assert (out / "summary.csv").is_file() and (out / "plots" / "forest.png").is_file()

    page = (out / "report.html").read_text()
    assert '<table id="results">' in page and 'id="summary"' in page
    assert "online_only" in page and "coupons.redeemable_in" in page
    assert page.count("data:image/png;base64,") >= 4
    meta = json.loads((out / "manifest.json").read_text())
    assert meta["seeds"] == [11, 12, 13] and meta["control"] == "everywhere"
    assert meta["arms"]["online_only"]["config_hash"] != meta["arms"]["everywhere"]["config_hash"]
    assert "numpy" in meta["versions"]

    assert main([*args, "--quiet"]) == 2  # exists: refuses without --force
    assert "exists already" in capsys.readouterr().err
    assert main([*args, "--quiet", "--force", "--replications", "2"]) == 0
    assert len(pd.read_csv(out / "runs.csv")) == 4


def test_set_overrides_every_arm_without_editing_the_file(tmp_path, capsys):
    out = tmp_path / "results"
    args = ["compare", str(experiment(tmp_path)), "--out", str(out), "--workers", "1", "--quiet"]
    assert main([*args, "--set", "horizon_days=20", "--replications", "2"]) == 0
    meta = json.loads((out / "manifest.json").read_text())
    assert {arm["config"]["horizon_days"] for arm in meta["arms"].values()} == {20}


@pytest.mark.slow
def test_compare_killed_midway_resumes_with_only_the_missing_runs(tmp_path, capsys):
    """kill -9 after some runs: they are kept, the same command runs only the rest, and
    the results equal those of an uninterrupted comparison."""
    from tests.omo_process import start_omo, wait_for

    exp = tmp_path / "exp.yaml"
    exp.write_text(
        TINY.replace(
            "population.size: 1500, horizon_days: 60", "population.size: 3000, horizon_days: 120"
        ).replace("replications: 3", "replications: 10")
    )
    work = tmp_path / "out.work"
    proc = start_omo("compare", str(exp), "--out", "out", "--workers", "2", cwd=tmp_path)
    wait_for(lambda: len(list(work.glob("*.json"))) >= 4, 120, "four finished runs")
    proc.kill()
    proc.wait(timeout=10)
    kept = len(list(work.glob("*.json")))
    assert 4 <= kept < 20 and not (tmp_path / "out").exists()

    args = ["compare", str(exp), "--workers", "2"]
    assert main([*args, "--out", str(tmp_path / "out")]) == 0
    assert f"resumed: {20 - kept} runs now, {kept} kept" in capsys.readouterr().out
    assert not work.exists()
    assert main([*args, "--out", str(tmp_path / "straight"), "--quiet"]) == 0
    for name in ("runs.csv", "summary.csv"):
        resumed = pd.read_csv(tmp_path / "out" / name)
        pd.testing.assert_frame_equal(resumed, pd.read_csv(tmp_path / "straight" / name))
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "out" / "daily.parquet"),
        pd.read_parquet(tmp_path / "straight" / "daily.parquet"),
        check_exact=True,
    )


def test_a_run_that_raises_exits_1_keeping_the_finished_runs(tmp_path, capsys, monkeypatch):
    import sim.study.run

    real = sim.study.run.simulate

    def simulate(config, seed=0, **kw):
        if seed == 13:
            raise RuntimeError("boom")
        return real(config, seed, **kw)

    monkeypatch.setattr(sim.study.run, "simulate", simulate)
    out = tmp_path / "results"
    code = main(["compare", str(experiment(tmp_path)), "--out", str(out), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "seed13 failed: RuntimeError: boom" in err and "finished runs are kept in" in err
    assert not out.exists()
    assert len(list((tmp_path / "results.work").glob("*.json"))) == 4  # seeds 11, 12 x 2 arms
