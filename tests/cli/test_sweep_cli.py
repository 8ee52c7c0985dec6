"""``omo sweep`` and ``omo results`` on the command line: exit codes, messages, output."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.cli.main import main
from tests.conftest import BASELINE
from tests.sweep_specs import write_sweep_spec

BASE = str(BASELINE)


SPEC = {
    "set": {"population.size": 800, "horizon_days": 45},
    "parameters": {
        "coupons.value": {"levels": [5, 40]},
        "coupons.redeemable_in": {"levels": ["online", "everywhere"]},
    },
    "design": {"kind": "grid"},
    "replications": 1,
    "root_seed": 3,
    "kpis": ["revenue", "coupon_cost"],
}


def write_spec(tmp_path: Path, **changes) -> Path:
    return write_sweep_spec(tmp_path, SPEC, **changes)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"parameters": {"coupons.valeu": {"levels": [1, 2]}}}, "parameters.coupons.valeu"),
        ({"parameters": {"coupons.value": {"levels": []}}}, "parameters.coupons.value"),
        ({"parameters": {"coupons.value": {"lower": 9, "upper": 3}}}, "parameters.coupons.value"),
        ({"design": {"kind": "taguchi"}}, "design.kind"),
        ({"kpis": ["profitability"]}, "kpis"),
    ],
)
def test_bad_sweep_file_exits_2_before_anything_runs(tmp_path, capsys, changes, field):
    out = tmp_path / "out"
    code = main(["sweep", str(write_spec(tmp_path, **changes)), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and field in err
    assert "Traceback" not in err
    assert not out.exists()


def test_bad_flags_exit_2(tmp_path, capsys):
    spec = str(write_spec(tmp_path))
    assert main(["sweep", spec, "--executor", "local", "--scheduler", "tcp://x:1"]) == 2
    assert "--scheduler" in capsys.readouterr().err
    assert main(["sweep", spec, "--workers", "0"]) == 2
    assert main(["results", str(tmp_path)]) == 2
    assert "not a sweep folder" in capsys.readouterr().err


def test_dry_run_shows_the_design_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(write_spec(tmp_path)), "--dry-run", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "grid design, 4 points x 1 replications = 4 runs" in text
    assert not out.exists()


def test_sweep_then_results_summary_and_sql(tmp_path, capsys):
    out = tmp_path / "out"
    spec = str(write_spec(tmp_path))
    assert main(["sweep", spec, "--out", str(out), "--workers", "2", "--quiet"]) == 0
    assert main(["results", str(out)]) == 0
    text = capsys.readouterr().out
    assert "ok 4  failed 0  missing 0" in text
    assert "KPI means by coupons.redeemable_in" in text and "everywhere" in text
    query = 'select "coupons.value" as v, count(*) as n from runs group by 1 order by 1'
    assert main(["results", str(out), "--sql", query, "--csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["v,n", "5,2", "40,2"]
    assert main(["results", str(out), "--sql", "select nope from kpis"]) == 2
    assert "--sql" in capsys.readouterr().err
    # the same command again runs nothing
    assert main(["sweep", spec, "--out", str(out), "--workers", "2"]) == 0
    assert "0 runs done now, 4 already done" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"parameters": {"coupons.value": {"lower": 1, "upper": float("inf")}}}, "upper"),
        ({"parameters": {"coupons.value": {"lower": float("nan"), "upper": 3}}}, "lower"),
        ({"name": "."}, "name"),
        ({"name": ".."}, "name"),
        ({"root_seed": 2**64}, "root_seed"),
        ({"kpis": ["revenue", "revenue"]}, "kpis: revenue: listed more than once"),
    ],
)
def test_sweep_spec_gaps_are_refused_by_dry_run(tmp_path, capsys, changes, field):
    """Defects 14 and 16: infinite bounds, '.'/'..' names, a 2**64 seed and repeated KPIs
    are refused before anything runs, even by --dry-run."""
    out = tmp_path / "out"
    code = main(["sweep", str(write_spec(tmp_path, **changes)), "--dry-run", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and field in err and "Traceback" not in err
    assert not out.exists()


def test_a_huge_grid_is_refused_without_being_built(tmp_path, capsys):
    """Defect 16: grid_points 1e9 is refused from its size (it used to allocate 7.45 GiB)."""
    import tracemalloc

    changes = {
        "parameters": {"coupons.value": {"lower": 1, "upper": 50}},
        "design": {"kind": "grid", "grid_points": 10**9},
    }
    spec = write_spec(tmp_path, **changes)
    tracemalloc.start()
    code = main(["sweep", str(spec), "--dry-run"])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert code == 2 and "grid_points" in capsys.readouterr().err
    assert peak < 200 * 2**20


def test_results_bins_an_integer_parameter_with_many_values(tmp_path, capsys):
    """Defect 12: an integer parameter with more than 6 distinct values is shown in bins
    (it used to fail with 'Invalid type specifier "g"')."""
    out = tmp_path / "out"
    changes = {
        "set": {"population.size": 200, "horizon_days": 10},
        "parameters": {"coupons.expiry_days": {"lower": 1, "upper": 8, "integer": True}},
        "design": {"kind": "grid", "grid_points": 8},
    }
    assert main(["sweep", str(write_spec(tmp_path, **changes)), "--out", str(out), "--quiet",
                 "--workers", "1"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["results", str(out)]) == 0
    text = capsys.readouterr().out
    assert "KPI means by coupons.expiry_days" in text and "1..2" in text


def test_sql_cannot_write_files(tmp_path, capsys):
    """Defect 19: ``--sql`` reads the sweep's files only; COPY ... TO is refused."""
    out = tmp_path / "out"
    changes = {"set": {"population.size": 200, "horizon_days": 10}}
    spec = str(write_spec(tmp_path, **changes))
    assert main(["sweep", spec, "--out", str(out), "--quiet", "--workers", "1"]) == 0
    target = tmp_path / "stolen.csv"
    assert main(["results", str(out), "--sql", f"copy (select 1) to '{target}'"]) == 2
    assert not target.exists()
    assert main(["results", str(out), "--sql", "select count(*) as n from runs"]) == 0


