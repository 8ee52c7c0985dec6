"""Markov-chain attribution by removal effect (first order), solved exactly.

Journeys are walks ``start -> touchpoint -> ... -> conversion | null``; transition
probabilities are the observed shares. The chance of reaching conversion from ``start`` is
solved from the absorbing chain (no simulation, so the answer is reproducible). A channel's
removal effect is the share of that chance lost when every walk entering the channel ends
there unconverted; channels are credited in proportion to their removal effects.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.measure.attribution.journeys import Journey


def _conversion_chance(counts: np.ndarray, removed: int | None) -> float:
    """P(conversion | start) for transition counts over [start, channels..., conv, null]."""
    n = counts.shape[0]
    conv, null = n - 2, n - 1
    c = counts.astype(float).copy()
    if removed is not None:
        c[removed, :] = 0.0
        c[removed, null] = 1.0
    totals = c.sum(axis=1, keepdims=True)
    p = np.divide(c, totals, out=np.zeros_like(c), where=totals > 0)
    transient = list(range(conv))
    q = p[np.ix_(transient, transient)]
    r = p[transient, conv]
    absorbed = np.linalg.solve(np.eye(len(transient)) - q, r)
    return float(absorbed[0])


def removal_effects(paths: Sequence[Journey], channels: Sequence[str]) -> dict[str, float]:
    """Each channel's removal effect: 1 - P(conversion without it) / P(conversion)."""
    index = {ch: i + 1 for i, ch in enumerate(channels)}
    n = len(channels) + 3
    conv, null = n - 2, n - 1
    counts = np.zeros((n, n))
    for j in paths:
        if not j.touches:
            continue
        states = [0] + [index[t] for t in j.touches] + [conv if j.converted else null]
        np.add.at(counts, (states[:-1], states[1:]), 1.0)
    counts[conv, conv] = counts[null, null] = 1.0
    base = _conversion_chance(counts, None)
    if base <= 0:
        return dict.fromkeys(channels, 0.0)
    return {ch: 1.0 - _conversion_chance(counts, index[ch]) / base for ch in channels}


def markov_shares(paths: Sequence[Journey], channels: Sequence[str]) -> dict[str, float]:
    """Credit shares proportional to removal effects (adding up to 1)."""
    effects = removal_effects(paths, channels)
    total = sum(effects.values())
    return {ch: (e / total if total > 0 else 0.0) for ch, e in effects.items()}
