"""KPIs of one run, computed from its event log to the definitions in the targets file.

The eight level KPIs reproduce the stylized facts of the source report
(``/work/shared/targets/omo_report_2025.yaml`` holds each definition); their docstrings say
how every ambiguous word was read. Conventions shared by all of them:

* Order in time is row order: by day, and within a day the order things happened. "Before"
  and "after" compare rows, so a same-day event in an earlier row counts as before.
* The horizon is days ``0 .. horizon_days - 1``; its end is the last simulated day. A window
  of ``w`` days after day ``d`` is ``d .. d + w`` inclusive, and only starts with
  ``d <= horizon_days - 1 - w`` are counted, so every window counted was fully observed.
* A KPI with an empty denominator is NaN, never 0.

Everything is vectorised over rows (no per-consumer Python loops).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.log.eventlog import TOUCHPOINTS
from sim.measure.funnel import (
    EventFrame,
    as_frame,
    coupon_conflict_abandonment,
    coupon_redemption_rate,
    funnel_kpis,
    omnichannel_customers,
    ratio,
    stockout_rate,
)
from sim.measure.lifetime import customer_lifetime_value
from sim.measure.market import market_kpis
from sim.measure.money import PNL_LINES, coupon_deadweight_share, media_spend, pnl
from sim.scenario.sections import Costs
from sim.scenario.vocabulary import CONTENT_CHANNELS

#: Discount rate of lifetime value when the caller gives none: the scenario default.
DEFAULT_DISCOUNT_RATE: float = Costs.model_fields["annual_discount_rate"].default

__all__ = [
    "KPI",
    "KPIS",
    "KPI_DESCRIPTIONS",
    "MONEY_KPIS",
    "LEVEL_KPIS",
    "EventFrame",
    "compute_kpis",
    "content_viewer_store_visit_rate",
    "coupon_conflict_abandonment",
    "coupon_redemption_rate",
    "days_first_seed_to_store_visit",
    "omnichannel_aov_uplift",
    "omnichannel_customer_share",
    "online_research_before_store_share",
    "referred_share_of_new_customers",
    "repurchase_rate_members",
    "stockout_rate",
    "touchpoints_before_first_purchase",
]


GROUPS = ("report", "funnel", "orders", "coupons", "content", "membership", "market", "money")
UNITS = ("share", "ratio", "count", "money", "days", "touchpoints")


@dataclass(frozen=True)
class KPI:
    """One KPI: what it is called, what it means, where reports group it, its unit.

    ``unit`` "money" is the sample's money (market money = x ``market_scale``); a "share"
    lies in [0, 1]; "report" KPIs are the source report's stylized facts.
    """

    name: str
    description: str
    group: str
    unit: str

    def __post_init__(self) -> None:
        if self.group not in GROUPS or self.unit not in UNITS:
            raise ValueError(f"KPI {self.name}: group {self.group!r} / unit {self.unit!r}")


REPURCHASE_WINDOW_DAYS = 90
VISIT_WINDOW_DAYS = 30

Events = pd.DataFrame | EventFrame


def touchpoints_before_first_purchase(events: Events) -> float:
    """Mean touchpoints a customer had up to and including the day of their first purchase.

    Touchpoints are content views, app sessions, coupon claims, word-of-mouth messages and
    store visits. "Up to and including the day" is read by day, as the definition says: a
    touchpoint later on the first-purchase day (e.g. the app session after an in-store buy)
    still counts. Customers with no touchpoint count as 0; non-customers are left out.
    """
    frame = as_frame(events)
    buy_day = frame.day_of(frame.first(frame.purchased))
    rows = np.flatnonzero(frame.event(*TOUCHPOINTS))
    who = frame.cid[rows]
    counts = np.bincount(who[frame.day[rows] <= buy_day[who]], minlength=frame.size)
    customers = buy_day >= 0
    return float(counts[customers].mean()) if customers.any() else float("nan")


def days_first_seed_to_store_visit(events: Events) -> float:
    """Mean days from a consumer's first content view to their first store visit.

    "The visit after the view" is read as a condition: a consumer counts only if their
    first store visit comes after their first view in row order (a later day, or the same
    day in a later row, which gives 0 days). Consumers whose first visit came before any
    content (walk-ins) are left out rather than measured to a later visit, because their
    visit was not seeded by content. Word-of-mouth messages are not content views.
    """
    frame = as_frame(events)
    view = frame.first(frame.event("content_view"))
    visit = frame.first(frame.event("store_visit"))
    seeded = (view >= 0) & (visit > view)
    if not seeded.any():
        return float("nan")
    return float((frame.day[visit[seeded]] - frame.day[view[seeded]]).mean())


def online_research_before_store_share(events: Events) -> float:
    """Share of first store visits preceded (in an earlier row) by a content view or WOM."""
    frame = as_frame(events)
    visit = frame.first(frame.event("store_visit"))
    research = frame.first(frame.event("content_view", "wom_received"))
    visitors = visit >= 0
    preceded = visitors & (research >= 0) & (research < visit)
    return ratio(preceded.sum(), visitors.sum())


def omnichannel_customer_share(events: Events) -> float:
    """Share of customers who used both an online channel and a physical store.

    Online = content view, app session, coupon claim or an online purchase attempt (any
    outcome); store = store visit or an in-store purchase attempt; over the whole horizon.
    """
    customers, omni = omnichannel_customers(as_frame(events))
    return ratio(omni.sum(), customers.sum())


def repurchase_rate_members(events: Events, horizon_days: int) -> float:
    """Share of eligible members who purchased again within 90 days of their first purchase.

    Eligible: a member (``member_join`` at any time in the horizon) whose first purchase day
    ``f`` satisfies ``f <= horizon_days - 1 - 90``. "Again within 90 days" is any later
    purchase row (a second order the same day counts) with day ``<= f + 90``: day ``f + 90``
    counts, ``f + 91`` does not.
    """
    frame = as_frame(events)
    purchased = frame.purchased
    first = frame.first(purchased)
    first_day = frame.day_of(first)
    last_start = horizon_days - 1 - REPURCHASE_WINDOW_DAYS
    members = frame.who(frame.event("member_join"))
    eligible = members & (first >= 0) & (first_day <= last_start)
    rows = np.flatnonzero(purchased)
    who = frame.cid[rows]
    again = (rows > first[who]) & (frame.day[rows] <= first_day[who] + REPURCHASE_WINDOW_DAYS)
    repeaters = np.zeros(frame.size, bool)
    repeaters[who[again]] = True
    return ratio((eligible & repeaters).sum(), eligible.sum())


def referred_share_of_new_customers(events: Events) -> float:
    """Share of new customers whose first touchpoint was a WOM message or referral coupon.

    A consumer's first touchpoint is their first touchpoint row (coupon claims are
    touchpoints, so referral-coupon claims are included). It is a referral if it is a
    ``wom_received`` or a ``coupon_claim`` with ``source >= 0``. The sender is taken to be
    an existing customer without checking: in the model only customers share. Every
    customer in the log is new (the log starts at day 0). A customer with no touchpoint at
    all counts as not referred.
    """
    frame = as_frame(events)
    new = frame.first(frame.purchased) >= 0
    referral = frame.event("wom_received") | (frame.event("coupon_claim") & (frame.source >= 0))
    first_touch = frame.first(frame.event(*TOUCHPOINTS))[new]
    referred = referral[first_touch[first_touch >= 0]].sum()
    return ratio(referred, new.sum())


def content_viewer_store_visit_rate(events: Events, horizon_days: int) -> float:
    """Share of content viewers who visit a store within 30 days of their first view.

    Only viewers whose first view day ``v`` satisfies ``v <= horizon_days - 1 - 30`` count.
    A qualifying visit is a store visit after the first view in row order (same day, later
    row is fine) with day ``<= v + 30`` (day ``v + 30`` counts); a visit before the view
    does not count.
    """
    frame = as_frame(events)
    view = frame.first(frame.event("content_view"))
    view_day = frame.day_of(view)
    eligible = (view >= 0) & (view_day <= horizon_days - 1 - VISIT_WINDOW_DAYS)
    rows = np.flatnonzero(frame.event("store_visit"))
    who = frame.cid[rows]
    hit = (
        eligible[who] & (rows > view[who]) & (frame.day[rows] <= view_day[who] + VISIT_WINDOW_DAYS)
    )
    visited = np.zeros(frame.size, bool)
    visited[who[hit]] = True
    return ratio((eligible & visited).sum(), eligible.sum())


def omnichannel_aov_uplift(events: Events) -> float:
    """Mean order value of omnichannel customers over that of single-channel ones, minus 1.

    Mean order value of a group = its revenue / its orders (order-weighted), using all of
    each customer's orders; groups as in :func:`omnichannel_customer_share`. NaN unless
    both groups have orders.
    """
    frame = as_frame(events)
    _, omni = omnichannel_customers(frame)
    purchased = frame.purchased
    values = frame.value[purchased]
    is_omni = omni[frame.cid[purchased]]
    if not is_omni.any() or is_omni.all():
        return float("nan")
    return ratio(values[is_omni].mean(), values[~is_omni].mean()) - 1.0


def compute_kpis(
    events: pd.DataFrame,
    consumers: pd.DataFrame,
    horizon_days: int,
    daily: pd.DataFrame | None = None,
    annual_discount_rate: float = DEFAULT_DISCOUNT_RATE,
) -> dict[str, float]:
    """All KPIs of one run as a flat dict of plain floats (NaN where undefined).

    Args:
        events: the event log (columns as in :mod:`sim.log.eventlog`), in row order.
        consumers: the consumers table; its length is the population.
        horizon_days: the run's horizon; every event day must be in ``0..horizon_days-1``.
        daily: the daily table; ``content_spend`` feeds content ROI and acquisition cost.
        annual_discount_rate: discounts future margin in customer lifetime value (the
            scenario's ``costs.annual_discount_rate``): a valuation choice, not the log's.

    Raises:
        ValueError: a required column is missing or an event lies outside the horizon.
    """
    frame = EventFrame.from_events(events)
    money = events[_money_rows(events["event"])] if "event" in events.columns else events
    return kpis_of(frame, money, len(consumers), horizon_days, daily, annual_discount_rate)


def compute_kpis_from_parquet(
    path: str | Path,
    population: int,
    horizon_days: int,
    daily: pd.DataFrame | None = None,
    annual_discount_rate: float = DEFAULT_DISCOUNT_RATE,
) -> dict[str, float]:
    """:func:`compute_kpis` of a run's ``events.parquet``, without reading the log whole.

    The consumers' rows are read a column at a time into an :class:`EventFrame` (about 35
    bytes a row instead of the pandas frame's 55 plus its copies) and only the money rows
    (orders, discounts, costs: a few percent) as pandas, so a 10-million-consumer year's
    KPIs fit in memory. The values equal :func:`compute_kpis` of the same log read whole.
    """
    frame = EventFrame.from_parquet(path)
    names = pq.ParquetFile(path).schema_arrow.names
    take = _money_mask(pq.read_table(path, columns=["event"]).column(0))
    money = pq.read_table(path, columns=[c for c in _MONEY_COLUMNS if c in names]).filter(take)
    return kpis_of(frame, money.to_pandas(), population, horizon_days, daily, annual_discount_rate)


#: Events the money KPIs read (P&L, media spend, coupon deadweight, lifetime margin).
_MONEY_EVENTS = ("purchase_attempt", "coupon_redeem", "promotion_discount", "cost")
_MONEY_COLUMNS = ("day", "consumer", "event", "outcome", "account", "value", "without_coupon")


def _money_rows(event: pd.Series) -> np.ndarray:
    return event.isin(_MONEY_EVENTS).to_numpy()


def _money_mask(event: pa.ChunkedArray) -> pa.Array:
    """Which rows of a dictionary-coded ``event`` column are money rows, by code (no strings)."""
    masks = []
    for chunk in event.chunks:
        wanted = np.zeros(256, bool)
        names = chunk.dictionary.to_pylist()
        wanted[[i for i, n in enumerate(names) if n in _MONEY_EVENTS]] = True
        codes = chunk.indices.to_numpy(zero_copy_only=False).astype(np.uint8)
        masks.append(wanted[codes])
    return pa.array(np.concatenate(masks) if masks else np.zeros(0, bool))


def kpis_of(
    frame: EventFrame,
    money: pd.DataFrame,
    population: int,
    horizon_days: int,
    daily: pd.DataFrame | None = None,
    annual_discount_rate: float = DEFAULT_DISCOUNT_RATE,
) -> dict[str, float]:
    """All KPIs from a log's consumer rows (``frame``) and its money rows (``money``: every
    purchase attempt, coupon redemption, promotion discount and cost row, in log order)."""
    if len(frame) and (frame.day.min() < 0 or frame.day.max() >= horizon_days):
        raise ValueError(
            f"event days span {frame.day.min()}..{frame.day.max()}, "
            f"outside the horizon 0..{horizon_days - 1}"
        )
    out = {
        "touchpoints_before_first_purchase": touchpoints_before_first_purchase(frame),
        "days_first_seed_to_store_visit": days_first_seed_to_store_visit(frame),
        "online_research_before_store_share": online_research_before_store_share(frame),
        "omnichannel_customer_share": omnichannel_customer_share(frame),
        "repurchase_rate_members": repurchase_rate_members(frame, horizon_days),
        "referred_share_of_new_customers": referred_share_of_new_customers(frame),
        "content_viewer_store_visit_rate": content_viewer_store_visit_rate(frame, horizon_days),
        "omnichannel_aov_uplift": omnichannel_aov_uplift(frame),
    }
    out.update(funnel_kpis(frame, population, daily, media_spend(money)))
    out["coupon_conflict_abandonment"] = coupon_conflict_abandonment(frame)
    out["coupon_deadweight_share"] = coupon_deadweight_share(money)
    out.update(market_kpis(frame))
    lines = pnl(money, horizon_days)
    out.update(lines)
    out["integration_share_of_revenue"] = ratio(lines["integration_spend"], lines["net_revenue"])
    out["new_customers"] = int((frame.first(frame.purchased) >= 0).sum())
    out["acquisition_spend"] = lines["marketing_cost"] + lines["coupon_discounts"]
    out.update(customer_lifetime_value(money, horizon_days, annual_discount_rate, frame))
    return {k.name: float(out[k.name]) for k in KPIS}


#: Every KPI a run reports, in the order reports show them. Add a KPI here (and compute
#: it in :func:`compute_kpis`); names, descriptions, groups and units derive from this table.
KPIS: tuple[KPI, ...] = (
    KPI(
        "touchpoints_before_first_purchase",
        "Mean touchpoints (views, app sessions, coupon claims, word of mouth, store visits)"
        " up to the day of a customer's first purchase.",
        "report",
        "touchpoints",
    ),
    KPI(
        "days_first_seed_to_store_visit",
        "Mean days from first content view to first store visit, for consumers whose first "
        "visit followed their first view.",
        "report",
        "days",
    ),
    KPI(
        "online_research_before_store_share",
        "Share of first store visits preceded by a content view or word-of-mouth message.",
        "report",
        "share",
    ),
    KPI(
        "omnichannel_customer_share",
        "Share of customers who used both an online channel and a physical store.",
        "report",
        "share",
    ),
    KPI(
        "repurchase_rate_members",
        "Share of members (first purchase >= 90 days before the end) who bought again "
        "within 90 days of their first purchase.",
        "report",
        "share",
    ),
    KPI(
        "referred_share_of_new_customers",
        "Share of new customers whose first touchpoint was a friend's word of mouth or "
        "referral coupon.",
        "report",
        "share",
    ),
    KPI(
        "content_viewer_store_visit_rate",
        "Share of content viewers (first view >= 30 days before the end) who visited a "
        "store within 30 days of it.",
        "report",
        "share",
    ),
    KPI(
        "omnichannel_aov_uplift",
        "Average order value of omnichannel customers relative to single-channel customers,"
        " minus 1.",
        "report",
        "ratio",
    ),
    KPI("consumers", "Simulated consumers (the population).", "funnel", "count"),
    KPI("aware", "Consumers with at least one touchpoint.", "funnel", "count"),
    KPI(
        "considering",
        "Consumers who visited a store, claimed a coupon or tried to buy.",
        "funnel",
        "count",
    ),
    KPI("customers", "Consumers with at least one purchase.", "funnel", "count"),
    KPI("repeat_customers", "Customers with two or more purchases.", "funnel", "count"),
    KPI(
        "referrers", "Customers who shared and brought a friend who then bought.", "funnel", "count"
    ),
    KPI("awareness_rate", "Aware consumers / population.", "funnel", "share"),
    KPI("consideration_rate", "Considering consumers / aware consumers.", "funnel", "share"),
    KPI("purchase_conversion_rate", "Customers / considering consumers.", "funnel", "share"),
    KPI("customer_penetration", "Customers / population.", "funnel", "share"),
    KPI("repeat_customer_rate", "Repeat customers / customers.", "funnel", "share"),
    KPI("referrer_rate", "Referrers / customers.", "funnel", "share"),
    KPI("revenue", "Total value of purchased orders.", "orders", "money"),
    KPI("revenue_online", "Value of orders placed online.", "orders", "money"),
    KPI("revenue_store", "Value of orders placed in stores.", "orders", "money"),
    KPI("orders", "Purchased orders.", "orders", "count"),
    KPI("orders_online", "Orders placed online.", "orders", "count"),
    KPI("orders_store", "Orders placed in stores.", "orders", "count"),
    KPI("average_order_value", "Revenue / orders.", "orders", "money"),
    KPI("purchase_attempts", "Purchase attempts, whatever their outcome.", "orders", "count"),
    KPI("abandonment_rate", "Share of purchase attempts abandoned.", "orders", "share"),
    KPI(
        "stockout_rate",
        "Share of purchase attempts that found the item out of stock.",
        "orders",
        "share",
    ),
    KPI(
        "stockout_rate_online",
        "Share of online purchase attempts that ended out of stock (not filled from a "
        "store either).",
        "orders",
        "share",
    ),
    KPI(
        "stockout_rate_store",
        "Share of in-store purchase attempts that ended out of stock (not filled from the "
        "warehouse either).",
        "orders",
        "share",
    ),
    KPI("store_visits", "Store visits.", "orders", "count"),
    KPI("coupon_claims", "Coupons claimed (distinct coupons).", "coupons", "count"),
    KPI("coupon_redemptions", "Coupons redeemed (distinct coupons).", "coupons", "count"),
    KPI(
        "coupon_redemption_rate", "Share of claimed coupons that were redeemed.", "coupons", "share"
    ),
    KPI("coupon_cost", "Face value of redeemed coupons.", "coupons", "money"),
    KPI("content_views", "Content views, all channels.", "content", "count"),
    *(
        KPI(f"content_views_{c}", f"Content views on {c.replace('_', ' ')}.", "content", "count")
        for c in CONTENT_CHANNELS
    ),
    KPI(
        "content_spend",
        "Money spent on content (from the daily table; NaN if absent).",
        "content",
        "money",
    ),
    KPI("content_roi", "Revenue / content spend.", "content", "ratio"),
    KPI(
        "customer_acquisition_cost",
        "(Content spend + coupon cost) / new customers.",
        "content",
        "money",
    ),
    KPI("members", "Consumers who joined the membership.", "membership", "count"),
    KPI("member_share_of_customers", "Share of customers who are members.", "membership", "share"),
    KPI(
        "coupon_conflict_abandonment",
        "Share of purchase attempts whose coupon was refused in that channel (not valid "
        "there) that were abandoned; NaN if none was refused.",
        "coupons",
        "share",
    ),
    KPI(
        "coupon_deadweight_share",
        "Share of coupon cost (face value redeemed) spent on purchases that needed no coupon: "
        "the buyer would have bought without it on the same random draw (repeat needs "
        "included); NaN if none was redeemed.",
        "coupons",
        "share",
    ),
    KPI(
        "market_share",
        "Brand orders / category purchases (brand orders and rivals' purchases); 1 without rivals.",
        "market",
        "share",
    ),
    KPI("value_share", "Brand revenue / category spend (brand and rivals).", "market", "share"),
    KPI(
        "share_of_wallet",
        "Of the category purchases of the brand's customers, the share made with the brand.",
        "market",
        "share",
    ),
    KPI(
        "switching_rate",
        "Share of a consumer's category purchases (after their first in the log) made with a "
        "different firm than the one before.",
        "market",
        "share",
    ),
    KPI("competitor_purchases", "Category purchases made with rivals.", "market", "count"),
    KPI(
        "stolen_sales",
        "Rivals' purchases that took a sale the brand was about to make (a brand attempt).",
        "market",
        "count",
    ),
)

KPIS += tuple(
    KPI(name, meaning, "money", "money")
    for name, meaning in PNL_LINES
    if name not in ("revenue", "coupon_discounts")  # the orders and coupons groups have them
) + (
    KPI(
        "integration_share_of_revenue",
        "Integration spend / net revenue (the report: leaders spend 5-8%).",
        "money",
        "ratio",
    ),
    KPI(
        "new_customers",
        "Customers whose first purchase is in the horizon (not known before day 0).",
        "funnel",
        "count",
    ),
    KPI(
        "acquisition_spend",
        "Marketing cost (media and content production) plus coupon discounts: what "
        "incremental acquisition cost divides by extra new customers.",
        "money",
        "money",
    ),
    KPI(
        "customer_lapse_rate",
        "Daily chance an active customer lapses, fitted from the log (lapses over active "
        "customer-days at risk, censored at the horizon).",
        "money",
        "share",
    ),
    KPI(
        "customer_remaining_lifetime_days",
        "Expected days an active customer stays before lapsing or leaving the market, from "
        "the fitted daily chances (memoryless: the same at any age); NaN if nobody leaves.",
        "money",
        "days",
    ),
    KPI(
        "customer_lifetime_value",
        "Per customer won in the horizon: discounted gross margin from the first purchase, "
        "observed to the horizon and projected past it by the fitted lapse, win-back and "
        "exit chances (costs.annual_discount_rate); money per customer.",
        "money",
        "money",
    ),
)

KPI_DESCRIPTIONS: dict[str, str] = {k.name: k.description for k in KPIS}
LEVEL_KPIS: tuple[str, ...] = tuple(k.name for k in KPIS if k.group == "report")
MONEY_KPIS: tuple[str, ...] = tuple(k.name for k in KPIS if k.unit == "money")


def describe(name: str) -> str:
    """One plain-English line for a KPI name; KeyError if it is not a KPI."""
    return KPI_DESCRIPTIONS[name]


def markdown_table() -> str:
    """The README's KPI table, generated from :data:`KPIS`."""
    lines = ["| KPI | group | unit | meaning |", "|---|---|---|---|"]
    lines += [f"| `{k.name}` | {k.group} | {k.unit} | {k.description} |" for k in KPIS]
    return "\n".join(lines)
