"""With turnover, each consumer id in the log is one person: a leaver's id ends at their
market_exit row, and the newcomer in the seat appears only after it, under a new id."""

from __future__ import annotations

import pytest

from sim.engine.model import OmnichannelModel
from tests.conftest import make_config


@pytest.fixture(scope="module")
def model():
    m = OmnichannelModel(make_config(size=1500, horizon=60, market__turnover_rate=0.01), rng=2)
    m.run_for(60)
    return m


def test_no_rows_after_a_consumers_exit(model):
    ev = model.events_table().to_pandas()
    ev = ev[ev.consumer >= 0].reset_index(drop=True)
    exit_row = ev[ev.event == "market_exit"].groupby("consumer").apply(lambda g: g.index.max())
    last_row = ev.groupby("consumer").apply(lambda g: g.index.max())
    assert len(exit_row) > 100
    assert (last_row[exit_row.index] == exit_row).all()


def test_newcomers_have_new_ids_and_are_the_current_consumers(model):
    ev = model.events_table().to_pandas()
    leavers = set(ev.consumer[ev.event == "market_exit"])
    current = set(model.consumers_frame().consumer)
    assert leavers.isdisjoint(current)
    assert len(model.newcomer_ids) == len(leavers)
    assert set(model.newcomer_ids) <= current | leavers  # a newcomer may have left again
    assert len(current) == 1500
