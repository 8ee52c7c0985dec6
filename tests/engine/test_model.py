"""The Mesa model: one step is one day; behaviour checked against theory and the schedule.

Theory tests derive their tolerance from the sample size (5 standard errors), so they
fail for a real bias and pass for noise.
"""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from sim.engine.model import OmnichannelModel
from sim.engine.processes import visits
from sim.engine.processes.touch import plan_visits
from sim.engine.streams import Draws, Source
from sim.log.eventlog import Event
from sim.scenario.config import from_dict
from sim.study.run import simulate


def tiny(size: int = 300, horizon: int = 20, **sections) -> OmnichannelModel:
    return OmnichannelModel(
        from_dict({"horizon_days": horizon, "population": {"size": size}, **sections}), rng=1
    )


# ---- Mesa integration ------------------------------------------------------------------------
def test_model_is_a_mesa_model_seeded_by_rng():
    """OmnichannelModel is a mesa.Model taking Mesa's rng= seed."""
    model = tiny()
    assert isinstance(model, mesa.Model)
    assert model.seed == 1


def test_run_for_advances_that_many_days():
    """run_for(10) simulates days 0..9: 10 steps, 10 rows of daily data."""
    model = tiny()
    model.run_for(10)
    assert model.steps == 10 and model.day == 9
    assert len(model.daily_frame()) == 10
    assert model.daily_frame().day.tolist() == list(range(10))


def test_run_stops_at_the_horizon():
    """run() simulates exactly horizon_days days, then running is False and a further
    step is refused."""
    model = tiny(horizon=7).run()
    assert model.steps == 7 and not model.running
    with pytest.raises(RuntimeError, match="past the horizon"):
        model.step()


@pytest.mark.parametrize("bad", [-1, True, 1.5, "7"])
def test_model_rejects_bad_seeds(bad):
    """rng must be a non-negative integer (no bools, floats or strings)."""
    config = from_dict({"horizon_days": 5, "population": {"size": 20}})
    with pytest.raises(ValueError, match="rng"):
        OmnichannelModel(config, rng=bad)


# ---- theory ------------------------------------------------------------------------------------
def test_content_views_per_channel_day_match_the_budget(small_run, small_events):
    """Each consumer is reached with chance 1 - exp(-lambda_i), the lambda_i splitting
    daily_budget / price per view / scale by targeting weight and audience affinity (the price
    rising with depth, see test_content.py): views per day average the sum
    of those chances (about the budget's views), within 5 standard errors over the days."""
    model = small_run.model
    cfg = small_run.config
    days = cfg.horizon_days
    scale = cfg.population.market_size / cfg.population.size
    views = small_events[small_events.event == "content_view"]
    for name, channel in cfg.content.channels.items():
        p = model.policy.reach_chance[name]
        mean, var = p.sum(), (p * (1 - p)).sum()
        budget_views = channel.daily_budget / model.policy.view_cost[name] / scale
        assert abs(mean - budget_views) <= 0.01 * budget_views, name  # thinning loses little
        per_day = np.bincount(views.day[views.channel == name], minlength=days)
        assert abs(per_day.mean() - mean) <= 5 * np.sqrt(var / days), name


def test_content_views_day_to_day_variance_is_binomial(small_run, small_events):
    """The day-to-day variance of views is the Poisson-binomial sum of p(1-p), within 5 SE of
    the sample variance (Var(s^2) ~ (v + 2 v^2) / days for a near-Poisson count)."""
    model = small_run.model
    days = small_run.config.horizon_days
    views = small_events[small_events.event == "content_view"]
    p = model.policy.reach_chance["short_video"]
    var = (p * (1 - p)).sum()
    per_day = np.bincount(views.day[views.channel == "short_video"], minlength=days)
    assert abs(per_day.var(ddof=1) - var) <= 5 * np.sqrt((var + 2 * var**2) / days)


@pytest.fixture(scope="module")
def delays():
    """Visit delays planned for 20,000 consumers with access 1 and chance 1 on day 0."""
    model = tiny(size=20_000, horizon=30, behaviour={"visit_delay_days": 3.0})
    model.policy.visit_access[:] = 1.0
    who = np.arange(model.size)
    plan_visits(model.ctx, who, 1.0, 0, Draws(12, Source.visits, 0), "test")
    return model.state.planned_visit_day.astype(np.float64), 3.0


def test_visit_delay_mean_is_visit_delay_days(delays):
    """Mean delay = visit_delay_days within 5 SE; geometric on 0,1,.. has variance m(1+m)."""
    delay, m = delays
    assert (delay >= 0).all(), "chance 1 and access 1: everybody plans"
    assert abs(delay.mean() - m) <= 5 * np.sqrt(m * (1 + m) / len(delay))


