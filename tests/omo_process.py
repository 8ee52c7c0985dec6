"""Helpers for tests that start ``omo`` as a real process and kill it (kill -9, Ctrl-C)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def start_omo(*args: str, cwd: Path, group: bool = False) -> subprocess.Popen:
    """``python -m sim.cli.main ARGS`` with this checkout on PYTHONPATH.

    Args:
        group: start it in its own process group, as a shell does for a foreground job,
            so a test can signal the whole group the way Ctrl-C in a terminal does. Its
            Ctrl-C (SIGINT) is reset to the default, as a terminal's foreground job has it:
            a test run started in the background by a non-interactive shell (``make test
            &``, some CI runners) ignores SIGINT, every child would inherit that, and a
            Python started with SIGINT ignored never raises KeyboardInterrupt.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "sim.cli.main", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=group,
        preexec_fn=_default_ctrl_c if group else None,
    )


def _default_ctrl_c() -> None:
    """In the child before exec: SIGINT back to its default disposition."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail the test naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.05)


def descendants(pid: int) -> list[psutil.Process]:
    """Every process started (directly or not) by ``pid``."""
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    """Those of ``procs`` still running (zombies awaiting their reaper count as gone)."""
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def kill9_leaves_no_orphans(proc: subprocess.Popen, within_s: float = 10.0) -> None:
    """``kill -9`` the command alone (not its group); all its processes must end soon."""
    children = descendants(proc.pid)
    assert children, "the command had started no worker processes yet"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    try:
        wait_for(lambda: not alive(children), within_s, "the killed command's workers to exit")
    finally:
        for p in alive(children):  # do not leave them behind for the rest of the suite
            p.kill()
