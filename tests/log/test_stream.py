"""The event log streamed to Parquet in row groups: the same rows as the log exported whole."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from sim.engine.model import OmnichannelModel
from tests.conftest import make_config


@pytest.mark.parametrize("seed", [0, 3])
def test_streamed_log_equals_the_log_exported_whole(tmp_path, seed):
    # turnover gives newcomers new ids mid-run: a row group must name them as the whole log does
    config = make_config(size=1500, horizon=90, market__turnover_rate=0.004)
    whole = OmnichannelModel(config, rng=seed)
    whole.run_for(config.horizon_days)
    streamed = OmnichannelModel(config, rng=seed)
    streamed.stream_events(tmp_path / "events.parquet", row_group_rows=2000)
    streamed.run_for(config.horizon_days)
    rows = streamed.finish_events()

    expected = whole.events_table()
    assert (expected.column("event").to_pandas() == "market_exit").sum() > 0
    assert pq.ParquetFile(tmp_path / "events.parquet").num_row_groups > 1
    assert rows == expected.num_rows
    assert pq.read_table(tmp_path / "events.parquet").equals(expected)


def test_streaming_holds_at_most_about_one_row_group(tmp_path):
    config = make_config(size=1500, horizon=60)
    model = OmnichannelModel(config, rng=1)
    model.stream_events(tmp_path / "events.parquet", row_group_rows=500)
    held = []
    for _ in range(config.horizon_days):
        model.run_for(1)
        held.append(model.log.buffered)
    model.finish_events()
    most_in_a_day = max(b - a for a, b in zip([0, *held], held, strict=False) if b > a)
    assert max(held) < 500 + most_in_a_day
