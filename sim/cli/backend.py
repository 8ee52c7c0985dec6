"""The options every study command shares for where its runs execute.

``omo check``, ``compare``, ``calibrate`` and ``sweep`` all run on one evaluator
(:mod:`sim.study.backends`): a local process pool by default, or Dask.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.study.backends import BACKENDS, Evaluator, RunFailed, make_evaluator


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


def work_folder(out: Path) -> Path:
    """Where finished runs wait for the results folder: ``<out>.work`` beside it.

    A study killed midway keeps its runs there; the same command finds them and runs
    only the rest. The folder goes once the results folder is written.
    """
    return out.parent / f"{out.name}.work"


def run_resumable(
    args: argparse.Namespace, work: Path, study: Callable[[Evaluator], Any]
) -> tuple[Any, int]:
    """``study(evaluator)`` on the evaluator the options describe; ``(result, 0)``.

    Interrupted (Ctrl-C) or with runs that failed for good, it says the finished runs are
    kept in ``work`` and returns ``(None, 130)`` or ``(None, 1)``: the same command resumes.
    """
    try:
        with evaluator(args) as ev:
            return study(ev), 0
    except KeyboardInterrupt:
        print(
            f"interrupted: finished runs are kept in {work}; run the same command to resume",
            file=sys.stderr,
        )
        return None, 130
    except RunFailed as exc:
        print(f"error: {exc}; finished runs are kept in {work}", file=sys.stderr)
        return None, 1
