"""App sessions, coupon claims and online attempts."""

from __future__ import annotations

import numpy as np

from sim.engine.processes import app
from sim.engine.state import Mission
from tests.engine.processes.handmade import events_of, make_ctx

EAGER = {"app_session_rate": 1.0, "coupon_claim_per_session": 0.0}


def test_only_aware_consumers_who_have_not_lapsed_open_the_app():
    ctx = make_ctx({"behaviour": EAGER}, online_propensity=np.ones(12, np.float32))
    ctx.state.aware[[1, 2, 3]] = True
    ctx.state.interest[:] = 5.0
    ctx.state.lapsed[3] = True
    app.app_sessions(ctx, 0)
    assert sorted(events_of(ctx, "app_session")) == [1, 2]


def test_an_online_mission_always_becomes_a_session_and_an_attempt():
    ctx = make_ctx({"behaviour": {"app_session_rate": 0.0}})
    ctx.state.mission[7] = Mission.online
    ctx.state.purchases[7] = 1
    app.app_sessions(ctx, 0)
    assert events_of(ctx, "app_session").tolist() == [7]
    assert ctx.today.online_attempts.tolist() == [7]


def test_coupon_claims_stop_at_the_budget():
    """Budget for exactly two coupons (market money: value x market/sample scale of 100)."""
    behaviour = {**EAGER, "coupon_claim_per_session": 1.0, "coupon_claim_base": 1.0}
    coupons = {"value": 10.0, "budget": 2 * 10.0 * 100}
    ctx = make_ctx({"behaviour": behaviour, "coupons": coupons})
    ctx.state.aware[:] = True
    ctx.state.interest[:] = 5.0
    app.app_sessions(ctx, 0)
    assert len(events_of(ctx, "coupon_claim")) == 2
    assert ctx.coupons.budget_used == 2000.0


def _claim_everyone(value: float):
    behaviour = {**EAGER, "coupon_claim_per_session": 1.0, "coupon_claim_base": 1.0}
    behaviour |= {"coupon_store_pull": 1.0, "response_wearout": 1.0, "discovery_rate": 0.0}
    scenario = {"behaviour": behaviour, "coupons": {"value": value, "budget": 1e12}}
    ctx = make_ctx(scenario, online_propensity=np.ones(12, np.float32))
    ctx.state.aware[:10] = True
    ctx.state.interest[:10] = 5.0
    ctx.policy.visit_access[:] = 1.0
    app.app_sessions(ctx, 0)
    return ctx


def test_a_worthless_coupon_pulls_nobody_to_a_store():
    ctx = _claim_everyone(0.0)
    assert len(events_of(ctx, "coupon_claim")) == 10
    assert (ctx.state.planned_visit_day == -1).all()


def test_a_coupon_worth_a_tenth_of_the_basket_pulls_everyone():
    ctx = _claim_everyone(0.1 * 120.0)
    assert (ctx.state.planned_visit_day[:10] >= 0).all()


def test_a_store_only_retailer_has_no_app_sessions():
    ctx = make_ctx({"behaviour": EAGER, "online": {"enabled": False}})
    ctx.state.aware[:] = True
    ctx.state.mission[3] = Mission.online
    app.app_sessions(ctx, 0)
    assert len(events_of(ctx, "app_session")) == 0 and len(ctx.today.online_attempts) == 0


def test_orders_placed_from_content_join_the_online_attempts_once():
    """A livestream order (instant_orders) is an online attempt without an app session; a
    consumer who also orders on a mission is attempted once."""
    ctx = make_ctx({"behaviour": {"app_session_rate": 0.0}})
    ctx.state.mission[7] = Mission.online
    ctx.state.purchases[7] = 1
    ctx.today.instant_orders = np.array([4, 7], np.int64)
    app.app_sessions(ctx, 0)
    assert events_of(ctx, "app_session").tolist() == [7]
    assert sorted(ctx.today.online_attempts.tolist()) == [4, 7]
