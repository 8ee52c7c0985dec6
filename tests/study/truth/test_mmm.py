"""The light media-mix model recovers the returns of a panel made by its own equations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.study.truth import mmm


def _panel(weeks: int = 104, noise: float = 0.01, seed: int = 1):
    rng = np.random.default_rng(seed)
    spend = {"a": rng.uniform(50, 150, weeks), "b": rng.uniform(0, 80, weeks)}
    true = {
        "a": 400.0 * mmm.response(spend["a"], 0.5, 1.0),
        "b": 150.0 * mmm.response(spend["b"], 0.2, 2.0),
    }
    y = 1000.0 + true["a"] + true["b"]
    y = y * (1 + noise * rng.standard_normal(weeks))
    panel = pd.DataFrame({"week": np.arange(weeks), "revenue": y})
    for c in spend:
        panel[f"spend_{c}"] = spend[c]
    truth = pd.DataFrame(
        [{"channel": c, "true_revenue": true[c].sum(), "true_low": 0, "true_high": 0} for c in true]
    )
    return panel, truth


def test_adstock_carries_over_geometrically():
    np.testing.assert_allclose(mmm.adstock(np.array([1.0, 0, 0]), 0.5), [1, 0.5, 0.25])


def test_returns_are_recovered_on_a_panel_the_model_generated():
    panel, truth = _panel()
    fitted = mmm.fit(panel, ["a", "b"])
    rec = mmm.recovery(fitted, panel, truth, ["a", "b"]).set_index("channel")
    assert rec.loc["total", "ratio"] == pytest.approx(1.0, abs=0.1)
    assert rec.loc["a", "ratio"] == pytest.approx(1.0, abs=0.15)


def test_returns_are_recovered_on_a_daily_panel_the_model_generated():
    panel, truth = _panel(weeks=365, noise=0.01, seed=2)
    panel = panel.rename(columns={"week": "day"})
    fitted = mmm.fit(panel, ["a", "b"])
    assert "day" in fitted.contributions
    rec = mmm.recovery(fitted, panel, truth, ["a", "b"]).set_index("channel")
    assert rec.loc["total", "ratio"] == pytest.approx(1.0, abs=0.1)
