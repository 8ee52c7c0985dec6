"""LiveRun: a run in slices is the same run as simulate's, and it can stop half-way."""

from __future__ import annotations

import pytest

from sim.study.live import FUNNEL, LiveRun
from sim.study.run import simulate
from tests.conftest import make_launch_config


@pytest.fixture(scope="module")
def config():
    # A launch: the daily customers column counts customers from before day 0 too, the KPI only
    # those who bought in the log.
    return make_launch_config(size=1500, horizon=40)


def test_slices_add_up_to_simulates_run(config):
    live = LiveRun(config, seed=3)
    while not live.done:
        live.advance(7)
    series = live.series()
    whole = simulate(config, 3)
    assert len(series) == config.horizon_days
    assert series["profit"].sum() == pytest.approx(whole.kpis["profit"] * live.scale)
    assert series["customers"].iloc[-1] == whole.kpis["customers"]


def test_stop_ends_an_advance_early_and_resume_continues(config):
    live = LiveRun(config, seed=1)
    live.stop()  # a stop before the call is cleared by it
    assert live.advance(5) == 5
    assert live.days_done == 5 and not live.done
    assert live.advance(1000) == config.horizon_days - 5
    assert live.advance(1) == 0


def test_funnel_narrows_and_a_journey_is_in_order(config):
    live = LiveRun(config, seed=2)
    live.advance(config.horizon_days)
    f = live.funnel()
    assert list(f) == list(FUNNEL)
    assert f["aware"] >= f["considering"] >= f["customers"] >= f["repeat_customers"]
    who = live.example_customer()
    assert who is not None
    rows = live.journey(who)
    assert rows["day"].is_monotonic_increasing
    assert (rows["event"].astype(str) == "purchase_attempt").any()


def test_the_pnl_read_slice_by_slice_is_the_whole_logs_exactly(config):
    """A redraw reads only the rows logged since the last one; the sums come out the same."""
    import pandas as pd

    from sim.measure.money import daily_pnl

    live = LiveRun(config, seed=4)
    while not live.done:
        live.advance(6)
        looked = live.daily_pnl()
        whole = daily_pnl(live.model.events_table().to_pandas(), live.days_done)
        pd.testing.assert_frame_equal(looked, whole, check_exact=True)


def test_the_stores_converted_are_those_the_conversion_chooses():
    from sim.engine.store_fit import converted_count

    config = make_launch_config(
        size=500,
        horizon=5,
        stores__size_spread=0.6,
        stores__conversion__tiers=["tier34"],
        stores__conversion__experience_level=1.0,
    )
    live = LiveRun(config, seed=0)
    assert live.stores_converted() == converted_count(config) > 0
    assert LiveRun(make_launch_config(size=500, horizon=5), seed=0).stores_converted() == 0


def test_the_example_customer_bought_twice_in_this_run_in_a_market_with_a_past():
    """Purchases before day 0 count in a consumer's own tally, not in the run's journey."""
    from tests.conftest import make_config

    live = LiveRun(make_config(size=1000, horizon=30), seed=0)
    live.advance(30)
    rows = live.journey(live.example_customer())
    bought = (rows["event"].astype(str) == "purchase_attempt") & (
        rows["outcome"].astype(str) == "purchased"
    )
    assert bought.sum() >= 2
