"""An experiment's results folder: tables, plots, a manifest and one self-contained report.

``report.html`` embeds its plots as base64 PNGs and uses no scripts or external styles, so
it can be mailed to a strategist and opened anywhere. The folder is written to a temporary
sibling and renamed into place, so a half-written results folder never exists.
"""

from __future__ import annotations

import base64
import html
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.io.atomic import atomic_folder
from sim.io.runs import versions
from sim.measure.kpis import KPI_DESCRIPTIONS
from sim.study.experiment import ExperimentResult
from sim.study.stats import suggest_replications

#: Default suggestion target when none is asked for: +-1% of the control's mean.
DEFAULT_RELATIVE_HALF_WIDTH = 0.01
TIMESERIES = ("revenue_online", "revenue_store", "customers", "aware_share", "stockouts")
RESULT_FILES = (
    "runs.csv", "runs.parquet", "summary.csv", "summary.parquet", "daily.parquet",
    "suggestions.csv", "report.html", "manifest.json",
)  # fmt: skip


def replication_suggestions(
    result: ExperimentResult, summary: pd.DataFrame, requested: dict[str, float] | None = None
) -> pd.DataFrame:
    """Replications each arm needs for a half-width target per KPI, from this run's pairs.

    Args:
        result: the experiment's runs (the pilot).
        summary: its summary, for the control means used by the default target.
        requested: KPI -> wanted half-width (``--suggest`` / the file's ``suggest``); KPIs
            not requested get +-1% of the control mean.
    """
    requested = dict(requested or {})
    rows = []
    control = result.experiment.control
    for kpi in result.experiment.spec.kpis:
        if kpi in requested:
            target, basis = requested[kpi], "requested"
        else:
            base = summary[(summary["kpi"] == kpi) & summary["is_control"]]["mean"]
            mean = float(base.iloc[0]) if len(base) else float("nan")
            if not np.isfinite(mean) or mean == 0:
                continue
            target, basis = DEFAULT_RELATIVE_HALF_WIDTH * abs(mean), "1% of control mean"
        needed = suggest_replications(result.runs, kpi, target, control)
        for arm, n in needed.items():
            rows.append(
                {"kpi": kpi, "arm": arm, "half_width": target, "basis": basis, "replications": n}
            )
    columns = ["kpi", "arm", "half_width", "basis", "replications"]
    return pd.DataFrame(rows, columns=columns)


