"""Working folder of finished runs: exact round trip, and bad parts set aside, not trusted."""

from __future__ import annotations

import math

from sim.io.parts import PartsFolder


def test_a_part_reads_back_exactly_nan_included(tmp_path):
    parts = PartsFolder(tmp_path / "w")
    record = {"kpis": {"revenue": 0.1 + 0.2, "cac": float("nan"), "n": 7}, "daily": [1e-300]}
    parts.put("abc-seed3", record)
    back = parts.load()["abc-seed3"]
    assert back["kpis"]["revenue"] == 0.1 + 0.2 and back["kpis"]["n"] == 7
    assert math.isnan(back["kpis"]["cac"]) and back["daily"] == [1e-300]


def test_a_truncated_part_is_moved_aside_and_its_run_counts_as_missing(tmp_path):
    parts = PartsFolder(tmp_path / "w")
    parts.put("good", {"x": 1})
    parts.put("cut", {"x": 2})
    path = tmp_path / "w" / "cut.json"
    path.write_text(path.read_text()[:5])
    assert set(parts.load()) == {"good"}
    assert (tmp_path / "w" / "bad" / "cut.json").exists() and not path.exists()


def test_a_part_under_another_runs_name_is_not_trusted(tmp_path):
    parts = PartsFolder(tmp_path / "w")
    parts.put("a", {"x": 1})
    (tmp_path / "w" / "a.json").rename(tmp_path / "w" / "b.json")
    assert parts.load() == {}


def test_no_folder_means_nothing_finished(tmp_path):
    assert PartsFolder(tmp_path / "none").load() == {}
