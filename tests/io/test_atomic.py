"""Atomic output folders: ``--force`` replaces only omo's own outputs; killed writers are cleaned.

Every refusal is checked through ``omo run`` or ``omo compare`` itself: the check must happen
before any simulation, exit 2 with a message naming ``--out``, and change nothing on disk.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.cli.main import main
from sim.io.atomic import OutputRefused, atomic_folder, is_omo_output
from sim.scenario.config import ScenarioConfig, with_overrides

ROOT = Path(__file__).resolve().parents[2]


def tiny_scenario(tmp_path: Path) -> Path:
    config = with_overrides(
        ScenarioConfig(name="tiny"), {"population.size": 200, "horizon_days": 10}
    )
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(config.to_dict(), sort_keys=False))
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def victim(tmp_path: Path) -> Path:
    folder = tmp_path / "victim"
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.txt").write_text("my notes")
    (folder / "sub" / "thesis.tex").write_text("\\chapter{one}")
    return folder


def test_force_refuses_a_folder_that_is_not_an_omo_output(tmp_path, capsys):
    """Defect 1: ``--force`` on a folder of the user's files exits 2 and deletes nothing."""
    folder = victim(tmp_path)
    before = snapshot(folder)
    code = main(["run", str(tiny_scenario(tmp_path)), "--out", str(folder), "--force"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--out" in err and "not an omo output" in err and "Traceback" not in err
    assert snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.yaml", "victim"]


def test_force_refuses_the_working_directory(tmp_path, capsys, monkeypatch):
    """Defect 1: ``--out . --force`` is refused cleanly (no traceback, nothing removed)."""
    scenario = tiny_scenario(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(scenario), "--out", ".", "--force"]) == 2
    err = capsys.readouterr().err
    assert "working directory" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.yaml"]


def test_force_refuses_a_parent_of_the_working_directory(tmp_path, capsys, monkeypatch):
    """Defect 1: a parent of the working directory is never replaced, even if it looks omo's."""
    scenario = tiny_scenario(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"versions": {}, "created_utc": "x"}))
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    monkeypatch.chdir(inner)
    assert main(["run", str(scenario), "--out", str(tmp_path), "--force"]) == 2
    assert "working directory" in capsys.readouterr().err
    assert inner.is_dir() and scenario.exists()


def test_force_refuses_a_file(tmp_path, capsys):
    """Defect 1: ``--out FILE --force`` leaves the file as it was and adds no hidden copy."""
    target = tmp_path / "report.txt"
    target.write_text("keep me")
    scenario = tiny_scenario(tmp_path)
    assert main(["run", str(scenario), "--out", str(target), "--force"]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt", "tiny.yaml"]


def test_compare_force_refuses_a_folder_that_is_not_an_omo_output(tmp_path, capsys):
    """Defect 1: ``omo compare --force`` is held to the same rule, before any run."""
    folder = victim(tmp_path)
    before = snapshot(folder)
    exp = tmp_path / "exp.yaml"
    exp.write_text(
        f"name: tiny\nbase: {ROOT / 'configs' / 'baseline.yaml'}\n"
        "set: {population.size: 200, horizon_days: 10}\n"
        "arms:\n  a: {set: {coupons.value: 10}}\n  b: {set: {coupons.value: 20}}\n"
        "kpis: [revenue]\nreplications: 2\n"
    )
    code = main(["compare", str(exp), "--out", str(folder), "--force", "--workers", "1"])
    assert code == 2
    assert "not an omo output" in capsys.readouterr().err
    assert snapshot(folder) == before


def test_force_replaces_an_omo_run_folder(tmp_path):
    """The point of ``--force``: a run folder omo wrote is replaced by the new run."""
    scenario = tiny_scenario(tmp_path)
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out), "--quiet"]) == 0
    (out / "marker").write_text("old")
    assert is_omo_output(out)
    assert main(["run", str(scenario), "--out", str(out), "--quiet", "--force"]) == 0
    assert not (out / "marker").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_dead_writers_temp_folder_is_removed(tmp_path):
    """Defect 18: ``.<name>.tmp-<pid>`` of a killed writer goes at the next write."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(dead.stdout)
    stale = tmp_path / f".run.tmp-{pid}"
    (stale / "half").mkdir(parents=True)
    with atomic_folder(tmp_path / "run") as tmp:
        (tmp / "manifest.json").write_text("{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_live_writers_temp_folder_is_kept(tmp_path):
    """Defect 18: the clean-up never touches a temp folder whose writer still runs."""
    live = tmp_path / f".run.tmp-{os.getppid()}"
    live.mkdir()
    with atomic_folder(tmp_path / "run") as tmp:
        (tmp / "manifest.json").write_text("{}")
    assert live.is_dir()


def test_a_kill_mid_replace_puts_the_old_folder_back(tmp_path):
    """A kill between moving the old folder aside and moving the new one in loses nothing."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    old = tmp_path / f".run.old-{int(dead.stdout)}"
    old.mkdir()
    (old / "manifest.json").write_text(json.dumps({"versions": {}, "created_utc": "x"}))
    with pytest.raises(OutputRefused), atomic_folder(tmp_path / "run"):  # restored: exists
        pass
    assert is_omo_output(tmp_path / "run")


def test_an_out_that_cannot_be_created_is_refused_before_the_run(tmp_path, capsys):
    """Defect 14: ``--out file/run`` is refused up front, not after the simulation."""
    (tmp_path / "file").write_text("x")
    code = main(["run", str(tiny_scenario(tmp_path)), "--out", str(tmp_path / "file" / "run")])
    assert code == 2
    assert "cannot be created" in capsys.readouterr().err
