"""Run folders: complete, typed, replayable byte for byte, and written atomically."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from sim.study.run import RUN_FILES, load_run, simulate, write_run
from tests.conftest import ROOT, SMALL_SEED, make_config

# A run small enough to repeat in a subprocess in well under a second of simulation.
REPLAY = {"size": 1500, "horizon": 60}


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(parent, name) -> list[str]:
    """Temporary or backup folders write_run would leave beside ``name``."""
    return [p.name for p in parent.iterdir() if p.name.startswith(f".{name}.")]


# ---- the folder -----------------------------------------------------------------------------
def test_run_folder_has_every_file(small_run_dir):
    """events, consumers, daily, inventory (Parquet), kpis and manifest (JSON) all exist."""
    assert sorted(p.name for p in small_run_dir.iterdir()) == sorted(RUN_FILES)


def test_manifest_records_config_hash_seed_versions_and_time(small_run_dir, small_config):
    """The manifest holds the resolved config, its hash, the seed, versions and wall time."""
    manifest = json.loads((small_run_dir / "manifest.json").read_text())
    assert manifest["config"] == small_config.to_dict()
    assert manifest["config_hash"] == small_config.config_hash()
    assert manifest["seed"] == SMALL_SEED
    assert {"python", "mesa", "numpy", "pyarrow"} <= set(manifest["versions"])
    assert manifest["wall_time_s"] > 0
    assert manifest["policy_changes"] == []


def test_events_parquet_keeps_documented_types(small_run_dir, small_run):
    """events.parquet on disk has the documented Arrow schema (dictionary-encoded strings)."""
    schema = pq.read_schema(small_run_dir / "events.parquet")
    assert schema.remove_metadata() == small_run.events.schema.remove_metadata()
    assert str(schema.field("day").type) == "int32"
    assert str(schema.field("event").type) == "dictionary<values=string, indices=int8, ordered=0>"


def test_load_run_round_trips(small_run_dir, small_run):
    """load_run returns what was written: same events, KPIs and consumers."""
    loaded = load_run(small_run_dir)
    assert len(loaded["events"]) == small_run.events.num_rows
    assert loaded["kpis"]["revenue"] == pytest.approx(small_run.kpis["revenue"])
    assert loaded["consumers"].consumer.tolist() == small_run.consumers.consumer.tolist()


def test_load_run_refuses_incomplete_folder(tmp_path):
    """A folder missing run files is not a run."""
    with pytest.raises(FileNotFoundError, match="not a complete run folder"):
        load_run(tmp_path)


# ---- determinism ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def replay_config():
    return make_config(**REPLAY)


@pytest.fixture(scope="module")
def replay_hash(replay_config, tmp_path_factory):
    """Hash of events.parquet for the replay config, seed 5, written in this process."""
    out = write_run(simulate(replay_config, 5), tmp_path_factory.mktemp("replay") / "a")
    return sha256(out / "events.parquet")


def test_same_seed_same_bytes_in_process(replay_config, replay_hash, tmp_path):
    """Running again in this process writes a byte-identical events.parquet."""
    out = write_run(simulate(replay_config, 5), tmp_path / "b")
    assert sha256(out / "events.parquet") == replay_hash


def test_same_seed_same_bytes_in_another_process(replay_config, replay_hash, tmp_path):
    """A fresh Python process writes a byte-identical events.parquet for the same config."""
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(replay_config.to_dict()))
    code = (
        "import json, sys; from sim.scenario.config import from_dict; "
        "from sim.study.run import simulate, write_run; "
        "cfg = from_dict(json.loads(open(sys.argv[1]).read())); "
        "write_run(simulate(cfg, 5), sys.argv[2])"
    )
    out = tmp_path / "other"
    subprocess.run(
        [sys.executable, "-c", code, str(config_file), str(out)], check=True, cwd=ROOT, timeout=120
    )
    assert sha256(out / "events.parquet") == replay_hash


def test_other_seed_other_bytes(replay_config, replay_hash, tmp_path):
    """Another seed gives a different events.parquet."""
    out = write_run(simulate(replay_config, 6), tmp_path / "c")
    assert sha256(out / "events.parquet") != replay_hash


# ---- atomic writing ------------------------------------------------------------------------
class Boom(Exception):
    pass


class FailingFrame:
    """Stands in for a table whose write fails half-way through the run folder."""

    def to_parquet(self, *args, **kwargs):
        raise Boom("disk full")


def test_failed_write_leaves_no_folder(small_run, tmp_path):
    """If writing fails mid-way, neither the run folder nor a temporary folder remains."""
    broken = dataclasses.replace(small_run, inventory=FailingFrame())
    with pytest.raises(Boom):
        write_run(broken, tmp_path / "run")
    assert not (tmp_path / "run").exists()
    assert leftovers(tmp_path, "run") == []


def test_interrupted_write_leaves_no_folder(small_run, tmp_path, monkeypatch):
    """A KeyboardInterrupt while writing the manifest also leaves nothing behind."""
    import sim.io.runs

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.io.runs.json, "dumps", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_run(small_run, tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


def test_failed_overwrite_keeps_the_old_run(small_run, tmp_path):
    """A failed --force rewrite leaves the previous complete run folder intact."""
    out = write_run(small_run, tmp_path / "run")
    before = sha256(out / "events.parquet")
    with pytest.raises(Boom):
        write_run(dataclasses.replace(small_run, daily=FailingFrame()), out, force=True)
    assert sha256(out / "events.parquet") == before
    assert leftovers(tmp_path, "run") == []


def test_refuses_to_overwrite_without_force(small_run, tmp_path):
    """An existing run folder is not replaced unless force=True."""
    out = write_run(small_run, tmp_path / "run")
    (out / "marker").write_text("old")
    with pytest.raises(FileExistsError):
        write_run(small_run, out)
    assert (out / "marker").exists()
    write_run(small_run, out, force=True)
    assert not (out / "marker").exists()
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES)
    assert leftovers(tmp_path, "run") == []


def test_a_streamed_run_that_fails_leaves_no_run_folder(tmp_path, monkeypatch):
    import pytest

    from sim.study.run import run_folder, simulate
    from tests.conftest import make_config

    def broken(*args, **kwargs):
        raise MemoryError("KPIs could not allocate")

    monkeypatch.setattr("sim.measure.kpis.compute_kpis_from_parquet", broken)
    out = tmp_path / "run"
    with pytest.raises(MemoryError), run_folder(out) as folder:
        simulate(make_config(size=300, horizon=20), 0, events_path=folder / "events.parquet")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_streamed_run_folder_holds_the_log_and_its_kpis(tmp_path):
    import pandas as pd

    from sim.study.run import load_run, run_folder, simulate, write_run_files
    from tests.conftest import make_config

    config = make_config(size=300, horizon=20)
    with run_folder(tmp_path / "run") as folder:
        result = simulate(config, 4, events_path=folder / "events.parquet")
        write_run_files(result, folder)
    whole = simulate(config, 4)
    run = load_run(tmp_path / "run")
    pd.testing.assert_frame_equal(run["events"], whole.events.to_pandas())
    assert run["manifest"]["events"] == whole.events.num_rows
    assert set(run["manifest"]["process_seconds"]) >= {"content.content_views", "collect"}
    assert result.kpis.keys() == whole.kpis.keys()
    same = [
        a == whole.kpis[k] or (a != a and whole.kpis[k] != whole.kpis[k])
        for k, a in result.kpis.items()
    ]
    assert all(same)
