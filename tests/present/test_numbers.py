"""Numbers for people: no e-notation, no 15-digit floats, money with its currency."""

from __future__ import annotations

import pytest

from sim.present.numbers import money, number, p_value, percent


@pytest.mark.parametrize(
    ("x", "shown"),
    [(1234567.891, "1,230,000"), (0.0123456, "0.0123"), (12.3456, "12.3"), (0.5, "0.5"),
     (float("nan"), "n/a"), (None, "n/a")],
)  # fmt: skip
def test_number_keeps_three_significant_digits(x, shown):
    assert number(x) == shown


def test_money_names_the_currency_and_the_scale():
    assert money(1_234_567, "CNY") == "CNY 1.23 million"
    assert money(45_600.2, "CNY", signed=True) == "+CNY 45,600"
    assert money(-2.5e9, "EUR") == "−EUR 2.5 billion"


def test_p_values_have_no_e_notation():
    assert p_value(3.2e-7) == "< 0.001"
    assert p_value(0.0345) == "0.035"
    assert "e" not in p_value(0.00123)


def test_percent_is_signed():
    assert percent(0.1234) == "+12.3%" and percent(-0.05) == "−5.0%"


def test_plain_numbers_for_terminal_tables():
    from sim.present.numbers import plain

    assert plain(1234567.8) == "1,234,568"
    assert plain(0.012345) == "0.01235"
    assert plain(float("nan")) == "n/a" and plain(None) == "n/a"
