"""An experiment's results folder: tables, plots, a manifest and one self-contained report.

``report.html`` embeds its plots as base64 PNGs and uses no scripts or external styles, so
it can be mailed to a strategist and opened anywhere. It is rendered from a Jinja2 template
(``sim/present/templates/report.html.j2``) with autoescaping on, so every value is escaped
exactly once. It opens with a summary in words and market money (:mod:`sim.present.headline`),
then the paired difference over time, then the details. The folder is written to a temporary
sibling and renamed into place, so a half-written results folder never exists.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader

from sim.io.atomic import atomic_folder, check_output
from sim.io.runs import versions
from sim.measure.kpis import KPI_DESCRIPTIONS, MONEY_KPIS
from sim.present import headline
from sim.present.numbers import money, number, p_value, percent
from sim.study.experiment import ExperimentResult
from sim.study.stats import suggest_replications, summarize

#: Default suggestion target when none is asked for: +-1% of the control's mean.
DEFAULT_RELATIVE_HALF_WIDTH = 0.01
TIMESERIES = ("revenue_online", "revenue_store", "customers", "aware_share", "stockouts")
RESULT_FILES = (
    "runs.csv", "runs.parquet", "summary.csv", "summary.parquet", "daily.parquet",
    "paired_daily.parquet", "money_measures.csv", "suggestions.csv", "report.html",
    "manifest.json",
)  # fmt: skip
#: P&L lines the money forest plot shows, profit first and revenue beside it.
MONEY_FOREST = (
    "profit", "revenue", "net_revenue", "gross_profit", "contribution", "coupon_cost",
    "marketing_cost", "fulfilment_cost", "store_variable_cost", "store_fixed_cost",
    "integration_spend",
)  # fmt: skip
#: Money KPIs per order or per customer: shown in the currency, not scaled to the market.
MONEY_PER_UNIT = ("average_order_value", "customer_acquisition_cost", "customer_lifetime_value")
#: Money KPIs that are totals of the simulated sample: shown as market money (x market_scale).
MONEY_TOTALS = tuple(k for k in MONEY_KPIS if k not in MONEY_PER_UNIT)
_ENV = Environment(loader=PackageLoader("sim.present", "templates"), autoescape=True)


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
        money_forest,
        paired_over_time,
        pairing_gain,
        timeseries_bands,
    )

    arms, control = result.experiment.arms, result.experiment.control
    scale, code = headline.market_scale(result), headline.currency(result)
    pngs = {}
    paired = result.paired_daily
    for series in ("profit", "revenue"):
        if not paired.empty and (paired["series"] == series).any():
            fig = paired_over_time(paired, series, scale=scale, currency=code, control=control)
            pngs[f"paired_{series}.png"] = _png(fig)
    lines = [k for k in MONEY_FOREST if k in result.runs]
    if lines:
        money_summary = summarize(result.runs, lines, control, arms=arms)
        pngs["forest_money.png"] = _png(money_forest(money_summary, scale=scale, currency=code))
    pngs["forest.png"] = _png(forest_plot(summary))
    pngs["channels.png"] = _png(
        channel_bars(result.runs, arms=arms, control=control, scale=scale, currency=code)
    )
    if summary["width_ratio"].notna().any():
        pngs["pairing.png"] = _png(pairing_gain(summary))
    have = set(result.daily["series"]) if not result.daily.empty else set()
    for series in TIMESERIES:
        if series in have:
            rolling = 7 if series not in ("customers", "aware_share") else 1
            fig = timeseries_bands(result.daily, series, arms=arms, rolling=rolling)
            pngs[f"timeseries_{series}.png"] = _png(fig)
    return pngs


def _value(kpi: str, x: Any, scale: float, code: str, *, signed: bool = False) -> str:
    """A KPI value for people: market money with its currency, else three significant digits."""
    if kpi in MONEY_TOTALS:
        return money(x * scale if x is not None else x, code, signed=signed)
    if kpi in MONEY_PER_UNIT:
        return money(x, code, signed=signed)
    text = number(x)
    return f"+{text}" if signed and text not in ("n/a", "0") and not text.startswith("-") else text


def results_table(summary: pd.DataFrame, *, scale: float = 1.0, currency: str = "") -> pd.DataFrame:
    """The summary as display strings: what the console and report.html show.

    Args:
        summary: the frame from :func:`sim.study.stats.summarize`.
        scale: market money per unit of sample money (``market_size / size``).
        currency: the currency code shown with money.
    """
    rows = []
    for r in summary.itertuples(index=False):
        control = r.is_control
        v = lambda x, signed=False, k=r.kpi: _value(k, x, scale, currency, signed=signed)  # noqa: E731
        rows.append(
            {
                "KPI": r.kpi,
                "arm": r.arm + (" (control)" if control else ""),
                "mean": v(r.mean),
                "change vs control": "" if control else v(r.diff, True),
                "95% interval": "" if control else f"{v(r.ci_low, True)} to {v(r.ci_high, True)}",
                "relative": "" if control else percent(r.rel_change),
                "p (Holm)": "" if control else p_value(r.p_holm),
                "clear": "" if control else ("yes" if r.significant else "no"),
                "method": "" if control else ("bootstrap" if r.method != "t" else "paired t"),
            }
        )
    return pd.DataFrame(rows)


def _shown(value: Any) -> str:
    """An override's value as a person reads it (no JSON quoting)."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return number(value)
    return str(value)


