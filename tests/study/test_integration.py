"""Integration return: paired runs with and without the integration levers."""

from __future__ import annotations

import math

from sim.scenario.config import load_scenario
from sim.study.integration import WITHOUT_INTEGRATION, integration_return
from tests.conftest import ROOT


def _preset(name: str):
    return load_scenario(
        ROOT / "configs" / f"{name}.yaml", {"population.size": 2000, "horizon_days": 60}
    )


def test_a_scenario_with_no_integration_lever_has_no_spend_and_no_return():
    config = _preset("siloed_retailer")
    for path, value in WITHOUT_INTEGRATION.items():
        section, key = path.split(".")
        assert getattr(getattr(config, section), key) == value, path
    result = integration_return(config, [1])
    assert result.integration_spend.tolist() == [0.0] and math.isnan(result.ratio)


def test_an_integrated_scenarios_return_is_gain_over_spend_inside_its_interval():
    result = integration_return(_preset("integrated_grocer"), [1, 2, 3])
    assert (result.integration_spend > 0).all()
    assert result.ratio == result.gross_profit_gain.mean() / result.integration_spend.mean()
    assert result.ci_low <= result.ratio <= result.ci_high