def manifest(result: ExperimentResult, suggestions: pd.DataFrame) -> dict[str, Any]:
    """What is needed to reproduce and audit the experiment."""
    exp = result.experiment
    return {
        "experiment": exp.name,
        "experiment_file": str(exp.path),
        "experiment_resolved": exp.spec.model_dump(mode="json"),
        "base_file": str(exp.base_path),
        "control": exp.control,
        "replications": exp.spec.replications,
        "seeds": exp.seeds,
        "arms": {
            arm: {"config_hash": result.config_hashes[arm], "config": cfg.to_dict()}
            for arm, cfg in exp.configs.items()
        },
        "workers": result.workers,
        "wall_time_s": result.wall_time_s,
        "suggestions": suggestions.to_dict(orient="records"),
        "versions": versions(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _plain(value: Any) -> Any:
    """numpy scalars -> Python scalars for JSON."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON-serialisable: {value!r}")


def _png(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def make_plots(result: ExperimentResult, summary: pd.DataFrame) -> dict[str, bytes]:
    """File name -> PNG bytes of every plot in the report."""
    from sim.present.plots.experiment import (
        channel_bars,
        forest_plot,
        pairing_gain,
        timeseries_bands,
    )

    arms = result.experiment.arms
    pngs = {"forest.png": _png(forest_plot(summary))}
    if summary["width_ratio"].notna().any():
        pngs["pairing.png"] = _png(pairing_gain(summary))
    pngs["channels.png"] = _png(channel_bars(result.runs, arms=arms))
    have = set(result.daily["series"]) if not result.daily.empty else set()
    for series in TIMESERIES:
        if series in have:
            rolling = 7 if series not in ("customers", "aware_share") else 1
            fig = timeseries_bands(result.daily, series, arms=arms, rolling=rolling)
            pngs[f"timeseries_{series}.png"] = _png(fig)
    return pngs


def _fmt(x: Any, pct: bool = False) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "n/a"
    if pct:
        return f"{x * 100:+.1f}%"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def results_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary as display strings: what the console and report.html show."""
    rows = []
    for r in summary.itertuples(index=False):
        control = r.is_control
        rows.append(
            {
                "KPI": r.kpi,
                "arm": r.arm + (" (control)" if control else ""),
                "mean": _fmt(r.mean),
                "diff vs control": "" if control else _fmt(r.diff),
                "95% CI": "" if control else f"[{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]",
                "relative": "" if control else _fmt(r.rel_change, pct=True),
                "p (Holm)": "" if control else _fmt(r.p_holm),
                "significant": "" if control else ("yes" if r.significant else "no"),
                "paired/unpaired width": "" if control else _fmt(r.width_ratio),
                "method": "" if control else r.method,
            }
        )
    return pd.DataFrame(rows)


_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}th,td{border:1px solid #ccc;
padding:3px 8px;text-align:left}th{background:#f0f0f0}img{max-width:100%}
code{background:#f5f5f5;padding:0 3px}.sig{font-weight:bold}"""


def render_html(
    result: ExperimentResult,
    summary: pd.DataFrame,
    suggestions: pd.DataFrame,
    pngs: dict[str, bytes],
    meta: dict[str, Any],
) -> str:
    """The report as one HTML string with the plots inlined."""
    exp, spec = result.experiment, result.experiment.spec
    esc = html.escape

    def j(value: Any) -> str:
        return esc(json.dumps(value, sort_keys=True))

    arms = pd.DataFrame(
        [
            {
                "arm": a + (" (control)" if a == exp.control else ""),
                "description": spec.arms[a].description,
                "overrides": j(spec.arms[a].set) if spec.arms[a].set else "(none)",
                "schedule": j(spec.arms[a].schedule) if spec.arms[a].schedule is not None
                else "(base schedule)",
                "config hash": result.config_hashes[a],
            }
            for a in exp.arms
        ]
    )  # fmt: skip
    kpi_notes = "".join(
        f"<li><code>{esc(k)}</code>: {esc(KPI_DESCRIPTIONS.get(k, ''))}</li>" for k in spec.kpis
    )
    images = "".join(
        f"<h3>{esc(name.removesuffix('.png').replace('_', ' '))}</h3>"
        f'<img alt="{esc(name)}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'
        for name, data in pngs.items()
    )
    seeds = exp.seeds
    vers = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    sugg = _table(suggestions) if len(suggestions) else "<p>(no suggestion: spread is zero)</p>"
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>{esc(exp.name)}: strategy experiment</title><style>{_CSS}</style></head><body>
<h1>Experiment: {esc(exp.name)}</h1>
<p>{esc(spec.description)}</p>
<p>Base scenario <code>{esc(str(exp.base_path))}</code>; base overrides {j(spec.set)}.
{spec.replications} replications per arm, seeds {seeds[0]}..{seeds[-1]}, the same seeds in
every arm (common random numbers), so each difference is paired by replication. Control:
<b>{esc(exp.control)}</b>.</p>
<h2>Arms</h2>{_table(arms)}
<h2>Results</h2>
<p>Mean per arm over replications; the difference is the mean paired difference from the
control with its 95% interval (paired t, or BCa bootstrap for the KPIs marked bootstrap);
relative = difference / control mean. <i>Significant</i> = Holm-adjusted p &le; 0.05 across
the arms for that KPI. <i>paired/unpaired width</i> is the paired interval's half-width over
the half-width an unpaired (Welch) comparison of the same runs would give. Bootstrap KPIs
take their p-value from a sign-flip permutation test, which cannot go below 2/2<sup>n</sup>
for n replications: with few replications they cannot be flagged even when the interval
excludes zero.</p>
{_table(results_table(summary))}
<ul>{kpi_notes}</ul>
<h2>Plots</h2>{images}
<h2>Replications needed</h2>
<p>Replications per arm for a 95% paired interval of the given half-width, estimated from
this experiment's paired spread (t-based).</p>{sugg}
<h2>Provenance</h2>
<p>Experiment file <code>{esc(str(exp.path))}</code>; created {esc(meta["created_utc"])};
{result.workers} worker(s), {result.wall_time_s:.1f} s. Seeds: {esc(str(seeds))}.</p>
<p>Config hashes: {j(result.config_hashes)}</p><p>Versions: {esc(vers)}</p>
</body></html>
"""


def write_results(
    result: ExperimentResult,
    summary: pd.DataFrame,
    out: str | Path,
    *,
    suggest: dict[str, float] | None = None,
    force: bool = False,
) -> Path:
    """Write the results folder atomically; refuses to replace one unless ``force``.

    Contents: runs.csv/.parquet (one row per arm x replication), summary.csv/.parquet,
    daily.parquet (per-arm daily bands), suggestions.csv, plots/*.png, report.html and
    manifest.json.
    """
    out = Path(out)
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists (use --force to replace it)")
    suggestions = replication_suggestions(result, summary, suggest)
    meta = manifest(result, suggestions)
    pngs = make_plots(result, summary)
    with atomic_folder(out, force=force) as tmp:
        (tmp / "plots").mkdir()
        result.runs.to_csv(tmp / "runs.csv", index=False)
        result.runs.to_parquet(tmp / "runs.parquet", index=False)
        summary.to_csv(tmp / "summary.csv", index=False)
        summary.to_parquet(tmp / "summary.parquet", index=False)
        result.daily.to_parquet(tmp / "daily.parquet", index=False)
        suggestions.to_csv(tmp / "suggestions.csv", index=False)
        for name, data in pngs.items():
            (tmp / "plots" / name).write_bytes(data)
        (tmp / "report.html").write_text(
            render_html(result, summary, suggestions, pngs, meta), encoding="utf-8"
        )
        (tmp / "manifest.json").write_text(json.dumps(meta, indent=2, default=_plain) + "\n")
    return out
