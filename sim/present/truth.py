"""A truth results folder: tidy Parquet tables, plots, a manifest and one HTML report.

``effects.parquet`` holds every effect (measure x player x scope x cell x metric, with its
interval; scopes ``week``, ``tier_week``, ``region_week``, and with the daily grain ``day``,
``tier_day``, ``region_day`` too); ``precision.csv`` the rule's verdict per headline effect;
``runs.parquet`` each arm x seed's totals. The folder is written to a temporary sibling and
renamed into place.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader

from sim.io.atomic import atomic_folder, check_output
from sim.io.runs import versions
from sim.present.numbers import money, plain
from sim.study.truth.runner import TruthResult
from sim.study.truth.spec import FAMILIES

#: What the results are broken down by at each time grain (the report says it).
GRAIN_CELLS = {
    "week": "by week (scopes week, tier_week, region_week)",
    "day": "by week and by day (scopes week, tier_week, region_week and day, tier_day, region_day)",
}
_ENV = Environment(loader=PackageLoader("sim.present", "templates"), autoescape=True)
TRUTH_FILES = (
    "effects.parquet",
    "effects_total.csv",
    "precision.csv",
    "runs.parquet",
    "report.html",
    "manifest.json",
)


def _png(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def _cell(row: pd.Series | None, code: str, *, count: bool = False) -> str:
    if row is None:
        return ""
    if count:
        mean, half = plain(row["mean"]), plain(row["half_width"])
    else:
        mean, half = money(row["mean"], code, signed=True), money(row["half_width"], code)
    return mean if pd.isna(row["half_width"]) else f"{mean} ± {half}"


def _ratio(row: pd.Series | None) -> str:
    if row is None or pd.isna(row["mean"]):
        return ""
    return f"{row['mean']:.1f} ± {row['half_width']:.1f}"


def _lookup(effects: pd.DataFrame) -> dict[tuple[str, str, str, str, str], pd.Series]:
    return {
        (r.measure, r.player, r.scope, r.cell, r.metric): r for r in effects.itertuples(index=False)
    }


def channel_table(result: TruthResult) -> pd.DataFrame:
    """Per channel: Shapley, leave-one-out and single-channel revenue and profit, ROI, mROI."""
    return channel_rows(result.effects, result.players, result.currency)


def channel_rows(effects: pd.DataFrame, players: list[str], code: str) -> pd.DataFrame:
    """:func:`channel_table` from a truth folder's effects table (no run result needed)."""
    e = _lookup(effects)
    rows = []
    for p in players:
        rec: dict[str, str] = {"channel": p}
        for measure, label in (
            ("shapley", "Shapley"),
            ("leave_one_out", "leave-one-out"),
            ("single", "alone"),
        ):
            for metric in ("revenue", "profit"):
                rec[f"{label} {metric}"] = _cell(_s(e.get((measure, p, "total", "", metric))), code)
        rec["customers (Shapley)"] = _cell(
            _s(e.get(("shapley", p, "total", "", "customers"))), code, count=True
        )
        rec["orders (Shapley)"] = _cell(
            _s(e.get(("shapley", p, "total", "", "orders"))), code, count=True
        )
        rec["revenue per spend"] = _ratio(_s(e.get(("roi", p, "total", "", "revenue"))))
        rec["marginal revenue per spend"] = _ratio(
            _s(e.get(("marginal_return", p, "total", "", "revenue")))
        )
        rec["marginal profit per spend"] = _ratio(
            _s(e.get(("marginal_return", p, "total", "", "profit")))
        )
        rows.append(rec)
    return pd.DataFrame(rows)


def _s(row: Any) -> pd.Series | None:
    return None if row is None else pd.Series(row._asdict())


def family_table(result: TruthResult) -> pd.DataFrame:
    """All content and each family: incremental revenue, profit, customers, orders."""
    families = [a.player for a in result.arms if a.kind == "family_off"]
    return family_rows(result.effects, families, result.currency)


