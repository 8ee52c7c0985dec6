"""Parameter sweeps: designs over scenario parameters, run in batch into a result store.

``load_sweep`` reads and validates a sweep file, ``run_sweep`` runs what is missing into a
crash-safe folder (see :mod:`sim.study.sweep.store`), and :func:`sim.study.results.load` reads
it back.
"""

from sim.study.sweep.runner import SweepSummary, default_out, run_sweep
from sim.study.sweep.spec import Sweep, SweepSpec, from_spec, load_sweep, spec_from_dict

__all__ = [
    "Sweep",
    "SweepSpec",
    "SweepSummary",
    "default_out",
    "from_spec",
    "load_sweep",
    "run_sweep",
    "spec_from_dict",
]
