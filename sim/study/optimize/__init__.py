"""Optimisation: choose lever settings that maximise an objective under constraints.

``load_optimization`` reads and validates an optimisation file, ``optimize`` searches it with
Optuna on common random numbers (resumable, on any backend of :mod:`sim.study.backends`),
confirms the best plan against the current one on fresh seeds and writes the results.
"""

from sim.study.optimize.runner import OptimizeResult, default_out, optimize, report
from sim.study.optimize.spec import Optimization, OptimizeSpec, load_optimization, spec_from_dict

__all__ = [
    "Optimization",
    "OptimizeResult",
    "OptimizeSpec",
    "default_out",
    "load_optimization",
    "optimize",
    "report",
    "spec_from_dict",
]