def family_rows(effects: pd.DataFrame, families: list[str], code: str) -> pd.DataFrame:
    """:func:`family_table` from a truth folder's effects table (no run result needed)."""
    e = _lookup(effects)
    rows = []
    labels = {f.name: f.label for f in FAMILIES}
    for measure, player, what in [("all_content", "content", "every content channel")] + [
        ("family", name, labels.get(name, name)) for name in families
    ]:
        rec = {"touchpoint": player, "switched off": what}
        for metric in ("revenue", "profit"):
            rec[metric] = _cell(_s(e.get((measure, player, "total", "", metric))), code)
        for metric in ("customers", "orders"):
            rec[metric] = _cell(_s(e.get((measure, player, "total", "", metric))), code, count=True)
        rows.append(rec)
    return pd.DataFrame(rows)


def split_table(result: TruthResult, scope: str) -> pd.DataFrame:
    """Incremental revenue by segment or city tier: all content, each channel, each family."""
    code = result.currency
    eff = result.effects
    rows = eff[(eff.scope == scope) & (eff.metric == "revenue")]
    rows = rows[rows.measure.isin(["all_content", "shapley", "family"])]
    out = []
    for (measure, player), block in rows.groupby(["measure", "player"], sort=False):
        how = {"shapley": "Shapley", "family": "off"}.get(measure, "every channel off")
        rec = {"effect": f"{player} ({how})"}
        for r in block.itertuples(index=False):
            rec[r.cell] = _cell(pd.Series(r._asdict()), code)
        out.append(rec)
    return pd.DataFrame(out)


def summary_sentences(result: TruthResult) -> list[str]:
    """The findings in words, market money."""
    code = result.currency
    e = _lookup(result.effects)
    tot = _s(e[("all_content", "content", "total", "", "revenue")])
    prof = _s(e[("all_content", "content", "total", "", "profit")])
    out = [
        f"All content together caused {_cell(tot, code)} of revenue and {_cell(prof, code)} of "
        "profit over the horizon (base minus no content)."
    ]
    shares = []
    for p in result.players:
        v = e[("shapley", p, "total", "", "revenue")].mean
        shares.append(f"{p.replace('_', ' ')} {v / tot['mean']:.0%}" if tot["mean"] else p)
    out.append("Shapley split of that revenue: " + ", ".join(shares) + ".")
    loo = sum(e[("leave_one_out", p, "total", "", "revenue")].mean for p in result.players)
    if tot["mean"]:
        out.append(
            f"Leave-one-out effects add up to {loo / tot['mean']:.2f} of the total "
            "(below 1: channels substitute for each other; above 1: they reinforce each other)."
        )
    met = int(result.precision.met.sum())
    out.append(
        f"Precision rule ({result.settings.precision:.0%} of each effect): met by {met} of "
        f"{len(result.precision)} headline effects after {len(result.seeds)} seeds; stopped by "
        f"{result.stopped_by}."
    )
    return out


