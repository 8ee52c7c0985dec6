"""Parameter spaces and experimental designs over them.

Parameters follow the EMA Workbench vocabulary: a :class:`RealParameter` or
:class:`IntegerParameter` has bounds, a :class:`CategoricalParameter` has levels. Every
design first draws points in the SALib "problem" space, where a real parameter spans
``[lower, upper]`` and an integer or categorical one spans ``[lower, upper + 1)`` or
``[0, n_levels)`` and is floored. Keeping that raw sample (the ``_x.`` columns of the
design) is what lets Morris and Sobol analyses be run on exactly the matrix SALib drew,
even when the values the scenario receives were rounded or mapped to levels.

Seeds: a run's seed is ``root_seed + replication``. All design points of one replication
share a seed, i.e. common random numbers: the population, the network and every random
stream start identical across points, so differences between points come from the
parameters rather than from sampling noise. This is what response curves and Sobol/Morris
estimates need (much lower variance of differences). Replications use distinct seeds and
give the independent noise estimate.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

DESIGN_KINDS = ("grid", "lhs", "sobol", "morris")
#: Column prefix of the raw SALib-space sample kept in the design.
RAW_PREFIX = "_x."
#: Columns every design has besides one column per parameter.
ID_COLUMNS = ("run_id", "point", "replication", "seed")


@dataclass(frozen=True)
class RealParameter:
    """A continuous parameter drawn uniformly in ``[lower, upper]``."""

    path: str
    lower: float
    upper: float

    @property
    def bounds(self) -> tuple[float, float]:
        return (float(self.lower), float(self.upper))

    def from_raw(self, x: np.ndarray) -> list[Any]:
        return [float(v) for v in np.clip(x, self.lower, self.upper)]

    def grid(self, points: int) -> list[Any]:
        return [float(v) for v in np.linspace(self.lower, self.upper, points)]


@dataclass(frozen=True)
class IntegerParameter:
    """An integer parameter in ``[lower, upper]``, both ends included."""

    path: str
    lower: int
    upper: int

    @property
    def bounds(self) -> tuple[float, float]:
        return (float(self.lower), float(self.upper) + 1.0)

    def from_raw(self, x: np.ndarray) -> list[Any]:
        return [int(v) for v in np.clip(np.floor(x), self.lower, self.upper)]

    def grid(self, points: int) -> list[Any]:
        values = np.rint(np.linspace(self.lower, self.upper, points)).astype(int)
        return [int(v) for v in dict.fromkeys(values.tolist())]


@dataclass(frozen=True)
class CategoricalParameter:
    """A parameter taking one of a list of levels (numbers, strings or booleans)."""

    path: str
    levels: tuple[Any, ...]

    @property
    def bounds(self) -> tuple[float, float]:
        return (0.0, float(len(self.levels)))

    def from_raw(self, x: np.ndarray) -> list[Any]:
        index = np.clip(np.floor(x), 0, len(self.levels) - 1).astype(int)
        return [self.levels[i] for i in index]

    def grid(self, points: int) -> list[Any]:
        return list(self.levels)


Parameter = RealParameter | IntegerParameter | CategoricalParameter


def salib_problem(parameters: list[Parameter]) -> dict[str, Any]:
    """The SALib problem dict over the raw space described in the module docstring."""
    return {
        "num_vars": len(parameters),
        "names": [p.path for p in parameters],
        "bounds": [list(p.bounds) for p in parameters],
    }


def _from_unit(parameters: list[Parameter], unit: np.ndarray) -> np.ndarray:
    lows = np.array([p.bounds[0] for p in parameters])
    highs = np.array([p.bounds[1] for p in parameters])
    return lows + unit * (highs - lows)


def full_grid(parameters: list[Parameter], points: int) -> tuple[list[list[Any]], None]:
    """Every combination of levels; bounded parameters get ``points`` evenly spaced values."""
    axes = [p.grid(points) for p in parameters]
    return [list(row) for row in itertools.product(*axes)], None


def latin_hypercube(
    parameters: list[Parameter], samples: int, seed: int
) -> tuple[list[list[Any]], np.ndarray]:
    """``samples`` points, one per stratum of every parameter (scipy.stats.qmc)."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(parameters), rng=np.random.default_rng(seed)).random(samples)
    raw = _from_unit(parameters, unit)
    return _values(parameters, raw), raw


def sobol(
    parameters: list[Parameter], samples: int, seed: int, second_order: bool = False
) -> tuple[list[list[Any]], np.ndarray]:
    """Saltelli/Sobol sample: ``samples * (2D + 2)`` points, or ``(D + 2)`` without 2nd order."""
    from SALib.sample import sobol as sobol_sample

    raw = sobol_sample.sample(
        salib_problem(parameters), samples, calc_second_order=second_order, seed=seed
    )
    return _values(parameters, raw), raw


