"""The scenario schema: frozen, validated, every problem reported at once with its path."""

from __future__ import annotations

import time

import pydantic
import pytest

from sim.scenario.config import (
    ConfigError,
    ScenarioConfig,
    from_dict,
    load_scenario,
    memory_estimate,
    parse_set_args,
    with_overrides,
)
from tests.conftest import BASELINE


@pytest.fixture(scope="module")
def baseline() -> ScenarioConfig:
    return load_scenario(BASELINE)


def problems(data) -> list[str]:
    with pytest.raises(ConfigError) as info:
        from_dict(data)
    return info.value.problems


def test_baseline_loads(baseline):
    """configs/baseline.yaml is a valid scenario."""
    assert baseline.name == "baseline"
    assert sum(s.share for s in baseline.population.segments.values()) == pytest.approx(1)


def test_config_is_frozen(baseline):
    """Assigning to a scenario raises: variants are made with with_overrides."""
    with pytest.raises(pydantic.ValidationError):
        baseline.coupons.value = 1.0  # type: ignore[misc]


def test_with_overrides_copies_and_leaves_original(baseline):
    """with_overrides returns a changed copy; the original is untouched."""
    changed = with_overrides(baseline, {"coupons.value": 35.0, "stores.bopis": False})
    assert changed.coupons.value == 35.0 and not changed.stores.bopis
    assert baseline.coupons.value == 20.0 and baseline.stores.bopis


def test_config_hash_is_stable_and_tracks_content(baseline):
    """Same content -> same hash (also after a round trip); any change -> another hash."""
    assert baseline.config_hash() == from_dict(baseline.to_dict()).config_hash()
    assert baseline.config_hash() != with_overrides(baseline, {"coupons.value": 21}).config_hash()


def test_all_problems_reported_at_once():
    """Several faults give one line each, naming path, value and what is allowed."""
    lines = problems(
        {
            "bogus": 1,
            "population": {"size": "abc"},
            "stores": {"count": -3},
            "behaviour": {"lapse_rate": 1.5},
        }
    )
    assert len(lines) == 4
    joined = "\n".join(lines)
    assert "bogus: value 1: unknown key" in joined
    assert "population.size: value 'abc'" in joined and "integer" in joined
    assert "stores.count: value -3" in joined and "greater than or equal to 0" in joined
    assert "behaviour.lapse_rate: value 1.5" in joined and "less than or equal to 1" in joined


def test_segment_shares_must_sum_to_one():
    """Segment shares summing to 0.8 are refused, with the sum and the rule."""
    seg = {
        "online_propensity": 0.5,
        "price_sensitivity": 0.5,
        "social_activity": 0.5,
        "tier34_share": 0.5,
        "consent": 0.5,
    }
    lines = problems(
        {"population": {"segments": {"a": {"share": 0.5, **seg}, "b": {"share": 0.3, **seg}}}}
    )
    assert len(lines) == 1 and "0.8" in lines[0] and "exactly 1" in lines[0]


def test_segment_share_error_names_full_yaml_path():
    """The segment-share problem starts with its YAML path population.segments."""
    seg = {
        "online_propensity": 0.5,
        "price_sensitivity": 0.5,
        "social_activity": 0.5,
        "tier34_share": 0.5,
        "consent": 0.5,
    }
    lines = problems({"population": {"segments": {"a": {"share": 0.5, **seg}}}})
    assert lines[0].startswith("population.segments"), lines


def test_schedule_day_must_be_before_horizon():
    """A schedule entry dated at or after the horizon is refused, naming the allowed range."""
    lines = problems({"horizon_days": 30, "schedule": [{"day": 30, "set": {"coupons.value": 5}}]})
    assert lines == ["schedule.0.day: value 30: must be before the horizon (0..29)"]


def test_schedule_cannot_change_fixed_sections():
    """The population, network and store footprint cannot change mid-run."""
    lines = problems({"schedule": [{"day": 1, "set": {"population.size": 10}}]})
    assert len(lines) == 1 and lines[0].startswith("schedule.0.set.population.size")