def manifest(result: TruthResult) -> dict[str, Any]:
    """What was run, how and why it stopped (JSON)."""
    return {
        "kind": "truth",
        "scenario": result.base.name,
        "config_hash": result.base.config_hash(),
        "config": result.base.to_dict(),
        "settings": result.settings.model_dump(),
        "players": result.players,
        "arms": {a.name: a.config.config_hash() for a in result.arms},
        "seeds": result.seeds,
        "stopped_by": result.stopped_by,
        "rounds": result.rounds,
        "families_off_in_base": result.families_off,
        "sampled_orders": result.sampled_orders,
        "currency": result.currency,
        "market_scale": result.base.population.market_size / result.base.population.size,
        "ran": result.ran,
        "reused": result.reused,
        "workers": result.workers,
        "wall_time_s": result.wall_time_s,
        "versions": versions(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def make_plots(result: TruthResult) -> dict[str, bytes]:
    """File name -> PNG bytes of every plot in the report."""
    from sim.present.plots.truth import (
        channel_effects,
        family_effects,
        split_shapley,
        weekly_shapley,
    )

    code, eff = result.currency, result.effects
    plots = {
        "channels_revenue.png": _png(channel_effects(eff, "revenue", currency=code)),
        "channels_profit.png": _png(channel_effects(eff, "profit", currency=code)),
        "families_revenue.png": _png(family_effects(eff, "revenue", currency=code)),
        "weekly_shapley_revenue.png": _png(weekly_shapley(eff, "revenue", currency=code)),
    }
    if result.settings.grain == "day":
        plots["daily_shapley_revenue.png"] = _png(
            weekly_shapley(eff, "revenue", currency=code, grain="day")
        )
    plots["segments_revenue.png"] = _png(split_shapley(eff, "segment", currency=code))
    plots["tiers_revenue.png"] = _png(split_shapley(eff, "tier", currency=code))
    return plots


_TITLES = {
    "channels_revenue.png": "Incremental revenue by channel: Shapley, leave-one-out, alone",
    "channels_profit.png": "Incremental profit by channel",
    "families_revenue.png": "Incremental revenue by touchpoint family",
    "weekly_shapley_revenue.png": "Each channel's Shapley revenue, week by week",
    "daily_shapley_revenue.png": "Each channel's Shapley revenue, day by day",
    "segments_revenue.png": "Shapley revenue by segment",
    "tiers_revenue.png": "Shapley revenue by city tier",
}


def _table(title: str, frame: pd.DataFrame, note: str = "") -> dict[str, Any]:
    return {
        "title": title,
        "note": note,
        "columns": list(frame.columns),
        "rows": frame.astype(str).to_numpy().tolist(),
    }


def render_html(result: TruthResult, pngs: dict[str, bytes]) -> str:
    """The report as one self-contained HTML string."""
    s = result.settings
    if result.sampled_orders:
        method = (
            f"{result.sampled_orders} sampled channel orders (standard error in effects.parquet)"
        )
    else:
        method = (
            f"exact over {len(result.players)} channels ({2 ** len(result.players)} coalitions)"
        )
    prec = result.precision.assign(
        mean=result.precision["mean"].map(plain),
        half_width=result.precision.half_width.map(plain),
        allowed_half_width=result.precision.allowed_half_width.map(plain),
    )
    return _ENV.get_template("truth.html.j2").render(
        name=result.base.name,
        currency=result.currency,
        n_seeds=len(result.seeds),
        sentences=summary_sentences(result),
        tables=[
            _table("Content channels", channel_table(result)),
            _table("Touchpoint families", family_table(result)),
            _table("By segment (revenue)", split_table(result, "segment")),
            _table("By city tier (revenue)", split_table(result, "tier")),
            _table("Precision rule", prec),
        ],
        images=[(_TITLES.get(n, n), base64.b64encode(d).decode()) for n, d in pngs.items()],
        shapley_method=method,
        families=[f.label for f in FAMILIES],
        families_off=result.families_off,
        step=f"{s.budget_step:.0%}",
        precision=f"{s.precision:.0%}",
        floor=f"{s.floor_share:g}",
        stopped_by=result.stopped_by,
        grain=GRAIN_CELLS[s.grain],
        seeds=f"{result.seeds[0]}..{result.seeds[-1]}",
        arms=len(result.arms),
        runs=len(result.runs),
        reused=result.reused,
        wall=f"{result.wall_time_s:.1f}",
        workers=result.workers,
    )


def write_truth(result: TruthResult, out: str | Path, *, force: bool = False) -> Path:
    """Write the truth folder atomically; refuses to replace one unless ``force``."""
    out = check_output(out, force=force)
    pngs = make_plots(result)
    meta = manifest(result)
    with atomic_folder(out, force=force) as tmp:
        (tmp / "plots").mkdir()
        result.effects.to_parquet(tmp / "effects.parquet", index=False)
        result.effects[result.effects.scope == "total"].to_csv(
            tmp / "effects_total.csv", index=False
        )
        result.precision.to_csv(tmp / "precision.csv", index=False)
        result.runs.to_parquet(tmp / "runs.parquet", index=False)
        for name, data in pngs.items():
            (tmp / "plots" / name).write_bytes(data)
        (tmp / "report.html").write_text(render_html(result, pngs), encoding="utf-8")
        (tmp / "manifest.json").write_text(json.dumps(meta, indent=2) + "\n")
    return out


def load_truth(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A truth folder's effects table and manifest (for scoring attribution against it)."""
    path = Path(path)
    meta = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    if meta.get("kind") != "truth":
        raise ValueError(f"{path}: not a truth folder written by omo truth")
    return pd.read_parquet(path / "effects.parquet"), meta
