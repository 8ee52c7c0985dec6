"""Write a folder so that it either exists complete under its name or not at all."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_folder(out: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary sibling of ``out`` to fill; on success it becomes ``out``.

    The caller writes everything into the yielded folder; only when the block ends
    without an exception is it renamed to ``out`` (replacing an existing one when
    ``force``). On any exception the temporary folder is removed and ``out`` is untouched.

    Raises:
        FileExistsError: ``out`` exists and ``force`` is not set.
    """
    out = Path(out)
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists (use --force to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
