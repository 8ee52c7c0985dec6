"""Every consumer of a run with turnover and churn, leavers and lost customers included, finds
the seat they had."""

from __future__ import annotations

import numpy as np
import pytest

from sim.log.eventlog import Event
from sim.measure.residents import residents
from sim.scenario.config import load_scenario, with_overrides
from sim.study.run import simulate

#: A fast-turning market (about 1 in 4 seats turns over in 30 days, and lapsed customers are
#: lost quickly), with a short past.
TURNING = {
    "population.size": 1500,
    "horizon_days": 30,
    "market.burn_in_days": 20,
    "market.turnover_rate": 0.01,
    "market.churn_rate": 0.5,
    "behaviour.lapse_rate": 0.2,
}


@pytest.fixture(scope="module")
def run():
    config = with_overrides(load_scenario("configs/baseline.yaml"), TURNING)
    return simulate(config, seed=5, keep_model=True)


def test_each_leaver_is_given_the_seat_the_engine_logged_them_in(run):
    events = run.events.to_pandas()
    ids, seat = residents(events, run.consumers)
    logged = run.model.log.column("event")
    exit_rows = np.flatnonzero(np.isin(logged, [Event.market_exit, Event.customer_lost]))
    assert (logged == Event.customer_lost).sum() > 10
    logged_seat = run.model.log.column("consumer")[exit_rows]  # the log's rows hold seats
    leavers = events["consumer"].to_numpy()[exit_rows]
    assert len(leavers) > 200
    assert len(np.unique(logged_seat)) < len(logged_seat)  # seats that turned over twice
    np.testing.assert_array_equal(seat[np.searchsorted(ids, leavers)], logged_seat)


def test_consumers_at_the_end_keep_their_own_row_and_no_one_is_left_out(run):
    events = run.events.to_pandas()
    ids, seat = residents(events, run.consumers)
    at_end = run.consumers["consumer"].to_numpy()
    np.testing.assert_array_equal(seat[np.searchsorted(ids, at_end)], np.arange(len(at_end)))
    everyone = np.unique(events["consumer"][events["consumer"] >= 0])
    assert np.isin(everyone, ids).all()


def test_a_log_from_another_run_is_refused(run):
    other = with_overrides(load_scenario("configs/baseline.yaml"), {**TURNING, "horizon_days": 10})
    with pytest.raises(ValueError, match="not from the same run"):
        residents(simulate(other, seed=6).events.to_pandas(), run.consumers)
