"""Arms of a comparison in a market with a past share its history: the lever acts on day 0."""

from __future__ import annotations

from sim.scenario.config import change_from_day_0, changed_paths, with_overrides
from tests.conftest import make_config

POOLED = {"inventory.mode": "pooled"}


def test_a_launch_market_arm_is_the_plain_override():
    base = make_config(market__burn_in_days=0)
    assert change_from_day_0(base, POOLED) == with_overrides(base, POOLED)


def test_an_established_market_arm_keeps_the_base_policy_before_day_0():
    base = make_config(market__burn_in_days=30)
    arm = change_from_day_0(base, POOLED)
    assert arm.inventory.mode == "separate"  # the history's policy
    assert arm.schedule[0].day == 0 and arm.schedule[0].set == POOLED


def test_the_day_0_change_comes_before_the_arm_s_own_schedule():
    base = make_config(market__burn_in_days=30)
    later = [{"day": 10, "set": {"coupons.value": 5.0}}]
    arm = change_from_day_0(base, {**POOLED, "schedule": later})
    assert [c.day for c in arm.schedule] == [0, 10]


def test_a_fixed_path_makes_another_market_with_its_own_history():
    base = make_config(market__burn_in_days=30)
    arm = change_from_day_0(base, {"stores.count": 50})
    assert arm.stores.count == 50 and arm.schedule == []


def test_changed_paths_names_leaves_only():
    before = {"a": {"b": 1, "c": [1]}, "d": 2}
    after = {"a": {"b": 1, "c": [2]}, "d": 3, "e": 4}
    assert changed_paths(before, after) == {"a.c": [2], "d": 3, "e": 4}
