"""The sections of a scenario: who the consumers are, the market, and every policy lever.

Each section is a frozen pydantic model that validates at the door (bounds, allowed
values, shares summing to one); :mod:`sim.scenario.config` assembles them into a scenario.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sim.scenario.vocabulary import CITY_TIERS, CONTENT_CHANNELS

#: The largest whole number any field accepts: far above any real use, and small enough that
#: numpy never overflows (an int64 holds 9.2e18).
MAX_INT = 10**12


def _not_bool(value: Any) -> Any:
    """YAML reads ``yes``/``true`` as booleans, and Python counts True as 1; a number field
    must not quietly run one consumer because someone wrote ``size: true``."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    return value


_NUMBER = BeforeValidator(_not_bool)
#: Finite numbers only: infinity and NaN are refused (they turn revenue into Infinity).
Probability = Annotated[float, _NUMBER, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, _NUMBER, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, _NUMBER, Field(gt=0.0, allow_inf_nan=False)]
Count = Annotated[int, _NUMBER, Field(ge=0, le=MAX_INT)]
Whole = Annotated[int, _NUMBER]
Finite = Annotated[float, _NUMBER, Field(allow_inf_nan=False)]
#: Root seeds: non-negative and small enough that root seed + replication fits every table.
MAX_SEED = 2**32 - 1
Seed = Annotated[int, _NUMBER, Field(ge=0, le=MAX_SEED)]

#: A name that becomes a folder name: no path separators, no hidden or relative names.
NAME_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")


def _folder_name(value: str) -> str:
    if not NAME_PATTERN.fullmatch(value):
        raise ValueError(
            "letters, digits, '_', '-' and '.' only, starting with a letter, digit or '_', "
            "at most 100 characters (it names a folder)"
        )
    return value


#: Scenario, experiment and sweep names: used as folder names under runs/ and results/.
FolderName = Annotated[str, AfterValidator(_folder_name)]

REDEEMABLE = ("online", "store", "everywhere")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Segment(_Frozen):
    """A consumer segment: its share of the population and its typical traits."""

    share: Probability = Field(description="Share of the population in this segment.")
    online_propensity: Probability = Field(
        description="How much of their shopping life happens in apps and feeds (0-1)."
    )
    price_sensitivity: Probability = Field(description="How strongly coupons sway them (0-1).")
    social_activity: Probability = Field(description="How readily they talk and share (0-1).")
    tier34_share: Probability = Field(description="Share living in tier-3/4 and county markets.")
    consent: Probability = Field(description="Share consenting to personalised recommendation.")
    basket_multiplier: Positive = Field(1.0, description="Typical basket relative to the mean.")


def _default_segments() -> dict[str, Segment]:
    return {
        "gen_z": Segment(
            share=0.30,
            online_propensity=0.85,
            price_sensitivity=0.55,
            social_activity=0.75,
            tier34_share=0.35,
            consent=0.55,
            basket_multiplier=0.85,
        ),
        "families": Segment(
            share=0.30,
            online_propensity=0.60,
            price_sensitivity=0.60,
            social_activity=0.55,
            tier34_share=0.45,
            consent=0.45,
            basket_multiplier=1.25,
        ),
        "value_seekers": Segment(
            share=0.20,
            online_propensity=0.55,
            price_sensitivity=0.85,
            social_activity=0.45,
            tier34_share=0.55,
            consent=0.40,
            basket_multiplier=0.80,
        ),
        "professionals": Segment(
            share=0.20,
            online_propensity=0.75,
            price_sensitivity=0.30,
            social_activity=0.50,
            tier34_share=0.20,
            consent=0.50,
            basket_multiplier=1.20,
        ),
    }


class ReferenceStores(_Frozen):
    """Store counts per city tier that the reference distance is quoted for."""

    tier12: Positive = Field(140.0, description="Tier-1/2 stores in the reference network.")
    tier34: Positive = Field(60.0, description="Tier-3/4 stores in the reference network.")


