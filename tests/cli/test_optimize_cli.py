"""``omo optimize``: bad input exits 2 naming the field; a smoke run writes results."""

from __future__ import annotations

import json
from pathlib import Path

from sim.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "experiments" / "optimize" / "content_and_coupon.yaml"


def test_shipped_spec_validates():
    from sim.study.optimize import load_optimization

    opt = load_optimization(SHIPPED)
    assert opt.channels == ["short_video", "livestream", "kol", "ugc"]
    assert opt.budget_total > 0


def test_bad_spec_exits_2_naming_the_field(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"name: bad\nbase: {ROOT / 'configs' / 'baseline.yaml'}\n"
        "parameters: {coupons.value: {lower: 0, upper: 40}}\n"
        "objective: {kpi: profit, direction: up}\n"
    )
    assert main(["optimize", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "objective.direction" in err and "'up'" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_smoke_run_writes_a_summary(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        [
            "optimize",
            str(SHIPPED),
            "--smoke",
            "--trials",
            "2",
            "--workers",
            "1",
            "--out",
            str(out),
            "--set",
            "horizon_days=20",
            "--set",
            "population.size=500",
            "--no-confirm",
            "--quiet",
        ]
    )
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["trials"] == 2 and summary["best"][0]["budget_shares"]
