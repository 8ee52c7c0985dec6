"""The ``omo run`` command line: bad input exits 2 with one clear line per problem, no
traceback and nothing written; good input writes the same run as the library does."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from sim.cli.main import main
from sim.study.run import RUN_FILES, simulate, write_run
from tests.conftest import BASELINE, ROOT, make_config

TRAITS = "online_propensity: 0.5, price_sensitivity: 0.5, social_activity: 0.5, "
TRAITS += "tier34_share: 0.5, consent: 0.5"

#: (id, scenario YAML or None for the baseline, extra args, fragments each line must hold)
BAD_INPUT = [
    ("unknown_key", "bogus: 1\n", [], [["bogus", "1", "unknown key"]]),
    (
        "wrong_type",
        "population: {size: abc}\n",
        [],
        [["population.size", "'abc'", "valid integer"]],
    ),
    (
        "probability_above_1",
        "behaviour: {lapse_rate: 1.5}\n",
        [],
        [["behaviour.lapse_rate", "1.5", "less than or equal to 1"]],
    ),
    (
        "negative_count",
        "stores: {count: -3}\n",
        [],
        [["stores.count", "-3", "greater than or equal to 0"]],
    ),
    (
        "schedule_past_horizon",
        "horizon_days: 30\nschedule: [{day: 30, set: {coupons.value: 5}}]\n",
        [],
        [["schedule.0.day", "30", "0..29"]],
    ),
    (
        "set_unknown_path",
        None,
        ["--set", "coupons.nope=1"],
        [["--set", "coupons.nope", "no such key", "redeemable_in"]],
    ),
    (
        "set_bad_value",
        None,
        ["--set", "coupons.redeemable_in=shop"],
        [["coupons.redeemable_in", "'shop'", "'online'"]],
    ),
    (
        "segment_shares",
        f"population:\n  segments:\n    a: {{share: 0.5, {TRAITS}}}\n"
        f"    b: {{share: 0.3, {TRAITS}}}\n",
        [],
        [["segments", "0.8", "exactly 1"]],
    ),
    ("yaml_syntax", "population: {size: 100\n", [], [["scenario.yaml", "not valid YAML"]]),
    ("negative_seed", None, ["--seed", "-1"], [["--seed", "-1", "whole number 0.."]]),
    (
        "several_problems",
        "bogus: 1\npopulation: {size: abc}\nstores: {count: -3}\n",
        [],
        [["bogus"], ["population.size"], ["stores.count"]],
    ),
]


def scenario_path(tmp_path, text):
    if text is None:
        return str(BASELINE)
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return str(path)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


@pytest.mark.parametrize(
    ("text", "args", "expected"), [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input_exits_2_with_one_error_line_per_problem(tmp_path, capsys, text, args, expected):
    """Exit code 2; one 'error:' line per problem naming path, value and rule; no traceback;
    no run folder and no temporary folder."""
    out = tmp_path / "runs" / "out"
    code = main(["run", scenario_path(tmp_path, text), "--out", str(out), "--quiet", *args])
    err = capsys.readouterr().err
    assert code == 2
    lines = error_lines(err)
    assert len(lines) == len(expected), err
    for fragments in expected:
        assert any(all(f in line for f in fragments) for line in lines), (fragments, err)
    assert "Traceback" not in err
    assert not out.exists()
    assert not (tmp_path / "runs").exists() or list((tmp_path / "runs").iterdir()) == []


def test_missing_file_exits_2(tmp_path, capsys):
    """A scenario file that does not exist: exit 2, one line naming it, nothing written."""
    out = tmp_path / "out"
    code = main(["run", str(tmp_path / "missing.yaml"), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert error_lines(err) == err.splitlines()
    assert len(error_lines(err)) == 1 and "missing.yaml" in err and "cannot read" in err
    assert not out.exists()


def test_yaml_syntax_error_is_one_line(tmp_path, capsys):
    """A YAML syntax error is reported as exactly one 'error:' line (with line/column)."""
    path = tmp_path / "scenario.yaml"
    path.write_text("population: {size: 100\n")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == error_lines(err)
    assert len(error_lines(err)) == 1


def test_bad_input_in_a_real_process_has_no_traceback(tmp_path):
    """Via a subprocess: exit code 2, only 'error:' lines, no traceback, nothing written."""
    scenario = scenario_path(tmp_path, "bogus: 1\nstores: {count: -3}\n")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli.main", "run", scenario, "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == error_lines(proc.stderr)
    assert len(error_lines(proc.stderr)) == 2
    assert not out.exists()


def test_existing_out_is_refused_without_force(tmp_path, capsys):
    """--out naming an existing run folder exits 2 and leaves it alone; --force replaces it."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "marker").write_text("keep")
    (out / "manifest.json").write_text('{"versions": {}, "created_utc": "2026-01-01"}')
    args = [
        "run",
        str(BASELINE),
        "--set",
        "population.size=300",
        "--set",
        "horizon_days=10",
        "--out",
        str(out),
        "--quiet",
    ]
    assert main(args) == 2
    assert "exists" in capsys.readouterr().err
    assert (out / "marker").read_text() == "keep"
    assert main([*args, "--force"]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES)


