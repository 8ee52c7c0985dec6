"""PRIM (patient rule induction), the scenario-discovery method, small enough to read.

Given points (plausible parameter sets, scaled to 0..1 by their bounds) and a 0/1 outcome
(e.g. "the usual winner loses under this set"), PRIM finds a box, a few parameter ranges,
where the outcome is concentrated: starting from the whole space it repeatedly peels off the
``alpha`` share of points at one end of one parameter, choosing the peel that most raises the
share of 1s inside the box, until fewer than ``min_support`` points would remain. The box's
*coverage* (share of all 1s inside) and *density* (share of 1s inside) say how well it
describes the cases.

Written here instead of depending on EMA Workbench: the peeling loop is thirty lines, while
the workbench pulls in its modelling framework, plotting stack and optional solvers for a
computation run on a few dozen points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Box:
    """Parameter ranges (scaled 0..1) where the outcome concentrates; unbounded ones omitted."""

    limits: dict[int, tuple[float, float]]
    coverage: float
    density: float
    support: int


def prim(x: np.ndarray, y: np.ndarray, *, alpha: float = 0.1, min_support: int = 3) -> Box | None:
    """The box PRIM's peeling ends in (None when no point has outcome 1).

    Args:
        x: points x parameters, each column scaled to 0..1.
        y: 0/1 outcome per point.
        alpha: share of the box's points peeled per step (at least one point).
        min_support: stop before the box holds fewer points than this.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(y) == 0 or y.sum() == 0:
        return None
    inside = np.ones(len(y), bool)
    lo, hi = np.zeros(x.shape[1]), np.ones(x.shape[1])
    while True:
        n = int(inside.sum())
        k = max(1, int(alpha * n))
        if n - k < min_support or y[inside].mean() == 1.0:
            break
        best = None
        for j in range(x.shape[1]):
            col = x[inside, j]
            order = np.sort(col)
            for side, cut in (("low", order[k - 1]), ("high", order[n - k])):
                keep = inside & (x[:, j] > cut if side == "low" else x[:, j] < cut)
                if keep.sum() < min_support:
                    continue
                gain = y[keep].mean()
                if best is None or gain > best[0]:
                    best = (gain, j, side, cut, keep)
        if best is None or best[0] <= y[inside].mean():
            break
        _, j, side, cut, keep = best
        if side == "low":
            lo[j] = cut
        else:
            hi[j] = cut
        inside = keep
    limits = {j: (float(lo[j]), float(hi[j])) for j in range(x.shape[1]) if lo[j] > 0 or hi[j] < 1}
    return Box(
        limits,
        coverage=float(y[inside].sum() / y.sum()),
        density=float(y[inside].mean()),
        support=int(inside.sum()),
    )
