"""Seconds per dashboard redraw, the old way and the new, timed back to back on one run.

Usage: ``python docs/redraw_bench.py [population]`` (default 50,000; one year, a redraw
every 30 days, seed 1). Timing both ways at every redraw of the same run puts them under the
same machine load, which on a shared machine moves more than the difference does.

- old: the P&L read from the whole event log at every redraw (what ``LiveRun.series`` did)
  and both figures built anew (what the Run tab did);
- new: ``LiveRun.series`` (only the rows logged since the last redraw) and the Run tab's
  ``DailyChart``/``FunnelChart`` updated in place.

Both render PNG bytes, as the browser is sent them. Prints one line per redraw, the mean
and the last full slice.
"""

from __future__ import annotations

import sys
import time

import pandas as pd

from sim.measure.money import daily_pnl
from sim.present.dashboard import charts
from sim.scenario.config import load_scenario
from sim.study.live import FUNNEL, LiveRun

EVERY = 30


def main(size: int) -> pd.DataFrame:
    config = load_scenario("configs/baseline.yaml", {"population.size": size})
    live = LiveRun(config, 1)
    daily = charts.DailyChart(live.horizon, config.population.currency)
    funnel = charts.FunnelChart(list(FUNNEL), size)
    rows = []
    while not live.done:
        t = time.perf_counter()
        live.advance(EVERY)
        advance = time.perf_counter() - t
        t = time.perf_counter()
        live.model.daily_frame()
        whole = daily_pnl(live.model.events_table().to_pandas(), live.days_done)
        old_series = time.perf_counter() - t
        t = time.perf_counter()
        series = live.series()
        counts = live.funnel(series)
        new_series = time.perf_counter() - t
        assert (whole["profit"].to_numpy() == live.daily_pnl()["profit"].to_numpy()).all()
        t = time.perf_counter()
        charts.png(charts.daily_figure(series, live.horizon, "CNY"))
        charts.png(charts.funnel_figure(counts, size))
        old_draw = time.perf_counter() - t
        t = time.perf_counter()
        charts.png(daily.update(series))
        charts.png(funnel.update(counts))
        new_draw = time.perf_counter() - t
        rows.append(
            {
                "day": live.days_done,
                "advance": advance,
                "old_series": old_series,
                "new_series": new_series,
                "old_draw": old_draw,
                "new_draw": new_draw,
            }
        )
        print({k: round(v, 2) for k, v in rows[-1].items()}, flush=True)
    return pd.DataFrame(rows)


if __name__ == "__main__":
    frame = main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
    print("mean per redraw:", frame.drop(columns="day").mean().round(2).to_dict())
    print("last full slice:", frame.iloc[-2].round(2).to_dict())
