"""Identifiability: which parameters the targets pin down, from a local sensitivity matrix.

At a parameter point (usually the fit), each parameter is moved by a step ``h`` of its range
(on the scale the search uses: log for ``log: true``) up and down, with every other parameter
and the seeds held fixed (common random numbers), and every target is re-measured. The
sensitivity of target t to parameter p is

    S[t, p] = (mean_t(u_p + h) - mean_t(u_p - h)) / (2h x allowed_t)

in tolerances per whole range of the parameter: moving p across its bounds moves t by about
``S`` tolerances. A parameter no target moves by at least ``threshold`` tolerances (and by
more than the seed noise of the difference) is *unconstrained*: the targets cannot tell its
values apart, and a calibration reports for it whatever the search happened to leave there.
The singular values of S say the same of combinations of parameters (two parameters that
only move targets together are identifiable only as a sum).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.measure.targets import Targets
from sim.scenario.config import ScenarioConfig
from sim.study.calibrate import CalibrationSpec, apply_params, people_overrides
from sim.study.check import Runner, evaluate_scenario

#: Default step, as a share of each parameter's (scaled) range.
STEP = 0.1
#: A parameter is constrained if some target moves by this many tolerances across its range.
THRESHOLD = 0.5


@dataclass
class Identifiability:
    """The sensitivity matrix at a point and what it says about each parameter."""

    at: dict[str, float]
    sensitivity: pd.DataFrame  # targets x parameters, tolerances per whole range
    noise: pd.DataFrame  # same shape: seed noise of each entry (one standard error)
    threshold: float
    seeds: list[int]
    population: int
    singular_values: list[float] = field(default_factory=list)

    def constrained_by(self, param: str) -> list[str]:
        """Targets that move by at least the threshold and by more than 2 standard errors."""
        s, n = self.sensitivity[param], self.noise[param]
        ok = (s.abs() >= self.threshold) & (s.abs() > 2 * n.fillna(0))
        return [t for t in s.index if ok[t]]

    @property
    def unconstrained(self) -> list[str]:
        """Parameters no target pins down."""
        return [p for p in self.sensitivity.columns if not self.constrained_by(p)]

    def to_markdown(self) -> str:
        """The report: the matrix, each parameter's constraining targets, the flags."""
        cols = list(self.sensitivity.columns)
        short = {p: p.split(".")[-1] for p in cols}
        lines = [
            "# Identifiability at the fit",
            "",
            f"Local sensitivity at the parameters below, population {self.population:,}, seeds "
            f"{self.seeds}: each entry is how many tolerances the target moves when the "
            "parameter crosses its whole range (central difference, +-"
            f"{STEP:.0%} of the range, same seeds). Flagged: no target moves by "
            f">= {self.threshold} tolerances (and by more than 2 standard errors of seed noise).",
            "",
            "| target | " + " | ".join(short[p] for p in cols) + " |",
            "|---|" + "---|" * len(cols),
        ]
        for t, row in self.sensitivity.iterrows():
            cells = []
            for p in cols:
                v, n = row[p], self.noise.loc[t, p]
                mark = "**" if abs(v) >= self.threshold and abs(v) > 2 * (n or 0) else ""
                cells.append("n/a" if math.isnan(v) else f"{mark}{v:+.2f}{mark}")
            lines.append(f"| {t} | " + " | ".join(cells) + " |")
        lines += ["", "| parameter | value | constrained by | flag |", "|---|---|---|---|"]
        for p in cols:
            by = self.constrained_by(p)
            flag = "" if by else "**unconstrained**"
            lines.append(f"| `{p}` | {self.at[p]:.4g} | {', '.join(by) or '-'} | {flag} |")
        if self.singular_values:
            sv = ", ".join(f"{v:.3g}" for v in self.singular_values)
            lines += [
                "",
                f"Singular values of the matrix: {sv}. A value near 0 is a combination of "
                "parameters the targets cannot see, even when each parameter alone moves some "
                "target.",
            ]
        return "\n".join(lines) + "\n"


def sensitivity(
    config: ScenarioConfig,
    targets: Targets,
    spec: CalibrationSpec,
    at: Mapping[str, float],
    seeds: Sequence[int],
    runner: Runner,
    *,
    step: float = STEP,
    threshold: float = THRESHOLD,
) -> Identifiability:
    """The sensitivity matrix of every target to every parameter at ``at`` (see module doc).

    ``config`` carries the population to measure at; every evaluation uses ``seeds``.
    """
    seeds = list(seeds)
    names = targets.names()
    cols: dict[str, list[float]] = {}
    noise: dict[str, list[float]] = {}
    for p in spec.params:
        u = p.to_unit(at[p.path])
        lo, hi = max(0.0, u - step), min(1.0, u + step)
        sides = []
        for pos in (lo, hi):
            values = {**at, p.path: p.from_unit(pos)}
            cfg = apply_params(config, spec.params, values)
            report = evaluate_scenario(
                cfg,
                targets,
                seeds,
                runner,
                desc=f"sensitivity {p.path}",
                case_overrides=people_overrides(cfg),
            )
            sides.append(report.values())
        width = hi - lo
        col, err = [], []
        for t in names:
            target = targets.all()[t]
            a, b = np.asarray(sides[0][t], float), np.asarray(sides[1][t], float)
            d = b - a
            col.append(float(np.mean(d)) / (width * target.allowed) if width else math.nan)
            se = float(np.std(d, ddof=1)) / math.sqrt(len(d)) if len(d) >= 2 else math.nan
            err.append(se / (width * target.allowed) if width else math.nan)
        cols[p.path], noise[p.path] = col, err
    s = pd.DataFrame(cols, index=names)
    n = pd.DataFrame(noise, index=names)
    finite = s.fillna(0.0).to_numpy()
    sv = [float(v) for v in np.linalg.svd(finite, compute_uv=False)] if finite.size else []
    return Identifiability(
        dict(at), s, n, threshold, seeds, config.population.size, singular_values=sv
    )


def identifiability_dict(ident: Identifiability) -> dict[str, Any]:
    """A plain mapping for YAML/JSON: the matrix, the noise and the flags."""
    return {
        "at": ident.at,
        "population": ident.population,
        "seeds": ident.seeds,
        "threshold": ident.threshold,
        "sensitivity": ident.sensitivity.round(4).to_dict(),
        "unconstrained": ident.unconstrained,
        "constrained_by": {p: ident.constrained_by(p) for p in ident.sensitivity.columns},
    }