def morris(
    parameters: list[Parameter], trajectories: int, num_levels: int, seed: int
) -> tuple[list[list[Any]], np.ndarray]:
    """Morris one-at-a-time trajectories: ``trajectories * (D + 1)`` points."""
    from SALib.sample import morris as morris_sample

    raw = morris_sample.sample(
        salib_problem(parameters), trajectories, num_levels=num_levels, seed=seed
    )
    return _values(parameters, raw), raw


def _values(parameters: list[Parameter], raw: np.ndarray) -> list[list[Any]]:
    columns = [p.from_raw(raw[:, j]) for j, p in enumerate(parameters)]
    return [list(row) for row in zip(*columns, strict=True)]


def design_points(
    parameters: list[Parameter],
    kind: str,
    *,
    samples: int | None = None,
    grid_points: int = 5,
    num_levels: int = 4,
    second_order: bool = False,
    seed: int = 0,
) -> tuple[list[list[Any]], np.ndarray | None]:
    """The design's distinct points (values per parameter) and its raw SALib-space sample."""
    if kind == "grid":
        return full_grid(parameters, grid_points)
    if samples is None:
        raise ValueError(f"design kind {kind!r} needs samples")
    if kind == "lhs":
        return latin_hypercube(parameters, samples, seed)
    if kind == "sobol":
        return sobol(parameters, samples, seed, second_order)
    if kind == "morris":
        return morris(parameters, samples, num_levels, seed)
    raise ValueError(f"unknown design kind {kind!r} (allowed: {', '.join(DESIGN_KINDS)})")


def _grid_size(p: Parameter, points: int) -> int:
    """``len(p.grid(points))`` without building the grid."""
    if isinstance(p, CategoricalParameter):
        return len(p.levels)
    if isinstance(p, IntegerParameter):  # a step of at least 1 rounds to distinct values
        return min(points, p.upper - p.lower + 1)
    return points


def design_size(
    parameters: list[Parameter],
    kind: str,
    *,
    samples: int | None = None,
    grid_points: int = 5,
    second_order: bool = False,
) -> int:
    """Number of distinct points, computed without drawing them (to refuse huge designs)."""
    d = len(parameters)
    if kind == "grid":  # counted, not built: grid_points 1e9 must not allocate first
        return math.prod(_grid_size(p, grid_points) for p in parameters)
    samples = samples or 0
    if kind == "sobol":
        return samples * (2 * d + 2 if second_order else d + 2)
    if kind == "morris":
        return samples * (d + 1)
    return samples


def run_id(point: int, replication: int, n_points: int, replications: int) -> str:
    """``p00012-r01``: one name per (point, replication), so a run maps to one file name."""
    pw = max(5, len(str(n_points - 1)))
    rw = max(2, len(str(replications - 1)))
    return f"p{point:0{pw}d}-r{replication:0{rw}d}"


def build_design(
    parameters: list[Parameter],
    points: list[list[Any]],
    raw: np.ndarray | None,
    *,
    replications: int,
    root_seed: int,
) -> pd.DataFrame:
    """One row per run: run_id, point, replication, seed, parameter values, raw sample.

    Rows are ordered point-major (all replications of point 0, then point 1, ...), the
    order SALib expects once replications are averaged.
    """
    n = len(points)
    rows = []
    for point, values in enumerate(points):
        for rep in range(replications):
            row: dict[str, Any] = {
                "run_id": run_id(point, rep, n, replications),
                "point": point,
                "replication": rep,
                "seed": root_seed + rep,
            }
            row.update({p.path: v for p, v in zip(parameters, values, strict=True)})
            if raw is not None:
                row.update(
                    {
                        f"{RAW_PREFIX}{p.path}": float(raw[point, j])
                        for j, p in enumerate(parameters)
                    }
                )
            rows.append(row)
    frame = pd.DataFrame(rows)
    frame["point"] = frame["point"].astype("int64")
    frame["replication"] = frame["replication"].astype("int64")
    frame["seed"] = frame["seed"].astype("int64")
    return frame


def raw_matrix(design: pd.DataFrame, parameters: list[Parameter]) -> np.ndarray:
    """The raw SALib sample, one row per distinct point, recovered from a design table."""
    first = design.sort_values(["point", "replication"]).drop_duplicates("point")
    return first[[f"{RAW_PREFIX}{p.path}" for p in parameters]].to_numpy(dtype=float)