def test_a_folder_name_with_a_quote_works(tmp_path, capsys):
    """Defect 19: paths are never pasted into SQL, so a quote in a folder name is harmless."""
    out = tmp_path / "it's here"
    changes = {"set": {"population.size": 200, "horizon_days": 10}}
    spec = str(write_spec(tmp_path, **changes))
    assert main(["sweep", spec, "--out", str(out), "--quiet", "--workers", "1"]) == 0
    assert main(["results", str(out)]) == 0
    assert "ok 4  failed 0  missing 0" in capsys.readouterr().out


def test_a_damaged_part_is_reported_then_set_aside_and_redone(tmp_path, capsys):
    """Defect 5: a truncated part makes `omo results` exit 2 (not a DuckDB traceback), and
    the resumed sweep sets it aside and runs that run again."""
    out = tmp_path / "out"
    changes = {"set": {"population.size": 200, "horizon_days": 10}}
    spec = str(write_spec(tmp_path, **changes))
    assert main(["sweep", spec, "--out", str(out), "--quiet", "--workers", "1"]) == 0
    part = sorted((out / "parts").glob("*.parquet"))[0]
    part.write_bytes(part.read_bytes()[:40])
    capsys.readouterr()
    assert main(["results", str(out)]) == 2
    err = capsys.readouterr().err
    assert "cannot be read" in err and "Traceback" not in err
    assert main(["sweep", spec, "--out", str(out), "--workers", "1"]) == 0
    assert "1 runs done now, 3 already done" in capsys.readouterr().out
    assert (out / "parts" / f".damaged-{part.name}").exists()
    assert main(["results", str(out)]) == 0
    assert "ok 4  failed 0  missing 0" in capsys.readouterr().out


def test_a_sweep_resumed_after_reordering_the_base_segments_is_refused(tmp_path, capsys):
    """Defect 2: reordering the base file's segments changes the runs, so the store refuses
    to mix the two populations instead of resuming."""
    from sim.scenario.config import load_scenario

    data = load_scenario(BASE).to_dict()
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(data, sort_keys=False))
    changes = {"base": str(base), "set": {"population.size": 200, "horizon_days": 10}}
    spec = str(write_spec(tmp_path, **changes))
    out = tmp_path / "out"
    assert main(["sweep", spec, "--out", str(out), "--quiet", "--workers", "1"]) == 0
    segments = data["population"]["segments"]
    data["population"]["segments"] = dict(reversed(list(segments.items())))
    base.write_text(yaml.safe_dump(data, sort_keys=False))
    capsys.readouterr()
    assert main(["sweep", spec, "--out", str(out), "--quiet", "--workers", "1"]) == 2
    assert "holds a different sweep" in capsys.readouterr().err


MORRIS = {
    "parameters": {
        "coupons.value": {"lower": 5, "upper": 40},
        "content.channels.kol.daily_budget": {"lower": {"times": 0}, "upper": {"times": 2}},
    },
    "design": {"kind": "morris", "samples": 2, "num_levels": 4},
}


def test_results_of_a_morris_sweep_print_its_sensitivity_indices(tmp_path, capsys):
    out = tmp_path / "out"
    spec = str(write_spec(tmp_path, **MORRIS))
    assert main(["sweep", spec, "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert main(["results", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Sensitivity (Morris" in text and "mu_star" in text
    assert "content.channels.kol.daily_budget" in text.split("Sensitivity")[1]


def test_set_and_replications_change_the_sweep_without_editing_the_file(tmp_path, capsys):
    out = tmp_path / "out"
    spec = str(write_spec(tmp_path))
    args = ["sweep", spec, "--out", str(out), "--dry-run"]
    assert main([*args, "--set", "horizon_days=30", "--replications", "2"]) == 0
    assert "4 points x 2 replications = 8 runs" in capsys.readouterr().out
    assert main([*args, "--set", "coupons.value=7"]) == 2  # a swept parameter cannot be fixed
    assert "parameters.coupons.value: also fixed" in capsys.readouterr().err
    assert main([*args, "--replications", "0"]) == 2


def test_no_progress_bars_when_stderr_is_not_a_terminal(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(write_spec(tmp_path)), "--out", str(out), "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert "\r" not in captured.err and "run/s" not in captured.err
    assert f"next: omo results {out}" in captured.out