class Population(_Frozen):
    """Who is simulated. ``size`` is the resolution, ``market_size`` the market it stands for."""

    size: Annotated[Whole, Field(ge=1, le=MAX_INT)] = Field(
        50_000, description="Simulated consumers."
    )
    market_size: Annotated[Whole, Field(ge=1, le=MAX_INT)] = Field(
        10_000_000,
        description="Real consumers the simulated ones stand for; money and reach scale by "
        "market_size / size, so rates do not depend on the resolution.",
    )
    segments: dict[str, Segment] = Field(
        default_factory=_default_segments, description="The segment mix, by segment name."
    )
    mean_store_distance_km: Positive = Field(
        3.0, description="Mean distance to the nearest store in tier-1/2 cities at 200 stores."
    )
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = Field(
        "CNY",
        description="ISO 4217 code of the market's money, for labels. Runs count money in "
        "sample units; reports show market money = sample money x market_size / size.",
    )
    reference_stores: ReferenceStores = Field(
        default_factory=ReferenceStores,
        description="Store counts per tier at which mean_store_distance_km holds; distance "
        "scales with 1/sqrt(store density).",
    )
    tier34_distance_factor: Positive = Field(
        2.5, description="County markets are sparser: distance multiplier in tier-3/4."
    )
    no_local_store_distance_factor: Positive = Field(
        10.0, description="Distance multiplier for consumers whose tier has no store at all."
    )
    trait_concentration: Positive = Field(
        8.0,
        description="How tightly individuals' propensities cluster around their segment's "
        "value (beta concentration; higher = more alike).",
    )

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Population:
        if not self.segments:
            raise ValueError("population.segments: at least one segment is required")
        total = sum(s.share for s in self.segments.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"population.segments: shares sum to {total:g}, allowed: exactly 1")
        return self


class Network(_Frozen):
    """The social graph word of mouth travels on (small-world by default)."""

    mean_degree: Annotated[Whole, Field(ge=2, le=200)] = Field(
        10, description="Average number of friends (even numbers are exact)."
    )
    rewiring: Probability = Field(0.1, description="Watts-Strogatz rewiring probability.")
    homophily: Probability = Field(
        0.8, description="Share of consumers placed next to their own segment and city tier."
    )


class DeliveryHours(_Frozen):
    tier12: NonNegative = Field(0.5, description="Instant-delivery time in tier-1/2 cities.")
    tier34: NonNegative = Field(4.5, description="Delivery time in tier-3/4 and county markets.")


class StoreConversion(_Frozen):
    """Which stores get an upgrade (experience zones, an online-order area, BOPIS), and what.

    Stores are chosen by city tier and then busiest first, by catchment: the market's
    consumers whose nearest store it is, expected from the tier's share of consumers and the
    store's size (``stores.size_spread``). Unconverted stores keep the ``stores`` settings;
    a lever left out here is the same in converted stores. Costs per store follow the
    stores converted. Neutral by default: no lever set, every store as configured above.
    """

    tiers: list[Literal[CITY_TIERS]] = Field(
        default_factory=lambda: list(CITY_TIERS),
        description="City tiers whose stores may be converted ([] converts none).",
    )
    busiest_share: Probability = Field(
        1.0,
        description="Share of those stores converted, busiest (largest catchment) first; "
        "rounded to whole stores.",
    )
    experience_level: Probability | None = Field(
        None, description="Experience level of converted stores (null: stores.experience_level)."
    )
    online_order_area: bool | None = Field(
        None, description="Online-order area in converted stores (null: stores.online_order_area)."
    )
    bopis: bool | None = Field(
        None, description="BOPIS pick-up at converted stores (null: stores.bopis)."
    )

    @model_validator(mode="after")
    def _tiers_once(self) -> StoreConversion:
        if len(set(self.tiers)) != len(self.tiers):
            raise ValueError(f"tiers: {self.tiers}: a tier listed twice (list each once)")
        return self

    @property
    def levers(self) -> dict[str, Any]:
        """The levers the conversion sets (the ones not left to the stores' settings)."""
        names = ("experience_level", "online_order_area", "bopis")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}


