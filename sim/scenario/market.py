"""The market around the brand: the retail calendar, prices and promotions, and competitors.

Every section here is neutral by default: a flat calendar, list prices equal to the
behavioural basket (``behaviour.basket_mean``), no promotions and no competitors, so a
scenario that says nothing about the market runs exactly as before these sections existed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from sim.scenario.sections import Count, Finite, NonNegative, Positive, Whole, _Frozen

#: A change in demand as a share: -1 (nobody shops) upwards; 0.5 = half as much again.
Lift = Annotated[Finite, Field(ge=-1.0)]
#: A discount as a share of the list price (0.2 = 20% off); a whole price off is refused.
Depth = Annotated[Finite, Field(ge=0.0, lt=1.0)]

_DATE = re.compile(r"(?:(\d{4})-)?(\d{2})-(\d{2})")


def _date_text(value: object) -> object:
    """YAML reads an unquoted 2026-11-11 as a date: keep it as the text it was."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _full_date(value: str) -> str:
    year, _, _ = parse_date(value)
    if year is None:
        raise ValueError("a full date, YYYY-MM-DD")
    return value


def _any_date(value: str) -> str:
    parse_date(value)
    return value


#: A date every year (MM-DD) or once (YYYY-MM-DD).
DateText = Annotated[str, BeforeValidator(_date_text), AfterValidator(_any_date)]
#: A full date (YYYY-MM-DD).
FullDate = Annotated[str, BeforeValidator(_date_text), AfterValidator(_full_date)]


def parse_date(text: str) -> tuple[int | None, int, int]:
    """``"11-11"`` (every year) or ``"2027-02-06"`` (that year only) as (year, month, day)."""
    match = _DATE.fullmatch(str(text))
    if not match:
        raise ValueError("a date as MM-DD (every year) or YYYY-MM-DD (that year only)")
    year, month, day = match.groups()
    try:  # 29 February is allowed every year (it happens in leap years only)
        dt.date(int(year) if year else 2024, int(month), int(day))
    except ValueError:
        raise ValueError("a date as MM-DD (every year) or YYYY-MM-DD (that year only)") from None
    return (int(year) if year else None), int(month), int(day)


class Peak(_Frozen):
    """A dated change in demand: a shopping festival (618, Double 11) or a holiday.

    Around a festival consumers bring purchases forward into its pre-sale (``before`` > 0)
    and buy less for a while after it (``after`` < 0); a holiday such as the Spring
    Festival is a dip on its days (``lift`` < 0) after a rush before it.
    """

    name: str = Field("peak", description="What the peak is called (for the reader).")
    date: DateText = Field(
        description="First day of the peak: MM-DD every year (11-11) or YYYY-MM-DD once "
        "(2027-02-06, for a lunar holiday)."
    )
    days: Annotated[Whole, Field(ge=1, le=60)] = Field(1, description="Days the peak lasts.")
    lift: Lift = Field(0.0, description="Demand on the peak days is x (1 + lift).")
    days_before: Annotated[Whole, Field(ge=0, le=90)] = Field(
        0, description="Days before the peak in which demand is x (1 + before)."
    )
    before: Lift = Field(
        0.0, description="Demand change before the peak (pre-sales pull purchases forward: > 0)."
    )
    days_after: Annotated[Whole, Field(ge=0, le=90)] = Field(
        0, description="Days after the peak in which demand is x (1 + after)."
    )
    after: Lift = Field(0.0, description="Demand change after the peak (the hangover: < 0).")


class Calendar(_Frozen):
    """The retail calendar: day 0's date and how the propensity to shop moves with it.

    Demand multiplies every consumer's propensity to shop (app sessions, store trips, the
    need to rebuy): ``weekday x month x`` each peak in force. Flat by default. A scenario
    may give the section as the path of a shared calendar file
    (``calendar: calendars/china_retail.yaml``, relative to the scenario file).
    """

    start_date: FullDate = Field("2026-01-01", description="The date of day 0 (YYYY-MM-DD).")
    weekday: list[Annotated[NonNegative, Field(le=10.0)]] = Field(
        default_factory=lambda: [1.0] * 7,
        min_length=7,
        max_length=7,
        description="Demand by day of the week, Monday first (seven numbers; 1 = flat).",
    )
    month: list[Annotated[NonNegative, Field(le=10.0)]] = Field(
        default_factory=lambda: [1.0] * 12,
        min_length=12,
        max_length=12,
        description="Demand by month, January first (twelve numbers; 1 = flat).",
    )
    peaks: list[Peak] = Field(
        default_factory=list,
        description="Festivals and holidays: [{name: double_11, date: 11-11, lift: 1.5, "
        "days_before: 10, before: 0.3, days_after: 7, after: -0.3}].",
    )


class Promotion(_Frozen):
    """A dated price cut: a sitewide event, an online or store-only sale, a livestream flash sale.

    ``channel: livestream`` cuts only the orders placed on the spot in a livestream (the
    channel's buy button, ``content.channels.livestream.order_chance``): app orders and the
    store keep their prices. An ``online`` or ``everywhere`` cut covers livestream orders too
    (they are online orders); cuts do not stack, the shopper gets the deepest.
    """

    name: str = Field("promotion", description="What the promotion is called (for the reader).")
    first_day: Count = Field(description="First day of the cut (a run day, 0-based).")
    last_day: Count = Field(description="Last day of the cut (inclusive).")
    channel: Literal["online", "store", "everywhere", "livestream"] = Field(
        "everywhere",
        description="Where the cut applies (livestream: only orders placed on the spot in a "
        "livestream, a flash sale; online and everywhere include them).",
    )
    depth: Depth = Field(description="Share off the list price (0.2 = 20% off).")

    @model_validator(mode="after")
    def _in_order(self) -> Promotion:
        if self.last_day < self.first_day:
            raise ValueError(
                f"last_day {self.last_day} is before first_day {self.first_day}: a promotion "
                "runs from first_day to last_day inclusive"
            )
        return self