def _rows(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    return [str(c) for c in frame.columns], [
        [str(v) for v in row] for row in frame.itertuples(index=False)
    ]


def render_html(
    result: ExperimentResult,
    summary: pd.DataFrame,
    suggestions: pd.DataFrame,
    pngs: dict[str, bytes],
    meta: dict[str, Any],
) -> str:
    """The report as one HTML string with the plots inlined (autoescaped once by Jinja2)."""
    exp, spec = result.experiment, result.experiment.spec
    scale, code = headline.market_scale(result), headline.currency(result)
    b64 = {name: base64.b64encode(data).decode() for name, data in pngs.items()}
    over_time = [
        (series, b64.pop(f"paired_{series}.png"))
        for series in ("profit", "revenue")
        if f"paired_{series}.png" in b64
    ]
    titles = {
        "forest_money.png": "Money: change vs control in market money (95% interval)",
        "forest.png": "Every KPI: change vs control, relative (95% interval)",
        "channels.png": "Revenue and cost by channel, change vs control",
        "pairing.png": "How much pairing narrows the intervals",
    }
    arms = []
    for a in exp.arms:
        arm = spec.arms[a]
        schedule = (
            None
            if arm.schedule is None
            else [
                {"day": c.day, "set": [(k, _shown(v)) for k, v in c.set.items()]}
                for c in exp.configs[a].schedule
            ]
        )
        arms.append(
            {
                "name": a + (" (control)" if a == exp.control else ""),
                "description": arm.description,
                "set": [(k, _shown(v)) for k, v in arm.set.items()],
                "schedule": schedule,
            }
        )
    money_frame = headline.money_table(result)
    money_columns, money_rows = _rows(money_frame) if len(money_frame) else ([], [])
    measures = headline.measures_table(result)
    measure_columns, measure_rows = _rows(measures) if len(measures) else ([], [])
    result_columns, result_rows = _rows(results_table(summary, scale=scale, currency=code))
    sugg = suggestions.assign(half_width=suggestions["half_width"].map(number))
    suggestion_columns, suggestion_rows = _rows(sugg) if len(sugg) else ([], [])
    return _ENV.get_template("report.html.j2").render(
        name=exp.name,
        description=spec.description,
        sentences=headline.summary_sentences(result),
        money_columns=money_columns,
        money_rows=money_rows,
        measure_columns=measure_columns,
        measure_rows=measure_rows,
        over_time=over_time,
        control=exp.control,
        currency=code,
        arms=arms,
        replications=spec.replications,
        result_columns=result_columns,
        result_rows=result_rows,
        kpi_notes=[(k, KPI_DESCRIPTIONS.get(k, "")) for k in spec.kpis],
        images=[
            (titles.get(n, n.removesuffix(".png").replace("_", " ")), d) for n, d in b64.items()
        ],
        suggestion_columns=suggestion_columns,
        suggestion_rows=suggestion_rows,
        path=str(exp.path),
        base_path=str(exp.base_path),
        base_set=[(k, _shown(v)) for k, v in spec.set.items()],
        seeds=exp.seeds,
        created=meta["created_utc"],
        workers=result.workers,
        wall=f"{result.wall_time_s:.1f}",
        hashes=list(result.config_hashes.items()),
        versions=", ".join(f"{k} {v}" for k, v in meta["versions"].items()),
    )


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
    daily.parquet (per-arm daily bands), paired_daily.parquet (running money totals, arm minus
    control, per day), money_measures.csv (incremental acquisition cost, payback day),
    suggestions.csv, plots/*.png, report.html and
    manifest.json.
    """
    out = check_output(out, force=force)
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
        result.paired_daily.to_parquet(tmp / "paired_daily.parquet", index=False)
        result.money.to_csv(tmp / "money_measures.csv", index=False)
        suggestions.to_csv(tmp / "suggestions.csv", index=False)
        for name, data in pngs.items():
            (tmp / "plots" / name).write_bytes(data)
        (tmp / "report.html").write_text(
            render_html(result, summary, suggestions, pngs, meta), encoding="utf-8"
        )
        (tmp / "manifest.json").write_text(json.dumps(meta, indent=2, default=_plain) + "\n")
    return out
