"""Opening result folders in the dashboard: each kind is recognised, anything else refused."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.present.dashboard.explore import kind_of, open_result
from sim.scenario.config import ConfigError


def test_an_optimize_folder_shows_its_report_and_plans(tmp_path):
    (tmp_path / "summary.json").write_text(json.dumps({"name": "opt"}))
    (tmp_path / "report.md").write_text("# omo optimize: opt\n")
    pd.DataFrame(
        {"trial": [0, 1], "state": ["complete"] * 2, "feasible": [True, False],
         "objective:mean:profit": [1.0, 2.0]}
    ).to_parquet(tmp_path / "trials.parquet")  # fmt: skip
    opened = open_result(tmp_path)
    assert opened.kind == "optimize" and "omo optimize" in opened.markdown
    assert len(opened.figures) == 1 and len(opened.tables[0][1]) == 2


def test_an_experiment_folder_shows_its_summary(tmp_path):
    pd.DataFrame(
        {"kpi": ["profit"] * 2, "arm": ["a", "b"], "is_control": [True, False],
         "mean": [1.0, 2.0], "diff": [0.0, 1.0], "ci_low": [0.0, 0.5], "ci_high": [0.0, 1.5]}
    ).to_parquet(tmp_path / "summary.parquet")  # fmt: skip
    opened = open_result(tmp_path)
    assert opened.kind == "experiment"
    assert list(opened.tables[0][1]["arm"]) == ["b"]


def test_other_folders_are_refused_naming_them(tmp_path):
    with pytest.raises(ConfigError, match="not an omo result folder"):
        kind_of(tmp_path)
    with pytest.raises(ConfigError, match="no such folder"):
        kind_of(tmp_path / "missing")


def test_a_truth_folder_shows_channels_with_intervals_marginal_returns_and_weeks(tmp_path):
    from tests.present.dashboard.truth_folder import write_truth_folder

    opened = open_result(write_truth_folder(tmp_path / "truth"))
    assert opened.kind == "truth" and "Ground truth" in opened.markdown
    channels = dict(opened.tables)["channels: Shapley, leave-one-out, alone; marginal return"]
    assert list(channels["channel"]) == ["short_video", "ugc"]
    assert "±" in channels.loc[1, "Shapley revenue"]  # an interval with every effect
    assert channels.loc[1, "marginal revenue per spend"].startswith("0.8")
    families = dict(opened.tables)["touchpoint families (switched off)"]
    assert "word_of_mouth" in set(families["touchpoint"])
    assert [title for title, _ in opened.figures] == [
        "incremental revenue by channel",
        "Shapley revenue week by week",
    ]


def test_a_truth_folder_shows_profit_when_asked(tmp_path):
    from tests.present.dashboard.truth_folder import write_truth_folder

    opened = open_result(write_truth_folder(tmp_path / "truth"), kpi="profit")
    assert "of profit" in opened.markdown
    assert opened.figures[0][0] == "incremental profit by channel"
