"""The Run tab's charts: built once per run, each redraw updates them in place."""

from __future__ import annotations

import pandas as pd

from sim.present.dashboard.charts import DailyChart, FunnelChart, png


def _series(days: int, level: float) -> pd.DataFrame:
    day = range(days)
    return pd.DataFrame({"day": day, "customers": [level * d for d in day], "members": 0.0})


def test_a_redraw_updates_the_same_figure_to_the_longer_series():
    chart = DailyChart(horizon=60, currency="CNY")
    first = chart.update(_series(10, 1.0))
    customers = chart.axes[0, 0]
    assert customers.get_lines()[0].get_xdata().tolist() == list(range(10))
    again = chart.update(_series(40, 5.0))
    assert again is first  # nothing rebuilt
    assert len(customers.get_lines()[0].get_xdata()) == 40
    assert customers.get_ylim()[1] >= 5.0 * 39  # the value axis follows the data
    assert customers.get_xlim() == (0, 59)  # the day axis is the whole horizon throughout
    assert png(again).startswith(b"\x89PNG")


def test_the_funnel_bars_and_labels_follow_the_counts():
    chart = FunnelChart(["aware", "customers"], population=1000)
    chart.update({"aware": 500, "customers": 100})
    chart.update({"aware": 800, "customers": 200})
    widths = {
        t.get_text().strip(): b.get_width() for t, b in zip(chart.labels, chart.bars, strict=True)
    }
    assert widths == {"200 (20.0%)": 200, "800 (80.0%)": 800}
