"""Scenario files on a ``base:``: merged key by key, relative to the file; warns if uncalibrated."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.scenario.base import UncalibratedWarning
from sim.scenario.config import ConfigError, load_scenario

ROOT = Path(__file__).resolve().parents[2]
BASELINE = load_scenario(ROOT / "configs" / "baseline.yaml")


def scenario(tmp_path: Path, text: str, name: str = "mine.yaml") -> Path:
    (tmp_path / "configs").mkdir(exist_ok=True)
    (tmp_path / "configs" / "baseline.yaml").write_text(
        (ROOT / "configs" / "baseline.yaml").read_text()
    )
    path = tmp_path / "configs" / name
    path.write_text(text)
    return path


def test_base_is_merged_key_by_key_relative_to_the_file(tmp_path, monkeypatch):
    path = scenario(tmp_path, "name: mine\nbase: baseline.yaml\nstores: {count: 150}\n")
    monkeypatch.chdir(tmp_path)  # the cwd is not the file's folder
    config = load_scenario(path)
    assert config.name == "mine" and config.stores.count == 150
    assert config.stores.tier34_share == BASELINE.stores.tier34_share  # kept from the base
    assert config.behaviour == BASELINE.behaviour


def test_lists_replace_the_base_list(tmp_path):
    path = scenario(
        tmp_path, "base: baseline.yaml\nschedule: [{day: 5, set: {stores.bopis: false}}]\n"
    )
    assert [c.day for c in load_scenario(path).schedule] == [5]


def test_relative_values_are_resolved_against_the_base(tmp_path):
    path = scenario(
        tmp_path, "base: baseline.yaml\ncontent: {channels: {kol: {daily_budget: {times: 0.7}}}}\n"
    )
    kol = BASELINE.content.channels["kol"].daily_budget
    assert load_scenario(path).content.channels["kol"].daily_budget == pytest.approx(0.7 * kol)


def test_a_base_may_have_a_base(tmp_path):
    scenario(tmp_path, "base: baseline.yaml\nstores: {count: 150}\n", "middle.yaml")
    path = scenario(tmp_path, "base: middle.yaml\nstores: {bopis: false}\n")
    stores = load_scenario(path).stores
    assert (stores.count, stores.bopis) == (150, False)


def test_a_missing_base_is_refused_naming_the_field(tmp_path):
    path = scenario(tmp_path, "base: nowhere.yaml\n")
    with pytest.raises(ConfigError, match=r"mine.yaml: base: value 'nowhere.yaml': no such"):
        load_scenario(path)


def test_a_cycle_of_bases_is_refused(tmp_path):
    scenario(tmp_path, "base: mine.yaml\n", "other.yaml")
    path = scenario(tmp_path, "base: other.yaml\n")
    with pytest.raises(ConfigError, match="cycle"):
        load_scenario(path)


def test_a_scenario_without_behaviour_warns(tmp_path):
    with pytest.warns(UncalibratedWarning, match="uncalibrated"):
        load_scenario(scenario(tmp_path, "name: mine\nstores: {count: 150}\n"))


def test_a_scenario_on_the_baseline_does_not_warn(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UncalibratedWarning)
        load_scenario(scenario(tmp_path, "base: baseline.yaml\nstores: {count: 150}\n"))


def test_omo_run_prints_the_warning_as_one_line_and_runs(tmp_path, capsys):
    path = scenario(tmp_path, "name: mine\nstores: {count: 150}\n")
    code = main(
        ["run", str(path), "--set", "population.size=300", "--set", "horizon_days=5",
         "--out", str(tmp_path / "run"), "--quiet"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0
    assert err.startswith("warning: ") and "base: baseline.yaml" in err and "Traceback" not in err


def test_omo_run_exits_2_on_a_missing_base(tmp_path, capsys):
    path = scenario(tmp_path, "base: nowhere.yaml\n")
    assert main(["run", str(path), "--out", str(tmp_path / "run")]) == 2
    assert "base: value 'nowhere.yaml'" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
