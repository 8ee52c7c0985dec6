"""The market sections on whole runs: rivals that do not change leave the brand's own rows as
they were; a festival moves shopping on its days and not before its window."""

from __future__ import annotations

import pandas as pd

from sim.scenario.config import with_overrides
from sim.study.run import simulate
from tests.conftest import make_config, make_launch_config

RIVALS = {
    "cheap": {"price": 0.8, "media_pressure": 2e5},
    "liked": {"appeal": 1.0, "price": 1.2},
}


def _events(config, seed=3) -> pd.DataFrame:
    events = simulate(config, seed=seed).events.to_pandas()
    events["event"] = events["event"].astype(str)
    return events


def test_rivals_unchanged_since_day_0_leave_the_brands_rows_identical():
    alone = make_config(size=3000, horizon=60)
    market = with_overrides(alone, {"competitors": RIVALS})
    brand_only = _events(alone)
    with_rivals = _events(market)
    rival_rows = with_rivals.event == "competitor_purchase"
    assert rival_rows.sum() > 0 and (with_rivals.competitor[rival_rows] >= 0).all()
    assert (with_rivals.competitor[~rival_rows] == -1).all()
    assert (with_rivals.channel[rival_rows].isna()).all()  # nothing stolen: nothing changed
    ours = with_rivals[~rival_rows].reset_index(drop=True)
    pd.testing.assert_frame_equal(ours, brand_only.reset_index(drop=True))


def test_a_rival_deal_steals_sales_only_while_it_runs():
    deal = [{"first_day": 20, "last_day": 39, "depth": 0.4}]
    base = with_overrides(make_config(size=3000, horizon=60), {"competitors": RIVALS})
    blitz = with_overrides(base, {"competitors.cheap.promotions": deal})
    events = _events(blitz)
    stolen = events[(events.event == "competitor_purchase") & events.channel.notna()]
    assert len(stolen) > 0 and stolen.day.between(20, 39).all()
    assert (stolen.competitor == 0).mean() > 0.5  # mostly the rival with the deal


def test_a_festival_lifts_app_sessions_in_its_window_only():
    flat = make_launch_config(size=3000, horizon=60)  # no history for the festival to touch
    peak = {"name": "fest", "date": "01-31", "days": 5, "lift": 2.0}  # days 30-34
    festive = with_overrides(flat, {"calendar": {"peaks": [peak]}})
    a, b = _events(flat), _events(festive)
    pd.testing.assert_frame_equal(
        b[b.day < 30].reset_index(drop=True), a[a.day < 30].reset_index(drop=True)
    )

    def sessions(df):
        return (df.event == "app_session")[df.day.between(30, 34)].sum()

    assert sessions(b) > 1.5 * sessions(a)
