"""On a one-channel scenario every attribution method gives that channel all the credit."""

from __future__ import annotations

import pytest

from sim.measure.attribution import METHODS, attribute
from sim.scenario.config import load_scenario, with_overrides
from sim.study.run import simulate


def test_methods_agree_when_one_channel_is_the_only_touchpoint():
    config = with_overrides(
        load_scenario("configs/baseline.yaml"),
        {
            "population.size": 1500,
            "horizon_days": 60,
            "behaviour.share_after_purchase": 0.0,  # no word of mouth
            "coupons.enabled": False,  # no coupon claims
            "content.channels.short_video.daily_budget": 0.0,
            "content.channels.livestream.daily_budget": 0.0,
            "content.channels.ugc.daily_budget": 0.0,
        },
    )
    result = simulate(config, 0)
    credit = attribute(result.events.to_pandas(), result.consumers, 1.0)
    total = credit[(credit.scope == "total") & (credit.revenue != 0)]
    kol = total[total.channel == "kol"].set_index("method").revenue
    assert set(total.channel) <= {"kol", "(none)"}
    assert set(kol.index) == set(METHODS)
    assert kol.min() > 0
    assert kol.to_numpy() == pytest.approx([kol.iloc[0]] * len(kol), rel=1e-9)
    for scope in ("segment", "tier"):
        cells = credit[(credit.scope == scope) & (credit.channel == "kol")]
        spread = cells.groupby("cell").revenue.agg(lambda r: r.max() - r.min())
        assert spread.max() <= 1e-6 * cells.revenue.abs().max()
