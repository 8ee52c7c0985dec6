"""The method-of-simulated-moments loss and the noise it is scaled by.

The tolerance loss (:meth:`sim.study.check.CheckReport.loss`) scales each target's miss by its
tolerance alone. At a small population and two seeds some simulated moments are far noisier
than their tolerance (an effect on a few hundred stockouts), and a search chasing that noise
wastes trials. The method of simulated moments weighs each miss by the inverse variance of
the difference between data and simulation:

    term = weight x (mean - value)^2 / ((allowed / 2)^2 + sd^2 / seeds)

where ``allowed / 2`` reads the report's tolerance as two standard deviations of the figure
itself, and ``sd`` is the seed-to-seed standard deviation of the simulated moment at the
search's population. ``sd`` is measured once per search stage (a *noise pilot*: the start
point on a few extra seeds), not per trial: a per-trial estimate from two seeds would let a
trial lower its loss by being noisy. At the true parameters the loss is then about a chi-square
with one degree of freedom per target, which gives the acceptance threshold of the plausible
set (:mod:`sim.study.ensemble`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats

from sim.measure.targets import TargetResult

#: Seeds of the noise pilot (beside, never among, the search's seeds).
PILOT_SEEDS = 4
#: First seed of the noise pilot: far from the search's 0.. and the final check's seeds.
PILOT_ROOT_SEED = 900_000
NAN_PENALTY = 1e4


def noise_sd(values: Mapping[str, Sequence[float]]) -> dict[str, float]:
    """Seed-to-seed standard deviation of each target's per-seed values (NaN if undefined)."""
    out = {}
    for name, v in values.items():
        x = np.asarray(v, dtype=float)
        x = x[~np.isnan(x)]
        out[name] = float(x.std(ddof=1)) if len(x) >= 2 else math.nan
    return out


def msm_terms(
    results: Sequence[TargetResult],
    sd: Mapping[str, float],
    seeds: int,
    weights: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """Each target's loss term (see the module docstring); NaN means cost a large penalty."""
    out = {}
    for r in results:
        w = 1.0 if weights is None else float(weights.get(r.name, 1.0))
        if w == 0:
            out[r.name] = 0.0
            continue
        if math.isnan(r.mean):
            out[r.name] = w * NAN_PENALTY
            continue
        s = sd.get(r.name, math.nan)
        noise = 0.0 if math.isnan(s) else s * s / max(seeds, 1)
        scale = (r.allowed / 2) ** 2 + noise
        out[r.name] = w * (r.mean - r.target) ** 2 / max(scale, 1e-24)
    return out


def msm_loss(
    results: Sequence[TargetResult],
    sd: Mapping[str, float],
    seeds: int,
    weights: Mapping[str, float] | None = None,
) -> float:
    """The sum of :func:`msm_terms`."""
    return float(sum(msm_terms(results, sd, seeds, weights).values()))


def acceptance_threshold(targets: int, level: float = 0.95) -> float:
    """The chi-square quantile a loss at the true parameters stays below with ``level``."""
    return float(stats.chi2.ppf(level, df=max(targets, 1)))
