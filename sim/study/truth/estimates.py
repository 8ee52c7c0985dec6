"""Effects with intervals from the paired arms' values, as one tidy table.

Every effect is computed per seed first (a difference between two arms run on the same
seed, or a Shapley value of that seed's coalition values), then summarised across seeds
with a t interval: the seed-to-seed spread of a paired effect is its sampling error.

Measures (``measure`` column):

- ``all_content``: base minus no content (every channel off).
- ``shapley``: a channel's share of ``all_content`` (exact, or sampled orders with
  ``sampling_se`` the permutation standard error); they add up to ``all_content``.
- ``leave_one_out``: base minus the base without that channel.
- ``single``: the channel alone minus no content.
- ``family``: base minus the base with that touchpoint family off.
- ``marginal``: base with the channel's budget up ``budget_step`` minus base (total only),
  and ``marginal_return``: that revenue or profit per unit of extra spend.
- ``roi``: a channel's Shapley revenue or profit per unit of its spend (average return).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sim.measure import shapley
from sim.study.truth.spec import Arm
from sim.study.truth.summary import key, split_key

Values = Mapping[str, Mapping[int, np.ndarray]]  # arm name -> seed -> value vector


def keys_of(records: Sequence[Mapping[str, float]]) -> list[str]:
    """The union of value keys over runs, in a stable order."""
    seen: dict[str, None] = {}
    for rec in records:
        seen.update(dict.fromkeys(rec))
    return list(seen)


def vector(record: Mapping[str, float], keys: Sequence[str]) -> np.ndarray:
    """A run's values on ``keys`` (0 where a run has no such cell, e.g. a silent channel)."""
    return np.array([record.get(k, 0.0) for k in keys], dtype=float)


def _interval(samples: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, ...]:
    n = samples.shape[0]
    mean = samples.mean(axis=0)
    if n < 2:
        nan = np.full_like(mean, np.nan)
        return mean, nan, nan, nan
    t = stats.t.ppf(0.5 + confidence / 2, n - 1)
    half = t * samples.std(axis=0, ddof=1) / math.sqrt(n)
    return mean, mean - half, mean + half, half


def _rows(
    measure: str, player: str, samples: np.ndarray, keys: Sequence[str], **extra: object
) -> pd.DataFrame:
    mean, low, high, half = _interval(samples)
    parts = [split_key(k) for k in keys]
    frame = pd.DataFrame(
        {
            "measure": measure,
            "player": player,
            "scope": [p[0] for p in parts],
            "cell": [p[1] for p in parts],
            "metric": [p[2] for p in parts],
            "mean": mean,
            "ci_low": low,
            "ci_high": high,
            "half_width": half,
            "n_seeds": samples.shape[0],
        }
    )
    for name, value in extra.items():
        frame[name] = value
    return frame


def estimate(
    arms: Sequence[Arm],
    players: Sequence[str],
    values: Values,
    keys: Sequence[str],
    seeds: Sequence[int],
    orders: Sequence[tuple[str, ...]] | None = None,
) -> pd.DataFrame:
    """Every effect, per seed then across seeds, as tidy rows (see the module docstring)."""
    by_coalition = {a.coalition: a.name for a in arms if a.kind == "coalition"}
    full, empty = frozenset(players), frozenset()

    def v(arm: str) -> np.ndarray:
        return np.vstack([values[arm][s] for s in seeds])

    def vc(c: frozenset) -> np.ndarray:
        return v(by_coalition[c])

    base, none = vc(full), vc(empty)
    frames = [_rows("all_content", "content", base - none, keys)]
    coalition_values = {c: vc(c) for c in by_coalition}
    if orders is None:
        phi = shapley.exact(players, coalition_values)
        se = {p: np.zeros(len(keys)) for p in players}
    else:
        phi, se_seeds = shapley.sampled(players, coalition_values, orders)
        se = {p: se_seeds[p].mean(axis=0) for p in players}
    total_keys = [k for k in keys if k.startswith("total|")]
    total_idx = [keys.index(k) for k in total_keys]
    spend_base = {p: base[:, keys.index(key("total", "", f"spend:{p}"))] for p in players}
    for p in players:
        frames.append(_rows("shapley", p, phi[p], keys, sampling_se=se[p]))
        frames.append(_rows("leave_one_out", p, base - vc(full - {p}), keys))
        frames.append(_rows("single", p, vc(frozenset({p})) - none, keys))
        for metric in ("revenue", "profit"):
            i = keys.index(key("total", "", metric))
            roi = phi[p][:, i] / np.where(spend_base[p] > 0, spend_base[p], np.nan)
            frames.append(_rows("roi", p, roi[:, None], [key("total", "", metric)]))
    for a in arms:
        if a.kind == "family_off":
            frames.append(_rows("family", a.player, base - v(a.name), keys))
        elif a.kind == "budget_step":
            diff = v(a.name) - base
            frames.append(_rows("marginal", a.player, diff[:, total_idx], total_keys))
            d_spend = diff[:, keys.index(key("total", "", f"spend:{a.player}"))]
            for metric in ("revenue", "profit"):
                i = keys.index(key("total", "", metric))
                ratio = diff[:, i] / np.where(d_spend > 0, d_spend, np.nan)
                frames.append(
                    _rows("marginal_return", a.player, ratio[:, None], [key("total", "", metric)])
                )
    return pd.concat(frames, ignore_index=True)


def precision_check(table: pd.DataFrame, precision: float, floor_share: float) -> pd.DataFrame:
    """Headline effects (total revenue: all content, Shapley, families) against the rule.

    An effect meets the rule when its 95% half-width is at most ``precision`` times the
    larger of its own size and ``floor_share`` times the all-content effect.
    """
    total = table[(table.scope == "total") & (table.metric == "revenue")]
    heads = total[total.measure.isin(["all_content", "shapley", "family"])].copy()
    content = abs(float(total.loc[total.measure == "all_content", "mean"].iloc[0]))
    heads["judged_against"] = np.maximum(heads["mean"].abs(), floor_share * content)
    heads["allowed_half_width"] = precision * heads["judged_against"]
    heads["met"] = heads["half_width"] <= heads["allowed_half_width"]
    return heads[
        ["measure", "player", "mean", "half_width", "allowed_half_width", "met", "n_seeds"]
    ].reset_index(drop=True)
