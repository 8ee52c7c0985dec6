"""A working folder of finished runs, each its own file, written so a crash loses none.

A long study (``omo compare``) saves every run as it finishes; killed, it keeps what it
finished and the same command resumes with the rest. Each part is written under a hidden
temporary name, flushed to disk and renamed into place (atomic), so a part is either
complete or absent. A part that cannot be read back (a disk fault, a hand edit) is moved
aside and its run is simply done again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


class PartsFolder:
    """Finished-run records as ``<name>.json`` files in one folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        return self.root / f"{_SAFE.sub('_', name)}.json"

    def put(self, name: str, record: dict[str, Any]) -> None:
        """Save one finished run crash-safely (complete under its name, or not at all)."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self._path(name)
        tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"name": name, **record}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def load(self) -> dict[str, dict[str, Any]]:
        """Every readable part by name; unreadable ones are moved to ``bad/`` and skipped."""
        out: dict[str, dict[str, Any]] = {}
        if not self.root.is_dir():
            return out
        for path in sorted(self.root.glob("*.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                name = record.pop("name")
                if self._path(name) != path:
                    raise ValueError("file name does not match its record")
            except (OSError, ValueError, KeyError, AttributeError, TypeError):
                bad = self.root / "bad"
                bad.mkdir(exist_ok=True)
                os.replace(path, bad / path.name)
                continue
            out[name] = record
        return out

    def remove(self) -> None:
        """Delete the folder once its runs are safely in the final results."""
        shutil.rmtree(self.root, ignore_errors=True)
