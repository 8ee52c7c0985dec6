"""Content reach on hand-made consumers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.processes import content, market
from sim.log.eventlog import Channel
from sim.scenario.config import with_overrides
from tests.engine.processes.handmade import events_of, make_ctx


def _plan(**budgets):
    channels = {
        name: {"daily_budget": budgets.get(name, 0.0), "cost_per_view": 1.0, "quality": 0.5}
        for name in ("short_video", "livestream", "kol", "ugc")
    }
    return {"content": {"channels": channels, "targeting": 0.0}}


def test_no_budget_reaches_nobody():
    ctx = make_ctx(_plan())
    content.content_views(ctx, 0)
    assert len(events_of(ctx, "content_view")) == 0 and not ctx.state.aware.any()


def test_a_saturating_budget_reaches_everyone_on_its_channel():
    """A budget buying 1,000 views per consumer reaches all 12, each logged as a KOL view."""
    ctx = make_ctx(_plan(kol=12 * 100 * 1000.0))
    content.content_views(ctx, 0)
    assert sorted(events_of(ctx, "content_view")) == list(range(12))
    assert set(ctx.log.column("channel")) == {Channel.kol}
    assert ctx.state.aware.all() and (ctx.state.first_view_day == 0).all()


def test_a_bigger_budget_reaches_everyone_a_smaller_one_reached():
    small, big = make_ctx(_plan(ugc=600.0), seed=3), make_ctx(_plan(ugc=1800.0), seed=3)
    content.content_views(small, 0)
    content.content_views(big, 0)
    assert set(events_of(small, "content_view")) <= set(events_of(big, "content_view"))


def test_spend_is_views_times_cost_per_view():
    ctx = make_ctx(_plan(short_video=12 * 100 * 1000.0))
    content.content_views(ctx, 0)
    assert ctx.tally.content_spend == len(events_of(ctx, "content_view")) * 1.0
    assert np.isclose(ctx.tally.content_views, 12)


# ---- channel identities: audience, role, response, price --------------------------------------
EVERYONE = 12 * 100 * 1000.0  # a budget buying 1,000 views per consumer: reaches all 12 daily


def _one(name: str = "livestream", budget: float = EVERYONE, **spec):
    """A plan with one funded channel (cost 1 per view) and the given channel settings."""
    plan = _plan(**{name: budget})
    plan["content"]["channels"][name].update(spec)
    return plan


def _days(ctx, days: int) -> None:
    """Run the morning fade and the content process for ``days`` days."""
    from sim.engine.processes import interest

    for day in range(days):
        ctx.start_day()
        interest.fade(ctx, day)
        content.content_views(ctx, day)


def test_a_channel_reaches_only_its_audience():
    """Affinity 0 for tier-3/4: only tier-1/2 consumers (even rows) are ever reached."""
    ctx = make_ctx(_one(audience={"tier34": 0.0}))
    content.content_views(ctx, 0)
    assert sorted(events_of(ctx, "content_view")) == list(range(0, 12, 2))


def test_segment_affinity_tilts_reach_towards_the_segment():
    """With affinity 4 for consumers' segment against 1 elsewhere, chances scale by 4 where
    they are small (1 - e^-x ~ x)."""
    plain = make_ctx(_one(budget=60.0))
    tilted = make_ctx(
        _one(budget=60.0, audience={"segments": {"gen_z": 4.0}}),
        segment=np.array([0] * 6 + [1] * 6, np.int8),
        segment_names=("gen_z", "families"),
    )
    p, q = plain.policy.reach_chance["livestream"], tilted.policy.reach_chance["livestream"]
    np.testing.assert_allclose(p.sum(), q.sum(), rtol=0.05)  # same budget, same views
    np.testing.assert_allclose(q[:6] / q[6:], 4.0, rtol=0.05)


TWO_SEGMENTS = {
    "segment": np.array([0] * 6 + [1] * 6, np.int8),
    "segment_names": ("gen_z", "families"),
}


def test_a_segments_response_changes_what_a_view_does_for_that_segment_only():
    """gen_z response 1.5, same seed: Gen Z viewers gain 1.5x the interest; the families'
    rows (interest, consideration, planned visits) and every view row are identical."""
    ctx = {
        r: make_ctx(_one(audience={"response": {"gen_z": r}}), seed=5, **TWO_SEGMENTS)
        for r in (1.0, 1.5)
    }
    for c in ctx.values():
        content.content_views(c, 0)
    plain, lands = ctx[1.0].state, ctx[1.5].state
    np.testing.assert_allclose(lands.interest[:6], 1.5 * plain.interest[:6], rtol=1e-6)
    assert (plain.interest[:6] > 0).all()
    for column in ("interest", "considering", "planned_visit_day", "aware"):
        np.testing.assert_array_equal(getattr(lands, column)[6:], getattr(plain, column)[6:])
    np.testing.assert_array_equal(ctx[1.0].log.column("consumer"), ctx[1.5].log.column("consumer"))


def test_a_view_that_does_not_land_with_a_segment_only_makes_it_aware():
    """Response 0 for families: they are reached and aware, but gain no interest, no
    consideration and no store-visit plan."""
    ctx = make_ctx(_one(audience={"response": {"families": 0.0}}), **TWO_SEGMENTS)
    content.content_views(ctx, 0)
    s = ctx.state
    assert s.aware[6:].all() and (s.interest[6:] == 0).all()
    assert not s.considering[6:].any() and (s.planned_visit_day[6:] < 0).all()


def test_trust_weight_scales_the_interest_a_view_adds():
    plain, trusted = make_ctx(_one("ugc")), make_ctx(_one("ugc", trust_weight=1.52))
    content.content_views(plain, 0)
    content.content_views(trusted, 0)
    np.testing.assert_allclose(trusted.state.interest, 1.52 * plain.state.interest, rtol=1e-6)


def test_a_channel_without_visit_weight_sparks_no_store_visit():
    ctx = make_ctx(_one(visit_weight=0.0))
    content.content_views(ctx, 0)
    assert (ctx.state.planned_visit_day < 0).all()


def test_a_livestream_buy_button_turns_considering_viewers_into_online_orders():
    """order_chance 1, every viewer considering and deeply interested: all prospects order,
    customers do not (they buy on their repeat needs)."""
    ctx = make_ctx({**_one(order_chance=1.0), "behaviour": {"delivery_patience_hours": 1e6}})
    ctx.state.considering[:] = True
    ctx.state.interest[:] = 50.0
    ctx.state.purchases[6:] = 1
    content.content_views(ctx, 0)
    assert sorted(ctx.today.instant_orders) == list(range(6))


def test_a_livestream_flash_sale_brings_more_orders_on_the_spot():
    """Same seed, a 30% livestream cut: everyone who ordered at list price orders again
    (same draw, higher odds), and more join."""
    spec = {**_one(order_chance=0.3), "behaviour": {"delivery_patience_hours": 1e6}}
    sale = {"first_day": 0, "last_day": 0, "channel": "livestream", "depth": 0.3}
    orders = {}
    for name, promos in (("list", []), ("sale", [sale])):
        ctx = make_ctx({**spec, "promotions": promos}, seed=2, price_sensitivity=np.ones(12))
        market.open_day(ctx, 0)
        ctx.state.considering[:] = True
        ctx.state.interest[:] = 1.0
        content.content_views(ctx, 0)
        orders[name] = set(ctx.today.instant_orders.tolist())
        assert set(ctx.today.livestream_orders.tolist()) == orders[name]
    assert orders["list"] < orders["sale"]


def test_without_a_buy_button_nobody_orders_on_the_spot():
    ctx = make_ctx(_one())
    ctx.state.considering[:] = True
    content.content_views(ctx, 0)
    assert len(ctx.today.instant_orders) == 0


def test_later_views_add_less_under_a_saturation_ceiling():
    """Ceiling 2, no fading to speak of: views add g(1) - g(0) = 1, then 1/3, then 1/6 of
    a fresh view's interest (g(A) = 2A / (1 + A))."""
    ctx = make_ctx(
        {
            **_one(saturation_ceiling=2.0, carryover_half_life_days=1e6, quality=0.5),
            "behaviour": {"interest_half_life_days": 1e6},
        }
    )
    gains = []
    for day in range(3):
        before = ctx.state.interest.copy()
        _days_from(ctx, day)
        gains.append(float(ctx.state.interest[0] - before[0]))
    np.testing.assert_allclose(gains, [0.5, 0.5 / 3, 0.5 / 6], rtol=1e-3)


