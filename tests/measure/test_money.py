"""The P&L reconciles: the log's money lines add up, and match the cost settings.

Recomputed independently of the engine's booking: cost of goods from the margin and the
log's net revenue, fulfilment from online purchases by the buyer's city tier, store costs
from the store count and visits, media from views x the price paid per view, and the integration
levers' setup (once) plus running cost per day, plus the online channel's share of its sales.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.measure.money import PNL_LINES, daily_pnl, pnl
from sim.scenario.config import load_scenario
from sim.study.run import simulate
from tests.conftest import ROOT

CASES = [(p, s) for p in ("baseline", "siloed_retailer", "integrated_grocer") for s in (1, 2)]


@pytest.fixture(scope="module", params=CASES, ids=[f"{p}-{s}" for p, s in CASES])
def run(request):
    preset, seed = request.param
    # No turnover or churn: fulfilment is recomputed from each buyer's city tier in the
    # consumers table, which holds the consumers in the market at the end.
    config = load_scenario(
        ROOT / "configs" / f"{preset}.yaml",
        {
            "population.size": 3000,
            "horizon_days": 40,
            "market.turnover_rate": 0.0,
            "market.churn_rate": 0.0,
        },
    )
    return simulate(config, seed=seed, keep_model=True)


def test_daily_lines_add_up_to_profit(run):
    d = daily_pnl(run.events.to_pandas(), run.config.horizon_days)
    costs = d.cost_of_goods + d.fulfilment_cost + d.store_variable_cost + d.marketing_cost
    costs += d.store_fixed_cost + d.integration_spend
    np.testing.assert_allclose(d.profit, d.revenue - d.coupon_discounts - costs, atol=1e-6)


def test_totals_are_the_sum_of_days_and_are_in_the_kpis(run):
    events = run.events.to_pandas()
    total, d = pnl(events, run.config.horizon_days), daily_pnl(events, run.config.horizon_days)
    for name, _ in PNL_LINES:
        assert total[name] == pytest.approx(d[name].sum())
    for name in ("net_revenue", "gross_profit", "contribution", "profit"):
        assert run.kpis[name] == pytest.approx(total[name])


def test_costs_match_a_recomputation_from_the_settings(run):
    cfg, events = run.config, run.events.to_pandas()
    costs, scale, days = cfg.costs, run.manifest["market_scale"], cfg.horizon_days
    stores = cfg.stores.count
    total = pnl(events, days)
    ev = events.assign(event=events.event.astype(str), channel=events.channel.astype(str))
    bought = ev[(ev.event == "purchase_attempt") & (events.outcome.astype(str) == "purchased")]
    redeemed = ev[ev.event == "coupon_redeem"].value.sum()
    net = bought.value.sum() - redeemed
    assert total["cost_of_goods"] == pytest.approx((1 - costs.gross_margin) * net)
    online = bought[bought.channel == "online"]
    tier = run.consumers.set_index("consumer").city_tier.astype(str)
    per_order = {"tier12": costs.online_fulfilment.tier12, "tier34": costs.online_fulfilment.tier34}
    expected = online.consumer.map(tier).map(per_order).sum()
    assert total["fulfilment_cost"] == pytest.approx(expected)
    assert total["store_fixed_cost"] == pytest.approx(
        stores * costs.store_fixed_per_day * days / scale
    )
    visits = (ev.event == "store_visit").sum()
    assert total["store_variable_cost"] == pytest.approx(visits * costs.store_cost_per_visit)
    views = ev[ev.event == "content_view"].channel.value_counts()
    price = run.model.policy.view_cost  # per channel: cost_per_view, raised by depth (test_content)
    media = sum(n * price[c] for c, n in views.items() if n)
    assert total["marketing_cost"] == pytest.approx(media * (1 + costs.content_production_share))


def test_integration_spend_is_setup_once_plus_running_every_day(run):
    from sim.engine.processes.costs import lever_intensity

    cfg, scale, days = run.config, run.manifest["market_scale"], run.config.horizon_days
    stores, expected = cfg.stores.count, 0.0
    for lever, level in lever_intensity(cfg).items():
        price = getattr(cfg.costs.levers, lever)
        # Levers in force on day 0 of a market with a past were paid for before day 0.
        installed = cfg.market.burn_in_days > 0
        setup = 0.0 if installed else (price.setup + price.setup_per_store * stores) * level
        running = (price.per_day + price.per_store_day * stores) * level * days
        expected += setup + running
    events = run.events.to_pandas()
    ev = events.assign(event=events.event.astype(str), channel=events.channel.astype(str))
    bought = (ev.event == "purchase_attempt") & (events.outcome.astype(str) == "purchased")
    online_revenue = ev[bought & (ev.channel == "online")].value.sum()
    sales_share = cfg.costs.online_sales_cost_share * online_revenue * cfg.online.enabled
    total = pnl(events, days)
    assert total["integration_spend"] == pytest.approx(expected / scale + sales_share)


def test_a_log_without_cost_rows_has_zero_costs():
    events = pd.DataFrame(
        {"day": [0], "consumer": [1], "event": ["purchase_attempt"], "value": [100.0],
         "outcome": ["purchased"], "channel": ["store"]}
    )  # fmt: skip
    total = pnl(events, 1)
    assert total["profit"] == total["gross_profit"] == 100.0