class Stores(_Frozen):
    """The physical network."""

    count: Count = Field(200, description="Number of stores.")
    tier34_share: Probability = Field(0.3, description="Share of stores in tier-3/4 markets.")
    size_spread: Annotated[float, _NUMBER, Field(ge=0.0, le=3.0, allow_inf_nan=False)] = Field(
        0.0,
        description="How much stores differ in size (log-normal sigma; 0 = all alike): a "
        "store's share of its tier's consumers grows with its size.",
    )
    experience_level: Probability = Field(
        0.5, description="Experience zones, try-on, events: how memorable a visit is (0-1)."
    )
    regions: Annotated[Whole, Field(ge=1, le=1_000)] = Field(
        1,
        description="Store regions for geo panels and geo budgets: stores are split into this "
        "many regions of consecutive store ids (region_1, region_2, ...), and a consumer "
        "lives in their nearest store's region (all in region_1 when there are no stores).",
    )
    bopis: bool = Field(True, description="Buy online, pick up in store.")
    online_order_area: bool = Field(
        False, description="Store visitors who meet a stockout can order online on the spot."
    )
    delivery_hours: DeliveryHours = Field(default_factory=DeliveryHours)
    conversion: StoreConversion = Field(
        default_factory=StoreConversion,
        description="Upgrade a subset of stores (by city tier and catchment rank).",
    )


class Inventory(_Frozen):
    """Stock: kept separate per channel, or pooled with dynamic allocation."""

    mode: Literal["separate", "pooled"] = Field(
        "separate", description="Store and online stock kept apart, or pooled and allocated."
    )
    skus: Annotated[Whole, Field(ge=1, le=10_000)] = Field(20, description="Number of items.")
    sku_popularity: NonNegative = Field(
        1.0, description="Zipf exponent of demand across items (0 = all alike)."
    )
    cover_days: Positive = Field(
        7.0, description="Stock a location is replenished up to, in days of recent demand."
    )
    review_period_days: Annotated[Whole, Field(ge=1, le=3650)] = Field(
        7, description="Days between replenishments."
    )
    pooled_fill_rate: Probability = Field(
        0.5,
        description="When pooled: chance a local stockout is filled from the other channel's "
        "stock in time.",
    )
    prior_orders_per_consumer_day: NonNegative = Field(
        0.002,
        description="Demand assumed per consumer and day before sales are observed (sets "
        "opening stock).",
    )
    demand_smoothing: Probability = Field(
        0.1, description="Weight of the latest day in the demand estimate (exponential average)."
    )


class ChannelAudience(_Frozen):
    """Who a channel's views go to, and what a view is worth to each segment.

    A consumer's weight for the channel is the targeting weight times the affinity of their
    segment times that of their city tier; the channel's views are split in proportion to it.
    ``response`` is separate on purpose: affinity decides *who* sees the channel, response how
    much a view moves them once seen (a Gen Z follower acts on a livestream host's pitch more
    than a parent does), so a channel can reach a segment widely yet land weakly with it.
    1 everywhere (the default) is an audience like everyone else's.
    """

    segments: dict[str, NonNegative] = Field(
        default_factory=dict,
        description="Affinity by segment name (e.g. gen_z: 1.8 for livestreams); segments not "
        "named have 1.",
    )
    tier12: NonNegative = Field(1.0, description="Affinity of tier-1/2 city consumers.")
    tier34: NonNegative = Field(1.0, description="Affinity of tier-3/4 and county consumers.")
    response: dict[str, NonNegative] = Field(
        default_factory=dict,
        description="What a view is worth to a segment, by segment name: multiplies the "
        "interest, consideration, store-visit spark and on-the-spot order a view of this "
        "channel gives that segment's viewers (e.g. gen_z: 1.4 for livestreams); segments not "
        "named have 1. Awareness and reach are unchanged.",
    )


