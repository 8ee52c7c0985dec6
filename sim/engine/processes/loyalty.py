"""After the purchase: membership, sharing (share-to-get), pick-up, repurchase and lapse."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.processes.exposure import word_of_mouth
from sim.engine.state import NEVER, Mission
from sim.engine.streams import Source
from sim.log.eventlog import Channel, Event

if TYPE_CHECKING:
    from sim.engine.model import OmnichannelModel


def after_purchase(
    model: OmnichannelModel, day: int, buyers: np.ndarray, channel: np.ndarray
) -> None:
    """Buyers may join the membership, share (bringing friends in) and pick up in store."""
    cfg, s, b = model.config, model.state, model.config.behaviour
    if len(buyers) == 0:
        return
    draws = model.streams.draws(Source.membership, day)
    joining = ~s.member[buyers] & draws.bernoulli(buyers, b.member_join_after_purchase, "join")
    joiners = np.unique(buyers[joining])
    if len(joiners):
        joined_in = channel[joining][np.unique(buyers[joining], return_index=True)[1]]
        s.member[joiners] = True
        s.member_channel[joiners] = np.where(
            joined_in == Channel.store, Mission.store, Mission.online
        )
        model.log.add(day, Event.member_join, joiners, channel=joined_in)

    online = buyers[channel == Channel.online]
    if cfg.stores.bopis and len(online) and day + 1 < cfg.horizon_days:
        pick = online[
            (model.nearest_store[online] >= 0)
            & draws.bernoulli(online, b.bopis_pickup_share, "pickup")
        ]
        s.planned_visit_day[pick] = day + 1

    draws = model.streams.draws(Source.sharing, day)
    p_share = np.minimum(1.0, b.share_after_purchase * 2 * model.traits.social_activity[buyers])
    sharers = np.unique(buyers[draws.bernoulli(buyers, p_share, "share")])
    if len(sharers) == 0:
        return
    model.log.add(day, Event.share, sharers)
    s.shares[sharers] += 1
    senders, receivers = word_of_mouth(model, day, sharers, draws)
    policy = cfg.coupons
    if policy.enabled and policy.share_to_get and len(receivers):
        free = s.coupon_id[receivers] == NEVER
        senders, receivers = senders[free], receivers[free]
        _, first = np.unique(receivers, return_index=True)
        first = np.sort(first)
        senders, receivers = senders[first], receivers[first]
        allowed = model.coupon_budget_allows(receivers, policy.referral_value)
        senders, receivers = senders[: len(allowed)], allowed
        if len(receivers):
            ids = model.issue_coupons(receivers, policy.referral_value, day)
            model.log.add(
                day,
                Event.coupon_claim,
                receivers,
                channel=Channel.online,
                value=policy.referral_value,
                coupon=ids,
                source=senders,
            )


def retention(model: OmnichannelModel, day: int) -> None:
    """Customers' needs to rebuy become tomorrow's missions; some customers lapse.

    Members rebuy more often (``member_repurchase_boost``) and are invited to member
    events at their store. A mission goes online or to the store by habit: the share
    of past orders placed online, weighted by ``channel_habit``, against a prior of
    online propensity times delivery speed.
    """
    if day + 1 >= model.config.horizon_days:
        return
    draws = model.streams.draws(Source.retention, day)
    s, b = model.state, model.config.behaviour
    active = np.flatnonzero((s.purchases > 0) & ~s.lapsed)
    if len(active) == 0:
        return
    idle = active[s.mission[active] == Mission.none]
    hazard = b.repurchase_rate * (1.0 + b.member_repurchase_boost * s.member[idle])
    needy = idle[draws.bernoulli(idle, hazard, "need")]
    prior = (
        model.traits.online_propensity[needy] * model.delivery_factor[model.traits.city_tier[needy]]
    )
    habit = b.channel_habit
    online_odds = (habit * s.online_orders[needy] + prior) / (habit * s.purchases[needy] + 1.0)
    # Someone who has never set foot in the store does not go there out of habit; store
    # trips for them come from prompts (sparks, coupons, pick-up, member events).
    online_odds = np.where(s.used_store[needy], online_odds, 1.0)
    has_store = model.nearest_store[needy] >= 0
    go_online = ~has_store | draws.bernoulli(needy, online_odds, "channel")
    s.mission[needy[go_online]] = Mission.online
    to_store = needy[~go_online]
    s.mission[to_store] = Mission.store
    s.planned_visit_day[to_store] = day + 1

    members = active[s.member[active] & (model.nearest_store[active] >= 0)]
    rate = model.config.membership.member_events_per_month / 30.0
    invited = members[draws.bernoulli(members, rate * model.visit_access[members], "event")]
    later = s.planned_visit_day[invited] <= day
    s.planned_visit_day[invited[later]] = day + 1

    lapsing = active[draws.bernoulli(active, b.lapse_rate, "lapse")]
    if len(lapsing):
        s.lapsed[lapsing] = True
        s.mission[lapsing] = Mission.none
        model.log.add(day, Event.lapse, lapsing)


def expire_coupons(model: OmnichannelModel, day: int) -> None:
    """Coupons unused by their expiry day lapse at the end of it."""
    s = model.state
    expiring = np.flatnonzero(s.coupon_expiry == day)
    if len(expiring) == 0:
        return
    model.log.add(
        day,
        Event.coupon_expire,
        expiring,
        value=s.coupon_value[expiring],
        coupon=s.coupon_id[expiring],
    )
    s.coupon_id[expiring] = NEVER
    s.coupon_value[expiring] = 0.0
    s.coupon_expiry[expiring] = NEVER
