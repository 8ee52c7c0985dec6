"""Random streams: one per (source, day), so runs replay exactly and arms stay aligned."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.engine.streams import Draws, Source, Streams
from sim.measure.residents import row_seats
from sim.study.run import simulate

seeds = st.integers(min_value=0, max_value=2**63 - 1)
days = st.integers(min_value=-1, max_value=3650)
sources = st.sampled_from(list(Source))


@settings(max_examples=50, deadline=None)
@given(seed=seeds, source=sources, day=days)
def test_same_source_and_day_give_same_numbers_in_any_call_order(seed, source, day):
    """get(source, day) yields the same draws whether asked first or after other streams."""
    streams = Streams(seed)
    first = streams.get(source, day).random(8)
    for other in Source:
        streams.get(other, day).random(100)
        streams.get(other, day + 1).random(100)
    again = streams.get(source, day).random(8)
    assert np.array_equal(first, again)
    assert np.array_equal(first, Streams(seed).get(source, day).random(8))


@settings(max_examples=30, deadline=None)
@given(seed=seeds, day=days)
def test_sources_and_days_get_different_streams(seed, day):
    """Different sources on a day, and one source on different days, draw different numbers."""
    streams = Streams(seed)
    draws = {(s, d): streams.get(s, d).random(4).tobytes() for s in Source for d in (day, day + 1)}
    assert len(set(draws.values())) == len(draws)


def test_different_seeds_give_different_streams():
    """Another root seed changes every stream."""
    assert not np.array_equal(
        Streams(1).get(Source.content, 5).random(4), Streams(2).get(Source.content, 5).random(4)
    )


@pytest.mark.parametrize("bad", [-1, 1.5, "3", None])
def test_streams_reject_bad_seeds(bad):
    """A seed must be a non-negative integer."""
    with pytest.raises(ValueError):
        Streams(bad)


def test_source_codes_are_stable():
    """Sources keep their codes (reordering them would silently change every run)."""
    codes = {s.name: s.value for s in Source}
    assert codes == {
        "population": 0, "network": 1, "stores": 2, "content": 3, "app": 5, "coupons": 6,
        "visits": 7, "purchases": 8, "sharing": 11, "membership": 12, "retention": 13,
        "market": 14, "competition": 15,
    }  # fmt: skip
    assert Source.population == 0 and Source.content == 3 and Source.retention == 13


# ---- common random numbers across scenarios ---------------------------------------------
def content_views(result, day=None):
    """(day, seat, channel) of the content views. Seats, not consumer ids: with churn a lever
    changes who is lost before and after day 0, so newcomers' ids differ between arms while
    the seats content reaches must not."""
    ev = result.events.to_pandas()
    ev["seat"] = row_seats(ev, result.consumers)
    views = ev[ev.event.astype(str) == "content_view"]
    if day is not None:
        views = views[views.day == day]
    return views[["day", "seat", "channel"]].astype({"channel": str}).reset_index(drop=True)


@pytest.fixture(scope="module")
def arms(config_factory):
    """Three arms on one seed: the base, a coupon-value change, a redemption-channel change."""
    horizon = 60
    base = simulate(config_factory(horizon=horizon), 3)
    value = simulate(config_factory(horizon=horizon, coupons__value=35.0), 3)
    channel = simulate(config_factory(horizon=horizon, coupons__redeemable_in="online"), 3)
    return base, value, channel


def test_coupon_lever_leaves_day0_content_views_identical(arms):
    """Arms differing in coupons.value see exactly the same content views on day 0."""
    base, value, _ = arms
    assert len(content_views(base, 0)) > 0
    assert content_views(base, 0).equals(content_views(value, 0))


def test_arms_differ_where_the_lever_acts(arms):
    """The coupon-value arm is a different scenario: redeemed face values differ."""
    base, value, _ = arms
    for result, face in ((base, 20.0), (value, 35.0)):
        ev = result.events.to_pandas()
        claims = ev[(ev.event.astype(str) == "coupon_claim") & (ev.source < 0)]
        assert len(claims) > 0 and (claims.value == face).all()


def test_coupon_channel_lever_leaves_all_content_views_identical(arms):
    """Content views on every day are the same when only coupons.redeemable_in differs.

    Content draws are on their own stream, so a coupon policy cannot move who sees which
    video on any day (the streams module's promise).
    """
    base, _, channel = arms
    assert content_views(base).equals(content_views(channel))


# ---- keyed per-consumer draws -------------------------------------------------------------


def test_keyed_draw_does_not_depend_on_who_else_draws():
    """Consumer 7's number is the same drawn alone or among others: the property that keeps
    arms aligned when a lever changes who else makes a decision that day."""
    d = Draws(5, Source.app, 10)
    alone = d.uniform(np.array([7]), "buy")[0]
    crowd = d.uniform(np.array([3, 900, 7, 42]), "buy")[2]
    assert alone == crowd
    assert Draws(5, Source.app, 10).uniform(np.array([7]), "buy")[0] == alone


def test_keyed_draws_differ_by_seed_day_source_and_label():
    """Changing any part of the key gives a different number for the same consumer."""
    who = np.arange(1000)
    base = Draws(5, Source.app, 10).uniform(who, "buy")
    for other in (
        Draws(6, Source.app, 10).uniform(who, "buy"),
        Draws(5, Source.app, 11).uniform(who, "buy"),
        Draws(5, Source.visits, 10).uniform(who, "buy"),
        Draws(5, Source.app, 10).uniform(who, "share"),
    ):
        assert np.mean(base == other) < 0.01


def test_keyed_uniforms_are_uniform_and_uncorrelated():
    """100k keyed draws: Kolmogorov-Smirnov against U(0,1), and correlation between two
    labels and between neighbouring consumers within 5 standard errors (1/sqrt(n))."""
    n = 100_000
    d = Draws(1, Source.content, 3)
    u = d.uniform(np.arange(n), "a")
    assert stats.kstest(u, "uniform").pvalue > 1e-4
    v = d.uniform(np.arange(n), "b")
    assert abs(np.corrcoef(u, v)[0, 1]) < 5 / np.sqrt(n)
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 5 / np.sqrt(n)


def test_keyed_geometric_matches_theory():
    """Failures before success with mean m: mean m and variance m(1+m), within 5 SE."""
    n, m = 200_000, 2.5
    g = Draws(2, Source.visits, 0).geometric(np.arange(n), m, "delay")
    assert abs(g.mean() - m) < 5 * np.sqrt(m * (1 + m) / n)
    p = 1 / (1 + m)
    assert abs(np.mean(g == 0) - p) < 5 * np.sqrt(p * (1 - p) / n)


def test_keyed_normal_matches_theory():
    """Inverted normals: mean 0 and variance 1 within 5 standard errors."""
    n = 200_000
    z = Draws(3, Source.purchases, 0).normal(np.arange(n), "basket")
    assert abs(z.mean()) < 5 / np.sqrt(n)
    assert abs(z.var() - 1) < 5 * np.sqrt(2 / n)