class ContentChannel(_Frozen):
    """One content channel: its price, audience, role in the journey and response curve.

    The role fields say which journey step a view moves (interest/trust, consideration, a
    store visit, an immediate online order). The response fields make repetition pay less:
    a view adds to the consumer's adstock of this channel (``carryover_half_life_days``),
    and what the channel does is a saturating curve of that adstock (``saturation_ceiling``).
    Every default is neutral: a channel with only budget, cost and quality behaves as a
    plain view of that quality.
    """

    daily_budget: NonNegative = Field(description="Spend per day, in market money.")
    cost_per_view: Positive = Field(
        description="Cost of one view when the channel buys shallow, in market money."
    )
    quality: Probability = Field(0.5, description="How persuasive one view is (0-1).")
    audience: ChannelAudience = Field(
        default_factory=ChannelAudience, description="Who the channel's views go to."
    )
    trust_weight: NonNegative = Field(
        1.0,
        description="Interest (trust) a view adds, times quality (report 4.1: user check-ins "
        "raise trust 52%, so 1.52 for ugc).",
    )
    consider_weight: NonNegative = Field(
        1.0, description="Chance a view starts consideration, times consider_per_touch x quality."
    )
    visit_weight: NonNegative = Field(
        1.0,
        description="Chance a fresh view sparks a store visit, times behaviour.visit_after_view "
        "(check-in posts and livestreams pull to the store).",
    )
    order_chance: Probability = Field(
        0.0,
        description="Chance a considering viewer orders online on the spot (a livestream's "
        "buy button), times their delivery factor; needs online.enabled.",
    )
    carryover_half_life_days: Positive | None = Field(
        None,
        description="Days for what this channel's views leave behind (adstock and the interest "
        "it holds) to halve; none: like any touch, behaviour.interest_half_life_days.",
    )
    saturation_ceiling: Annotated[float, _NUMBER, Field(gt=1.0, allow_inf_nan=False)] | None = (
        Field(
            None,
            description="Most this channel can do for one consumer, in fresh views: the effect "
            "is adstock x c / (c - 1 + adstock), so the first view counts 1 and the k-th less; "
            "none: every view counts 1 (no saturation).",
        )
    )
    cost_rise: NonNegative = Field(
        0.0,
        description="Cost per view grows by this x the views bought per audience member a "
        "day (buying deeper into the audience costs more); 0: a flat price.",
    )
    region_budget: dict[str, NonNegative] = Field(
        default_factory=dict,
        description="Budget multiplier by store region (region_1: 1.4, region_2: 0.6): the "
        "channel spends daily_budget x the region's share of its audience x this in each "
        "region (geo flighting); regions not named have 1; empty: one national budget.",
    )


def _default_channels() -> dict[str, ContentChannel]:
    return {
        "short_video": ContentChannel(daily_budget=40_000, cost_per_view=0.04, quality=0.45),
        "livestream": ContentChannel(daily_budget=25_000, cost_per_view=0.08, quality=0.6),
        "kol": ContentChannel(daily_budget=20_000, cost_per_view=0.10, quality=0.55),
        "ugc": ContentChannel(daily_budget=5_000, cost_per_view=0.02, quality=0.65),
    }


class Content(_Frozen):
    """Paid and earned content: budget and mix across channels, targeting, personalisation."""

    channels: dict[Literal[CONTENT_CHANNELS], ContentChannel] = Field(
        default_factory=_default_channels,
        description="Budget, price, audience, role and response per channel (ugc = KOC / "
        "ordinary-user posts).",
    )
    targeting: Probability = Field(
        0.5, description="How strongly views go to high online-propensity consumers (0-1)."
    )
    personalization: bool = Field(
        False, description="AI recommendation: raises quality for consenting consumers."
    )
    personalization_lift: NonNegative = Field(0.3, description="Quality lift when personalised.")


class Coupons(_Frozen):
    """Coupon policy: value, where it can be used, referral coupons, budget."""

    enabled: bool = Field(True, description="Whether the app offers coupons at all.")
    value: NonNegative = Field(20.0, description="Face value of an app coupon.")
    threshold: NonNegative = Field(0.0, description="Minimum order value to redeem.")
    redeemable_in: Literal["online", "store", "everywhere"] = Field(
        "everywhere", description="Channels an app coupon can be redeemed in."
    )
    expiry_days: Annotated[Whole, Field(ge=1, le=3650)] = Field(
        14, description="Days a coupon stays valid."
    )
    budget: NonNegative = Field(
        5e7, description="Cap on face value claimed over the horizon, in market money."
    )
    share_to_get: bool = Field(True, description="Sharing gives friends a referral coupon.")
    referral_value: NonNegative = Field(10.0, description="Face value of a referral coupon.")


