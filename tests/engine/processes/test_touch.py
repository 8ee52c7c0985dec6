"""The shared rules of a touch."""

from __future__ import annotations

import numpy as np

from sim.engine.processes.touch import touch, unique
from sim.engine.streams import Source
from tests.engine.processes.handmade import make_ctx


def test_a_touch_makes_aware_and_adds_its_weight_to_interest():
    ctx = make_ctx()
    touch(ctx, np.array([1, 1, 2]), 0.25, ctx.streams.draws(Source.app, 0), "t")
    assert ctx.state.aware[[1, 2]].all() and not ctx.state.aware[0]
    np.testing.assert_allclose(ctx.state.interest[[1, 2]], [0.5, 0.25])


def test_novelty_wears_out_with_each_touch():
    ctx = make_ctx({"behaviour": {"response_wearout": 0.5}})
    draws = ctx.streams.draws(Source.app, 0)
    firsts = [touch(ctx, np.array([3]), 0.1, draws, f"t{i}")[0] for i in range(3)]
    assert firsts == [1.0, 0.5, 0.25]


def test_unique_keeps_first_appearance_order():
    assert unique(np.array([5, 2, 5, 1, 2])).tolist() == [5, 2, 1]


def _prospects_with_coupons(value: float):
    from sim.engine.processes.coupons import give_coupons

    ctx = make_ctx({"behaviour": {"coupon_purchase_lift": 1.0}})
    who = np.arange(10)
    ctx.state.interest[who] = 50.0  # 1 - e^-interest = 1: the chance is the base's
    give_coupons(ctx, who, value, 0)
    return ctx, who


def test_buy_decision_buys_exactly_as_the_plain_draw_did():
    """Same keyed draw, same chance: adding the counterfactual changes no purchase."""
    from sim.engine.processes.touch import buy_decision, buy_odds

    ctx, who = _prospects_with_coupons(20.0)
    for day in range(20):
        draws = ctx.streams.draws(Source.visits, day)
        buyers, _ = buy_decision(ctx, who, 0.3, draws, "buy_store", 0.9)
        plain = who[draws.bernoulli(who, buy_odds(ctx, who, 0.3) * 0.9, "buy_store")]
        assert buyers.tolist() == plain.tolist()


def test_share_who_would_have_bought_anyway_is_p_without_over_p_with():
    """Coupon worth 10% of the basket, lift 1, price sensitivity 0.5: p_with = 1.5 p_without,
    so of the buyers a share 1 / 1.5 would have bought anyway (binomial tolerance)."""
    from sim.engine.processes.touch import buy_decision

    ctx, who = _prospects_with_coupons(0.1 * make_ctx().config.behaviour.basket_mean)
    bought = made = 0
    for day in range(600):
        buyers, coupon_made = buy_decision(
            ctx, who, 0.5, ctx.streams.draws(Source.visits, day), "buy_store"
        )
        bought, made = bought + len(buyers), made + len(coupon_made)
    anyway, expected = 1 - made / bought, 1 / 1.5
    assert abs(anyway - expected) < 4 * np.sqrt(expected * (1 - expected) / bought)