def test_cli_run_matches_library_run_byte_for_byte(tmp_path):
    """`omo run` in another process writes the same events.parquet as simulate + write_run."""
    sets = {"population.size": 1500, "horizon_days": 60}
    out = tmp_path / "cli"
    cmd = [
        sys.executable,
        "-m",
        "sim.cli.main",
        "run",
        str(BASELINE),
        "--seed",
        "5",
        "--quiet",
        "--out",
        str(out),
    ]
    for key, value in sets.items():
        cmd += ["--set", f"{key}={value}"]
    subprocess.run(cmd, check=True, cwd=ROOT, timeout=120)
    lib = write_run(simulate(make_config(size=1500, horizon=60), 5), tmp_path / "lib")
    digest = [hashlib.sha256((p / "events.parquet").read_bytes()).hexdigest() for p in (out, lib)]
    assert digest[0] == digest[1]


@pytest.mark.parametrize("content", ["{not json", '["a list"]', '{"revenue": "lots"}'])
def test_kpis_on_a_corrupt_kpis_json_exits_2(tmp_path, capsys, content):
    """Defect 19: `omo kpis` on a damaged kpis.json names the file, no traceback."""
    (tmp_path / "kpis.json").write_text(content)
    assert main(["kpis", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "kpis.json" in err and "Traceback" not in err


def test_a_seed_beyond_the_seed_range_exits_2(capsys):
    """Defect 14: a 2**64 seed is refused before the run, not when writing its tables."""
    assert main(["run", str(BASELINE), "--seed", str(2**64)]) == 2
    assert "--seed" in capsys.readouterr().err


def test_kill_9_of_omo_run_at_random_moments_leaves_nothing_half_done(tmp_path):
    """Defects 1 and 18 under a real kill -9: after each kill the run folder is absent or
    complete, no temporary folder survives the next run, and re-running finishes the job."""
    import random
    import signal
    import time

    from sim.io.runs import load_run

    out = tmp_path / "run"
    sets = ["--set", "population.size=3000", "--set", "horizon_days=120"]
    cmd = [sys.executable, "-m", "sim.cli.main", "run", str(BASELINE), *sets, "--out", str(out)]
    rng = random.Random(10)
    for _ in range(3):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if out.exists():
            load_run(out)  # complete, or it raises
            break
    done = subprocess.run([*cmd, "--force"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert load_run(out)["manifest"]["population"] == 3000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


TINY_RUN = ["--set", "population.size=300", "--set", "horizon_days=10", "--quiet"]


def test_running_twice_without_out_reuses_the_same_run(tmp_path, monkeypatch):
    """The default folder holds the same scenario, seed and engine: exit 0, nothing rerun."""
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(BASELINE), *TINY_RUN]) == 0
    (folder,) = (tmp_path / "runs").iterdir()
    written = (folder / "events.parquet").stat().st_mtime_ns
    assert main(["run", str(BASELINE), *TINY_RUN]) == 0
    assert list((tmp_path / "runs").iterdir()) == [folder]
    assert (folder / "events.parquet").stat().st_mtime_ns == written


def test_a_default_folder_from_other_engine_code_gets_a_fresh_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(BASELINE), *TINY_RUN]) == 0
    (folder,) = (tmp_path / "runs").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "engine": "older"}))
    assert main(["run", str(BASELINE), *TINY_RUN]) == 0
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [
        folder.name,
        f"{folder.name}-2",
    ]


def test_version_names_the_package(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("omo-sim ")
