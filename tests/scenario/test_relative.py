"""Relative values ({times: k}, {plus: d}) resolve against the base, or are refused by name."""

from __future__ import annotations

import pytest

from sim.scenario.relative import is_relative, resolve, resolve_all

BASE = {"content": {"channels": {"kol": {"daily_budget": 500.0}}}, "stores": {"count": 200}}
KOL = "content.channels.kol.daily_budget"


def test_times_multiplies_the_base_value():
    assert resolve(BASE, KOL, {"times": 1.5}) == 750.0


def test_plus_adds_to_the_base_value_and_keeps_whole_numbers_whole():
    assert resolve(BASE, "stores.count", {"plus": -50}) == 150
    assert isinstance(resolve(BASE, "stores.count", {"plus": -50}), int)


def test_plain_values_pass_through():
    assert resolve(BASE, KOL, 42) == 42
    assert not is_relative({"tier12": 0.5})


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ({"times": 1.5, "plus": 1}, "exactly one of times/plus"),
        ({"times": -1}, "times needs a finite number"),
        ({"times": "lots"}, "times needs a finite number"),
        ({"plus": True}, "plus needs a finite number"),
    ],
)
def test_malformed_relative_values_are_refused(value, why):
    with pytest.raises(ValueError, match=why):
        resolve(BASE, KOL, value)


def test_a_path_without_a_number_in_the_base_is_refused():
    with pytest.raises(ValueError, match="need a number in the base"):
        resolve(BASE, "content.channels.kol", {"times": 2})
    with pytest.raises(ValueError, match="no value here"):
        resolve(BASE, "content.channels.tv.daily_budget", {"times": 2})


def test_resolve_all_names_every_bad_path():
    out, problems = resolve_all(BASE, {KOL: {"times": 2}, "stores.count": {"times": -2}})
    assert out == {KOL: 1000.0}
    assert len(problems) == 1 and problems[0].startswith("stores.count: value")
