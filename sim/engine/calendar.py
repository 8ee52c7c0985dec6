"""The retail calendar: a run day's date and how much consumers feel like shopping on it.

A pure function of the scenario's ``calendar`` section, so a test can read the demand of any
date without a model, and the day's processes all see the same number (``ctx.today.demand``,
set once a day by :func:`sim.engine.processes.market.open_day`).
"""

from __future__ import annotations

import datetime as dt

from sim.scenario.market import Calendar, Peak, parse_date


def date_of(calendar: Calendar, day: int) -> dt.date:
    """The date of run day ``day`` (day 0 is ``calendar.start_date``)."""
    return dt.date.fromisoformat(calendar.start_date) + dt.timedelta(days=day)


def _starts(peak: Peak, when: dt.date) -> list[dt.date]:
    """The peak's first days in the years around ``when`` (one date for a dated peak)."""
    year, month, day = parse_date(peak.date)
    years = [year] if year is not None else [when.year - 1, when.year, when.year + 1]
    starts = []
    for y in years:
        try:
            starts.append(dt.date(y, month, day))
        except ValueError:  # 29 February in a year without one
            continue
    return starts


def peak_factor(peak: Peak, when: dt.date) -> float:
    """Demand on ``when`` relative to a day without this peak (1 outside its windows)."""
    factor = 1.0
    for start in _starts(peak, when):
        offset = (when - start).days
        if 0 <= offset < peak.days:
            factor *= 1.0 + peak.lift
        elif -peak.days_before <= offset < 0:
            factor *= 1.0 + peak.before
        elif peak.days <= offset < peak.days + peak.days_after:
            factor *= 1.0 + peak.after
    return factor


def demand(calendar: Calendar, day: int) -> float:
    """Propensity to shop on run day ``day``: weekday x month x every peak in force.

    Exactly 1.0 for the default (flat) calendar, so a scenario without a calendar runs
    byte for byte as before.
    """
    when = date_of(calendar, day)
    factor = calendar.weekday[when.weekday()] * calendar.month[when.month - 1]
    for peak in calendar.peaks:
        factor *= peak_factor(peak, when)
    return float(factor)
