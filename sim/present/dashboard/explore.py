"""Open a finished result folder and lay out what it holds: tables, figures, a summary.

Three kinds are recognised by their files: an ``omo compare`` results folder
(``summary.parquet``), an ``omo sweep`` store (``design.parquet``) and an ``omo optimize``
folder (``summary.json`` with ``trials.parquet``). Reading goes through the same functions
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
    """``experiment``, ``sweep`` or ``optimize``.

    Raises:
        ConfigError: the folder is none of them.
    """
    if not folder.is_dir():
        raise ConfigError([f"{folder}: no such folder"])
    if (folder / "summary.json").exists() and (folder / "trials.parquet").exists():
        return "optimize"
    if (folder / "design.parquet").exists():
        return "sweep"
    if (folder / "summary.parquet").exists():
        return "experiment"
    raise ConfigError(
        [
            f"{folder}: not an omo result folder (expected the output of omo compare, "
            "omo sweep or omo optimize)"
        ]
    )


def open_result(folder: str | Path, kpi: str | None = None) -> Opened:
    """Read a result folder for display; ``kpi`` picks the KPI of a sweep's curves."""
    folder = Path(folder)
    kind = kind_of(folder)
    return {"optimize": _optimize, "sweep": _sweep, "experiment": _experiment}[kind](folder, kpi)


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
