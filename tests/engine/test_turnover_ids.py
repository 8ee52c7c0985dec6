"""With turnover and churn, each consumer id in the log is one person: a leaver's id ends at
their market_exit (or customer_lost) row, and the newcomer in the seat appears only after it,
under a new id."""

from __future__ import annotations

import pytest

from sim.engine.model import OmnichannelModel
from tests.conftest import make_config

RENEWALS = ["market_exit", "customer_lost"]


@pytest.fixture(
    scope="module",
    params=[
        {"market__churn_rate": 0.0},
        {"market__churn_rate": 0.2, "behaviour__lapse_rate": 0.05},
    ],
    ids=["turnover", "turnover_and_churn"],
)
def model(request):
    config = make_config(size=1500, horizon=60, market__turnover_rate=0.01, **request.param)
    m = OmnichannelModel(config, rng=2)
    m.run_for(60)
    return m


def test_churn_renews_seats_when_asked(model):
    ev = model.events_table().to_pandas()
    lost = int((ev.event == "customer_lost").sum())
    assert (lost > 20) if model.ctx.config.market.churn_rate > 0 else lost == 0


def test_no_rows_after_a_consumers_exit(model):
    ev = model.events_table().to_pandas()
    ev = ev[ev.consumer >= 0].reset_index(drop=True)
    exit_row = ev[ev.event.isin(RENEWALS)].groupby("consumer").apply(lambda g: g.index.max())
    last_row = ev.groupby("consumer").apply(lambda g: g.index.max())
    assert len(exit_row) > 100
    assert (last_row[exit_row.index] == exit_row).all()


def test_newcomers_have_new_ids_and_are_the_current_consumers(model):
    ev = model.events_table().to_pandas()
    leavers = set(ev.consumer[ev.event.isin(RENEWALS)])
    current = set(model.consumers_frame().consumer)
    assert leavers.isdisjoint(current)
    assert len(model.newcomer_ids) == len(leavers)
    assert set(model.newcomer_ids) <= current | leavers  # a newcomer may have left again
    assert len(current) == 1500
