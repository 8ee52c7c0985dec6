"""Rates do not depend on how many consumers are simulated (issue #11, "Must show").

The baseline is run at 10,000, 50,000 and 500,000 consumers (same market) over 180 days
on independent seeds, after a 60-day past (``market.burn_in_days``: the baseline's own year
of history would triple the cost, and every mechanism of a past, win-back and turnover
included, already acts within 60 days). Every rate KPI (shares, ratios, days, touchpoints:
stockout rates by channel, the omnichannel share, conversion, ...) must have the same mean at
every size, within noise: a z-test of each smaller size's replicated mean against the
500,000 arm's. The four lever effects (pooled stock, coupons valid everywhere,
share-to-get, consistency) are paired comparisons, too costly at 500,000; they are
tested at 10,000 against 50,000 the same way.

Noise. Replicates at one size give a mean and its spread; two replicates at 500,000 say
little about their own spread, so the spread is pooled over sizes under the sampling
law a rate obeys, variance proportional to 1 / consumers: the per-consumer variance
``sum((n_a - 1) s_a^2 size_a) / sum(n_a - 1)`` gives each arm's standard error
``sqrt(v / (size_a n_a))`` with 15 degrees of freedom. The threshold is two-sided with a
Bonferroni correction for the number of comparisons at a family-wise 1% (|z| about 3.5
for ~50 comparisons), never widened to pass.

Power (measured on the baseline): the store stockout rate's difference 10k - 500k has a
standard error of about 0.25 points, so a difference of about 0.9 points (of 8%) fails;
the stock counted per simulated shopper gave 2.1% against 9.5%. The omnichannel share's
standard error is about 0.3 points (of 68%).

Cost: 82 runs (60 at 10,000, 20 at 50,000, 2 at 500,000) of 240 days each, on two worker
processes. Measured: 4 minutes at a load of about 4 (with the baseline's full year of past,
9.5 minutes at the same load).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pytest
from scipy import stats

from sim.measure.kpis import KPIS
from sim.measure.targets import EFFECTS, Effect, effect_value
from sim.study.run import run_kpis
from tests.conftest import make_config

HORIZON = 180
#: A short past: the market's history mechanisms run, at a third of the baseline year's cost.
BURN_IN = 60
SEEDS = {10_000: 12, 50_000: 4, 500_000: 2}
EFFECT_SIZES = (10_000, 50_000)
FAMILY_ALPHA = 0.01

RATE_KPIS = tuple(
    k.name
    for k in KPIS
    if k.unit in ("share", "ratio", "days", "touchpoints") and k.group != "money"
)

_SHARE_TO_GET = Effect(
    "share_to_get_referral_effect",
    "referred_share_of_new_customers",
    {"coupons.share_to_get": False},
    {"coupons.share_to_get": True},
    "relative_change",
    "Share-to-get on versus off: change in the share of new customers a friend brought.",
)
LEVER_EFFECTS = (
    EFFECTS["shared_inventory_stockout_effect"],
    EFFECTS["cross_channel_coupon_redemption_effect"],
    EFFECTS["consistency_repurchase_effect"],
    _SHARE_TO_GET,
)


def _arms(effect: Effect) -> list[dict[str, Any]]:
    return [dict(effect.control), dict(effect.treatment)]


def _key(overrides: dict[str, Any]) -> tuple:
    """The arm as sorted overrides, leaving out those the baseline already has."""
    base = make_config(size=10_000, horizon=HORIZON, market__burn_in_days=BURN_IN).model_dump()

    def at(path: str) -> Any:
        value: Any = base
        for part in path.split("."):
            value = value[part]
        return value

    return tuple(sorted((k, v) for k, v in overrides.items() if at(k) != v))


def _one(job: tuple[int, int, tuple]) -> tuple[int, int, tuple, dict[str, float]]:
    size, seed, arm = job
    sets = {k.replace(".", "__"): v for k, v in arm}
    config = make_config(size=size, horizon=HORIZON, market__burn_in_days=BURN_IN, **sets)
    return size, seed, arm, run_kpis(config, seed)


@pytest.fixture(scope="module")
def runs() -> dict[tuple[int, int, tuple], dict[str, float]]:
    """KPIs per (size, seed, arm overrides); the baseline arm is ``()``."""
    jobs = {(size, seed, ()) for size, n in SEEDS.items() for seed in range(n)}
    for size in EFFECT_SIZES:
        for seed in range(SEEDS[size]):
            for effect in LEVER_EFFECTS:
                jobs |= {(size, seed, _key(arm)) for arm in _arms(effect)}
    jobs = sorted(jobs, key=lambda j: -j[0])  # the largest first, so two workers finish together
    forkserver = multiprocessing.get_context("forkserver")  # no fork of a threaded process
    with ProcessPoolExecutor(max_workers=2, mp_context=forkserver) as pool:
        return {(s, seed, arm): k for s, seed, arm, k in pool.map(_one, jobs)}


def pooled_z(values: dict[int, np.ndarray], reference: int) -> dict[int, float]:
    """z of each size's mean against ``reference``'s, standard errors pooled over sizes
    with variance proportional to 1 / size (see the module docstring)."""
    df = sum(len(v) - 1 for v in values.values())
    per_consumer = sum((len(v) - 1) * v.var(ddof=1) * size for size, v in values.items()) / df
    se = {size: np.sqrt(per_consumer / (size * len(v))) for size, v in values.items()}
    ref = values[reference].mean()
    out = {}
    for size, v in values.items():
        if size == reference:
            continue
        gap, se_gap = v.mean() - ref, np.hypot(se[size], se[reference])
        # No spread at all (a rate that is 0 in every run): equal means or an infinite z.
        out[size] = gap / se_gap if se_gap > 0 else (0.0 if gap == 0 else np.inf)
    return out


def _critical(comparisons: int) -> float:
    return float(stats.norm.isf(FAMILY_ALPHA / (2 * comparisons)))


def _comparisons() -> int:
    return len(RATE_KPIS) * (len(SEEDS) - 1) + len(LEVER_EFFECTS) * (len(EFFECT_SIZES) - 1)


def _failures(table: dict[str, dict[int, np.ndarray]], reference: int) -> list[str]:
    crit = _critical(_comparisons())
    bad = []
    for name, values in table.items():
        for size, z in pooled_z(values, reference).items():
            if not abs(z) <= crit:
                means = ", ".join(f"{s}: {v.mean():.4g}" for s, v in sorted(values.items()))
                bad.append(f"{name} at {size} vs {reference}: z = {z:+.2f} ({means})")
    return bad


@pytest.mark.slow
def test_rate_kpis_do_not_depend_on_the_simulated_population(runs):
    """Every rate KPI: 10k and 50k means equal the 500k mean within noise."""
    table = {}
    for name in RATE_KPIS:
        values = {
            size: np.array([runs[(size, seed, ())][name] for seed in range(n)])
            for size, n in SEEDS.items()
        }
        if any(np.isnan(v).any() for v in values.values()):
            continue  # undefined in the baseline (no coupon refused, say)
        table[name] = values
    assert {"stockout_rate_online", "stockout_rate_store", "omnichannel_customer_share"} <= set(
        table
    )
    assert len(table) >= len(RATE_KPIS) - 3, sorted(set(RATE_KPIS) - set(table))
    bad = _failures(table, max(SEEDS))
    assert not bad, "\n".join(bad)


@pytest.mark.slow
def test_lever_effects_do_not_depend_on_the_simulated_population(runs):
    """Pooled stock, coupons everywhere, share-to-get, consistency: 10k equals 50k."""
    table = {}
    for effect in LEVER_EFFECTS:
        control, treatment = (_key(arm) for arm in _arms(effect))
        table[effect.name] = {
            size: np.array(
                [
                    effect_value(effect, runs[(size, s, control)], runs[(size, s, treatment)])
                    for s in range(SEEDS[size])
                ]
            )
            for size in EFFECT_SIZES
        }
    for name, values in table.items():
        assert not any(np.isnan(v).any() for v in values.values()), name
    bad = _failures(table, max(EFFECT_SIZES))
    assert not bad, "\n".join(bad)
