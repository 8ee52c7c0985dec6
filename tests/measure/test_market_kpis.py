"""Market KPIs and the promotion line of the P&L, on hand-built logs worked out in comments."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.measure.funnel import EventFrame
from sim.measure.market import market_kpis
from sim.measure.money import pnl
from tests.measure.test_kpis import buy, log, row


def rival(day, c, competitor, value=50.0, channel=None):
    return row(day, c, "competitor_purchase", channel, value)


def with_rivals(rows, competitors) -> pd.DataFrame:
    """A log with the ``competitor`` column (-1 on every row that is not a rival purchase)."""
    df = log(rows)
    df["competitor"] = competitors
    return df


def kpis(df: pd.DataFrame) -> dict[str, float]:
    return market_kpis(EventFrame.from_events(df), df)


def test_shares_wallet_and_switching():
    # c1: brand, rival 0, brand -> firms B, 0, B: 2 switches in 2 pairs
    # c2: rival 1 (stolen in store), rival 1 -> 0 switches in 1 pair; not a brand customer
    # c3: brand, stockout (not a purchase) -> no pair
    rows = [buy(0, 1, value=100.0), rival(1, 1, 0), rival(1, 2, 1, channel="store")]
    rows += [buy(2, 1, value=100.0), rival(3, 2, 1), buy(4, 3, value=100.0)]
    rows += [buy(5, 3, outcome="stockout", value=0.0)]
    df = with_rivals(rows, [-1, 0, 1, -1, 1, -1, -1])
    out = kpis(df)
    assert out["market_share"] == pytest.approx(3 / 6)  # 3 brand orders, 3 rival purchases
    assert out["value_share"] == pytest.approx(300 / 450)
    assert out["share_of_wallet"] == pytest.approx(3 / 4)  # c1 and c3: 3 of their 4 purchases
    assert out["switching_rate"] == pytest.approx(2 / 3)
    assert out["competitor_purchases"] == 3 and out["stolen_sales"] == 1


def test_a_brand_alone_has_the_whole_market():
    df = log([buy(0, 1), buy(1, 2), buy(3, 1)])  # an older log: no competitor column
    out = kpis(df)
    assert out["market_share"] == 1.0 and out["share_of_wallet"] == 1.0
    assert out["competitor_purchases"] == 0 and out["switching_rate"] == 0.0


def test_no_purchases_at_all_is_undefined_not_zero():
    out = kpis(log([row(0, 1, "app_session")]))
    assert math.isnan(out["market_share"]) and math.isnan(out["switching_rate"])


def test_promotion_cuts_come_off_net_revenue():
    rows = [buy(0, 1, value=100.0), row(0, 1, "promotion_discount", "store", 30.0)]
    rows += [buy(1, 2, value=100.0)]
    money = pnl(log(rows), horizon_days=2)
    assert money["revenue"] == 200.0 and money["promotion_discounts"] == 30.0
    assert money["net_revenue"] == 170.0
