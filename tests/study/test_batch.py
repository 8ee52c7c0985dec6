"""mesa.batch_run works on the model and returns the run's KPIs."""

from __future__ import annotations

import mesa
import pytest

from sim.study.batch import MeasuredModel
from sim.study.run import simulate
from tests.conftest import make_config


def test_batch_run_returns_the_same_kpis_as_simulate():
    config = make_config(size=800, horizon=20)
    rows = mesa.batch_run(
        MeasuredModel,
        {"config": [config]},
        rng=[3, 4],
        max_steps=config.horizon_days,
        number_processes=1,
        display_progress=False,
    )
    assert len(rows) == 2
    for row, seed in zip(rows, (3, 4), strict=True):
        expected = simulate(config, seed).kpis
        assert row["kpi_profit"] == pytest.approx(expected["profit"])
        assert row["kpi_customers"] == expected["customers"]


def test_kpi_columns_do_not_hide_the_daily_reporters():
    """`customers` is the daily count (every day), `kpi_customers` the run's KPI (last day)."""
    config = make_config(size=800, horizon=20)
    rows = mesa.batch_run(
        MeasuredModel,
        {"config": [config]},
        rng=[3],
        max_steps=config.horizon_days,
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    assert len(rows) == config.horizon_days  # one row per day
    assert all(r["customers"] == r["customers"] for r in rows)  # never NaN
    assert sum(r["kpi_customers"] == r["kpi_customers"] for r in rows) == 1  # the last day only
