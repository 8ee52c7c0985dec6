"""Rivals steal brand attempts by preference and take the category needs the brand missed."""

from __future__ import annotations

import numpy as np

from sim.engine.processes import competition, market
from sim.engine.state import NEVER, Mission
from tests.engine.processes.handmade import N, events_of, make_ctx

RIVAL = {"competitors": {"rival": {"appeal": 0.0}}}


def _ctx(scenario=None, **kw):
    ctx = make_ctx({**RIVAL, **(scenario or {})}, **kw)
    market.open_day(ctx, 0)
    return ctx


def test_without_rivals_nothing_happens():
    ctx = make_ctx()
    ctx.today.online_attempts = np.arange(N)
    competition.contest(ctx, 0)
    competition.lost_occasions(ctx, 0)
    assert len(ctx.today.online_attempts) == N and ctx.log.rows == 0
    assert (ctx.state.next_occasion == NEVER).all()


def _new_rival(scenario):
    """A context whose rivals entered after day 0 (the day-0 market had none)."""
    ctx = _ctx(scenario)
    ctx.opening = make_ctx().config
    return ctx


def test_a_new_overwhelming_rival_steals_every_attempt_and_spends_the_mission():
    ctx = _new_rival({"competitors": {"rival": {"appeal": 10.0}}})
    ctx.state.mission[:] = Mission.online
    ctx.today.online_attempts = np.arange(N)
    competition.contest(ctx, 0)
    assert len(ctx.today.online_attempts) == 0
    assert sorted(events_of(ctx, "competitor_purchase")) == list(range(N))
    assert (ctx.state.mission == Mission.none).all()


def test_a_market_unchanged_since_day_0_steals_nothing():
    ctx = _ctx({"competitors": {"rival": {"appeal": 5.0, "price": 0.5}}})
    ctx.today.store_attempts = np.arange(10)
    competition.contest(ctx, 0)
    assert len(ctx.today.store_attempts) == 10 and ctx.log.rows == 0


def test_steal_odds_are_the_rivals_gain_in_logit_share():
    """A new rival as liked as the brand: share 1/2 where there was none (over many days)."""
    ctx = _new_rival({"competition": {"interest_weight": 0.0, "convenience_weight": 0.0}})
    stolen = 0
    days = 400
    for day in range(days):
        ctx.today.online_attempts = np.arange(N)
        competition.contest(ctx, day)
        stolen += N - len(ctx.today.online_attempts)
    share, n = stolen / (days * N), days * N
    assert abs(share - 0.5) < 4 * np.sqrt(0.25 / n)


def test_a_rivals_deal_steals_and_the_brands_matching_cut_steals_back():
    deal = [{"first_day": 0, "last_day": 9, "depth": 0.3}]
    blitz = {"competitors": {"rival": {"promotions": deal}}}
    who = np.arange(N)
    quiet = competition.steal_chance(_ctx(), who, False)
    attacked = competition.steal_chance(_ctx(blitz), who, False)
    defended = competition.steal_chance(_ctx({**blitz, "promotions": deal}), who, False)
    assert (quiet == 0).all() and (attacked > 0).all()
    assert (defended < attacked).all()


def test_loyal_members_are_harder_to_steal():
    deal = [{"first_day": 0, "last_day": 9, "depth": 0.3}]
    ctx = _ctx({"competitors": {"rival": {"appeal": 1.0, "promotions": deal}}})
    ctx.state.purchases[:6], ctx.state.member[:6] = 3, True
    chance = competition.steal_chance(ctx, np.arange(N), True)
    assert chance[:6].max() < chance[6:10].min()


def test_a_cheaper_rival_wins_more_of_the_needs_the_brand_missed():
    rivals = {"cheap": {"price": 0.5}, "dear": {"price": 2.0}}
    ctx = make_ctx({"competitors": rivals, "competition": {"occasions_per_month": 30.0}},
                   price_sensitivity=np.ones(N, np.float32))  # fmt: skip
    wins = np.zeros(2)
    for day in range(200):
        ctx.start_day()
        market.open_day(ctx, day)
        competition.lost_occasions(ctx, day)
    competitor = ctx.log.column("competitor")
    wins = np.bincount(competitor[competitor >= 0], minlength=2)
    assert wins[0] > 10 * wins[1]


def test_a_purchase_meets_the_need_and_restarts_the_clock():
    ctx = _ctx({"competition": {"occasions_per_month": 1.0}})
    ctx.state.next_occasion[:] = 0  # everyone's need is due today
    ctx.today.buyers = np.array([0, 1])
    competition.lost_occasions(ctx, 0)
    assert sorted(events_of(ctx, "competitor_purchase")) == list(range(2, N))
    assert (ctx.state.next_occasion >= 1).all()


def test_needs_arrive_at_the_declared_rate():
    """No brand purchases: every need goes to the rival, about occasions_per_month / 30 a day."""
    ctx = _ctx({"competition": {"occasions_per_month": 6.0}, "horizon_days": 3000})
    days = 3000
    for day in range(days):
        ctx.start_day()
        market.open_day(ctx, day)
        competition.lost_occasions(ctx, day)
    rate = len(events_of(ctx, "competitor_purchase")) / (N * days)
    assert abs(rate - 6.0 / 30) < 0.02  # gaps are rounded to whole days
