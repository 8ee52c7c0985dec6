"""Paired comparisons of arms against a control, and how many replications are enough.

Replication ``r`` of every arm shares its seed with replication ``r`` of the control, so
the unit of analysis is the per-replication difference ``d_r = arm_r - control_r``. The
interval for the mean difference is a paired t interval by default, or a BCa bootstrap
interval for skewed KPIs (with a sign-flip permutation p-value, which is exact under a
symmetric null). The unpaired Welch interval is computed too, only to show how much the
common random numbers narrow the interval.

Significance uses Holm's step-down correction across the arms compared for one KPI, so the
chance of any false "significant" flag for that KPI stays at most ``alpha``. Intervals are
the plain (uncorrected) 95% ones: an interval may just exclude zero while the corrected
flag says "not significant".
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

BOOTSTRAP_RESAMPLES = 9_999
_RNG_SEED = 20250101  # bootstrap/permutation resampling is seeded: reports are reproducible


@dataclass(frozen=True)
class PairedDiff:
    """The paired comparison of one arm with the control on one KPI."""

    n: int
    mean_diff: float
    ci_low: float
    ci_high: float
    p_value: float
    method: str
    welch_low: float
    welch_high: float


_NAN = float("nan")


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence scipy's precision-loss warning for near-constant KPIs (e.g. a share of 1.0).

    The result is still right to the precision shown; the warning would only alarm users.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        yield


def paired_difference(
    treatment: Sequence[float] | np.ndarray,
    control: Sequence[float] | np.ndarray,
    *,
    confidence: float = 0.95,
    method: str = "t",
    n_resamples: int = BOOTSTRAP_RESAMPLES,
) -> PairedDiff:
    """Mean of ``treatment - control`` over replications, with an interval and p-value.

    Pairs where either value is NaN (a KPI undefined in that run) are dropped.

    Args:
        treatment: the arm's KPI per replication.
        control: the control's KPI per replication, in the same replication order.
        confidence: interval coverage.
        method: "t" (paired t) or "bootstrap" (BCa interval, sign-flip permutation p-value).
        n_resamples: resamples for the bootstrap and the permutation test.
    """
    if method not in ("t", "bootstrap"):
        raise ValueError(f"method {method!r}: allowed: t, bootstrap")
    a = np.asarray(treatment, float)
    b = np.asarray(control, float)
    if a.shape != b.shape:
        raise ValueError(f"treatment and control differ in length ({a.size} vs {b.size})")
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    d = a - b
    n = int(d.size)
    if n < 2:
        return PairedDiff(n, float(d.mean()) if n else _NAN, _NAN, _NAN, _NAN, method, _NAN, _NAN)
    welch = _welch(a, b, confidence)
    mean = float(d.mean())
    if np.ptp(d) == 0.0:  # no spread: the difference is known exactly (e.g. identical arms)
        return PairedDiff(n, mean, mean, mean, 1.0 if mean == 0 else 0.0, method, *welch)
    if method == "t":
        with _quiet():
            res = stats.ttest_1samp(d, 0.0)
        ci = res.confidence_interval(confidence)
        return PairedDiff(n, mean, float(ci.low), float(ci.high), float(res.pvalue), "t", *welch)
    rng = np.random.default_rng(_RNG_SEED)
    boot = stats.bootstrap(
        (d,), np.mean, confidence_level=confidence, n_resamples=n_resamples, method="BCa", rng=rng
    )
    low, high = float(boot.confidence_interval.low), float(boot.confidence_interval.high)
    if not (np.isfinite(low) and np.isfinite(high)):  # BCa degenerates on tiny, odd samples
        boot = stats.bootstrap(
            (d,), np.mean, confidence_level=confidence, n_resamples=n_resamples,
            method="percentile", rng=rng,
        )  # fmt: skip
        low, high = float(boot.confidence_interval.low), float(boot.confidence_interval.high)
    perm = stats.permutation_test(
        (d,),
        lambda x, axis: np.mean(x, axis=axis),
        permutation_type="samples",
        vectorized=True,
        n_resamples=n_resamples,
        rng=rng,
    )
    return PairedDiff(n, mean, low, high, float(perm.pvalue), "bootstrap", *welch)


def _welch(a: np.ndarray, b: np.ndarray, confidence: float) -> tuple[float, float]:
    """The unpaired (Welch) interval for the same difference, ignoring the pairing."""
    if np.ptp(a) == 0.0 and np.ptp(b) == 0.0:
        diff = float(a.mean() - b.mean())
        return diff, diff
    with _quiet():
        ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(confidence)
    return float(ci.low), float(ci.high)


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values; NaN entries stay NaN and are not counted.

    Reject ``H_i`` at level alpha when its adjusted p-value is <= alpha; the family-wise
    error rate is then at most alpha whatever the dependence between the tests.
    """
    p = np.asarray(p_values, float)
    out = np.full(p.shape, np.nan)
    idx = np.flatnonzero(~np.isnan(p))
    m = idx.size
    if m == 0:
        return out
    order = idx[np.argsort(p[idx], kind="stable")]
    scaled = p[order] * (m - np.arange(m))
    out[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return out


def summarize(
    runs: pd.DataFrame,
    kpis: Sequence[str],
    control: str,
    *,
    arms: Sequence[str] | None = None,
    bootstrap_kpis: Sequence[str] = (),
    confidence: float = 0.95,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """One row per (KPI, arm): arm mean, paired difference vs control, interval, flags.

    Args:
        runs: tidy runs, one row per (arm, replication) with KPI columns.
        kpis: KPIs to summarise, in display order.
        control: the control arm's name.
        arms: arm order (default: order of first appearance in ``runs``).
        bootstrap_kpis: KPIs to interval by bootstrap instead of paired t.
        confidence: interval coverage.
        alpha: family-wise error rate per KPI for the ``significant`` flag (Holm).

    Returns:
        Columns: kpi, arm, is_control, n, mean, control_mean, diff, ci_low, ci_high,
        rel_change, rel_ci_low, rel_ci_high, p_value, p_holm, significant, method,
        welch_ci_low, welch_ci_high, half_width, welch_half_width, width_ratio.
        Relative figures divide by the control mean (its own noise is ignored).
    """
    arms = list(arms) if arms is not None else list(dict.fromkeys(runs["arm"]))
    if control not in arms:
        raise ValueError(f"control {control!r} is not among the arms {arms}")
    wide = {arm: runs[runs["arm"] == arm].set_index("replication").sort_index() for arm in arms}
    rows = []
    for kpi in kpis:
        base = wide[control].get(kpi)
        block = []
        for arm in arms:
            values = wide[arm].get(kpi, pd.Series(dtype=float))
            mean = float(np.nanmean(values)) if values.notna().any() else _NAN
            row = {"kpi": kpi, "arm": arm, "is_control": arm == control, "mean": mean}
            if arm == control or base is None:
                row["n"] = int(values.notna().sum())
                block.append(row)
                continue
            joined = pd.concat([values.rename("a"), base.rename("b")], axis=1, join="inner")
            method = "bootstrap" if kpi in bootstrap_kpis else "t"
            res = paired_difference(joined["a"], joined["b"], confidence=confidence, method=method)
            row.update(
                n=res.n,
                diff=res.mean_diff,
                ci_low=res.ci_low,
                ci_high=res.ci_high,
                p_value=res.p_value,
                method=res.method,
                welch_ci_low=res.welch_low,
                welch_ci_high=res.welch_high,
            )
            block.append(row)
        control_mean = next(r["mean"] for r in block if r["is_control"])
        treated = [r for r in block if not r["is_control"]]
        for r, adj in zip(treated, holm([r.get("p_value", _NAN) for r in treated]), strict=True):
            r["p_holm"] = float(adj)
            r["significant"] = bool(adj <= alpha) if np.isfinite(adj) else False
        for r in block:
            r["control_mean"] = control_mean
        rows.extend(block)
    out = pd.DataFrame(rows)
    for col in ("diff", "ci_low", "ci_high", "p_value", "p_holm", "welch_ci_low", "welch_ci_high"):
        if col not in out:
            out[col] = _NAN
    out["significant"] = out.get("significant", pd.Series(False, index=out.index))
    out["significant"] = out["significant"].fillna(False).astype(bool)
    out["method"] = out.get("method", pd.Series("", index=out.index)).fillna("")
    denom = out["control_mean"].where(out["control_mean"] != 0)
    out["rel_change"] = out["diff"] / denom
    low, high = out["ci_low"] / denom, out["ci_high"] / denom
    out["rel_ci_low"], out["rel_ci_high"] = np.fmin(low, high), np.fmax(low, high)
    out["half_width"] = (out["ci_high"] - out["ci_low"]) / 2
    out["welch_half_width"] = (out["welch_ci_high"] - out["welch_ci_low"]) / 2
    out["width_ratio"] = out["half_width"] / out["welch_half_width"].where(
        out["welch_half_width"] > 0
    )
    columns = [
        "kpi", "arm", "is_control", "n", "mean", "control_mean", "diff", "ci_low", "ci_high",
        "rel_change", "rel_ci_low", "rel_ci_high", "p_value", "p_holm", "significant", "method",
        "welch_ci_low", "welch_ci_high", "half_width", "welch_half_width", "width_ratio",
    ]  # fmt: skip
    return out[columns]


def replications_needed(
    pilot_paired_diffs: Sequence[float] | np.ndarray,
    half_width: float,
    confidence: float = 0.95,
    max_n: int = 1_000_000,
) -> int:
    """Smallest n whose paired t interval has half-width <= ``half_width``, at the pilot's SD.

    Solves ``t_{1-a/2, n-1} * s / sqrt(n) <= h``. The normal-theory answer
    ``ceil((z s / h)^2)`` is a lower bound (t > z), so the search starts there and steps up
    until the t quantile, which shrinks with n, is small enough.

    Args:
        pilot_paired_diffs: per-replication differences from a pilot (NaN dropped; >= 2).
        half_width: wanted half-width of the interval, in the KPI's units (> 0).
        confidence: interval coverage.
        max_n: give up above this (returns ``max_n``).
    """
    d = np.asarray(pilot_paired_diffs, float)
    d = d[~np.isnan(d)]
    if d.size < 2:
        raise ValueError("need at least two pilot differences to estimate their spread")
    if not half_width > 0:
        raise ValueError(f"half_width {half_width!r}: must be > 0")
    s = float(d.std(ddof=1))
    if s == 0.0:
        return 2
    q = 1 - (1 - confidence) / 2
    n = max(2, math.ceil((stats.norm.ppf(q) * s / half_width) ** 2))
    while n < max_n and stats.t.ppf(q, n - 1) * s / math.sqrt(n) > half_width:
        n += 1
    return n


def suggest_replications(
    runs: pd.DataFrame,
    kpi: str,
    half_width: float,
    control: str,
    confidence: float = 0.95,
) -> dict[str, int]:
    """Replications each non-control arm needs for ``kpi``'s paired half-width target."""
    base = runs[runs["arm"] == control].set_index("replication")[kpi]
    out = {}
    for arm in dict.fromkeys(runs["arm"]):
        if arm == control:
            continue
        values = runs[runs["arm"] == arm].set_index("replication")[kpi]
        diffs = (values - base).dropna()
        if diffs.size >= 2:
            out[arm] = replications_needed(diffs, half_width, confidence)
    return out


@dataclass(frozen=True)
class Estimate:
    """A measure derived from paired replications, with its interval and how it was got."""

    value: float
    ci_low: float
    ci_high: float
    n: int
    method: str


def ratio_of_differences(
    numerator_treatment: Sequence[float] | np.ndarray,
    numerator_control: Sequence[float] | np.ndarray,
    denominator_treatment: Sequence[float] | np.ndarray,
    denominator_control: Sequence[float] | np.ndarray,
    *,
    confidence: float = 0.95,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
) -> Estimate:
    """``mean(num_t - num_c) / mean(den_t - den_c)`` with a paired bootstrap interval.

    A ratio of two paired mean differences (incremental acquisition cost: extra spend over
    extra new customers) has no t interval; resampling replications whole (each keeps its
    numerator and denominator difference together) gives a percentile interval. When the
    denominator's own interval includes zero the ratio is unbounded (the arm may win no
    extra customers at all) and the interval is NaN, said so in ``method``.
    """
    dn = np.asarray(numerator_treatment, float) - np.asarray(numerator_control, float)
    dd = np.asarray(denominator_treatment, float) - np.asarray(denominator_control, float)
    keep = ~(np.isnan(dn) | np.isnan(dd))
    dn, dd = dn[keep], dd[keep]
    n = int(dn.size)
    value = float(dn.mean() / dd.mean()) if n and dd.mean() != 0 else _NAN
    if n < 2 or not np.isfinite(value):
        return Estimate(value, _NAN, _NAN, n, "paired bootstrap")
    rng = np.random.default_rng(_RNG_SEED)
    options = dict(confidence_level=confidence, n_resamples=n_resamples, method="percentile")
    if np.ptp(dd) > 0:
        denominator = stats.bootstrap((dd,), np.mean, rng=rng, **options).confidence_interval
        if denominator.low <= 0 <= denominator.high:
            return Estimate(value, _NAN, _NAN, n, "paired bootstrap: unbounded (denominator ~ 0)")
    if np.ptp(dn) == 0 and np.ptp(dd) == 0:
        return Estimate(value, value, value, n, "paired bootstrap")
    with _quiet():
        res = stats.bootstrap(
            (dn, dd),
            lambda a, b, axis: np.mean(a, axis=axis) / np.mean(b, axis=axis),
            paired=True,
            vectorized=True,
            rng=rng,
            **options,
        )
    ci = res.confidence_interval
    return Estimate(value, float(ci.low), float(ci.high), n, "paired bootstrap")


def payback_day(running_difference: np.ndarray) -> float:
    """First day from which a running total stays above zero (0 if it always is; inf if it
    ends at or below zero). Works on one curve or a stack of curves (one answer each)."""
    curves = np.atleast_2d(np.asarray(running_difference, float))
    days = curves.shape[1]
    below = curves <= 0
    last_below = days - 1 - np.argmax(below[:, ::-1], axis=1)
    out = np.where(below.any(axis=1), last_below + 1, 0).astype(float)
    out[out >= days] = np.inf
    return out if np.ndim(running_difference) > 1 else float(out[0])


def paired_payback(
    treatment_daily: np.ndarray,
    control_daily: np.ndarray,
    *,
    confidence: float = 0.95,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
) -> Estimate:
    """Payback day of an arm: the first day from which its cumulative extra profit over the
    control (mean of the paired replications) turns and stays positive.

    Args:
        treatment_daily: daily profit, one row per replication.
        control_daily: the control's, same replications in the same order.

    The interval resamples replications whole (paired bootstrap, percentile); a payback
    that does not come within the horizon is ``inf`` (so is an interval end).
    """
    diff = np.cumsum(np.asarray(treatment_daily, float) - np.asarray(control_daily, float), axis=1)
    n = diff.shape[0]
    value = payback_day(diff.mean(axis=0))
    if n < 2:
        return Estimate(value, _NAN, _NAN, n, "paired bootstrap")
    rng = np.random.default_rng(_RNG_SEED)
    picks = rng.integers(0, n, size=(n_resamples, n))
    weights = np.zeros((n_resamples, n))
    np.add.at(weights, (np.arange(n_resamples)[:, None], picks), 1.0 / n)
    days = payback_day(weights @ diff)
    tail = (1.0 - confidence) / 2.0
    low = float(np.quantile(days, tail, method="inverted_cdf"))
    high = float(np.quantile(days, 1.0 - tail, method="inverted_cdf"))
    return Estimate(value, low, high, n, "paired bootstrap")
