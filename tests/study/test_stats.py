"""The stats layer: nominal error rates, Holm, pairing gain, replications needed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.study.stats import holm, paired_difference, replications_needed, summarize

N_EXPERIMENTS = 400


def _binomial_band(n: int, p: float = 0.05, z: float = 3.5) -> tuple[float, float]:
    """Rate band that a correct test stays inside except with probability ~5e-4."""
    sd = math.sqrt(p * (1 - p) / n)
    return p - z * sd, p + z * sd


def _runs(values: dict[str, np.ndarray], kpi: str = "k") -> pd.DataFrame:
    rows = []
    for arm, vals in values.items():
        for r, v in enumerate(vals):
            rows.append({"arm": arm, "replication": r, "seed": r, kpi: float(v)})
    return pd.DataFrame(rows)


def test_pure_noise_paired_t_false_positive_rate_is_nominal():
    """Two arms with the same distribution: 'significant' about 5% of the time, no more."""
    rng = np.random.default_rng(1)
    hits = 0
    for _ in range(N_EXPERIMENTS):
        common = rng.normal(100, 10, 12)  # what common random numbers share
        a = common + rng.normal(0, 1, 12)
        b = common + rng.normal(0, 1, 12)
        res = paired_difference(a, b)
        excludes_zero = res.ci_low > 0 or res.ci_high < 0
        assert excludes_zero == (res.p_value < 0.05)
        hits += excludes_zero
    low, high = _binomial_band(N_EXPERIMENTS)
    assert low <= hits / N_EXPERIMENTS <= high


def test_pure_noise_bootstrap_permutation_rate_is_nominal():
    """The bootstrap KPIs' p-value (sign-flip permutation) keeps its size on skewed data."""
    rng = np.random.default_rng(2)
    hits = 0
    for _ in range(N_EXPERIMENTS):
        common = rng.lognormal(0, 1, 10)
        a = common * rng.lognormal(0, 0.2, 10)
        b = common * rng.lognormal(0, 0.2, 10)
        # a and b are exchangeable, so a - b is symmetric about 0 under the null
        hits += paired_difference(a, b, method="bootstrap", n_resamples=1024).p_value < 0.05
    low, high = _binomial_band(N_EXPERIMENTS)
    assert low <= hits / N_EXPERIMENTS <= high


def test_pure_noise_holm_keeps_familywise_rate_across_arms():
    """Three noise arms vs one control: any significant flag at most ~5% of experiments."""
    rng = np.random.default_rng(3)
    any_hit = 0
    for _ in range(N_EXPERIMENTS):
        common = rng.normal(0, 5, 10)
        runs = _runs({arm: common + rng.normal(0, 1, 10) for arm in ("c", "a1", "a2", "a3")})
        summary = summarize(runs, ["k"], "c")
        any_hit += bool(summary["significant"].any())
    _, high = _binomial_band(N_EXPERIMENTS)
    assert any_hit / N_EXPERIMENTS <= high


def test_real_effect_is_detected():
    rng = np.random.default_rng(4)
    common = rng.normal(0, 5, 20)
    runs = _runs({"c": common + rng.normal(0, 1, 20), "t": common + 2 + rng.normal(0, 1, 20)})
    row = summarize(runs, ["k"], "c").set_index("arm").loc["t"]
    assert row["significant"] and row["ci_low"] < 2 < row["ci_high"]


def test_paired_interval_narrower_than_welch_on_correlated_data():
    rng = np.random.default_rng(5)
    common = rng.normal(50, 10, 30)
    a = common + 0.5 + rng.normal(0, 1, 30)
    b = common + rng.normal(0, 1, 30)
    res = paired_difference(a, b)
    paired = res.ci_high - res.ci_low
    welch = res.welch_high - res.welch_low
    assert paired < welch / 3
    expected = stats.ttest_ind(a, b, equal_var=False).confidence_interval()
    assert res.welch_low == pytest.approx(expected.low)


def test_identical_arms_give_exact_zero_and_p_one():
    x = np.array([1.0, 2.0, 5.0, 3.0])
    for method in ("t", "bootstrap"):
        res = paired_difference(x, x, method=method)
        assert (res.mean_diff, res.ci_low, res.ci_high, res.p_value) == (0.0, 0.0, 0.0, 1.0)


def test_nan_pairs_are_dropped_and_too_few_give_nan():
    res = paired_difference([1.0, np.nan, 3.0, 4.0], [0.0, 1.0, np.nan, 3.5])
    assert res.n == 2
    res = paired_difference([1.0, np.nan], [0.0, 1.0])
    assert res.n == 1 and math.isnan(res.ci_low) and math.isnan(res.p_value)


def test_holm_known_answer():
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> monotone 0.06
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(holm([0.5, np.nan, 0.01]), [0.5, np.nan, 0.02])
    assert holm([0.6, 0.9]).max() <= 1.0


