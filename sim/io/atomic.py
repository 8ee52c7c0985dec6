"""Write a folder so that it either exists complete under its name or not at all.

``--force`` replaces a folder, so it may only ever replace what omo itself wrote: a folder
holding omo's ``manifest.json`` (a run folder or an experiment's results folder). Anything
else (a folder of notes, the working directory or one of its parents, a file) is refused,
because deleting a user's files is the one mistake a simulator must never make.

A process killed while writing leaves a temporary sibling ``.<name>.tmp-<pid>``; the next
write to the same folder removes those whose process is gone, and puts back a previous
folder that a kill caught in the middle of being replaced.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

#: Keys every manifest omo writes holds; a folder whose manifest.json has them is omo's.
MANIFEST_KEYS = ("versions", "created_utc")


class OutputRefused(FileExistsError):
    """``out`` exists and may not be replaced (no ``--force``, or not an omo output)."""


def is_omo_output(folder: Path) -> bool:
    """True when ``folder`` holds a manifest.json that omo wrote (a JSON object with
    :data:`MANIFEST_KEYS`): the only kind of folder ``--force`` may replace."""
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and all(k in data for k in MANIFEST_KEYS)


def check_output(out: str | Path, *, force: bool = False, option: str = "--out") -> Path:
    """Refuse an output folder that must not be written or replaced; return it as a Path.

    Called before any work starts (so a bad ``--out`` costs nothing) and again just before
    the rename (so the folder replaced is the one that was checked).

    Raises:
        OutputRefused: ``out`` is the working directory or contains it, is a file, or exists
            and either ``force`` is off or it is not an omo output.
    """
    out = Path(out)
    here = Path.cwd().resolve()
    target = out.resolve()
    if target == here or target in here.parents:
        raise OutputRefused(
            f"{option} {out}: is the working directory or one of its parents; choose a new folder"
        )
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputRefused(f"{option} {out}: exists and is not a folder; choose a new folder")
    if not out.exists():
        ancestor = next(p for p in target.parents if p.exists())
        if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
            raise OutputRefused(
                f"{option} {out}: cannot be created ({ancestor} is not a writable folder)"
            )
        return out
    if not force:
        raise OutputRefused(f"{option} {out}: exists already (pass --force to replace it)")
    if not is_omo_output(out):
        raise OutputRefused(
            f"{option} {out}: exists and is not an omo output (no omo manifest.json); "
            "--force only replaces folders omo wrote, so nothing was changed"
        )
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _stale(parent: Path, name: str, kind: str) -> list[Path]:
    """Siblings ``.<name>.<kind>-<pid>`` left by processes that no longer exist."""
    out = []
    for path in parent.glob(f".{name}.{kind}-*"):
        pid = path.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            out.append(path)
    return out


def recover(out: str | Path) -> None:
    """Clean up after a writer of ``out`` that was killed.

    A kill between moving the old folder aside and moving the new one in leaves ``out``
    missing and ``.<name>.old-<pid>`` holding the previous complete folder: it is put back.
    Temporary folders of dead writers are removed.
    """
    out = Path(out)
    parent = out.parent
    if not parent.is_dir():
        return
    for old in _stale(parent, out.name, "old"):
        if not out.exists():
            old.rename(out)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in _stale(parent, out.name, "tmp"):
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def atomic_folder(out: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary sibling of ``out`` to fill; on success it becomes ``out``.

    The caller writes everything into the yielded folder; only when the block ends
    without an exception is it renamed to ``out`` (replacing an existing omo output when
    ``force``). On any exception the temporary folder is removed and ``out`` is untouched.

    Raises:
        OutputRefused: see :func:`check_output`.
    """
    recover(out)
    out = check_output(out, force=force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        check_output(out, force=force)
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old)
        else:
            tmp.rename(out)
    except BaseException:
        with suppress(OSError):
            shutil.rmtree(tmp, ignore_errors=True)
        raise
