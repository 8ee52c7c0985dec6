"""Customer lifetime: fitted daily chances and lifetime value, by hand and on simulated markets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.measure.lifetime import LifetimeFit, customer_lifetime_value, fit_lifetime
from sim.study.run import simulate
from tests.conftest import make_config

H = 10


def _row(day, consumer, event, value=0.0, outcome=None, account=None):
    return {
        "day": day,
        "consumer": consumer,
        "event": event,
        "channel": None,
        "value": value,
        "coupon": -1,
        "source": -1,
        "outcome": outcome,
        "account": account,
    }


def _buy(day, c, value=100.0):
    return _row(day, c, "purchase_attempt", value, "purchased")


def _log(rows) -> pd.DataFrame:
    return pd.DataFrame(rows).astype({"day": "int32", "consumer": "int64", "value": "float64"})


def _hand_log(cost_of_goods: float = 0.0) -> pd.DataFrame:
    """Three customers over a 10-day horizon (days 0-9; no lapse draw on day 9).

    0: buys day 2, lapses day 5: active days 2-5 (4, one lapse), then lapsed 5-9 (5 days).
    1: buys days 0 and 4, stays: active days 0-8 (9 days at risk of lapse).
    2: buys day 1, lapses day 3, won back day 6, leaves the market day 8: active 1-3 (3),
       lapsed 3-6 (4, one win-back), active again 7-8 (2: a win-back comes after the day's
       lapse draw).
    Lapse 2 / 18 days; win-back 1 / 9; exit 1 / (8 + 10 + 8) customer-days.
    """
    rows = [
        _buy(0, 1),
        _buy(1, 2),
        _buy(2, 0),
        _row(3, 2, "lapse"),
        _buy(4, 1, 50.0),
        _row(5, 0, "lapse"),
        _row(6, 2, "winback"),
        _row(8, 2, "market_exit"),
    ]
    if cost_of_goods:
        rows.append(_row(9, -1, "cost", cost_of_goods, account="cost_of_goods"))
    return _log(rows)


def test_daily_chances_are_events_over_days_at_risk():
    fit = fit_lifetime(_hand_log(), H)
    assert (fit.lapses, fit.active_days, fit.lapse_rate) == (2, 18, pytest.approx(2 / 18))
    assert (fit.winbacks, fit.lapsed_days, fit.winback_rate) == (1, 9, pytest.approx(1 / 9))
    assert (fit.exits, fit.customer_days, fit.exit_rate) == (1, 26, pytest.approx(1 / 26))


def test_loss_rate_is_losses_over_lapsed_days():
    """Customer 2 of the hand log is lost on day 6 instead of being won back: lapsed days
    3-6 (4) end in a loss, customer 0's lapsed days 5-9 (5) are censored."""
    rows = [r for r in _hand_log().to_dict("records") if r["consumer"] != 2 or r["day"] < 6]
    rows.append(_row(6, 2, "customer_lost"))
    fit = fit_lifetime(_log(rows), H)
    assert (fit.losses, fit.lapsed_days, fit.winbacks) == (1, 9, 0)
    assert fit.loss_rate == pytest.approx(1 / 9)
    assert fit.exits == 0


def test_margin_per_active_day_counts_orders_after_the_first():
    """Revenue 350, cost of goods 140: margin 0.6. Only customer 1's second order (50) comes
    after a spell began; the days on which a later order could come are those after each
    active spell's first: 3 (customer 0, days 3-5) + 9 (customer 1, days 1-9) + 2 + 2
    (customer 2, days 2-3 and 7-8) = 16."""
    fit = fit_lifetime(_hand_log(cost_of_goods=140.0), H)
    assert fit.gross_margin == pytest.approx(0.6)
    assert fit.margin_per_active_day == pytest.approx(0.6 * 50 / 16)


