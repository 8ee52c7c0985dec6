"""``omo truth`` and ``omo attribute`` on the command line: bad input, and a tiny end to end."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.cli.main import main

TINY = [
    "--set", "population.size=400", "--set", "horizon_days=30", "--set", "market.burn_in_days=30",
    "--set", "content.channels.ugc.daily_budget=0", "--set", "content.channels.kol.daily_budget=0",
]  # fmt: skip


def test_bad_truth_options_exit_2_and_write_nothing(tmp_path, capsys):
    out = tmp_path / "t"
    code = main(["truth", "configs/baseline.yaml", "--precision", "0", "--max-seeds", "1",
                 "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "--precision" in err and "value 0" in err
    assert not out.exists()


def test_max_seeds_below_min_seeds_is_refused(tmp_path, capsys):
    code = main(["truth", "configs/baseline.yaml", "--min-seeds", "4", "--max-seeds", "3",
                 "--out", str(tmp_path / "t")])  # fmt: skip
    assert code == 2
    assert "--max-seeds: value 3: must be at least --min-seeds (4)" in capsys.readouterr().err


def test_an_unknown_grain_exits_2_naming_the_flag_and_the_allowed_values(tmp_path, capsys):
    out = tmp_path / "t"
    code = main(["truth", "configs/baseline.yaml", "--grain", "monthly", "--out", str(out)])
    assert code == 2
    assert "--grain: value 'monthly': must be one of daily, weekly" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "t.work").exists()


def test_a_daily_truth_writes_results_and_a_plot_by_day(tmp_path):
    out = tmp_path / "t"
    one_channel = [*TINY, "--set", "content.channels.livestream.daily_budget=0",
                   "--set", "horizon_days=10", "--set", "market.burn_in_days=0"]  # fmt: skip
    code = main(["truth", "configs/baseline.yaml", *one_channel, "--grain", "daily",
                 "--min-seeds", "2", "--max-seeds", "2", "--no-families", "--no-marginal",
                 "--workers", "1", "--out", str(out), "--quiet"])  # fmt: skip
    assert code == 0
    effects = pd.read_parquet(out / "effects.parquet")
    days = effects[(effects.scope == "day") & (effects.metric == "revenue")]
    assert sorted(days.cell.astype(int).unique()) == list(range(10))
    assert {"tier_day", "week"} <= set(effects.scope)
    assert json.loads((out / "manifest.json").read_text())["settings"]["grain"] == "day"
    assert (out / "plots" / "daily_shapley_revenue.png").is_file()
    assert "day by day" in (out / "report.html").read_text()


def test_attribute_refuses_a_folder_without_runs(tmp_path, capsys):
    assert main(["attribute", str(tmp_path), "--out", str(tmp_path / "a")]) == 2
    assert "no events.parquet" in capsys.readouterr().err


@pytest.mark.slow
def test_truth_then_attribute_end_to_end(tmp_path, capsys):
    truth = tmp_path / "truth"
    code = main(["truth", "configs/baseline.yaml", *TINY, "--min-seeds", "2", "--max-seeds", "2",
                 "--no-marginal", "--workers", "1", "--out", str(truth), "--quiet"])  # fmt: skip
    assert code == 0
    manifest = json.loads((truth / "manifest.json").read_text())
    assert manifest["stopped_by"] in ("precision", "seed limit")
    assert manifest["players"] == ["short_video", "livestream"]
    assert (truth / "effects.parquet").is_file() and (truth / "report.html").is_file()
    assert not (truth / "plots" / "daily_shapley_revenue.png").exists()  # weekly by default
    assert not (tmp_path / "truth.work").exists()
    run = tmp_path / "run"
    assert main(["run", "configs/baseline.yaml", *TINY, "--out", str(run), "--quiet"]) == 0
    attr = tmp_path / "attr"
    assert main(["attribute", str(run), "--truth", str(truth), "--out", str(attr)]) == 0
    assert "rank_correlation" in capsys.readouterr().out
    assert (attr / "scores.csv").is_file() and (attr / "report.html").is_file()
