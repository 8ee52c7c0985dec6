"""A plausible set: the parameter sets of a calibration that are all consistent with the targets.

A calibrated point is one of many parameter sets that reproduce the same figures. The
plausible set keeps every trial of the search whose simulated targets all fell inside the
report's tolerance bands: rejection ABC (approximate Bayesian computation) with the bands as
the acceptance region and the search's own trials as the proposals.

Why the accepted trials of the search, not ABC-SMC (pyabc) or neural posterior estimation
(sbi): both need thousands of simulations of every target (each an evaluation of up to
eighteen targets over eleven scenario arms), days on the shared two-core machine, and sbi
brings PyTorch. The search's trials are already simulated and stored in the study, so the set
costs nothing and is rebuilt by rerunning the same command. The price: the search samples
densely near the fit, so the spread is that of the accepted region *as explored*, a lower
bound of the posterior's; it widens with more trials (a CMA-ES search explores more widely
early than TPE). When fewer than ``min_sets`` trials pass every band, the sets with the
smallest worst miss are kept instead, and the file says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.measure.targets import Targets
from sim.scenario.config import ConfigError, read_yaml
from sim.study.calibrate import CalibrationSpec, Param

KIND = "omo-sim plausible parameter sets"


@dataclass
class Ensemble:
    """Parameter sets consistent with the targets, and where they came from."""

    params: tuple[Param, ...]
    sets: list[dict[str, Any]]  # each: id, trial, stage, worst_miss, values
    rule: str
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def values(self) -> list[dict[str, float]]:
        return [dict(s["values"]) for s in self.sets]

    def spread(self) -> dict[str, dict[str, float]]:
        """Per parameter: min, 10th percentile, median, 90th percentile, max over the sets."""
        out = {}
        for p in self.params:
            x = np.array([s["values"][p.path] for s in self.sets], dtype=float)
            q = np.percentile(x, [0, 10, 50, 90, 100])
            out[p.path] = {
                k: float(f"{v:.4g}")
                for k, v in zip(("min", "p10", "median", "p90", "max"), q, strict=True)
            }
            out[p.path]["share_of_range"] = float(f"{(p.to_unit(q[4]) - p.to_unit(q[0])):.3g}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": KIND,
            "source": self.source,
            "rule": self.rule,
            **self.meta,
            "parameters": [
                {"path": p.path, "low": p.low, "high": p.high, "log": p.log} for p in self.params
            ],
            "spread": self.spread(),
            "sets": self.sets,
        }


def worst_miss(
    means: Mapping[str, float | None], targets: Targets, weights: Mapping[str, float]
) -> float:
    """The largest |mean - value| / allowed over the searched targets (inf if one is missing)."""
    worst = 0.0
    for name, t in targets.all().items():
        if float(weights.get(name, 1.0)) == 0:
            continue
        m = means.get(name)
        if m is None or (isinstance(m, float) and math.isnan(m)) or t.allowed <= 0:
            return math.inf
        worst = max(worst, abs(m - t.value) / t.allowed)
    return worst


def from_study(
    db: str | Path,
    spec: CalibrationSpec,
    targets: Targets,
    *,
    min_sets: int = 5,
    max_sets: int = 30,
) -> Ensemble:
    """The plausible set from every stage of a calibration's study file.

    Raises:
        ConfigError: the file holds no completed trial.
    """
    import optuna

    from sim.study.calibrate import _values

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    storage = f"sqlite:///{Path(db).resolve()}"
    rows = []
    for k, summary in enumerate(
        sorted(optuna.get_all_study_summaries(storage), key=lambda s: s.study_name)
    ):
        study = optuna.load_study(study_name=summary.study_name, storage=storage)
        for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
            miss = worst_miss(t.user_attrs.get("means", {}), targets, spec.weights)
            rows.append((miss, k, t.number, _values(t, spec)))
    if not rows:
        raise ConfigError([f"{db}: no completed trial to build a plausible set from"])
    rows.sort(key=lambda r: (r[0], -r[1]))
    seen, unique = set(), []
    for r in rows:
        key = tuple(round(r[3][p.path], 6) for p in spec.params)
        if key not in seen:
            seen.add(key)
            unique.append(r)
    accepted = [r for r in unique if r[0] <= 1.0]
    if len(accepted) >= min_sets:
        chosen = accepted[:max_sets]
        rule = (
            f"every searched target within its tolerance band at the search's fidelity: "
            f"{len(accepted)} of {len(rows)} trials accepted"
            + (
                f", the {max_sets} with the smallest worst miss kept"
                if len(accepted) > max_sets
                else ""
            )
        )
    else:
        chosen = unique[:min_sets]
        rule = (
            f"relaxed: only {len(accepted)} of {len(rows)} trials had every searched target "
            f"within its band, so the {len(chosen)} with the smallest worst miss are kept "
            f"(worst miss up to {chosen[-1][0]:.2f} tolerances); calibrate further for a "
            "plausible set in the strict sense"
        )
    sets = [
        {
            "id": f"set{i}",
            "stage": k,
            "trial": n,
            "worst_miss": float(f"{miss:.4g}"),
            "values": {p: float(f"{v:.6g}") for p, v in values.items()},
        }
        for i, (miss, k, n, values) in enumerate(chosen)
    ]
    return Ensemble(spec.params, sets, rule, source=str(db))


def write_ensemble(ensemble: Ensemble, path: str | Path) -> Path:
    """Write the plausible set as YAML (atomically)."""
    import yaml

    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    header = (
        "# Plausible parameter sets from `omo calibrate` (sim/study/ensemble.py): use with\n"
        "# `omo compare EXPERIMENT --ensemble THIS_FILE`.\n"
    )
    tmp.write_text(header + yaml.safe_dump(ensemble.to_dict(), sort_keys=False), "utf-8")
    tmp.replace(path)
    return path


def load_ensemble(path: str | Path) -> Ensemble:
    """Read a plausible-set file.

    Raises:
        ConfigError: not such a file, or sets without values for every parameter.
    """
    data = read_yaml(path)
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise ConfigError([f"{path}: not a plausible-set file (kind: {KIND!r} expected)"])
    problems = []
    try:
        params = tuple(
            Param(str(p["path"]), float(p["low"]), float(p["high"]), bool(p.get("log", False)))
            for p in data.get("parameters") or []
        )
    except (KeyError, TypeError, ValueError):
        raise ConfigError([f"{path}: parameters: each needs path, low, high"]) from None
    sets = data.get("sets") or []
    if not params or not sets:
        problems.append(f"{path}: needs parameters and at least one set")
    for i, s in enumerate(sets):
        values = s.get("values") if isinstance(s, dict) else None
        missing = [p.path for p in params if not isinstance(values, dict) or p.path not in values]
        if missing:
            problems.append(f"{path}: sets.{i}: no value for {', '.join(missing)}")
    if problems:
        raise ConfigError(problems)
    meta = {
        k: v
        for k, v in data.items()
        if k not in ("kind", "source", "rule", "parameters", "spread", "sets")
    }
    return Ensemble(
        params, list(sets), str(data.get("rule", "")), str(data.get("source", "")), meta
    )
