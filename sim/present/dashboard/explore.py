"""Open a finished result folder and lay out what it holds: tables, figures, a summary.

Four kinds are recognised by their files: an ``omo compare`` results folder
(``summary.parquet``), an ``omo sweep`` store (``design.parquet``), an ``omo optimize``
folder (``summary.json`` with ``trials.parquet``) and an ``omo truth`` folder
(``effects.parquet`` with a truth ``manifest.json``). Reading goes through the same functions
the command line uses, so the dashboard shows what ``omo results`` and the reports show.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.scenario.config import ConfigError


@dataclass
class Opened:
    """What the Results tab shows."""

    kind: str
    title: str
    markdown: str = ""
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    figures: list[tuple[str, Figure]] = field(default_factory=list)


def kind_of(folder: Path) -> str:
    """``experiment``, ``sweep``, ``optimize`` or ``truth``.

    Raises:
        ConfigError: the folder is none of them.
    """
    if not folder.is_dir():
        raise ConfigError([f"{folder}: no such folder"])
    if (folder / "effects.parquet").exists() and (folder / "manifest.json").exists():
        return "truth"
    if (folder / "summary.json").exists() and (folder / "trials.parquet").exists():
        return "optimize"
    if (folder / "design.parquet").exists():
        return "sweep"
    if (folder / "summary.parquet").exists():
        return "experiment"
    raise ConfigError(
        [
            f"{folder}: not an omo result folder (expected the output of omo compare, "
            "omo sweep, omo optimize or omo truth)"
        ]
    )


def open_result(folder: str | Path, kpi: str | None = None) -> Opened:
    """Read a result folder for display; ``kpi`` picks the KPI of a sweep's curves."""
    folder = Path(folder)
    kind = kind_of(folder)
    readers = {
        "optimize": _optimize,
        "sweep": _sweep,
        "experiment": _experiment,
        "truth": _truth,
    }
    return readers[kind](folder, kpi)


def _experiment(folder: Path, kpi: str | None) -> Opened:
    summary = pd.read_parquet(folder / "summary.parquet")
    manifest = (
        json.loads((folder / "manifest.json").read_text())
        if (folder / "manifest.json").exists()
        else {}
    )
    name = manifest.get("name") or folder.name
    cols = [
        c for c in ("kpi", "arm", "mean", "diff", "ci_low", "ci_high", "p_holm") if c in summary
    ]
    table = summary[cols]
    if "is_control" in summary:
        table = table[~summary["is_control"]]
    text = f"Experiment **{name}**: each arm against the control on paired seeds."
    if (folder / "report.html").exists():
        text += f" Full report: `{folder / 'report.html'}`."
    figures = []
    money = table[table["kpi"] == (kpi or "profit")]
    if not money.empty and {"ci_low", "ci_high"} <= set(money):
        fig = Figure(figsize=(6, 0.6 + 0.5 * len(money)), layout="constrained")
        ax = fig.subplots()
        y = range(len(money))
        ax.errorbar(
            money["diff"],
            list(y),
            xerr=[money["diff"] - money["ci_low"], money["ci_high"] - money["diff"]],
            fmt="o",
        )
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(list(y), money["arm"])
        ax.set_title(f"{kpi or 'profit'}: difference from the control (95% CI, sample money)")
        figures.append(("difference", fig))
    return Opened("experiment", name, text, [("summary", table.reset_index(drop=True))], figures)


