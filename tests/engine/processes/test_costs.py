"""Costs booked at the end of the day."""

from __future__ import annotations

import numpy as np

from sim.engine.processes import costs
from sim.log.columns import ACCOUNTS
from sim.log.eventlog import Event
from tests.engine.processes.handmade import make_ctx

NAMES = [name for name, _ in ACCOUNTS]


def _booked(ctx) -> dict[str, float]:
    rows = ctx.log.column("event") == Event.cost
    accounts = ctx.log.column("account")[rows]
    values = ctx.log.column("value")[rows]
    return {NAMES[a]: float(v) for a, v in zip(accounts, values, strict=True)}


def test_setup_is_paid_once_running_every_day():
    ctx = make_ctx({"inventory": {"mode": "pooled"}})
    costs.book_costs(ctx, 0)
    ctx.start_day()
    costs.book_costs(ctx, 1)
    rows = ctx.log.column("event") == Event.cost
    accounts = [NAMES[a] for a in ctx.log.column("account")[rows]]
    assert accounts.count("setup:pooled_inventory") == 1
    assert accounts.count("running:pooled_inventory") == 2


def test_saas_cuts_setup_cost_by_sixty_percent():
    own, saas = make_ctx(), make_ctx({"costs": {"saas": True}})
    costs.book_costs(own, 0)
    costs.book_costs(saas, 0)
    ratio = _booked(saas)["setup:unified_membership"] / _booked(own)["setup:unified_membership"]
    assert np.isclose(ratio, 0.4)


def test_fixed_costs_are_market_money_divided_by_the_scale():
    """12 consumers stand for 1,200 (scale 100): 2 stores x 1,000 a day is 20 in the log."""
    ctx = make_ctx({"costs": {"store_fixed_per_day": 1000.0}})
    costs.book_costs(ctx, 0)
    assert _booked(ctx)["store_fixed"] == 20.0


def test_a_store_only_retailer_pays_nothing_for_an_online_channel():
    ctx = make_ctx({"online": {"enabled": False}})
    costs.book_costs(ctx, 0)
    assert not any("online_channel" in a for a in _booked(ctx))


def _converted(tiers: list[str]):
    return {"stores": {"conversion": {"tiers": tiers, "online_order_area": True}}}


def test_a_conversion_pays_per_converted_store():
    """One of the two stores converted: half of converting both (setup and running)."""
    one, both = make_ctx(_converted(["tier12"])), make_ctx(_converted(["tier12", "tier34"]))
    costs.book_costs(one, 0)
    costs.book_costs(both, 0)
    for account in ("setup:online_order_area", "running:online_order_area"):
        assert np.isclose(_booked(one)[account], _booked(both)[account] / 2)


def test_a_store_converted_later_pays_its_own_setup_on_the_day():
    from sim.scenario.config import with_overrides

    ctx = make_ctx(_converted(["tier12"]))
    costs.book_costs(ctx, 0)
    first = _booked(ctx)["setup:online_order_area"]
    ctx.config = with_overrides(ctx.config, {"stores.conversion.tiers": ["tier12", "tier34"]})
    ctx.change_policy(ctx.config)
    ctx.log = type(ctx.log)()
    costs.book_costs(ctx, 1)
    assert np.isclose(_booked(ctx)["setup:online_order_area"], first)  # store 1 only
    ctx.log = type(ctx.log)()
    costs.book_costs(ctx, 2)
    assert "setup:online_order_area" not in _booked(ctx)
