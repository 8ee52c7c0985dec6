"""A market with a past: burn-in days before day 0 that the run does not count."""

from __future__ import annotations

import pytest

from sim.scenario.config import change_from_day_0, from_dict
from sim.study.run import simulate
from tests.conftest import make_config, make_launch_config


@pytest.fixture(scope="module")
def seasoned():
    return simulate(make_config(size=3000, horizon=30, market__burn_in_days=120), seed=4)


def test_the_log_starts_on_day_0_with_the_consumers_who_knew_the_brand(seasoned):
    events = seasoned.events.to_pandas()
    assert events.day.min() == 0
    prior = events[events.event == "prior_history"]
    assert len(prior) > 0 and (prior.day == 0).all()
    assert prior.index.max() < events[events.event != "prior_history"].index.min()


def test_customers_exist_on_day_0(seasoned):
    """Burn-in leaves customers behind; their past purchases are in prior_history's value."""
    prior = seasoned.events.to_pandas()
    prior = prior[prior.event == "prior_history"]
    assert (prior.value > 0).sum() > 0
    assert seasoned.daily.customers.iloc[0] >= (prior.value > 0).sum()


def test_first_purchase_kpis_leave_out_consumers_with_a_past(seasoned):
    """Touchpoints before first purchase is measured on newcomers only: it equals the KPI
    of the log with every prior consumer's rows removed."""
    from sim.measure.kpis import touchpoints_before_first_purchase

    events = seasoned.events.to_pandas()
    prior = set(events.consumer[events.event == "prior_history"])
    newcomers = events[~events.consumer.isin(prior)].reset_index(drop=True)
    assert touchpoints_before_first_purchase(events) == pytest.approx(
        touchpoints_before_first_purchase(newcomers), nan_ok=True
    )


def test_a_market_section_of_zeros_is_no_market_section():
    """Burn-in, win-back and turnover at 0 run exactly as a scenario without ``market:``."""
    launch = make_launch_config(size=1000, horizon=20)
    data = launch.to_dict()
    data.pop("market")
    a = simulate(from_dict(data), seed=1).events
    b = simulate(launch, seed=1).events
    assert a.equals(b)


def test_arms_of_an_established_market_share_the_history_and_differ_from_day_0():
    """A content-off arm built with change_from_day_0 has the base's customers on day 0 (the
    same prior_history rows) and no content from day 0 on."""
    base = make_config(size=1500, horizon=20, market__burn_in_days=60)
    off = {f"content.channels.{c}.daily_budget": 0.0 for c in base.content.channels}
    runs = [simulate(c, seed=3).events.to_pandas() for c in (base, change_from_day_0(base, off))]
    prior = [e[e.event == "prior_history"].reset_index(drop=True) for e in runs]
    assert len(prior[0]) > 0
    assert prior[0].equals(prior[1])
    assert (runs[1].event == "content_view").sum() == 0
    assert (runs[0].event == "content_view").sum() > 0


def test_prior_use_rows_say_which_channels_a_known_consumer_had_used(seasoned):
    """One prior_use row per channel used before day 0, only for consumers with a past."""
    events = seasoned.events.to_pandas()
    prior = events[events.event == "prior_use"]
    known = set(events[events.event == "prior_history"].consumer)
    assert len(prior) > 0 and (prior.day == 0).all()
    assert set(prior.consumer) <= known
    assert set(prior.channel.astype(str)) == {"online", "store"}
    assert not prior.duplicated(["consumer", "channel"]).any()


def test_the_coupon_budget_is_the_run_s_whatever_the_past_spent():
    """A budget that the history alone would exhaust still buys coupons from day 0."""
    budget = 20_000.0 * 200  # market money: a few hundred coupons at the baseline's scale
    config = make_config(size=2000, horizon=20, market__burn_in_days=200, coupons__budget=budget)
    events = simulate(config, seed=2).events.to_pandas()
    assert (events.event == "coupon_claim").sum() > 0
