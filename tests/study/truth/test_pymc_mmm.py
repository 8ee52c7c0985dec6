"""The PyMC-Marketing script: importable without the extra, and (with it) a fit scored."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.study.truth import mmm, pymc_mmm


def test_the_module_needs_the_extra_only_to_fit():
    assert callable(pymc_mmm.fit_pymc)  # imported above without pymc-marketing


def test_scores_take_each_channels_total_contribution():
    panel = pd.DataFrame({"spend_a": [10.0, 10.0], "spend_b": [5.0, 5.0]})
    truth = pd.DataFrame(
        {"channel": ["a", "b"], "true_revenue": [40.0, 10.0], "true_low": 0, "true_high": 0}
    )
    scores = mmm.score({"a": [20.0, 20.0], "b": 5.0}, panel, truth, ["a", "b"]).set_index("channel")
    assert scores.loc["a", "mmm_return"] == 2.0 and scores.loc["a", "ratio"] == 1.0
    assert scores.loc["b", "mmm_return"] == 0.5
    assert scores.loc["total", "true_return"] == pytest.approx(50 / 30)


@pytest.mark.slow
def test_pymc_marketing_fits_a_panel_in_its_layout():
    pytest.importorskip("pymc_marketing")
    rng = np.random.default_rng(0)
    weeks = 40
    frame = pd.DataFrame(
        {
            "date_week": pd.date_range("2025-01-06", periods=weeks, freq="W-MON"),
            "a": rng.uniform(50, 150, weeks),
            "b": rng.uniform(0, 80, weeks),
        }
    )
    frame["y"] = 1000 + 2.0 * frame.a + 1.0 * frame.b + rng.normal(0, 5, weeks)
    per_date, draws = pymc_mmm.fit_pymc(frame, ["a", "b"], l_max=2, draws=30, tune=30, chains=1)
    assert len(per_date) == weeks and {"a", "b"} <= set(per_date.columns)
    assert len(draws) == 30 and (draws[["a", "b"]] >= 0).all().all()


def test_a_geo_panel_goes_into_the_multi_dimensional_layout():
    panel = pd.DataFrame(
        {
            "geo": ["region_1", "region_2"],
            "week": [0, 0],
            "date": ["2025-01-06", "2025-01-06"],
            "spend_kol": [1.0, 2.0],
            "impressions_kol": [10.0, 20.0],
            "revenue": [5.0, 6.0],
            "population": [100.0, 200.0],
        }
    )
    frame = pymc_mmm.geo_layout(panel)
    assert list(frame.columns) == ["date_week", "geo", "kol", "y"]
    assert frame.y.tolist() == [5.0, 6.0]
