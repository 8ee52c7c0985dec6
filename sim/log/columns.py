"""The event log's vocabulary, declared once: its columns, its events and their codes.

:data:`COLUMNS` is the table every other list derives from: the Arrow schema, the
numpy buffers of :class:`~sim.log.eventlog.EventLog`, the defaults of columns an event
does not set, and the README's event-log table. :data:`EVENTS` does the same for the
``event`` column's values. Add a column or an event here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import pyarrow as pa

from sim.scenario.sections import LeverCosts
from sim.scenario.vocabulary import CONTENT_CHANNELS, PURCHASE_CHANNELS


@dataclass(frozen=True)
class Column:
    """One column of the event log.

    Attributes:
        name: the column name in ``events.parquet``.
        dtype: the numpy type of its buffer (codes for dictionary columns).
        arrow: the Arrow type in the file.
        default: the value of rows whose event does not set it (None: every row sets it).
        meaning: what it holds, for the README.
    """

    name: str
    dtype: type
    arrow: pa.DataType
    default: object
    meaning: str

    @property
    def nullable(self) -> bool:
        """Optional label columns are null where unset; number columns use -1 instead."""
        return pa.types.is_dictionary(self.arrow) and self.default is not None


_LABEL = pa.dictionary(pa.int8(), pa.string())

#: The event log's columns, in file order.
COLUMNS: tuple[Column, ...] = (
    Column("day", np.int32, pa.int32(), None, "Day of the event, 0 .. horizon_days - 1."),
    Column("consumer", np.int64, pa.int64(), None, "The consumer (their Mesa agent id)."),
    Column("event", np.int8, _LABEL, None, "What happened (see the events table)."),
    Column(
        "channel",
        np.int8,
        _LABEL,
        -1,
        "Content channel of a view; online/store for app coupons, attempts, redemptions, joins.",
    ),
    Column("store", np.int32, pa.int32(), -1, "Store visited or bought in (-1: none)."),
    Column(
        "value",
        np.float64,
        pa.float64(),
        0.0,
        "Order value of a purchase (0 if none), face value of a coupon; sample money.",
    ),
    Column("coupon", np.int64, pa.int64(), -1, "Coupon id claimed, held, redeemed or expired."),
    Column(
        "source",
        np.int64,
        pa.int64(),
        -1,
        "The friend who sent a word-of-mouth message or referral coupon (-1: none).",
    ),
    Column(
        "outcome",
        np.int8,
        _LABEL,
        -1,
        "Of a purchase attempt (and a refused coupon): purchased, stockout or abandoned.",
    ),
    Column("sku", np.int32, pa.int32(), -1, "Item wanted by a purchase attempt."),
    Column(
        "fulfilled_from",
        np.int32,
        pa.int32(),
        -1,
        "Where a purchase was served from: a store id, -2 the online warehouse, -1 not served.",
    ),
    Column(
        "account",
        np.int8,
        _LABEL,
        -1,
        "Of a cost row: what the money paid for (see the accounts table).",
    ),
    Column(
        "competitor",
        np.int16,
        pa.int16(),
        -1,
        "Of a competitor purchase: the rival that won, by its position in the scenario's "
        "`competitors` in force that day (0 = the first named); -1 on every other row.",
    ),
    Column(
        "without_coupon",
        np.int8,
        _LABEL,
        -1,
        "Of a coupon redemption: what the buyer would have done without the coupon, on the "
        "same random draw: `would_buy` (the discount paid for a purchase that needed none: a "
        "repeat need, or a prospect who would have bought anyway) or `would_not_buy`.",
    ),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}

#: (event, meaning, touchpoint?) in code order. Append new events at the end.
EVENTS: tuple[tuple[str, str, bool], ...] = (
    ("content_view", "Reached by a content channel (short video, livestream, KOL, UGC).", True),
    ("wom_received", "Heard about the brand from a friend who shared (`source`).", True),
    ("app_session", "Opened the app or mini-program.", True),
    ("coupon_claim", "Got a coupon: claimed in the app, or a referral coupon (`source`).", True),
    ("store_visit", "Visited their nearest store.", True),
    ("purchase_attempt", "Tried to buy one item online or in store (see `outcome`).", False),
    ("coupon_redeem", "Used a coupon on a purchase.", False),
    ("share", "Shared a purchase with friends.", False),
    ("member_join", "Joined the membership (`channel`: where).", False),
    ("coupon_expire", "A coupon lapsed unused.", False),
    ("lapse", "Drifted away from the brand (no more repeat purchases).", False),
    (
        "coupon_refused",
        "Held a coupon not valid in this channel at checkout (`outcome`: what they did).",
        False,
    ),
    (
        "cost",
        "Money paid out that day (`account`; `channel` for media); `consumer` is -1.",
        False,
    ),
    (
        "prior_history",
        "Knew the brand before day 0 (burn-in); `value`: purchases before day 0. Their "
        "first rows in the log are not their firsts.",
        False,
    ),
    ("winback", "A lapsed customer came back, after a touch or by themselves.", False),
    (
        "market_exit",
        "Left the market; a newcomer (a new `consumer` id) takes the seat, its profile and "
        "place from the next row on. Newcomers' ids are above every earlier id and follow "
        "the order of these rows and `customer_lost` rows.",
        False,
    ),
    (
        "promotion_discount",
        "A promotional price cut on a purchase (row after its `purchase_attempt`): `value` is "
        "the amount off the list price.",
        False,
    ),
    (
        "competitor_purchase",
        "Bought the category from a rival (`competitor`) instead of the brand: `channel` is set "
        "when the rival stole a sale the brand was about to make there, unset for a need the "
        "brand never had a chance at; `value`: the rival's order value.",
        False,
    ),
    (
        "prior_use",
        "Used this `channel` (online: content, app or online orders; store: visits) before "
        "day 0 (burn-in): one row per channel, on day 0 after `prior_history`.",
        False,
    ),
    (
        "customer_lost",
        "A lapsed customer was lost for good (to a competitor, out of the category): they leave "
        "the customer file and a prospect who does not know the brand (a new `consumer` id) "
        "takes the seat from the next row on.",
        False,
    ),
)

Event = IntEnum("Event", [(name, code) for code, (name, _, _) in enumerate(EVENTS)])
Event.__doc__ = "Touchpoint and outcome names, as they appear in the ``event`` column."

Channel = IntEnum("Channel", [(n, i) for i, n in enumerate(CONTENT_CHANNELS + PURCHASE_CHANNELS)])
Channel.__doc__ = "Content channels and purchase channels, as in the ``channel`` column."


class Outcome(IntEnum):
    """How a purchase attempt ended."""

    purchased = 0
    stockout = 1
    abandoned = 2


class WithoutCoupon(IntEnum):
    """What a coupon's redeemer would have done without it (the ``without_coupon`` column)."""

    would_buy = 0
    would_not_buy = 1


