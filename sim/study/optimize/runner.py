"""One optimisation end to end: search, pick the best plan, confirm it, write the results.

The output folder (default ``runs/optimize/<name>``) holds:

- ``study.db``: the Optuna study (SQLite); re-running the same command resumes it;
- ``trials.parquet``: one row per plan tried (its overrides, objectives, feasibility and
  KPI means), for notebooks and DuckDB;
- ``best.yaml``: the best plan as a full scenario, ready for ``omo run`` or ``omo compare``;
- ``summary.json``: the best plan (or the Pareto front), its paired gains over the current
  plan on fresh seeds with intervals, and each channel's marginal return;
- ``report.md``: the same for people.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine.store_fit import converted_count
from sim.scenario.config import with_overrides
from sim.study.backends import Evaluator
from sim.study.optimize.confirm import confirm
from sim.study.optimize.search import best_trials, dumps, search, trials_frame
from sim.study.optimize.spec import SHARE, Optimization


@dataclass
class OptimizeResult:
    """What an optimisation found and confirmed."""

    out: Path
    trials: pd.DataFrame
    best: list[dict[str, Any]]
    confirmation: dict[str, Any] | None
    written: list[Path] = field(default_factory=list)


def default_out(opt: Optimization, root: str | Path = "runs/optimize") -> Path:
    """``runs/optimize/<name>`` (``<name>-smoke`` with --smoke, so the two never mix)."""
    return Path(root) / (opt.spec.name + ("-smoke" if opt.smoke else ""))


def _plan_of(opt: Optimization, trial: Any) -> dict[str, Any]:
    return dict(trial.params)


def _describe(opt: Optimization, trial: Any) -> dict[str, Any]:
    plan = _plan_of(opt, trial)
    out = {
        "trial": trial.number,
        "values": list(trial.values),
        "levers": opt.levers(plan),
        "budget_shares": opt.shares(plan) if opt.channels else {},
        "overrides": opt.overrides(plan),
        "current_plan": bool(trial.user_attrs.get("current_plan")),
    }
    if any(p.path.startswith("stores.conversion.") for p in opt.parameters):
        config = with_overrides(opt.base, out["overrides"])
        out["stores_converted"] = converted_count(config)
    return out


def optimize(
    opt: Optimization,
    evaluator: Evaluator,
    out: str | Path | None = None,
    *,
    fresh: bool = False,
    progress: bool = False,
    do_confirm: bool = True,
) -> OptimizeResult:
    """Search, confirm the best plan on fresh seeds, and write the output folder.

    Args:
        opt: the validated optimisation (:func:`~sim.study.optimize.spec.load_optimization`).
        evaluator: an entered backend (local pool or Dask).
        out: the output folder (default :func:`default_out`).
        fresh: discard a stored study and start over.
        progress: a progress bar on a terminal.
        do_confirm: run the confirmation and the marginal returns (skipped for a quick look).

    Raises:
        ConfigError: the folder's study belongs to a different optimisation, or no plan
            met the constraints.
    """
    out = Path(out) if out is not None else default_out(opt)
    out.mkdir(parents=True, exist_ok=True)
    study = search(opt, out / "study.db", evaluator, fresh=fresh, progress=progress)
    trials = trials_frame(opt, study)
    best = best_trials(opt, study)
    described = [_describe(opt, t) for t in best]
    confirmation = None
    if do_confirm and len(best) == 1:
        confirmation = confirm(opt, _plan_of(opt, best[0]), evaluator)
    result = OptimizeResult(out, trials, described, confirmation)
    result.written = write(opt, result)
    return result


def _atomic(path: Path, text: str | bytes) -> Path:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if isinstance(text, bytes):
        tmp.write_bytes(text)
    else:
        tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def summary(opt: Optimization, result: OptimizeResult) -> dict[str, Any]:
    """The machine-readable summary written to ``summary.json``."""
    return {
        "name": opt.spec.name,
        "source": str(opt.source),
        "smoke": opt.smoke,
        "currency": opt.currency,
        "market_scale": opt.scale,
        "objectives": [g.model_dump() for g in opt.spec.goals],
        "constraints": {k: b.model_dump() for k, b in opt.spec.constraints.items()},
        "search_seeds": opt.search_seeds,
        "budget": {"channels": opt.channels, "daily_total": opt.budget_total}
        if opt.channels
        else None,
        "trials": int((result.trials["state"] == "complete").sum()),
        "best": result.best,
        "pareto_front": len(result.best) > 1,
        "confirmation": result.confirmation,
    }


def write(opt: Optimization, result: OptimizeResult) -> list[Path]:
    """Write trials, best scenario, summary and report into ``result.out``."""
    import yaml

    out = result.out
    written = []
    trials = result.trials.copy()
    for col in trials.columns:  # mixed types (levels) would not make one Arrow column
        if trials[col].dtype == object:
            trials[col] = trials[col].map(lambda v: None if v is None else str(v))
    tmp = out / f".trials.parquet.tmp-{os.getpid()}"
    trials.to_parquet(tmp, index=False)
    os.replace(tmp, out / "trials.parquet")
    written.append(out / "trials.parquet")
    config = with_overrides(opt.base, result.best[0]["overrides"])
    header = (
        f"# Best plan of {opt.source} (trial {result.best[0]['trial']}), written by omo "
        "optimize.\n# Full resolved scenario below.\n"
    )
    body = yaml.safe_dump(config.to_dict(), sort_keys=False, allow_unicode=True)
    written.append(_atomic(out / "best.yaml", header + body))
    written.append(_atomic(out / "summary.json", dumps(summary(opt, result)) + "\n"))
    written.append(_atomic(out / "report.md", report(opt, result)))
    return written


def _money(x: float) -> str:
    return f"{x / 1e6:+,.2f}M" if abs(x) >= 1e5 else f"{x:+,.4g}"


def _level(x: float) -> str:
    return f"{x / 1e6:,.2f}M" if abs(x) >= 1e5 else f"{x:,.4g}"


def report(opt: Optimization, result: OptimizeResult) -> str:
    """The optimisation's findings in Markdown (also printed by ``omo optimize``)."""
    cur = opt.currency
    goals = ", ".join(f"{g.direction} {g.statistic} {g.kpi}" for g in opt.spec.goals)
    lines = [
        f"# omo optimize: {opt.spec.name}",
        "",
        f"{len(result.trials)} plans tried on seeds {opt.search_seeds} (the same for every "
        f"plan); objective: {goals}; money in market {cur}.",
        "",
    ]
    if len(result.best) > 1:
        lines += ["## Pareto front (feasible plans no other plan beats on every objective)", ""]
        names = [f"{g.statistic} {g.kpi}" for g in opt.spec.goals]
        lines += ["| trial | " + " | ".join(names) + " | plan |", "|---" * (len(names) + 2) + "|"]
        for b in result.best:
            vals = " | ".join(f"{v:,.4g}" for v in b["values"])
            lines.append(f"| {b['trial']} | {vals} | {_plan_text(b)} |")
        return "\n".join(lines) + "\n"
    b = result.best[0]
    lines += [f"## Best plan (trial {b['trial']})", ""]
    for path, value in b["levers"].items():
        lines.append(f"- `{path}`: {_value(value)}")
    if "stores_converted" in b:
        lines.append(
            f"- stores converted: {b['stores_converted']} of {opt.base.stores.count} "
            "(busiest first)"
        )
    for c, s in b["budget_shares"].items():
        lines.append(
            f"- `{c}`: {s:.0%} of the content budget ({s * opt.budget_total:,.0f} {cur}/day)"
        )
    if b["current_plan"]:
        lines += ["", "No plan tried beat the current plan on the search seeds."]
    conf = result.confirmation
    if conf:
        n = len(conf["seeds"])
        lines += [
            "",
            f"## Against the current plan, on {n} fresh seeds (paired, 95% interval)",
            "",
            "| KPI | current | best plan | difference (95% CI) |",
            "|---|---|---|---|",
        ]
        for g in conf["gains"]:
            lines.append(
                f"| {g['kpi']} | {_level(g['current'])} | {_level(g['best'])} | "
                f"{_money(g['diff'])} ({_money(g['ci_low'])} to {_money(g['ci_high'])}) |"
            )
        if conf["marginal_returns"]:
            step = opt.spec.confirm.step
            lines += [
                "",
                f"## Marginal return of each channel at the best plan (+{step:.0%} of the "
                "budget on one channel)",
                "",
                f"| channel | extra spend ({cur}) | extra profit ({cur}) | profit per extra "
                f"{cur} (95% CI) |",
                "|---|---|---|---|",
            ]
            for m in conf["marginal_returns"]:
                lines.append(
                    f"| {m['channel']} | {m['extra_spend']:,.0f} | {_money(m['extra_profit'])} | "
                    f"{m['profit_per_spend']:+.2f} ({m['ci_low']:+.2f} to {m['ci_high']:+.2f}) |"
                )
            lines += [
                "",
                "At an optimal split the channels in use return about the same per extra unit "
                "of spend; a return above 0 says a larger total budget would pay.",
            ]
            lines += _convergence(conf["marginal_returns"])
    return "\n".join(lines) + "\n"


def _convergence(margins: list[dict[str, Any]]) -> list[str]:
    """A note when one channel's marginal return is clearly above another's (intervals apart)."""
    ok = [m for m in margins if m["ci_low"] == m["ci_low"]]  # not NaN
    if len(ok) < 2:
        return []
    top = max(ok, key=lambda m: m["profit_per_spend"])
    low = min(ok, key=lambda m: m["profit_per_spend"])
    if top["ci_low"] <= low["ci_high"]:
        return []
    return [
        "",
        f"Not equal here: {top['channel']} returns clearly more at the margin than "
        f"{low['channel']} (their intervals do not overlap), so moving budget from "
        f"{low['channel']} to {top['channel']} would still pay: run more trials "
        "(`--trials`), or lower `budget.min_share`.",
    ]


def _value(v: Any) -> str:
    return f"{v:,.4g}" if isinstance(v, float) else json.dumps(v)


def _plan_text(b: dict[str, Any]) -> str:
    parts = [f"{p}={_value(v)}" for p, v in b["levers"].items()]
    parts += [f"{c} {s:.0%}" for c, s in b["budget_shares"].items()]
    return ", ".join(parts)


__all__ = ["SHARE", "OptimizeResult", "default_out", "optimize", "report", "summary"]