def _sweep(folder: Path, kpi: str | None) -> Opened:
    from sim.study.results import load
    from sim.study.sweep.sensitivity import indices, plot_response

    res = load(folder)
    kpi = kpi if kpi in res.kpi_names else ("profit" if "profit" in res.kpi_names else None)
    kpi = kpi or res.kpi_names[0]
    c = res.status["counts"]
    text = (
        f"Sweep **{res.spec.get('name', folder.name)}**: {c['ok']} of {c['total']} runs done "
        f"({res.spec['design']['kind']} design over {', '.join(res.parameters)}); KPIs: "
        f"{', '.join(res.kpi_names)}."
    )
    means = res.runs[res.runs["status"] == "ok"].groupby(res.parameters)[res.kpi_names].mean()
    tables = [("mean KPIs by design point", means.reset_index().head(200))]
    figures = [(f"response of {kpi}", plot_response(res, kpi))]
    if res.spec["design"]["kind"] in ("sobol", "morris"):
        idx = indices(res, [kpi])
        tables.append((f"sensitivity of {kpi}", idx))
    return Opened("sweep", folder.name, text, tables, figures)


def _optimize(folder: Path, kpi: str | None) -> Opened:
    summary = json.loads((folder / "summary.json").read_text())
    trials = pd.read_parquet(folder / "trials.parquet")
    report = folder / "report.md"
    text = report.read_text() if report.exists() else f"Optimisation {summary['name']}"
    figures = []
    goal = next((c for c in trials if c.startswith("objective:")), None)
    if goal is not None:
        fig = Figure(figsize=(6, 3), layout="constrained")
        ax = fig.subplots()
        done = trials[trials["state"] == "complete"]
        ok = done[done["feasible"].astype(bool)]
        ax.scatter(done["trial"], done[goal], color="lightgrey", label="breaks a constraint")
        ax.scatter(ok["trial"], ok[goal], color="#2ca02c", label="feasible")
        ax.set_xlabel("plan tried")
        ax.set_ylabel(goal.split(":")[-1])
        ax.legend(fontsize=8)
        figures.append(("plans tried", fig))
    return Opened("optimize", summary["name"], text, [("plans tried", trials)], figures)


#: The money metrics a truth folder measures each effect in (``kpi`` picks one).
TRUTH_METRICS = ("revenue", "profit")


def _truth(folder: Path, kpi: str | None) -> Opened:
    """Ground truth: each channel's Shapley, leave-one-out and alone effect with intervals,
    marginal returns, touchpoint families, and the Shapley split week by week."""
    from sim.present.numbers import money
    from sim.present.plots.truth import channel_effects, weekly_shapley
    from sim.present.truth import channel_rows, family_rows, load_truth

    effects, meta = load_truth(folder)
    metric = kpi if kpi in TRUTH_METRICS else "revenue"
    code = meta.get("currency", "")
    players = list(
        meta.get("players") or dict.fromkeys(effects.loc[effects.measure == "shapley", "player"])
    )
    families = list(dict.fromkeys(effects.loc[effects.measure == "family", "player"]))
    seeds = meta.get("seeds", [])
    total = effects[
        (effects.measure == "all_content") & (effects.scope == "total") & (effects.metric == metric)
    ]
    text = (
        f"Ground truth **{meta.get('scenario', folder.name)}**: what each content channel and "
        f"touchpoint family causes, from runs with it switched off on the same {len(seeds)} "
        f"seeds (stopped by {meta.get('stopped_by', '?')}); market {code}, 95% intervals."
    )
    if not total.empty:
        row = total.iloc[0]
        text += (
            f" All content together caused {money(row['mean'], code, signed=True)} of {metric} "
            f"(95% CI {money(row['ci_low'], code)} to {money(row['ci_high'], code)})."
        )
    if (folder / "report.html").exists():
        text += f" Full report: `{folder / 'report.html'}`."
    tables = [
        (
            "channels: Shapley, leave-one-out, alone; marginal return",
            channel_rows(effects, players, code),
        ),
        ("touchpoint families (switched off)", family_rows(effects, families, code)),
    ]
    figures = [
        (f"incremental {metric} by channel", channel_effects(effects, metric, currency=code)),
        (f"Shapley {metric} week by week", weekly_shapley(effects, metric, currency=code)),
    ]
    return Opened("truth", meta.get("scenario", folder.name), text, tables, figures)