def test_replications_needed_known_answer():
    # s = 1, h = 0.5: normal theory says ceil((1.96/0.5)^2) = 16; t with 17 df needs 18
    d = np.array([-1.0, 1.0] * 50)
    d = d / d.std(ddof=1)
    normal_n = math.ceil((stats.norm.ppf(0.975) * 1.0 / 0.5) ** 2)
    assert normal_n == 16
    n = replications_needed(d, 0.5)
    assert n == 18
    assert (
        stats.t.ppf(0.975, n - 1) / math.sqrt(n)
        <= 0.5
        < stats.t.ppf(0.975, n - 2) / math.sqrt(n - 1)
    )


def test_replications_needed_converges_to_normal_theory_for_small_half_widths():
    d = np.random.default_rng(6).normal(0, 3, 50)
    s = d.std(ddof=1)
    n = replications_needed(d, 0.05)
    normal_n = math.ceil((stats.norm.ppf(0.975) * s / 0.05) ** 2)
    assert normal_n <= n <= normal_n + 3


def test_replications_needed_rejects_bad_input():
    with pytest.raises(ValueError):
        replications_needed([1.0], 0.1)
    with pytest.raises(ValueError):
        replications_needed([1.0, 2.0], 0)
    assert replications_needed([1.0, 1.0, 1.0], 0.1) == 2


def test_summarize_relative_change_and_control_row():
    runs = _runs({"c": np.array([10.0, 20.0, 30.0]), "t": np.array([11.0, 22.0, 33.0])})
    summary = summarize(runs, ["k"], "c")
    control = summary[summary["is_control"]].iloc[0]
    assert math.isnan(control["diff"]) and control["mean"] == 20.0
    row = summary[~summary["is_control"]].iloc[0]
    assert row["diff"] == pytest.approx(2.0)
    assert row["rel_change"] == pytest.approx(0.1)
    assert row["rel_ci_low"] <= row["rel_change"] <= row["rel_ci_high"]


# --- measures derived from paired differences ---------------------------------------------


def test_ratio_of_differences_is_the_ratio_of_mean_paired_differences():
    from sim.study.stats import ratio_of_differences

    rng = np.random.default_rng(3)
    spend_c, customers_c = rng.normal(1000, 50, 20), rng.normal(200, 10, 20)
    spend_t = spend_c + rng.normal(300, 20, 20)
    customers_t = customers_c + rng.normal(30, 3, 20)
    e = ratio_of_differences(spend_t, spend_c, customers_t, customers_c)
    assert e.value == pytest.approx((spend_t - spend_c).mean() / (customers_t - customers_c).mean())
    assert e.ci_low < e.value < e.ci_high
    assert e.ci_low > 8 and e.ci_high < 12.5  # true ratio 10; spread from both differences


def test_ratio_of_differences_has_no_interval_when_the_denominator_may_be_zero():
    from sim.study.stats import ratio_of_differences

    rng = np.random.default_rng(4)
    extra = rng.normal(0.0, 5.0, 20)  # extra customers indistinguishable from none
    e = ratio_of_differences(np.full(20, 100.0), np.zeros(20), 50 + extra, np.full(20, 50.0))
    assert np.isnan(e.ci_low) and np.isnan(e.ci_high) and "unbounded" in e.method


def test_payback_day_is_the_first_day_from_which_the_total_stays_positive():
    from sim.study.stats import payback_day

    assert payback_day(np.array([-3.0, -1.0, 2.0, -0.5, 1.0, 2.0])) == 4
    assert payback_day(np.array([1.0, 2.0])) == 0
    assert payback_day(np.array([-1.0, 2.0, 0.0])) == np.inf
    np.testing.assert_array_equal(payback_day(np.array([[-1.0, 1.0], [1.0, -1.0]])), [1, np.inf])


def test_paired_payback_from_daily_profit_with_bootstrap_interval():
    """Arm pays 10 up front then earns 1 a day more than the control: cumulative extra profit
    -10 + (d) ... first positive on day 11. Noise across replications widens the interval."""
    from sim.study.stats import paired_payback

    days = 40
    extra = np.ones(days)
    extra[0] -= 11.0  # day 0: -10 net; day d: -10 + d; stays positive from day 11
    control = np.random.default_rng(5).normal(100, 5, (8, days))
    exact = paired_payback(control + extra, control)
    assert (exact.value, exact.ci_low, exact.ci_high) == (11, 11, 11)
    noise = np.random.default_rng(6).normal(0, 0.5, (8, days))
    noisy = paired_payback(control + extra + noise, control)
    assert noisy.ci_low <= noisy.value <= noisy.ci_high and noisy.ci_high > noisy.ci_low
