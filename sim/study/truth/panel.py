"""Media-mix-model panels: spend, impressions and outcomes by week (and city tier).

A media-mix model needs budgets that move independently over time, or it cannot tell the
channels apart. :func:`flighting` writes that design into the scenario's ``schedule:``:
every ``period_days``, each channel's daily budget is its base budget times a factor drawn
uniformly from ``[low, high]`` (keyed by ``seed``, so the design is reproducible). Budgets
are national (the engine has no geo-targeted media), so geo panels vary by tier only
through who the views reach.

Panels come from a run's summary values (:mod:`sim.study.truth.summary`), in market units,
in the column layouts the common MMM libraries read:

- ``pymc``: PyMC-Marketing (``date_week``, ``y``, one spend column per channel);
- ``robyn``: Robyn (``DATE``, ``revenue``, ``<channel>_S`` spend, ``<channel>_I`` impressions);
- ``meridian``: Google Meridian (``geo``, ``time``, ``revenue``, ``<channel>_impression``,
  ``<channel>_spend``), national or by city tier; Meridian's ``population`` per geo is not
  written (take it from the run's consumers table: consumers per tier x market scale).

The last week of a 365-day horizon holds one day; drop it before fitting if it matters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario.config import ScenarioConfig, from_dict

#: Calendar date of day 0 in the panels (a Monday; MMM libraries want dates).
START = dt.date(2025, 1, 6)


def flighting(
    base: ScenarioConfig,
    seed: int = 0,
    *,
    period_days: int = 28,
    low: float = 0.3,
    high: float = 1.7,
    channels: Sequence[str] | None = None,
) -> ScenarioConfig:
    """The base with randomised budget flights per channel written into its schedule.

    Replaces the base's schedule (a flighting study owns the budget calendar).
    """
    data = base.to_dict()
    rng = np.random.default_rng(seed)
    chans = list(channels or data["content"]["channels"])
    budgets = {ch: data["content"]["channels"][ch]["daily_budget"] for ch in chans}
    schedule = []
    for day in range(0, base.horizon_days, period_days):
        factors = rng.uniform(low, high, len(chans))
        schedule.append(
            {
                "day": day,
                "set": {
                    f"content.channels.{ch}.daily_budget": round(budgets[ch] * f, 2)
                    for ch, f in zip(chans, factors, strict=True)
                },
            }
        )
    data["schedule"] = schedule
    data["name"] = f"{base.name}-flighted"
    return from_dict(data)


def _weeks(values: Mapping[str, float]) -> int:
    return 1 + max(int(k.split("|")[1]) for k in values if k.startswith("week|"))


def weekly_panel(values: Mapping[str, float], channels: Sequence[str]) -> pd.DataFrame:
    """One row per week: date, spend and impressions per channel, revenue, profit, orders."""
    weeks = _weeks(values)
    rows = []
    for w in range(weeks):
        row: dict[str, Any] = {"week": w, "date": START + dt.timedelta(days=7 * w)}
        for ch in channels:
            row[f"spend_{ch}"] = values.get(f"week|{w}|spend:{ch}", 0.0)
            row[f"impressions_{ch}"] = values.get(f"week|{w}|views:{ch}", 0.0)
        for m in ("revenue", "profit", "orders", "customers"):
            row[m] = values.get(f"week|{w}|{m}", 0.0)
        rows.append(row)
    return pd.DataFrame(rows)


def geo_panel(values: Mapping[str, float], channels: Sequence[str]) -> pd.DataFrame:
    """One row per city tier and week: impressions, spend (by impression share), outcomes."""
    weekly = weekly_panel(values, channels)
    tiers = sorted({k.split("|")[1].split(":")[0] for k in values if k.startswith("tier_week|")})
    rows = []
    for tier in tiers:
        for w in weekly.week:
            cell = f"tier_week|{tier}:{w}|"
            row: dict[str, Any] = {"geo": tier, "week": w, "date": START + dt.timedelta(days=7 * w)}
            for ch in channels:
                views = values.get(f"{cell}views:{ch}", 0.0)
                total = weekly.at[w, f"impressions_{ch}"]
                row[f"impressions_{ch}"] = views
                row[f"spend_{ch}"] = weekly.at[w, f"spend_{ch}"] * (views / total if total else 0.0)
            row["revenue"] = values.get(f"{cell}revenue", 0.0)
            row["orders"] = values.get(f"{cell}orders", 0.0)
            rows.append(row)
    return pd.DataFrame(rows)


def layout(panel: pd.DataFrame, channels: Sequence[str], tool: str) -> pd.DataFrame:
    """A panel in the column names one MMM library reads (``pymc``, ``robyn``, ``meridian``)."""
    if tool == "pymc":
        out = pd.DataFrame({"date_week": pd.to_datetime(panel.date), "y": panel.revenue})
        for ch in channels:
            out[ch] = panel[f"spend_{ch}"]
        return out
    if tool == "robyn":
        out = pd.DataFrame({"DATE": pd.to_datetime(panel.date), "revenue": panel.revenue})
        for ch in channels:
            out[f"{ch}_S"] = panel[f"spend_{ch}"]
            out[f"{ch}_I"] = panel[f"impressions_{ch}"]
        return out
    if tool == "meridian":
        geo = panel.get("geo", "national")
        out = pd.DataFrame({"geo": geo, "time": pd.to_datetime(panel.date).dt.strftime("%Y-%m-%d")})
        out["revenue"] = panel.revenue
        for ch in channels:
            out[f"{ch}_impression"] = panel[f"impressions_{ch}"]
            out[f"{ch}_spend"] = panel[f"spend_{ch}"]
        return out
    raise ValueError(f"unknown layout {tool!r} (allowed: pymc, robyn, meridian)")


def true_contributions(effects: pd.DataFrame, channels: Sequence[str]) -> pd.DataFrame:
    """The truth beside the panel: each channel's Shapley revenue per week (mean, interval)."""
    rows = effects[
        (effects.measure == "shapley") & (effects.scope == "week") & (effects.metric == "revenue")
    ]
    rows = rows[rows.player.isin(channels)]
    out = rows.assign(week=rows.cell.astype(int))[["week", "player", "mean", "ci_low", "ci_high"]]
    return out.rename(columns={"player": "channel", "mean": "true_revenue"}).reset_index(drop=True)
