"""Repurchase missions and lapse."""

from __future__ import annotations

import numpy as np

from sim.engine.processes import market, retention
from sim.engine.state import Mission
from tests.engine.processes.handmade import events_of, make_ctx

CUSTOMERS = np.array([0, 1, 2])


def _customers(ctx):
    ctx.state.purchases[CUSTOMERS] = 1


def test_every_active_customer_lapses_at_lapse_rate_one():
    ctx = make_ctx({"behaviour": {"lapse_rate": 1.0, "repurchase_rate": 0.0}})
    _customers(ctx)
    retention.rebuy_and_lapse(ctx, 0)
    assert sorted(events_of(ctx, "lapse")) == CUSTOMERS.tolist()
    assert ctx.state.lapsed[CUSTOMERS].all()


def test_a_customer_who_never_visited_a_store_rebuys_online():
    ctx = make_ctx({"behaviour": {"lapse_rate": 0.0, "repurchase_rate": 1.0}})
    _customers(ctx)
    retention.rebuy_and_lapse(ctx, 0)
    assert (ctx.state.mission[CUSTOMERS] == Mission.online).all()


def test_nothing_is_planned_on_the_last_day():
    ctx = make_ctx({"behaviour": {"lapse_rate": 1.0, "repurchase_rate": 1.0}})
    _customers(ctx)
    retention.rebuy_and_lapse(ctx, ctx.config.horizon_days - 1)
    assert len(events_of(ctx, "lapse")) == 0 and (ctx.state.mission == Mission.none).all()


def test_a_store_only_retailers_customers_rebuy_in_store():
    """Customers with a store go there; consumer 10 has none and gets no mission."""
    ctx = make_ctx(
        {"online": {"enabled": False}, "behaviour": {"lapse_rate": 0.0, "repurchase_rate": 1.0}}
    )
    ctx.state.purchases[[0, 1, 10]] = 1
    retention.rebuy_and_lapse(ctx, 0)
    assert (ctx.state.mission[[0, 1]] == Mission.store).all()
    assert ctx.state.mission[10] == Mission.none


def test_omnichannel_customers_distrusting_a_dearer_store_leave_store_needs_unmet():
    """Store 20% dearer, gap_distrust 5 (no odds kept): customers 0-4 have seen both prices
    and lose every need headed for the store; their online needs and the store-only
    customers 5-9 are exactly as without the key (same draws)."""
    gap = {"consistency": {"price_consistent": False},
           "behaviour": {"lapse_rate": 0.0, "repurchase_rate": 1.0}}  # fmt: skip
    missions = {}
    for k in (0.0, 5.0):
        prices = {"inconsistent_store_premium": 0.2, "gap_distrust": k}
        ctx = make_ctx({**gap, "prices": prices}, seed=1)
        market.open_day(ctx, 0)
        ctx.state.purchases[:10] = 1
        ctx.state.used_store[:10] = True
        ctx.state.used_online[:5] = True
        retention.rebuy_and_lapse(ctx, 0)
        missions[k] = ctx.state.mission.copy()
    plain, distrust = missions[0.0], missions[5.0]
    assert (plain[:5] == Mission.store).any()
    np.testing.assert_array_equal(
        distrust[:5], np.where(plain[:5] == Mission.store, Mission.none, plain[:5])
    )
    np.testing.assert_array_equal(distrust[5:], plain[5:])