def test_visit_delay_is_geometric(delays):
    """P(delay = d) = p (1-p)^d with p = 1 / (1 + m), for d = 0..5, each within 5 binomial SE."""
    delay, m = delays
    n, p = len(delay), 1 / (1 + m)
    for d in range(6):
        q = p * (1 - p) ** d
        assert abs((delay == d).sum() - n * q) <= 5 * np.sqrt(n * q * (1 - q)), d


def test_planned_visit_is_kept():
    """A consumer with a visit already planned keeps it when prompted again."""
    model = tiny()
    model.policy.visit_access[:] = 1.0
    model.state.planned_visit_day[:] = 5
    plan_visits(model.ctx, np.arange(model.size), 1.0, 2, Draws(0, Source.visits, 2), "test")
    assert (model.state.planned_visit_day == 5).all()


def test_discovery_walk_ins_only_hit_unaware_consumers():
    """With no planned visits or missions, every store visitor was unaware beforehand."""
    model = tiny(size=3000, behaviour={"discovery_rate": 0.2})
    aware_before = np.zeros(model.size, bool)
    aware_before[::2] = True
    model.state.aware[:] = aware_before
    visits.store_visits(model.ctx, 0)
    log = model.log
    visitors = log.column("consumer")[log.column("event") == Event.store_visit]
    assert len(visitors) > 50
    assert not aware_before[visitors].any()


def test_no_planned_visit_is_lost(config_factory):
    """After each day, everyone whose store visit was planned for that day visited a store."""
    model = OmnichannelModel(config_factory(horizon=100), rng=2)
    lost = 0
    for day in range(model.config.horizon_days):
        model.run_for(1)
        log = model.log
        today = (log.column("day") == day) & (log.column("event") == Event.store_visit)
        visited = np.zeros(model.size, bool)
        visited[log.column("consumer")[today]] = True
        lost += int(np.sum((model.state.planned_visit_day == day) & ~visited))
    assert lost == 0, f"{lost} planned visits never happened"


# ---- the policy schedule ----------------------------------------------------------------
SWITCH_DAY = 60


@pytest.fixture(scope="module")
def scheduled_config(config_factory):
    """Coupons redeemable everywhere until day 60, online only from then on."""
    return config_factory(
        horizon=120,
        schedule=[{"day": SWITCH_DAY, "set": {"coupons.redeemable_in": "online"}}],
    )


def test_schedule_is_validated_into_config(scheduled_config):
    """The schedule entry is part of the validated scenario."""
    assert scheduled_config.schedule[0].day == SWITCH_DAY
    assert scheduled_config.coupons.redeemable_in == "everywhere"


def test_schedule_runs_through_mesa_events(scheduled_config):
    """Each schedule entry is a Mesa event on the model's event list at its day."""
    model = OmnichannelModel(scheduled_config, rng=4)
    times = [e.time for e in model._event_list._events if not e.CANCELED]
    assert SWITCH_DAY in times


def test_schedule_is_not_applied_before_its_day(scheduled_config):
    """The policy is unchanged after day 59 and changed before day 60 is simulated."""
    model = OmnichannelModel(scheduled_config, rng=4)
    model.run_for(SWITCH_DAY - 1)
    assert model.config.coupons.redeemable_in == "everywhere"
    assert model.policy_changes == []
    model.run_for(1)  # day 59; the change is dated the start of day 60
    assert model.day == SWITCH_DAY - 1
    assert model.config.coupons.redeemable_in == "online"


def test_schedule_takes_effect_on_its_day_exactly(scheduled_config):
    """Store redemptions happen before day 60 and none from day 60 on; the change is in the
    manifest's policy_changes."""
    result = simulate(scheduled_config, 4)
    ev = result.events.to_pandas()
    redeem = ev[ev.event.astype(str) == "coupon_redeem"]
    in_store = redeem.channel.astype(str) == "store"
    assert (in_store & (redeem.day < SWITCH_DAY)).sum() > 0
    assert (in_store & (redeem.day >= SWITCH_DAY)).sum() == 0
    assert (redeem.day >= SWITCH_DAY).sum() > 0, "online redemptions go on"
    assert result.manifest["policy_changes"] == [
        {"day": SWITCH_DAY, "set": {"coupons.redeemable_in": "online"}}
    ]


def test_a_bigger_content_budget_reaches_everyone_a_smaller_one_reached():
    """Common random numbers for the content plan: reach is keyed per consumer, so doubling
    the short-video budget adds viewers without dropping any on the same day and seed."""

    def viewers(budget: float) -> set[int]:
        channels = {"short_video": {"daily_budget": budget, "cost_per_view": 0.04}}
        model = tiny(size=20_000, horizon=3, content={"channels": channels})
        model.run_for(1)
        ev = model.events_table().to_pandas()
        return set(ev.consumer[ev.event == "content_view"])

    small, large = viewers(1000.0), viewers(2000.0)
    assert small and small <= large
    assert len(large) > 1.5 * len(small)