class Consistency(_Frozen):
    """Whether the brand looks like one brand across channels."""

    price_consistent: bool = Field(
        True, description="Same price online and in store (electronic shelf labels)."
    )


class Membership(_Frozen):
    unified: bool = Field(True, description="One membership and points scheme across channels.")
    member_events_per_month: NonNegative = Field(
        0.5, description="Member-only events a member is invited to per month."
    )


class Behaviour(_Frozen):
    """How consumers respond; calibrated, not chosen by strategy. Rates are per day."""

    consider_per_touch: Probability = Field(
        0.35, description="Chance a full-weight touchpoint puts the brand on the shortlist."
    )
    app_session_rate: Probability = Field(
        0.05, description="Daily chance an engaged, fully online consumer opens the app."
    )
    customer_app_habit: NonNegative = Field(
        1.0,
        description="A customer (bought before, not lapsed) opens the app this many times as "
        "often as a fully interested prospect: checking offers, points and orders without a "
        "need to buy (1: as often; sessions stay capped at one a day).",
    )
    buy_online_per_session: Probability = Field(
        0.12, description="Top chance a considering prospect orders during an app session."
    )
    buy_in_store_per_visit: Probability = Field(
        0.35, description="Top chance a considering prospect buys during a store visit."
    )
    visit_after_view: Probability = Field(
        0.06, description="Chance a fresh content view sparks a store visit."
    )
    visit_after_wom: Probability = Field(
        0.1, description="Chance a friend's fresh recommendation sparks a store visit."
    )
    visit_delay_days: Positive = Field(
        3.0, description="Mean days from that spark to the visit (geometric)."
    )
    discovery_rate: Probability = Field(
        0.002, description="Daily chance an unaware consumer near a store walks in and finds it."
    )
    response_wearout: Probability = Field(
        0.5,
        description="Pull of each further prompt relative to the one before (0.01: after the "
        "first touch, prompts rarely spark a visit).",
    )
    interest_half_life_days: Positive = Field(
        10.0, description="Days for interest to halve without new touches."
    )
    channel_habit: NonNegative = Field(
        2.0, description="How strongly past channel choices steer the next repeat purchase."
    )
    travel_km: Positive = Field(5.0, description="Distance at which visit odds fall by e.")
    coupon_claim_per_session: Probability = Field(
        0.25, description="Chance an app session ends with a coupon claimed (x price sensitivity)."
    )
    store_substitution: Probability = Field(
        0.0,
        description="Store-only retailer (online.enabled false): chance that a considering "
        "prospect who would have opened the brand's app that day plans a store trip instead "
        "(how much of online demand a store network would catch; 0: none, it is lost).",
    )
    coupon_store_pull: Probability = Field(
        0.15, description="Chance a coupon valid in store makes a store-goer plan a visit."
    )
    coupon_purchase_lift: NonNegative = Field(
        0.3,
        description="Lift in buy odds from a coupon worth 10% of the mean basket "
        "(x price sensitivity; scales with the coupon's value).",
    )
    coupon_conflict_abandonment: Probability = Field(
        0.3, description="Abandon when the coupon held is not valid in this channel."
    )
    share_after_purchase: Probability = Field(
        0.2, description="Chance a purchase is shared with friends (x social activity)."
    )
    friends_per_share: Annotated[Whole, Field(ge=1, le=50)] = Field(
        3, description="Friends who hear about one share (and get a referral coupon)."
    )
    wom_consider_boost: NonNegative = Field(1.5, description="Trust weight of a friend's word.")
    member_join_after_purchase: Probability = Field(
        0.4, description="Chance a non-member buyer joins the membership."
    )
    repurchase_rate: Probability = Field(
        0.008, description="Daily chance an active customer needs to buy again."
    )
    member_repurchase_boost: NonNegative = Field(
        0.5, description="Members' need to rebuy is this much higher (0.5 = +50%)."
    )
    lapse_rate: Probability = Field(0.004, description="Daily chance a customer drifts away.")
    inconsistency_lapse: Probability = Field(
        0.1, description="Chance an inconsistent experience makes a customer lapse."
    )
    basket_mean: Positive = Field(120.0, description="Mean order value, market money.")
    basket_sigma: Annotated[NonNegative, Field(le=3.0)] = Field(
        0.5,
        description="Log-normal spread of order values (at most 3: beyond that almost every "
        "order is worth next to nothing and a rare few are worth millions).",
    )
    omnichannel_basket_uplift: NonNegative = Field(
        0.3, description="Larger baskets once a customer uses both online and store."
    )
    bopis_pickup_share: Probability = Field(
        0.05, description="Share of online orders picked up in store when stores offer it."
    )
    delivery_patience_hours: Positive = Field(
        12.0, description="Delivery time at which online buy odds fall by e."
    )
    app_session_weight: NonNegative = Field(
        0.3, description="Touch weight of an app session (interest added, consideration odds)."
    )
    coupon_claim_weight: NonNegative = Field(0.3, description="Touch weight of a coupon claim.")
    coupon_claim_base: NonNegative = Field(
        0.5,
        description="Claim odds scale with this plus price sensitivity (0.5: the least "
        "price-sensitive claim a third as often as the most).",
    )
    wom_touch_factor: NonNegative = Field(
        0.5, description="A friend's message touches with this times wom_consider_boost."
    )
    store_visit_weight: NonNegative = Field(
        0.5, description="Touch weight of a store visit at experience level 0."
    )
    store_visit_experience_weight: NonNegative = Field(
        0.5, description="Touch weight a visit gains from experience level 0 to 1."
    )
    store_pull_base: NonNegative = Field(
        0.5, description="Store trip appeal at experience level 0 (appeal = this + level)."
    )
    share_social_factor: NonNegative = Field(
        2.0,
        description="Share odds = share_after_purchase x this x social activity (2: a consumer "
        "of average social activity 0.5 shares at the base rate).",
    )
    targeting_tilt: NonNegative = Field(
        2.0,
        description="Under full targeting, reach weight per unit of online propensity (1 - t + "
        "t x this x propensity).",
    )


