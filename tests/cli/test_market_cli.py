"""Bad market input (calendar, prices, promotions, competitors) exits 2 naming the field."""

from __future__ import annotations

import pytest

from sim.cli.main import main
from tests.cli.test_cli import error_lines

BASE = "base: {baseline}\n"

#: (id, scenario YAML after the base line, fragments the one error line must hold)
BAD_MARKET = [
    ("peak_date", "calendar: {peaks: [{date: 13-45}]}\n", ["calendar.peaks.0.date", "13-45"]),
    ("start_date", "calendar: {start_date: 11-11}\n", ["calendar.start_date", "YYYY-MM-DD"]),
    ("weekday_length", "calendar: {weekday: [1, 1]}\n", ["calendar.weekday", "7"]),
    ("calendar_file", "calendar: nowhere.yaml\n", ["calendar", "nowhere.yaml", "no such"]),
    (
        "promotion_depth",
        "promotions: [{first_day: 3, last_day: 4, depth: 1.2}]\n",
        ["promotions.0.depth", "1.2", "less than 1"],
    ),
    (
        "promotion_order",
        "promotions: [{first_day: 9, last_day: 4, depth: 0.2}]\n",
        ["promotions.0", "last_day 4", "first_day 9"],
    ),
    (
        "promotion_channel",
        "promotions: [{first_day: 3, last_day: 4, depth: 0.2, channel: tv}]\n",
        ["promotions.0.channel", "'tv'"],
    ),
    ("rival_price", "competitors: {rival: {price: -1}}\n", ["competitors.rival.price", "-1"]),
    (
        "occasion_segment",
        "competition: {by_segment: {nobody: 1.0}}\n",
        ["competition.by_segment", "nobody", "no such segment"],
    ),
    ("elasticity", "prices: {elasticity: -2}\n", ["prices.elasticity", "-2"]),
    ("gap_distrust", "prices: {gap_distrust: -0.5}\n", ["prices.gap_distrust", "-0.5"]),
    (
        "response_value",
        "content: {channels: {livestream: {daily_budget: 1, cost_per_view: 1, "
        "audience: {response: {gen_z: -1.4}}}}}\n",
        ["content.channels.livestream.audience.response.gen_z", "-1.4"],
    ),
    (
        "response_segment",
        "content: {channels: {ugc: {daily_budget: 1, cost_per_view: 1, "
        "audience: {response: {parents: 1.3}}}}}\n",
        ["content.channels.ugc.audience.response.parents", "no such segment"],
    ),
]


@pytest.mark.parametrize(("text", "fragments"), [c[1:] for c in BAD_MARKET],
                         ids=[c[0] for c in BAD_MARKET])  # fmt: skip
def test_bad_market_input_exits_2_naming_the_field(tmp_path, capsys, text, fragments):
    from tests.conftest import BASELINE

    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(BASE.format(baseline=BASELINE) + text)
    out = tmp_path / "runs" / "out"
    code = main(["run", str(scenario), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    lines = error_lines(err)
    assert len(lines) == 1, err
    assert all(f in lines[0] for f in fragments), (fragments, err)
    assert "Traceback" not in err and not out.exists()