class Prices(_Frozen):
    """List prices per channel and how consumers respond to them.

    Prices are indices on the behavioural basket (``behaviour.basket_mean`` x the segment's
    basket multiplier = 1): an order online is worth ``basket x online``. Buy odds, the need
    to rebuy and the choice of a channel respond to the price paid relative to that basket by
    ``(price) ** (-elasticity x price_sensitivity)``: the segment's price sensitivity is its
    elasticity.
    """

    online: Positive = Field(1.0, description="List price online, relative to the basket.")
    store: Positive = Field(1.0, description="List price in store, relative to the basket.")
    inconsistent_store_premium: Annotated[NonNegative, Field(le=1.0)] = Field(
        0.0,
        description="Without one price (consistency.price_consistent: false) store prices lag "
        "above online ones by this share (0.05 = 5% dearer); 0 keeps the gap out of prices.",
    )
    gap_distrust: Annotated[NonNegative, Field(le=100.0)] = Field(
        0.0,
        description="Trust lost to a price gap (assumption): a consumer who has seen both "
        "channels (online and a store visit) buys, or meets a repeat need, in the dearer one "
        "with odds x max(0, 1 - this x gap), gap = dearer price / cheaper - 1 (3: a 5% gap "
        "costs 15% of the odds; a need lost is a sale lost); 0: the gap acts only through "
        "prices and the inconsistency lapse.",
    )
    elasticity: Annotated[NonNegative, Field(le=20.0)] = Field(
        2.0,
        description="Price elasticity of buying for a consumer of price sensitivity 1 "
        "(assumption; a segment's is this x its price_sensitivity).",
    )
    stockpile_days: Annotated[NonNegative, Field(le=365.0)] = Field(
        10.0,
        description="Days of need a purchase at 10% off covers (pro rata to the cut): buyers "
        "stock up in a sale and do not need to rebuy for that long (the pull-forward).",
    )


class Competitor(_Frozen):
    """A rival brand in the category, as consumers see it against the brand."""

    appeal: Annotated[Finite, Field(ge=-10.0, le=10.0)] = Field(
        0.0,
        description="How much consumers like it, against the brand for an aware consumer with "
        "no history (logit utility; 0 = as much).",
    )
    price: Positive = Field(1.0, description="Its price level, relative to the basket.")
    media_pressure: NonNegative = Field(0.0, description="Its media spend per day (market money).")
    promotions: list[Promotion] = Field(
        default_factory=list,
        description="Its dated price cuts or coupon blitzes (first_day, last_day, depth; "
        "channel is ignored: a rival's deal is everywhere).",
    )


class Competition(_Frozen):
    """How consumers choose between the brand and its competitors (read with ``competitors``).

    Consumers have category needs (purchase occasions). The brand's own flow (app sessions,
    store visits, repeat needs) makes its opportunities, calibrated in the market as it stands
    on day 0; when rivals become more attractive than that (a deal, a media push, a lower
    price, a new rival) or the brand less so (a dearer price), rivals steal the difference in
    preference share from the brand's attempts. Needs the brand did not meet go to a rival.
    Preference is a logit utility; the defaults are assumptions.
    """

    occasions_per_month: Annotated[NonNegative, Field(le=60.0)] = Field(
        0.5, description="Category purchase occasions per consumer per month (assumption)."
    )
    by_segment: dict[str, float] = Field(
        default_factory=dict,
        description="Occasions per month for named segments (others: occasions_per_month).",
    )

    @field_validator("by_segment", mode="before")
    @classmethod
    def _rates_are_numbers(cls, rates: object) -> object:
        if isinstance(rates, dict) and any(isinstance(v, bool) for v in rates.values()):
            raise ValueError("occasions per month must be numbers, not true/false")
        return rates

    @field_validator("by_segment")
    @classmethod
    def _rates_in_range(cls, rates: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in rates.items() if not 0.0 <= v <= 60.0}
        if bad:
            raise ValueError(f"occasions per month must be 0..60, got {bad}")
        return rates

    interest_weight: Annotated[Finite, Field(ge=0.0, le=10.0)] = Field(
        1.0, description="Utility per unit of the brand's interest (1 - e^-interest)."
    )
    customer_loyalty: Annotated[Finite, Field(ge=0.0, le=10.0)] = Field(
        1.0, description="Utility of the brand to someone who has bought it."
    )
    member_loyalty: Annotated[Finite, Field(ge=0.0, le=10.0)] = Field(
        0.5, description="Extra utility of the brand to a member."
    )
    convenience_weight: Annotated[Finite, Field(ge=0.0, le=10.0)] = Field(
        0.5, description="Utility per unit of store access (distance and store appeal)."
    )
    media_weight: Annotated[Finite, Field(ge=0.0, le=10.0)] = Field(
        0.5,
        description="A rival's utility from its media: this x ln(1 + media_pressure / "
        "media_reference).",
    )
    media_reference: Positive = Field(
        100_000.0, description="Media spend per day at which a rival gains media_weight x ln 2."
    )
