"""``omo truth`` and ``omo attribute`` on the command line: bad input, and a tiny end to end."""

from __future__ import annotations

import json

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
    assert not (tmp_path / "truth.work").exists()
    run = tmp_path / "run"
    assert main(["run", "configs/baseline.yaml", *TINY, "--out", str(run), "--quiet"]) == 0
    attr = tmp_path / "attr"
    assert main(["attribute", str(run), "--truth", str(truth), "--out", str(attr)]) == 0
    assert "rank_correlation" in capsys.readouterr().out
    assert (attr / "scores.csv").is_file() and (attr / "report.html").is_file()
