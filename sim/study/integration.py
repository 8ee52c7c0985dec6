"""Integration return: what the integration levers earn against what they cost.

The report asks whether omnichannel integration pays (leaders spend 5-8% of revenue on it;
the siloed retailer got less than 0.7 back per unit spent, 3.3.2). Here a scenario is run
twice on the same seeds: as it is, and with every integration lever switched off (stock kept
separate, no electronic shelf labels, membership per channel, no online-order area, no
buy-online-pick-up-in-store, no personalisation). Integration return = the incremental gross
profit over the integration spend of the levers that were on; 1 breaks even on gross profit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.config import ScenarioConfig, change_from_day_0
from sim.study.stats import paired_difference

#: The scenario keys that switch every integration lever off.
WITHOUT_INTEGRATION: dict[str, object] = {
    "inventory.mode": "separate",
    "consistency.price_consistent": False,
    "membership.unified": False,
    "stores.online_order_area": False,
    "stores.bopis": False,
    "content.personalization": False,
}


@dataclass(frozen=True)
class IntegrationReturn:
    """Per-seed and pooled integration return of one scenario (market money)."""

    scenario: str
    gross_profit_gain: np.ndarray  # per seed: with - without integration
    integration_spend: np.ndarray  # per seed: the spend of the levers in force
    ci_low: float
    ci_high: float

    @property
    def ratio(self) -> float:
        """Mean incremental gross profit over mean integration spend (NaN with no spend)."""
        spend = float(self.integration_spend.mean())
        return float(self.gross_profit_gain.mean()) / spend if spend > 0 else float("nan")


def integration_return(
    config: ScenarioConfig, seeds: list[int], *, confidence: float = 0.95
) -> IntegrationReturn:
    """Run ``config`` with and without its integration levers on ``seeds`` (paired).

    The interval is the paired t interval of the gain divided by the mean spend (the spend
    hardly varies between seeds: it is a price list times stores and days).
    """
    from sim.study.run import simulate

    without = change_from_day_0(config, WITHOUT_INTEGRATION)
    scale = config.population.market_size / config.population.size
    gain, spend, with_gp, without_gp = [], [], [], []
    for seed in seeds:
        a, b = simulate(config, seed).kpis, simulate(without, seed).kpis
        with_gp.append(a["gross_profit"] * scale)
        without_gp.append(b["gross_profit"] * scale)
        gain.append(with_gp[-1] - without_gp[-1])
        spend.append((a["integration_spend"] - b["integration_spend"]) * scale)
    spend_arr = np.array(spend)
    mean_spend = float(spend_arr.mean())
    d = paired_difference(np.array(with_gp), np.array(without_gp), confidence=confidence)
    low, high = (d.ci_low / mean_spend, d.ci_high / mean_spend) if mean_spend > 0 else (np.nan,) * 2
    return IntegrationReturn(config.name, np.array(gain), spend_arr, float(low), float(high))
