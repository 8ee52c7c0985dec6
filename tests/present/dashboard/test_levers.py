"""The dashboard's levers: read from the scenario; only moved ones become overrides."""

from __future__ import annotations

import pytest

from sim.present.dashboard import levers as lv
from sim.scenario.config import ConfigError
from tests.conftest import make_config


def test_untouched_levers_change_nothing():
    config = make_config(size=500, horizon=20)
    values = lv.current_values(config)
    assert lv.overrides(config, values) == {}
    same, over = lv.apply(config, values)
    assert over == {} and same.config_hash() == config.config_hash()


def test_a_moved_lever_and_a_schedule_become_overrides():
    config = make_config(size=500, horizon=20)
    values = {**lv.current_values(config), "stores.count": 120}
    new, over = lv.apply(config, values, "- {day: 10, set: {coupons.value: 5}}")
    assert over["stores.count"] == 120 and new.stores.count == 120
    assert new.schedule[0].day == 10


def test_every_channel_has_a_budget_lever():
    config = make_config(size=500, horizon=20)
    paths = {lever.path for lever in lv.content_levers(config)}
    assert paths == {f"content.channels.{c}.daily_budget" for c in config.content.channels}


@pytest.mark.parametrize(
    ("text", "message"),
    [("{day: 3}", "a list of"), ("- {day: 500, set: {coupons.value: 5}}", "schedule.0.day")],
)
def test_a_bad_schedule_is_refused_naming_it(text, message):
    config = make_config(size=500, horizon=20)
    with pytest.raises(ConfigError) as exc:
        lv.apply(config, lv.current_values(config), text)
    assert any(message in p for p in exc.value.problems), exc.value.problems


def test_the_store_conversion_becomes_overrides_and_says_how_many_stores():
    config = make_config(size=500, horizon=20)
    values = {
        **lv.current_values(config),
        "stores.conversion.tiers": ["tier12"],
        "stores.conversion.busiest_share": 0.5,
        "stores.conversion.online_order_area": True,
    }
    new, over = lv.apply(config, values)
    assert over == {
        "stores.conversion.tiers": ["tier12"],
        "stores.conversion.busiest_share": 0.5,
        "stores.conversion.online_order_area": True,
    }
    assert new.stores.conversion.levers == {"online_order_area": True}
    tier12 = config.stores.count - round(config.stores.count * config.stores.tier34_share)
    assert lv.conversion_text(new).startswith(f"Converts {round(tier12 / 2)} of 200 stores")


def test_a_conversion_that_gives_nothing_converts_no_store():
    config = make_config(size=500, horizon=20)
    assert config.stores.conversion.levers == {}  # the baseline converts none
    assert lv.conversion_text(config).startswith("Converts no store of 200")


def test_the_same_tiers_in_another_order_are_no_override():
    config = make_config(size=500, horizon=20)
    values = {**lv.current_values(config), "stores.conversion.tiers": ["tier34", "tier12"]}
    assert lv.overrides(config, values) == {}
