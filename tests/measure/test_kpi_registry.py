"""The KPI table is the one list of KPIs: compute_kpis produces exactly it, in its units."""

from __future__ import annotations

import math

from sim.measure.kpis import KPIS, LEVEL_KPIS


def test_compute_kpis_returns_exactly_the_registered_kpis(small_run):
    assert list(small_run.kpis) == [k.name for k in KPIS]


def test_kpi_names_are_unique():
    names = [k.name for k in KPIS]
    assert len(names) == len(set(names))


def test_shares_lie_between_zero_and_one(small_run):
    for k in KPIS:
        value = small_run.kpis[k.name]
        if k.unit == "share" and not math.isnan(value):
            assert 0.0 <= value <= 1.0, (k.name, value)


def test_the_report_group_is_the_eight_stylized_facts():
    assert len(LEVEL_KPIS) == 8