class Market(_Frozen):
    """A market with a past and a future: consumers who knew the brand before day 0, and
    lapsed customers who come back."""

    burn_in_days: Annotated[Whole, Field(ge=0, le=3650)] = Field(
        0,
        description="Days simulated before day 0 under the day-0 policy and not counted: the "
        "run starts from the market they leave (customers, members, habits), not a launch. "
        "Levers in force on day 0 were paid for then.",
    )
    winback_rate: Probability = Field(
        0.0, description="Daily chance a lapsed customer comes back by themselves."
    )
    winback_per_touch: Probability = Field(
        0.0,
        description="Chance a touchpoint (a view, a friend's message, a coupon, a visit) wins a "
        "lapsed customer back.",
    )
    churn_rate: Probability = Field(
        0.0,
        description="Daily chance a lapsed customer is lost for good (to a competitor, out of the "
        "category): they leave the customer file and the seat starts again as a prospect who "
        "knows nothing of the brand (a new consumer id), as at turnover.",
    )
    turnover_rate: Probability = Field(
        0.0,
        description="Daily chance a consumer leaves the market (moves, ages out); a newcomer "
        "with the same profile and place takes the seat, knowing nothing of the brand.",
    )


class Online(_Frozen):
    """Whether the brand sells online at all (app or mini-program, delivery)."""

    enabled: bool = Field(
        True,
        description="Sell online. Off: a store-only retailer: no app sessions, coupons or online "
        "orders; content still reaches people and repeat needs go to the store.",
    )


class LeverCost(_Frozen):
    """What an integration lever costs while it is on (market money)."""

    setup: NonNegative = Field(
        0.0, description="One-off cost, paid on the day the lever is switched on."
    )
    setup_per_store: NonNegative = Field(
        0.0, description="One-off cost per store converted, paid on the switch-on day."
    )
    per_day: NonNegative = Field(0.0, description="Running cost per day (platform, team).")
    per_store_day: NonNegative = Field(0.0, description="Running cost per store and day.")