def test_state_values_solve_the_two_state_chain():
    """No win-back, no exit: an active customer is worth m / (1 - d (1 - lapse))."""
    fit = LifetimeFit(0.01, 0.0, 0.0, 1, 0, 0, 100, 0, 100, 2.0, 0.4)
    d = 1.1 ** (-1 / 365)
    active, lapsed = fit.state_values(0.1)
    assert active == pytest.approx(2.0 / (1 - d * 0.99))
    assert lapsed == 0.0
    assert fit.remaining_lifetime_days == pytest.approx(100.0)


@pytest.mark.parametrize("loss", [0.0, 0.03])
def test_state_values_by_simulating_the_chain(loss):
    """With win-back, exit and (second case) loss of lapsed customers, the solved values match
    a Monte Carlo of the chain."""
    fit = LifetimeFit(0.02, 0.05, 0.01, 1, 1, 1, 1, 1, 1, 1.0, 0.4, loss_rate=loss)
    d = 1.2 ** (-1 / 365)
    rng = np.random.default_rng(0)
    n, days = 20_000, 2_500
    state = np.zeros(n, np.int8)  # 0 active, 1 lapsed, 2 gone
    total = np.zeros(n)
    for t in range(days):
        total += (state == 0) * d**t
        u = rng.random(n)
        lapse = (state == 0) & (u < 0.02)
        win = (state == 1) & (u < 0.05)
        lost = (state == 1) & ~win & (rng.random(n) < loss)
        state[lapse], state[win], state[lost] = 1, 0, 2
        state[rng.random(n) < 0.01] = 2
    active, _ = fit.state_values(0.2)
    assert active == pytest.approx(total.mean(), abs=4 * total.std() / np.sqrt(n))


def test_lifetime_value_adds_the_projection_to_what_was_observed():
    """One customer, one order of 100 at margin 0.4, no later order (margin per active day 0):
    the value is the observed margin alone; nobody lapsed, so the remaining life is endless."""
    events = _log([_buy(0, 1), _row(9, -1, "cost", 60.0, account="cost_of_goods")])
    out = customer_lifetime_value(events, H, 0.1)
    assert out["customer_lifetime_value"] == pytest.approx(40.0)
    assert np.isnan(out["customer_remaining_lifetime_days"])  # nobody ever lapsed


@pytest.mark.parametrize("seed", [1, 2])
def test_fitted_chances_recover_the_simulated_ones(seed):
    """A market with constant daily chances (lapse 1%, win-back 2%, exit 0.1%, loss of a
    lapsed customer 0.5%; no lapse over inconsistency) gives them back within 4 standard
    errors of the days at risk."""
    config = make_config(
        size=5000,
        horizon=240,
        behaviour__lapse_rate=0.01,
        behaviour__inconsistency_lapse=0.0,
        market__winback_rate=0.02,
        market__turnover_rate=0.001,
        market__churn_rate=0.005,
    )
    run = simulate(config, seed)
    fit = fit_lifetime(run.events.to_pandas(), config.horizon_days)
    for got, true, days in (
        (fit.lapse_rate, 0.01, fit.active_days),
        (fit.winback_rate, 0.02, fit.lapsed_days),
        (fit.exit_rate, 0.001, fit.customer_days),
        (fit.loss_rate, 0.005, fit.lapsed_days),
    ):
        assert abs(got - true) < 4 * np.sqrt(true * (1 - true) / days)
    assert fit.lapses > 500
    low, high = fit.lapse_interval()
    assert low < fit.lapse_rate < high


def test_lifetime_value_discounts_the_projection_from_the_horizon():
    """Customer 1 buys on days 0 and 5 (100 each, margin 0.5); nobody lapses. Observed:
    50 + 50 d^5; margin per active day 50 / 9; projected: d^10 x m / (1 - d) (no lapse,
    no exit: a geometric series discounted from day 10)."""
    events = _log([_buy(0, 1), _buy(5, 1), _row(9, -1, "cost", 100.0, account="cost_of_goods")])
    d = 1.1 ** (-1 / 365)
    m = 50 / 9
    out = customer_lifetime_value(events, H, 0.1)
    assert out["customer_lifetime_value"] == pytest.approx(50 + 50 * d**5 + d**10 * m / (1 - d))