def _days_from(ctx, day: int) -> None:
    from sim.engine.processes import interest

    ctx.start_day()
    interest.fade(ctx, day)
    content.content_views(ctx, day)


def test_without_a_ceiling_every_view_adds_the_same():
    ctx = make_ctx(
        {**_one(carryover_half_life_days=1e6), "behaviour": {"interest_half_life_days": 1e6}}
    )
    _days(ctx, 3)
    np.testing.assert_allclose(ctx.state.interest, 3 * 0.5, rtol=1e-4)


def test_what_a_channel_leaves_behind_fades_at_its_own_half_life():
    """One day of views, then none: the adstock and the interest the channel holds halve every
    3 days (the channel's carryover), not every 10 (the common interest half-life)."""
    ctx = make_ctx(
        {**_one(carryover_half_life_days=3.0), "behaviour": {"interest_half_life_days": 10.0}}
    )
    _days(ctx, 1)
    held = ctx.state.interest.copy()
    ctx.policy = make_ctx(_one(budget=0.0, carryover_half_life_days=3.0)).policy  # views stop
    for day in range(1, 7):
        _days_from(ctx, day)
    np.testing.assert_allclose(ctx.state.adstock[:, 1], 0.25, rtol=1e-4)
    np.testing.assert_allclose(ctx.state.interest, held * 0.25, rtol=1e-4)


