"""Price response: elasticity by price sensitivity, channel choice by the price gap."""

from __future__ import annotations

import numpy as np

from sim.engine import prices
from sim.engine.processes import market
from tests.engine.processes.handmade import N, make_ctx

WHO = np.arange(N)


def test_at_index_one_nothing_changes():
    ctx = make_ctx()
    market.open_day(ctx, 0)
    assert prices.channel_response(ctx, WHO, prices.ONLINE) == 1.0
    odds = np.linspace(0, 1, N)
    assert prices.online_odds_after_prices(ctx, WHO, odds) is odds


def test_a_cut_moves_the_price_sensitive_more():
    sale = {"first_day": 0, "last_day": 0, "depth": 0.2}
    sensitivity = np.linspace(0, 1, N).astype(np.float32)
    ctx = make_ctx({"promotions": [sale], "prices": {"elasticity": 2.0}},
                   price_sensitivity=sensitivity)  # fmt: skip
    market.open_day(ctx, 0)
    response = prices.channel_response(ctx, WHO, prices.STORE)
    np.testing.assert_allclose(response, 0.8 ** (-2.0 * sensitivity), rtol=1e-6)
    assert response[0] == 1.0 and np.all(np.diff(response) > 0)


def test_a_dearer_store_sends_needs_online():
    ctx = make_ctx({"consistency": {"price_consistent": False},
                    "prices": {"inconsistent_store_premium": 0.2}})  # fmt: skip
    market.open_day(ctx, 0)
    odds = np.full(N, 0.5)
    shifted = prices.online_odds_after_prices(ctx, WHO, odds)
    assert np.all(shifted > 0.5) and np.all(shifted < 1.0)


GAP = {"consistency": {"price_consistent": False}, "prices": {"inconsistent_store_premium": 0.1}}


def test_a_price_gap_costs_omnichannel_consumers_odds_in_the_dearer_channel_only():
    """Store 10% dearer, gap_distrust 3: consumers who used both channels keep 70% of their
    store odds; single-channel consumers and everyone's online odds are untouched."""
    ctx = make_ctx({**GAP, "prices": {**GAP["prices"], "gap_distrust": 3.0}})
    market.open_day(ctx, 0)
    ctx.state.used_store[:] = True
    ctx.state.used_online[:6] = True
    kept = prices.gap_distrust(ctx, WHO, prices.STORE)
    np.testing.assert_allclose(kept, [0.7] * 6 + [1.0] * 6)
    assert prices.gap_distrust(ctx, WHO, prices.ONLINE) == 1.0


def test_without_gap_distrust_a_gap_costs_no_trust():
    ctx = make_ctx(GAP)
    market.open_day(ctx, 0)
    ctx.state.used_store[:] = ctx.state.used_online[:] = True
    assert prices.gap_distrust(ctx, WHO, prices.STORE) == 1.0
