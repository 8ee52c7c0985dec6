"""omo pnl: a run's P&L in market money; a folder that is not a run exits 2."""

from __future__ import annotations

from sim.cli.main import main
from sim.measure.money import pnl


def test_pnl_prints_market_money_that_matches_the_log(small_run_dir, small_run, capsys):
    assert main(["pnl", str(small_run_dir)]) == 0
    out = capsys.readouterr().out
    scale = small_run.manifest["market_scale"]
    profit = pnl(small_run.events.to_pandas(), small_run.config.horizon_days)["profit"] * scale
    line = next(x for x in out.splitlines() if x.startswith("profit "))
    assert int(line.split()[1].replace(",", "")) == round(profit)


def test_pnl_csv_has_one_row_per_day(small_run_dir, small_run, tmp_path):
    import pandas as pd

    assert main(["pnl", str(small_run_dir), "--csv", str(tmp_path / "pnl.csv")]) == 0
    daily = pd.read_csv(tmp_path / "pnl.csv")
    assert len(daily) == small_run.config.horizon_days and "profit" in daily


def test_pnl_of_a_folder_that_is_not_a_run_exits_2(tmp_path, capsys):
    assert main(["pnl", str(tmp_path)]) == 2
    assert "not a readable run folder" in capsys.readouterr().err