def test_interest_held_by_channels_is_part_of_interest_and_never_negative():
    """Channels fading faster and slower than interest, views on some days: interest stays the
    sum of what the channels hold (nothing else touched these consumers) and >= 0."""
    plan = _plan(livestream=EVERYONE, ugc=600.0)
    plan["content"]["channels"]["livestream"].update(carryover_half_life_days=1.0)
    plan["content"]["channels"]["ugc"].update(carryover_half_life_days=30.0, saturation_ceiling=3.0)
    ctx = make_ctx(plan)
    _days(ctx, 20)
    held = ctx.state.content_interest.sum(axis=1)
    np.testing.assert_allclose(ctx.state.interest, held, rtol=1e-4, atol=1e-6)
    assert (ctx.state.interest >= 0).all()


def test_a_flat_price_buys_budget_over_cost_views():
    from sim.engine.policy import views_bought

    assert views_bought(500.0, 2.0, 0.0, 1000.0) == (250.0, 2.0)


def test_buying_deeper_into_the_audience_costs_more_per_view():
    """With cost_rise, price = cost x (1 + rise x views / audience), and views x price spends
    exactly the budget; doubling the budget less than doubles the views."""
    from sim.engine.policy import views_bought

    views, price = views_bought(500.0, 2.0, 1.5, 1000.0)
    assert price == np.float64(price) and price > 2.0
    np.testing.assert_allclose(price, 2.0 * (1 + 1.5 * views / 1000.0))
    np.testing.assert_allclose(views * price, 500.0)
    more, _ = views_bought(1000.0, 2.0, 1.5, 1000.0)
    assert views < more < 2 * views


def test_spend_is_views_times_the_price_paid():
    ctx = make_ctx(_one("kol", budget=1200.0, cost_rise=2.0))
    content.content_views(ctx, 0)
    price = ctx.policy.view_cost["kol"]
    assert price > 1.0
    assert ctx.tally.content_spend == len(events_of(ctx, "content_view")) * price


# ---- on the model: each channel's reach is its own --------------------------------------------
def _views(config, seed: int = 4):
    """Each channel's (day, seat) views. Seats, not consumer ids: in a market with churn a lever
    changes who is lost, so the newcomer in a seat (and every later newcomer's id) differs
    between arms while the seats a channel reaches stay the same."""
    from sim.measure.residents import row_seats
    from sim.study.run import simulate

    run = simulate(config, seed)
    events = run.events.to_pandas()
    events["seat"] = row_seats(events, run.consumers)
    views = events[events.event == "content_view"]
    return {
        str(name): part[["day", "seat"]].reset_index(drop=True)
        for name, part in views.groupby("channel", observed=True)
    }


def test_switching_a_channel_off_leaves_every_other_channels_views_as_they_were(config_factory):
    """Same seed, KOL off: every other channel's content_view rows reach the same seats, row
    for row (downstream effects of the missing KOL views never feed back into exposure)."""
    base = config_factory(size=3000, horizon=90)
    off = with_overrides(base, {"content.channels.kol.daily_budget": 0.0})
    with_kol, without = _views(base), _views(off)
    assert "kol" not in without and set(with_kol) - {"kol"} == set(without)
    for name, rows in without.items():
        pd.testing.assert_frame_equal(rows, with_kol[name], obj=name)


def test_a_bigger_budget_on_one_channel_adds_viewers_and_leaves_the_others(config_factory):
    base = config_factory(size=3000, horizon=90)
    more = with_overrides(
        base, {"content.channels.ugc.daily_budget": 3 * base.content.channels["ugc"].daily_budget}
    )
    small, big = _views(base), _views(more)
    for name in set(small) - {"ugc"}:
        pd.testing.assert_frame_equal(small[name], big[name], obj=name)
    seen = set(map(tuple, small["ugc"].to_numpy()))
    assert seen < set(map(tuple, big["ugc"].to_numpy()))
