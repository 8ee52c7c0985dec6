"""Event-log fingerprints of the baseline and every preset on a fixed seed.

``python -m tests.engine.replay`` prints them; ``--update`` rewrites
``tests/data/replay_fingerprints.json``. A behaviour change is a deliberate act: rerun
with ``--update`` and say in the commit why the fingerprints moved. A refactor must
leave them as they are (``tests/engine/test_replay.py``).
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq

from sim.scenario.config import load_scenario
from sim.study.run import simulate

ROOT = Path(__file__).parents[2]
RECORD = ROOT / "tests" / "data" / "replay_fingerprints.json"
SIZE, HORIZON, SEED = 4000, 120, 11


def fingerprints() -> dict[str, dict[str, object]]:
    """sha256 of each preset's events.parquet bytes (as written to a run folder), and rows."""
    out = {}
    for path in sorted((ROOT / "configs").glob("*.yaml")):
        config = load_scenario(path, {"population.size": SIZE, "horizon_days": HORIZON})
        events = simulate(config, seed=SEED).events
        buffer = io.BytesIO()
        pq.write_table(events, buffer, compression="zstd")
        digest = hashlib.sha256(buffer.getvalue()).hexdigest()
        out[path.stem] = {"sha256": digest, "rows": events.num_rows}
    return out


if __name__ == "__main__":
    found = fingerprints()
    if "--update" in sys.argv:
        RECORD.write_text(json.dumps(found, indent=1) + "\n")
    print(json.dumps(found, indent=1))
