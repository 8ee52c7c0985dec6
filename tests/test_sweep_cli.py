"""``omo sweep`` and ``omo results`` on the command line: exit codes, messages, output."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.cli.main import main

BASE = str(Path(__file__).resolve().parents[1] / "configs" / "baseline.yaml")


def write_spec(tmp_path: Path, **changes) -> Path:
    spec = {
        "name": "t",
        "base": BASE,
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
    spec.update(changes)
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


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