def test_schedule_values_are_validated():
    """A scheduled value that breaks the schema is reported against the schedule."""
    lines = problems({"schedule": [{"day": 1, "set": {"coupons.redeemable_in": "shop"}}]})
    assert len(lines) == 1 and "coupons.redeemable_in" in lines[0] and "'shop'" in lines[0]


def test_schedule_unknown_path_is_reported():
    """A schedule path that does not exist names the key and what is allowed there."""
    lines = problems({"schedule": [{"day": 1, "set": {"coupons.nope": 1}}]})
    assert len(lines) == 1 and "no such key 'nope'" in lines[0] and "redeemable_in" in lines[0]


def test_override_unknown_path_is_reported(baseline):
    """with_overrides with a path that does not exist raises ConfigError naming it."""
    with pytest.raises(ConfigError, match="no such key 'nope' under coupons"):
        with_overrides(baseline, {"coupons.nope": 1})


def test_parse_set_args_parses_yaml_values():
    """--set values parse like YAML: numbers, booleans, strings."""
    assert parse_set_args(["a.b=1", "c=true", "d=online", "e=0.5"]) == {
        "a.b": 1,
        "c": True,
        "d": "online",
        "e": 0.5,
    }
    with pytest.raises(ConfigError, match="PATH=VALUE"):
        parse_set_args(["novalue"])


def test_yaml_is_loaded_safely(tmp_path):
    """Python-object tags are refused (safe loader), reported as a config problem."""
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_scenario(path)


def _reversed(baseline, section: str, key: str):
    data = baseline.to_dict()
    data[section][key] = dict(reversed(list(data[section][key].items())))
    data["population"]["size"] = 400
    data["horizon_days"] = 40
    return from_dict(data)


@pytest.mark.parametrize(("section", "key"), [("population", "segments")])
def test_config_hash_includes_mapping_order(baseline, section, key):
    """Defect 2: the order of segments or channels changes the events, so it changes the hash.

    Both halves are asserted: the reordered run really differs (so the order is part of
    the run) and the hashes differ (so the two runs never share a folder or a store).
    """
    from sim.study.run import simulate

    small = with_overrides(baseline, {"population.size": 400, "horizon_days": 40})
    flipped = _reversed(baseline, section, key)
    assert flipped.config_hash() != small.config_hash()
    a, b = simulate(small, 3).events, simulate(flipped, 3).events
    assert not a.equals(b)


def test_content_channel_order_does_not_change_the_run(baseline):
    """Channels are served in the vocabulary's order, each on its own keyed draws, so the order
    they are written in changes nothing."""
    from sim.study.run import simulate

    small = with_overrides(baseline, {"population.size": 400, "horizon_days": 40})
    flipped = _reversed(baseline, "content", "channels")
    assert simulate(small, 3).events.equals(simulate(flipped, 3).events)


def test_schedule_setting_a_whole_section_cannot_change_a_fixed_field():
    """Defect 7: ``set: {stores: {count: 5}}`` is seen as stores.count and refused."""
    with pytest.raises(ConfigError) as exc:
        from_dict({"schedule": [{"day": 5, "set": {"stores": {"count": 5}}}]})
    assert any(
        "schedule.0.set.stores.count: cannot change mid-run" in p for p in exc.value.problems
    )


def test_schedule_setting_inventory_skus_as_a_section_is_refused():
    """Defect 7: ``set: {inventory: {skus: 3}}`` is refused at the door, not on day 100."""
    with pytest.raises(ConfigError) as exc:
        from_dict({"schedule": [{"day": 100, "set": {"inventory": {"skus": 3}}}]})
    assert any("inventory.skus: cannot change mid-run" in p for p in exc.value.problems)


def test_setting_a_section_keeps_its_other_fields(baseline):
    """Defect 7: a section given whole changes only the fields it names (no reset to defaults)."""
    changed = with_overrides(baseline, {"stores": {"experience_level": 0.9}})
    assert changed.stores.experience_level == 0.9
    assert changed.stores.model_dump(exclude={"experience_level"}) == baseline.stores.model_dump(
        exclude={"experience_level"}
    )