def _lever(**kwargs: float) -> LeverCost:
    return LeverCost(**kwargs)


class LeverCosts(_Frozen):
    """Costs of the integration levers. Defaults are assumptions sized so that a fully
    integrated brand of the baseline's size spends about 5-8% of revenue on integration, as the
    report says leaders do (2.5.1, 6.2.1); a self-built system costs about 5M yuan (3.4.2)."""

    pooled_inventory: LeverCost = Field(
        default_factory=lambda: _lever(setup=5_000_000, per_day=4_000, per_store_day=20),
        description="Shared stock with dynamic allocation (inventory.mode: pooled).",
    )
    shelf_labels: LeverCost = Field(
        default_factory=lambda: _lever(setup_per_store=15_000, per_store_day=5),
        description="Electronic shelf labels: one price (consistency.price_consistent).",
    )
    unified_membership: LeverCost = Field(
        default_factory=lambda: _lever(setup=2_000_000, per_day=3_000),
        description="One membership and points scheme (membership.unified).",
    )
    online_order_area: LeverCost = Field(
        default_factory=lambda: _lever(setup_per_store=30_000, per_store_day=60),
        description="An online-order area in every store (stores.online_order_area).",
    )
    experience_zones: LeverCost = Field(
        default_factory=lambda: _lever(setup_per_store=80_000, per_store_day=300),
        description="Experience zones, try-on, events; scaled by stores.experience_level.",
    )
    bopis: LeverCost = Field(
        default_factory=lambda: _lever(setup_per_store=5_000, per_store_day=20),
        description="Buy online, pick up in store (stores.bopis).",
    )
    personalization: LeverCost = Field(
        default_factory=lambda: _lever(setup=1_500_000, per_day=2_000),
        description="AI recommendation (content.personalization).",
    )
    online_channel: LeverCost = Field(
        default_factory=lambda: _lever(setup=3_000_000, per_day=15_000),
        description="The app, mini-program and online shop (online.enabled).",
    )


class DeliveryCost(_Frozen):
    tier12: NonNegative = Field(8.0, description="Fulfilment cost of an online order, tier-1/2.")
    tier34: NonNegative = Field(12.0, description="Fulfilment cost of an online order, tier-3/4.")


class Costs(_Frozen):
    """What the business pays: goods, fulfilment, stores, content production, integration.

    Market money. Where the report gives no figure the default is an assumption, said so in
    its description; replace them with your own numbers.
    """

    gross_margin: Probability = Field(
        0.4,
        description="Share of net revenue (after coupon discounts) left after the cost of goods "
        "(assumption).",
    )
    online_fulfilment: DeliveryCost = Field(default_factory=DeliveryCost)
    store_fixed_per_day: NonNegative = Field(
        1_000.0, description="Rent, staff and running cost of one store per day (assumption)."
    )
    store_cost_per_visit: NonNegative = Field(
        0.5, description="Variable cost of serving one store visit (assumption)."
    )
    content_production_share: NonNegative = Field(
        0.15, description="Production cost of content, as a share of its media spend (assumption)."
    )
    saas: bool = Field(
        False,
        description="Integration bought as SaaS: one-off costs 60% lower (report 3.5.1, 4.3.3).",
    )
    online_sales_cost_share: Probability = Field(
        0.0,
        description="Running cost of the online channel that grows with its sales, as a share "
        "of online revenue: platform commission, payment fees, paid traffic (assumption; "
        "booked with the online channel's running cost, in integration spend).",
    )
    levers: LeverCosts = Field(default_factory=LeverCosts)
    annual_discount_rate: Probability = Field(
        0.1,
        description="Yearly rate at which future margin is discounted in customer lifetime value "
        "(assumption: a retailer's cost of capital; 0 = no discounting).",
    )


class ScheduledChange(_Frozen):
    """A policy change on a given day: the phased rollout."""

    day: Count
    set: dict[str, Any] = Field(description="Dotted config paths and their new values.")
