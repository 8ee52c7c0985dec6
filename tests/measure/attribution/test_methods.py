"""Attribution methods on hand-made journeys with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.measure.attribution import rules
from sim.measure.attribution.credit import credit
from sim.measure.attribution.journeys import Journey, journeys
from sim.measure.attribution.markov import removal_effects
from sim.measure.attribution.path_shapley import shapley_credit


def J(touches: str, days: tuple[int, ...] | None = None, value: float = 100.0, conv: bool = True):
    t = tuple(touches.split()) if touches else ()
    return Journey(1, t, days if days is not None else tuple(range(len(t)))[::-1], conv, value)


PATH = J("kol ugc short_video", (10, 3, 0))


def _credit(method: str, paths=(PATH,)) -> dict[str, float]:
    return {ch: rev for ch, (rev, _) in credit(list(paths), method).items() if rev}


def test_last_touch_credits_the_last_touchpoint():
    assert _credit("last_touch") == {"short_video": 100.0}


def test_first_touch_credits_the_first_touchpoint():
    assert _credit("first_touch") == {"kol": 100.0}


def test_linear_splits_equally_and_counts_repeats():
    got = _credit("linear", [J("kol kol ugc", value=90.0)])
    assert got == pytest.approx({"kol": 60.0, "ugc": 30.0})


def test_time_decay_halves_per_half_life():
    w = rules.time_decay((14, 7, 0), half_life=7.0)
    np.testing.assert_allclose(w, np.array([1, 2, 4]) / 7)


def test_position_based_gives_40_20_40():
    np.testing.assert_allclose(rules.position_based((3, 2, 1, 0)), [0.4, 0.1, 0.1, 0.4])
    np.testing.assert_allclose(rules.position_based((1, 0)), [0.5, 0.5])
    assert _credit("position_based") == pytest.approx({"kol": 40, "ugc": 20, "short_video": 40})


def test_path_shapley_splits_each_purchase_over_distinct_channels():
    got = shapley_credit([J("kol kol ugc", value=90.0), J("ugc", value=30.0)], ["kol", "ugc"])
    assert got["kol"][0] == pytest.approx(45.0)
    assert got["ugc"][0] == pytest.approx(75.0)


def test_markov_removal_effect_of_a_channel_on_every_converting_path_is_one():
    paths = [J("kol ugc"), J("ugc"), J("kol", conv=False)]
    effects = removal_effects(paths, ["kol", "ugc"])
    assert effects["ugc"] == pytest.approx(1.0)
    # start->kol 2/3, kol->ugc 1/2; P(conv) = 2/3*1/2 + 1/3 = 2/3; without kol: 1/3
    assert effects["kol"] == pytest.approx(0.5)


def test_markov_credit_adds_up_to_the_attributed_revenue():
    paths = [J("kol ugc"), J("ugc", value=50.0), J("kol", conv=False)]
    assert sum(_credit("markov", paths).values()) == pytest.approx(150.0)


def test_every_method_gives_a_one_channel_journey_all_the_credit():
    paths = [J("kol kol", value=70.0), J("kol", value=30.0), J("kol", conv=False)]
    for method in ("last_touch", "first_touch", "linear", "time_decay", "position_based",
                   "markov", "path_shapley"):  # fmt: skip
        assert _credit(method, paths) == pytest.approx({"kol": 100.0}), method


def _log(rows: list[tuple]) -> pd.DataFrame:
    cols = ["day", "consumer", "event", "channel", "outcome", "value"]
    return pd.DataFrame(rows, columns=cols)


def test_journeys_end_at_each_purchase_and_drop_touches_outside_the_lookback():
    log = _log(
        [
            (0, 1, "content_view", "kol", None, 0.0),  # 40 days before: outside 30
            (30, 1, "wom_received", None, None, 0.0),
            (40, 1, "content_view", "ugc", None, 0.0),
            (40, 1, "purchase_attempt", "store", "purchased", 80.0),
            (45, 1, "coupon_claim", "online", None, 20.0),
            (50, 1, "purchase_attempt", "online", "stockout", 0.0),
            (50, 2, "store_visit", None, None, 0.0),  # not a marketing touchpoint
            (50, 2, "purchase_attempt", "store", "purchased", 60.0),
        ]
    )
    got = sorted(journeys(log, lookback_days=30), key=lambda j: (j.consumer, not j.converted))
    assert got[0] == Journey(1, ("word_of_mouth", "ugc"), (10, 0), True, 80.0)
    assert got[1] == Journey(1, ("coupon",), (0,), False, 0.0)
    assert got[2] == Journey(2, (), (), True, 60.0)
