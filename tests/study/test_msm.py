"""The method-of-simulated-moments loss: scaled by tolerance and the moments' seed noise."""

from __future__ import annotations

import math

import pytest

from sim.measure.targets import TargetResult
from sim.study.msm import acceptance_threshold, msm_loss, msm_terms, noise_sd


def result(name: str, mean: float, target: float = 0.0, allowed: float = 0.1) -> TargetResult:
    nan = math.nan
    return TargetResult(name, target, allowed, -allowed, allowed, 2, mean, nan, nan, False)


def test_a_mean_on_the_band_edge_costs_four_when_the_simulation_is_quiet():
    assert msm_loss([result("a", 0.1)], {"a": 0.0}, seeds=2) == pytest.approx(4.0)


def test_a_noisy_moment_weighs_less_than_a_quiet_one_with_the_same_miss():
    terms = msm_terms([result("quiet", 0.1), result("noisy", 0.1)], {"quiet": 0.0, "noisy": 0.2}, 2)
    assert terms["noisy"] < terms["quiet"]
    # more seeds shrink the standard error, so the same noise weighs less
    assert msm_terms([result("noisy", 0.1)], {"noisy": 0.2}, 8)["noisy"] > terms["noisy"]


def test_undefined_means_cost_a_penalty_and_weight_zero_ignores_a_target():
    assert msm_loss([result("a", math.nan)], {}, 2) >= 1e4
    assert msm_loss([result("a", 5.0)], {}, 2, weights={"a": 0}) == 0.0


def test_noise_is_the_seed_to_seed_sd_ignoring_undefined_seeds():
    sd = noise_sd({"a": [1.0, 3.0, math.nan], "b": [1.0]})
    assert sd["a"] == pytest.approx(math.sqrt(2.0)) and math.isnan(sd["b"])


def test_the_acceptance_threshold_is_the_chi_square_quantile():
    assert acceptance_threshold(1) == pytest.approx(3.841, abs=1e-3)
    assert acceptance_threshold(12) > acceptance_threshold(1)
