"""A small ``omo truth`` folder written by hand: two channels, one family, three weeks.

The Results tab reads only ``effects.parquet`` and ``manifest.json``; building them here
keeps tests of that reading fast (a real truth run is dozens of simulations).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

PLAYERS = ("short_video", "ugc")


def _row(measure: str, player: str, metric: str, mean: float, scope="total", cell="") -> dict:
    half = abs(mean) * 0.1
    return {
        "measure": measure, "player": player, "scope": scope, "cell": cell, "metric": metric,
        "mean": mean, "ci_low": mean - half, "ci_high": mean + half, "half_width": half,
        "n_seeds": 3, "sampling_se": float("nan"),
    }  # fmt: skip


def write_truth_folder(folder: Path) -> Path:
    """Effects of a market where UGC causes 40M of revenue and short video 60M."""
    rows = []
    for metric, scale in (("revenue", 1.0), ("profit", 0.3)):
        rows.append(_row("all_content", "content", metric, 100e6 * scale))
        for player, share in zip(PLAYERS, (0.6, 0.4), strict=True):
            for measure in ("shapley", "leave_one_out", "single"):
                rows.append(_row(measure, player, metric, 100e6 * scale * share))
            rows.append(_row("marginal_return", player, metric, 2.0 * scale * share))
            rows.append(_row("roi", player, metric, 10.0 * share))
            for week in range(3):
                value = 100e6 * scale * share / 3
                rows.append(_row("shapley", player, metric, value, "week", str(week)))
        rows.append(_row("family", "word_of_mouth", metric, 50e6 * scale))
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_parquet(folder / "effects.parquet", index=False)
    manifest = {
        "kind": "truth", "scenario": "handmade", "players": list(PLAYERS), "currency": "CNY",
        "seeds": [0, 1, 2], "stopped_by": "seed limit",
    }  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder
