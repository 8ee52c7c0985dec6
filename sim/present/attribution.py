"""An attribution results folder: credit tables, scores against truth, plots, a report."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader

from sim.io.atomic import atomic_folder, check_output
from sim.io.runs import versions
from sim.present.truth import _png

_ENV = Environment(loader=PackageLoader("sim.present", "templates"), autoescape=True)


def credit_table(credit: pd.DataFrame) -> pd.DataFrame:
    """Total credited revenue: one row per channel, one column per method."""
    tot = credit[credit.scope == "total"]
    return tot.pivot(index="channel", columns="method", values="revenue")


def _fmt(frame: pd.DataFrame, digits: int = 0) -> dict[str, Any]:
    shown = frame.reset_index()
    for c in shown.columns:
        if pd.api.types.is_float_dtype(shown[c]):
            shown[c] = shown[c].map(lambda v: "" if pd.isna(v) else f"{v:,.{digits}f}")
    return {"columns": list(shown.columns), "rows": shown.astype(str).to_numpy().tolist()}


def write_attribution(
    credit: pd.DataFrame,
    out: str | Path,
    *,
    runs: list[str],
    currency: str,
    lookback_days: int,
    scores: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    truth_path: str | None = None,
    force: bool = False,
) -> Path:
    """Write credit.parquet/csv, scores (with a truth), plots, report.html and manifest.json."""
    from sim.present.plots.attribution import credited_vs_truth, share_errors

    out = check_output(out, force=force)
    pngs = {}
    if scores is not None:
        pngs["credited_vs_truth.png"] = _png(credited_vs_truth(scores[0], currency=currency))
        pngs["share_errors.png"] = _png(share_errors(scores[0]))
    tables = [("Credited revenue by method (market money)", _fmt(credit_table(credit)))]
    if scores is not None:
        summary = scores[1][scores[1].scope == "total"].drop(columns=["scope", "cell"])
        tables.append(("Scores against the truth", _fmt(summary.set_index("method"), 2)))
        for scope in ("segment", "tier"):
            s = scores[1][scores[1].scope == scope]
            tables.append(
                (
                    f"Mean absolute share error by {scope} (points)",
                    _fmt(
                        s.pivot(index="method", columns="cell", values="mean_abs_share_error_pts"),
                        2,
                    ),
                )
            )
    meta = {
        "kind": "attribution",
        "runs": runs,
        "truth": truth_path,
        "lookback_days": lookback_days,
        "currency": currency,
        "versions": versions(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    html = _ENV.get_template("attribution.html.j2").render(
        tables=tables,
        images=[(n, base64.b64encode(d).decode()) for n, d in pngs.items()],
        meta=meta,
    )
    with atomic_folder(out, force=force) as tmp:
        credit.to_parquet(tmp / "credit.parquet", index=False)
        credit.to_csv(tmp / "credit.csv", index=False)
        if scores is not None:
            scores[0].to_parquet(tmp / "scores.parquet", index=False)
            scores[0].to_csv(tmp / "scores.csv", index=False)
            scores[1].to_csv(tmp / "score_summary.csv", index=False)
            (tmp / "plots").mkdir()
            for name, data in pngs.items():
                (tmp / "plots" / name).write_bytes(data)
        (tmp / "report.html").write_text(html, encoding="utf-8")
        (tmp / "manifest.json").write_text(json.dumps(meta, indent=2) + "\n")
    return out
