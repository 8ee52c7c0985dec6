"""Profit and loss of a run, from the event log alone.

Revenue is the value of purchased orders at list price; coupon discounts are the face value
of redeemed coupons, promotion discounts the price cuts of ``promotion_discount`` rows; every
other cost is a ``cost`` row booked by the engine at the end of each day (see the accounts
table in :mod:`sim.log.columns`). So a P&L needs no scenario:
``profit = net revenue - cost of goods - fulfilment - stores - marketing - integration``.

All amounts here are in the log's money (the sample's); callers multiply by the market
scale (``market_size / population.size``) for market money.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.log.columns import INTEGRATION_ACCOUNTS

#: P&L lines in the order a statement shows them: (name, meaning).
PNL_LINES: tuple[tuple[str, str], ...] = (
    ("revenue", "Value of purchased orders, before coupon discounts."),
    ("coupon_discounts", "Face value of coupons redeemed on those orders."),
    ("promotion_discounts", "Promotional price cuts on those orders (amount off list price)."),
    ("net_revenue", "Revenue less coupon and promotion discounts."),
    ("cost_of_goods", "Cost of the goods sold."),
    ("gross_profit", "Net revenue less cost of goods."),
    ("fulfilment_cost", "Delivering online orders."),
    ("store_variable_cost", "Serving store visitors."),
    ("marketing_cost", "Content media spend and production."),
    ("contribution", "Gross profit less fulfilment, store variable and marketing cost."),
    ("store_fixed_cost", "Running the stores."),
    ("integration_spend", "Setup and running cost of integration levers in force."),
    ("profit", "Contribution less store fixed cost and integration spend."),
)


def _label(column: pd.Series) -> pd.Series:
    return column.astype(object) if isinstance(column.dtype, pd.CategoricalDtype) else column


def daily_pnl(events: pd.DataFrame, horizon_days: int) -> pd.DataFrame:
    """One row per day, one column per P&L line (the log's money)."""
    event = _label(events["event"])
    day = events["day"].to_numpy(np.int64)
    value = events["value"].to_numpy(np.float64)

    def per_day(mask: np.ndarray) -> np.ndarray:
        return np.bincount(day[mask], weights=value[mask], minlength=horizon_days)

    purchased = (event == "purchase_attempt").to_numpy() & (
        _label(events["outcome"]) == "purchased"
    ).to_numpy()
    cost = (event == "cost").to_numpy()
    account = _label(events["account"]) if "account" in events else pd.Series([None] * len(day))
    account = account.to_numpy(object)

    def booked(*names: str) -> np.ndarray:
        return per_day(cost & np.isin(account, list(names)))

    out = pd.DataFrame({"day": np.arange(horizon_days, dtype=np.int32)})
    out["revenue"] = per_day(purchased)
    out["coupon_discounts"] = per_day((event == "coupon_redeem").to_numpy())
    out["promotion_discounts"] = per_day((event == "promotion_discount").to_numpy())
    out["net_revenue"] = out.revenue - out.coupon_discounts - out.promotion_discounts
    out["cost_of_goods"] = booked("cost_of_goods")
    out["gross_profit"] = out.net_revenue - out.cost_of_goods
    out["fulfilment_cost"] = booked("fulfilment")
    out["store_variable_cost"] = booked("store_visits")
    out["marketing_cost"] = booked("media", "content_production")
    out["contribution"] = (
        out.gross_profit - out.fulfilment_cost - out.store_variable_cost - out.marketing_cost
    )
    out["store_fixed_cost"] = booked("store_fixed")
    out["integration_spend"] = booked(*INTEGRATION_ACCOUNTS)
    out["profit"] = out.contribution - out.store_fixed_cost - out.integration_spend
    return out


def pnl(events: pd.DataFrame, horizon_days: int) -> dict[str, float]:
    """The horizon's P&L (the log's money), line by line."""
    daily = daily_pnl(events, horizon_days)
    return {name: float(daily[name].sum()) for name, _ in PNL_LINES}


def integration_by_lever(events: pd.DataFrame) -> dict[str, float]:
    """Integration spend per lever over the horizon (setup and running together)."""
    event = _label(events["event"])
    if "account" not in events:
        return {}
    account = _label(events["account"])
    rows = (event == "cost").to_numpy() & account.isin(INTEGRATION_ACCOUNTS).to_numpy()
    lever = account[rows].str.split(":").str[1]
    return events["value"][rows].groupby(lever.to_numpy()).sum().to_dict()


def coupon_deadweight_share(events: pd.DataFrame) -> float:
    """Share of coupon cost spent on purchases that needed no coupon (deadweight).

    Each ``coupon_redeem`` row says what its buyer would have done without the coupon on the
    same random draw (``without_coupon``): repeat needs and prospects whose chance without
    the coupon already covered their draw would have bought anyway. Weighted by face value,
    so it is the share of the discount money that bought nothing extra. The coupon's pull to
    the store is not undone: a purchase on a visit the coupon prompted counts by its buy
    decision alone, so this is the deadweight at the till. NaN with no redemption, or for a
    log written before the column existed.
    """
    if "without_coupon" not in events:
        return float("nan")
    redeem = (_label(events["event"]) == "coupon_redeem").to_numpy()
    value = events["value"].to_numpy(np.float64)[redeem]
    anyway = (_label(events["without_coupon"]) == "would_buy").to_numpy()[redeem]
    total = float(value.sum())
    return float(value[anyway].sum()) / total if total > 0 else float("nan")


def media_spend(events: pd.DataFrame) -> float | None:
    """Content media spend booked in the log (None for a log without cost rows)."""
    if "account" not in events:
        return None
    event = _label(events["event"])
    cost = (event == "cost").to_numpy()
    if not cost.any():
        return None
    media = cost & (_label(events["account"]) == "media").to_numpy()
    return float(events["value"].to_numpy(np.float64)[media].sum())
