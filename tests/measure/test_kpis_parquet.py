"""KPIs read from a streamed events.parquet equal the KPIs of the log held whole."""

from __future__ import annotations

import math

import pytest

from sim.engine.model import OmnichannelModel
from sim.measure.kpis import compute_kpis, compute_kpis_from_parquet
from sim.scenario.config import load_scenario
from tests.conftest import ROOT, make_config


def _both(config, seed, path):
    whole = OmnichannelModel(config, rng=seed)
    whole.run_for(config.horizon_days)
    streamed = OmnichannelModel(config, rng=seed)
    streamed.stream_events(path, row_group_rows=3000)
    streamed.run_for(config.horizon_days)
    streamed.finish_events()
    daily, rate = whole.daily_frame(), config.costs.annual_discount_rate
    consumers = whole.consumers_frame()
    held = compute_kpis(
        whole.events_table().to_pandas(), consumers, config.horizon_days, daily, rate
    )
    read = compute_kpis_from_parquet(path, len(consumers), config.horizon_days, daily, rate)
    return held, read


@pytest.mark.parametrize(
    ("preset", "seed"),
    [("baseline", 0), ("community_brand", 1), ("siloed_retailer", 2), ("tier34_market", 3)],
)
def test_kpis_from_the_streamed_file_equal_the_kpis_of_the_whole_log(tmp_path, preset, seed):
    config = load_scenario(
        ROOT / "configs" / f"{preset}.yaml",
        {"population.size": 2500, "horizon_days": 120, "market.turnover_rate": 0.002},
    )
    held, read = _both(config, seed, tmp_path / "events.parquet")
    assert held.keys() == read.keys()
    differ = {
        k: (held[k], read[k])
        for k in held
        if not (held[k] == read[k] or (math.isnan(held[k]) and math.isnan(read[k])))
    }
    assert differ == {}


def test_kpis_from_parquet_refuse_a_log_without_a_required_column(tmp_path):
    import pyarrow.parquet as pq

    config = make_config(size=300, horizon=20)
    model = OmnichannelModel(config, rng=0)
    model.run_for(config.horizon_days)
    pq.write_table(model.events_table().drop_columns(["outcome"]), tmp_path / "e.parquet")
    with pytest.raises(ValueError, match="outcome"):
        compute_kpis_from_parquet(tmp_path / "e.parquet", 300, 20)
