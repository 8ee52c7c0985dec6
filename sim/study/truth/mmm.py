"""A light media-mix model (geometric adstock + exponential saturation), fitted with scipy.

``revenue_t = intercept + sum_c beta_c * (1 - exp(-a_ct / (kappa_c * mean_c)))`` where
``a_ct = x_ct + lambda_c * a_c,t-1`` is the adstocked spend of channel ``c`` and ``mean_c``
its mean. Fitted by bounded least squares (:func:`scipy.optimize.least_squares`) from
several starts. A channel's return is its fitted contribution over the panel divided by
its spend: the number an MMM report gives a marketer, which
:func:`recovery` sets beside the true return from paired arms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares
from scipy.signal import lfilter


def adstock(x: np.ndarray, decay: float) -> np.ndarray:
    """Geometric carry-over: each period keeps ``decay`` of the previous period's stock
    (the recursion ``a_t = x_t + decay a_{t-1}`` as a linear filter)."""
    return lfilter([1.0], [1.0, -decay], np.asarray(x, dtype=float))


def response(x: np.ndarray, decay: float, half: float) -> np.ndarray:
    """Adstocked, saturating response in 0..1 (``half``: saturation scale in mean units)."""
    a = adstock(x, decay)
    scale = max(a.mean(), 1e-12) * half
    return 1.0 - np.exp(-a / scale)


@dataclass(frozen=True)
class Fit:
    """A fitted model: parameters, contributions per channel and period, and the fit's R^2."""

    intercept: float
    beta: dict[str, float]
    decay: dict[str, float]
    half: dict[str, float]
    contributions: pd.DataFrame
    r_squared: float


def fit(
    panel: pd.DataFrame,
    channels: Sequence[str],
    target: str = "revenue",
    starts: int = 8,
    max_decay: float | None = None,
) -> Fit:
    """Fit the model on a weekly or daily panel with ``spend_<channel>`` columns and ``target``.

    Args:
        max_decay: the largest carry-over per period allowed; default 0.9 a week, and the
            same per week on a daily panel (``0.9 ** (1/7)``, about 0.985 a day).
    """
    period = "week" if "week" in panel else "day"
    if max_decay is None:
        max_decay = 0.9 if period == "week" else 0.9 ** (1 / 7)
    y = panel[target].to_numpy(float)
    xs = [panel[f"spend_{c}"].to_numpy(float) for c in channels]
    k = len(channels)

    def predict(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        parts = np.array(
            [p[1 + i] * response(xs[i], p[1 + k + i], p[1 + 2 * k + i]) for i in range(k)]
        )
        return p[0] + parts.sum(axis=0), parts

    lower = np.r_[0.0, np.zeros(k), np.zeros(k), np.full(k, 0.1)]
    upper = np.r_[np.inf, np.full(k, np.inf), np.full(k, max_decay), np.full(k, 10.0)]
    rng = np.random.default_rng(0)
    best = None
    for _ in range(starts):
        p0 = np.r_[
            y.min() * rng.uniform(0.3, 0.9),
            np.full(k, y.std() * rng.uniform(0.2, 2.0)),
            rng.uniform(0.05, 0.8, k) * max_decay / 0.9,
            rng.uniform(0.3, 3.0, k),
        ]
        res = least_squares(lambda p: predict(p)[0] - y, p0, bounds=(lower, upper))
        if best is None or res.cost < best.cost:
            best = res
    p = best.x
    yhat, parts = predict(p)
    contrib = pd.DataFrame(parts.T, columns=list(channels))
    contrib.insert(0, period, panel[period].to_numpy())
    r2 = 1.0 - float(((y - yhat) ** 2).sum() / ((y - y.mean()) ** 2).sum())
    return Fit(
        float(p[0]),
        dict(zip(channels, p[1 : 1 + k], strict=True)),
        dict(zip(channels, p[1 + k : 1 + 2 * k], strict=True)),
        dict(zip(channels, p[1 + 2 * k :], strict=True)),
        contrib,
        r2,
    )


def recovery(
    model: Fit, panel: pd.DataFrame, truth: pd.DataFrame, channels: Sequence[str]
) -> pd.DataFrame:
    """Per channel and in total: the model's return on spend against the true one.

    Args:
        model: a fitted model.
        panel: the panel it was fitted on (for spend).
        truth: rows ``channel, true_revenue, true_low, true_high`` over the same weeks.
    """
    return score(model.contributions, panel, truth, channels)


def score(
    contributions: pd.DataFrame | Mapping[str, float],
    panel: pd.DataFrame,
    truth: pd.DataFrame,
    channels: Sequence[str],
) -> pd.DataFrame:
    """Any model's channel contributions (a column or a total per channel) against the truth:
    return on spend (contribution / spend) beside the true return, and their ratio."""
    rows = []
    for c in [*channels, "total"]:
        cs = list(channels) if c == "total" else [c]
        spend = sum(panel[f"spend_{x}"].sum() for x in cs)
        est = sum(float(np.sum(contributions[x])) for x in cs)
        t = truth[truth.channel.isin(cs)]
        rows.append(
            {
                "channel": c,
                "spend": spend,
                "mmm_return": est / spend,
                "true_return": t.true_revenue.sum() / spend,
                "true_low": t.true_low.sum() / spend if c != "total" else np.nan,
                "true_high": t.true_high.sum() / spend if c != "total" else np.nan,
            }
        )
    out = pd.DataFrame(rows)
    out["ratio"] = out.mmm_return / out.true_return
    return out
