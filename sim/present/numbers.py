"""Numbers for people: money in market units with its currency, percentages, p-values.

A strategist reads "CNY 1.2 million" and "p < 0.001", not ``1234567.891234`` or ``3.2e-07``.
Every figure the report shows goes through one of these, so the whole page speaks alike.
"""

from __future__ import annotations

import math
from typing import Any

_SCALES = ((1e9, "billion"), (1e6, "million"), (1e3, "thousand"))


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def number(x: Any, digits: int = 3) -> str:
    """Three significant digits with separators: 1234567 -> "1,230,000", 0.01234 -> "0.0123"."""
    if _missing(x):
        return "n/a"
    x = float(x)
    if x == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    decimals = max(0, digits - 1 - magnitude)
    text = f"{round(x, digits - 1 - magnitude):,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def plain(x: Any) -> str:
    """For terminal tables: whole units with separators from 1,000 up, else four significant
    digits: 1234567.8 -> "1,234,568", 0.012345 -> "0.01235"."""
    if _missing(x):
        return "n/a"
    x = float(x)
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def money(x: Any, currency: str, *, signed: bool = False) -> str:
    """ "CNY 1.23 million", "CNY 45,600"; ``signed`` adds "+" to gains."""
    if _missing(x):
        return "n/a"
    x = float(x)
    sign = "+" if signed and x > 0 else ("−" if x < 0 else "")
    size = abs(x)
    for scale, word in _SCALES[:2]:
        if size >= scale:
            return f"{sign}{currency} {number(size / scale)} {word}"
    return f"{sign}{currency} {number(size)}"


def percent(x: Any, *, signed: bool = True) -> str:
    """A fraction as a percentage: 0.1234 -> "+12.3%"."""
    if _missing(x):
        return "n/a"
    text = f"{float(x) * 100:+.1f}%" if signed else f"{float(x) * 100:.1f}%"
    return text.replace("-", "−")


def p_value(p: Any) -> str:
    """ "p < 0.001" style: no e-notation, two significant digits above that."""
    if _missing(p):
        return "n/a"
    p = float(p)
    if p < 0.001:
        return "< 0.001"
    return f"{p:.2g}" if p < 0.1 else f"{p:.2f}"


__all__ = ["money", "number", "p_value", "percent"]
