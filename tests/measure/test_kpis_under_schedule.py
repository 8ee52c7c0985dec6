"""KPIs are functions of the event log alone, so a schedule is measured as it happened."""

from __future__ import annotations

import math

from sim.scenario.config import with_overrides
from sim.study.run import simulate
from tests.conftest import make_config


def _run(redeemable_in: str, schedule: list[dict]):
    config = make_config(size=3000, horizon=60, coupons__redeemable_in=redeemable_in)
    return simulate(with_overrides(config, {"schedule": schedule}), seed=2)


def test_conflict_abandonment_is_undefined_when_a_day_0_schedule_makes_coupons_valid_everywhere():
    """Defect: this read 0.0 from the day-0 config (online only); no coupon is ever refused."""
    run = _run("online", [{"day": 0, "set": {"coupons.redeemable_in": "everywhere"}}])
    assert math.isnan(run.kpis["coupon_conflict_abandonment"])
    assert math.isnan(_run("everywhere", []).kpis["coupon_conflict_abandonment"])


def test_conflict_abandonment_counts_refusals_only_after_coupons_become_channel_bound():
    run = _run("everywhere", [{"day": 30, "set": {"coupons.redeemable_in": "online"}}])
    events = run.events.to_pandas()
    refused = events[events.event == "coupon_refused"]
    assert len(refused) > 0 and refused.day.min() >= 30
    assert 0.0 <= run.kpis["coupon_conflict_abandonment"] <= 1.0