@pytest.mark.parametrize(
    "path",
    [
        "population.size",
        "population.market_size",
        "horizon_days",
        "stores.count",
        "inventory.skus",
        "coupons.value",
        "coupons.expiry_days",
        "behaviour.basket_mean",
        "behaviour.friends_per_share",
        "network.mean_degree",
    ],
)
def test_booleans_are_not_numbers(baseline, path):
    """Defect 8: ``true`` in a number field is refused (it used to run as 1)."""
    with pytest.raises(ConfigError) as exc:
        with_overrides(baseline, {path: True})
    assert any(path in p and "not true/false" in p for p in exc.value.problems)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("behaviour.basket_mean", float("inf")),
        ("coupons.budget", float("inf")),
        ("coupons.value", float("nan")),
        ("population.market_size", 2**70),
        ("stores.count", 2**64),
        ("behaviour.basket_sigma", 50),
    ],
)
def test_unbounded_values_are_refused(baseline, path, value):
    """Defect 8: infinity, NaN, integers beyond any use and basket_sigma 50 are refused."""
    with pytest.raises(ConfigError) as exc:
        with_overrides(baseline, {path: value})
    assert any(p.startswith(path) for p in exc.value.problems), exc.value.problems


@pytest.mark.parametrize("sets", [{"population.size": 200_000_000}, {"stores.count": 100_000}])
def test_runs_too_big_for_memory_are_refused_with_the_estimate(baseline, sets, monkeypatch):
    """Defect 8: a population or store count the machine cannot hold is refused at once,
    with the estimate in the message (it used to allocate gigabytes and crash). The machine
    is taken to have 16 GiB, so the test means the same on a bigger one."""
    import sim.scenario.config

    monkeypatch.setattr(sim.scenario.config, "physical_memory", lambda: 16 * 2**30)
    start = time.monotonic()
    with pytest.raises(ConfigError) as exc:
        with_overrides(baseline, sets)
    assert time.monotonic() - start < 1
    assert any("GiB of memory" in p for p in exc.value.problems)


def test_memory_estimate_grows_with_consumers_and_stores(baseline):
    small = memory_estimate(baseline)
    assert memory_estimate(with_overrides(baseline, {"population.size": 100_000})) > small
    assert memory_estimate(with_overrides(baseline, {"stores.count": 1000})) > small


@pytest.mark.parametrize("name", ["../../escaped", "/tmp/abs", ".", "..", ".hidden", "a/b", ""])
def test_scenario_name_must_be_a_folder_name(baseline, name):
    """Defect 6: a scenario name cannot write outside runs/ (it names the run folder)."""
    with pytest.raises(ConfigError) as exc:
        with_overrides(baseline, {"name": name})
    assert any(p.startswith("name: value") for p in exc.value.problems)


def test_a_channel_audience_naming_an_unknown_segment_is_refused():
    with pytest.raises(ConfigError) as exc:
        from_dict(
            {
                "content": {
                    "channels": {
                        "kol": {
                            "daily_budget": 1.0,
                            "cost_per_view": 1.0,
                            "audience": {"segments": {"genz": 2.0}},
                        }
                    }
                }
            }
        )
    assert "content.channels.kol.audience.segments.genz: no such segment" in str(exc.value)
    assert "gen_z" in str(exc.value)


def test_a_region_budget_may_only_name_the_scenarios_regions():
    with pytest.raises(ConfigError, match=r"kol\.region_budget\.region_3: no such region"):
        from_dict(
            {
                "stores": {"regions": 2},
                "content": {
                    "channels": {
                        "kol": {
                            "daily_budget": 1,
                            "cost_per_view": 1,
                            "region_budget": {"region_3": 1},
                        }
                    }
                },
            }
        )


def test_there_are_no_more_regions_than_stores():
    with pytest.raises(ConfigError, match="stores.regions: value 6: at most stores.count"):
        from_dict({"stores": {"count": 5, "regions": 6}})


def test_a_channel_response_naming_an_unknown_segment_is_refused():
    kol = {"daily_budget": 1.0, "cost_per_view": 1.0, "audience": {"response": {"parents": 1.2}}}
    with pytest.raises(ConfigError) as exc:
        from_dict({"content": {"channels": {"kol": kol}}})
    assert "content.channels.kol.audience.response.parents: no such segment" in str(exc.value)
