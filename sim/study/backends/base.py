"""The evaluator interface every backend implements, and the progress bar they share.

Modelled on EMA Workbench's evaluators: a command opens one evaluator for its whole
life (a calibration's hundreds of trials reuse the same workers), submits jobs, and
receives outcomes as they complete, whatever machine ran them.
"""

from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from typing import Any

from sim.study.backends.worker import Job, Outcome


class Evaluator(ABC):
    """Runs :data:`Job` dicts somewhere and yields their :data:`Outcome` dicts."""

    #: Backend name, as given to ``--executor``.
    name: str = ""
    #: Worker processes this evaluator runs jobs on.
    workers: int = 1

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None:
        """Release the workers; pending jobs are cancelled (Ctrl-C must not hang)."""

    @abstractmethod
    def describe(self) -> str:
        """One line for status files and logs: where runs execute."""

    @abstractmethod
    def evaluate(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        """Submit every job; yield outcomes in completion order, one per job."""


def progress_bar(
    total: int, desc: str, enabled: bool, initial: int = 0, *, terminal_only: bool = True
) -> Any:
    """A tqdm bar over runs on stderr; disabled (a no-op) when not wanted.

    Args:
        total: runs in the whole task, including any done before (``initial``).
        desc: the bar's label.
        enabled: the caller wants progress.
        initial: runs already done (a resumed sweep or comparison).
        terminal_only: show it only when stderr is a terminal (no bars in logs).
    """
    from tqdm import tqdm

    show = enabled and (sys.stderr.isatty() or not terminal_only)
    return tqdm(
        total=total,
        initial=initial,
        desc=desc,
        unit="run",
        file=sys.stderr,
        dynamic_ncols=True,
        smoothing=0.1,
        disable=not show,
    )
