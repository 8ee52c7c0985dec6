"""The options every study command shares for where its runs execute.

``omo check``, ``compare``, ``calibrate`` and ``sweep`` all run on one evaluator
(:mod:`sim.study.backends`): a local process pool by default, or Dask.
"""

from __future__ import annotations

import argparse

from sim.study.backends import BACKENDS, Evaluator, make_evaluator


def add_options(p: argparse.ArgumentParser) -> None:
    """Add ``--workers``, ``--executor``, ``--scheduler`` and ``--dashboard``."""
    p.add_argument(
        "--workers",
        type=int,
        help="worker processes (default: all cores; 1 = in this process, local only)",
    )
    p.add_argument("--executor", choices=BACKENDS, help="where runs execute (default: local)")
    p.add_argument(
        "--scheduler", help="a running Dask scheduler, e.g. tls://host:8786; implies dask"
    )
    p.add_argument(
        "--dashboard",
        metavar="ADDRESS",
        help="serve the Dask dashboard of the cluster omo starts at ADDRESS, e.g. "
        "127.0.0.1:8787 (default: no HTTP pages at all)",
    )


def problems(args: argparse.Namespace) -> list[str]:
    """What is wrong with the backend options, one line per fault."""
    out = []
    if args.workers is not None and args.workers < 1:
        out.append(f"--workers: value {args.workers}: must be at least 1")
    if args.scheduler and args.executor == "local":
        out.append("--scheduler: needs --executor dask (a scheduler is a Dask cluster)")
    if args.dashboard and executor(args) != "dask":
        out.append("--dashboard: needs --executor dask (the local pool has no dashboard)")
    if args.dashboard and args.scheduler:
        out.append("--dashboard: only for the cluster omo starts (your scheduler has its own)")
    return out


def executor(args: argparse.Namespace) -> str:
    """The backend name: as given, else dask with a scheduler, else local."""
    return args.executor or ("dask" if args.scheduler else "local")


def evaluator(args: argparse.Namespace) -> Evaluator:
    """The evaluator the options describe (not started: use it with ``with``)."""
    return make_evaluator(executor(args), args.workers, args.scheduler, dashboard=args.dashboard)
