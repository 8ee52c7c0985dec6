"""The share of coupon cost spent on purchases that needed no coupon, against theory."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.processes import checkout, visits
from sim.engine.processes.coupons import give_coupons
from sim.measure.money import coupon_deadweight_share
from tests.engine.processes.handmade import make_ctx


def _events(ctx) -> pd.DataFrame:
    return ctx.log.to_arrow(np.arange(ctx.size, dtype=np.int64)).to_pandas()


def test_deadweight_share_is_p_without_over_p_with_for_hand_made_prospects():
    """Ten prospects with a coupon worth 10% of the basket visit their store every day; lift 1
    and price sensitivity 0.5 make p_with = 1.5 p_without, so 1/1.5 of the coupon money
    goes to purchases that would have happened anyway (tolerance: 4 binomial SEs)."""
    ctx = make_ctx(
        {
            "horizon_days": 400,
            "behaviour": {"coupon_purchase_lift": 1.0, "buy_in_store_per_visit": 0.5},
            "coupons": {"redeemable_in": "everywhere", "threshold": 0},
        }
    )
    who = np.arange(10)  # the consumers with a store
    value = 0.1 * ctx.config.behaviour.basket_mean
    for day in range(400):
        ctx.start_day()
        s = ctx.state
        s.aware[who], s.considering[who], s.interest[who] = True, True, 50.0
        s.purchases[who], s.coupon_id[who] = 0, -1
        give_coupons(ctx, who, value, day)
        s.planned_visit_day[who] = day
        ctx.inventory.stock[:] = 1_000
        visits.store_visits(ctx, day)
        checkout.checkout(ctx, day)
    events = _events(ctx)
    redeemed = int((events.event == "coupon_redeem").sum())
    share, expected = coupon_deadweight_share(events), 1 / 1.5
    assert redeemed > 1000
    assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / redeemed)


def test_deadweight_share_weighs_by_face_value():
    events = pd.DataFrame(
        {
            "event": ["coupon_redeem"] * 3 + ["purchase_attempt"],
            "value": [10.0, 30.0, 60.0, 99.0],
            "without_coupon": ["would_buy", "would_not_buy", "would_buy", None],
        }
    )
    assert coupon_deadweight_share(events) == 0.7


def test_deadweight_share_is_nan_without_redemptions_or_the_column():
    events = pd.DataFrame({"event": ["purchase_attempt"], "value": [5.0]})
    assert np.isnan(coupon_deadweight_share(events))
    assert np.isnan(coupon_deadweight_share(events.assign(without_coupon=[None])))
