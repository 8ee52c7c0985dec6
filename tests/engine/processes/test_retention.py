"""Repurchase missions and lapse."""

from __future__ import annotations

import numpy as np

from sim.engine.processes import retention
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