#: Events after which a seat holds someone new (a new consumer id from the next row on).
SEAT_RENEWALS: tuple[str, ...] = ("market_exit", "customer_lost")

#: Events that count as touchpoints in the report's sense (2.4.1).
TOUCHPOINTS: tuple[str, ...] = tuple(name for name, _, touch in EVENTS if touch)

#: What a ``cost`` row paid for, in code order (integration levers as in ``costs.levers``).
ACCOUNTS: tuple[tuple[str, str], ...] = (
    (
        "cost_of_goods",
        "Goods sold: (1 - gross margin) x (revenue less coupon discounts), at basket prices: a "
        "promotional cut or a dearer list price does not change what the goods cost.",
    ),
    ("fulfilment", "Delivering online orders (per order, by city tier)."),
    ("store_fixed", "Running the stores (per store and day)."),
    ("store_visits", "Serving store visitors (per visit)."),
    ("media", "Content media spend (`channel`: which)."),
    ("content_production", "Producing content (a share of media spend)."),
    *(
        (f"{kind}:{lever}", f"{text} {lever.replace('_', ' ')}.")
        for lever in LeverCosts.model_fields
        for kind, text in (("setup", "One-off cost of switching on"), ("running", "Running"))
    ),
)

#: Accounts of integration spend (setup and running cost of the levers).
INTEGRATION_ACCOUNTS: tuple[str, ...] = tuple(
    name for name, _ in ACCOUNTS if name.startswith(("setup:", "running:"))
)

#: Labels of each dictionary column, by code.
LABELS: dict[str, list[str]] = {
    "event": [e.name for e in Event],
    "channel": [c.name for c in Channel],
    "outcome": [o.name for o in Outcome],
    "account": [name for name, _ in ACCOUNTS],
    "without_coupon": [w.name for w in WithoutCoupon],
}

SCHEMA = pa.schema([pa.field(c.name, c.arrow, nullable=c.nullable) for c in COLUMNS])


def markdown_tables() -> str:
    """The README's tables of event-log columns and events, generated from this module."""
    lines = ["| column | type | unset | meaning |", "|---|---|---|---|"]
    for c in COLUMNS:
        unset = "always set" if c.default is None else ("null" if c.nullable else str(c.default))
        kind = "label (text)" if pa.types.is_dictionary(c.arrow) else str(c.arrow)
        lines.append(f"| `{c.name}` | {kind} | {unset} | {c.meaning} |")
    lines += ["", "| event | touchpoint | meaning |", "|---|---|---|"]
    for name, meaning, touch in EVENTS:
        lines.append(f"| `{name}` | {'yes' if touch else ''} | {meaning} |")
    lines += ["", "| account (of `cost` rows) | what it pays for |", "|---|---|"]
    lines += [f"| `{name}` | {meaning} |" for name, meaning in ACCOUNTS]
    return "\n".join(lines)
