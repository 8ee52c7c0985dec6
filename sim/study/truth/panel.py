"""Media-mix-model panels: spend, impressions and outcomes by week or day (and geography).

A media-mix model needs budgets that move independently over time, or it cannot tell the
channels apart. :func:`flighting` writes that design into the scenario's ``schedule:``:
every ``period_days``, each channel's daily budget is its base budget times a factor drawn
uniformly from ``[low, high]`` (keyed by ``seed``, so the design is reproducible).
:func:`geo_flighting` adds flights per channel *and* store region (``stores.regions``,
``content.channels.<name>.region_budget``), so each region's spend moves on its own and a
geo-level model is identifiable. City tiers get no budgets of their own: tier panels vary
through whom the (national or regional) views reach.

Panels come from a run's summary values (:mod:`sim.study.truth.summary`), in market units,
in the column layouts the common MMM libraries read:

- ``pymc``: PyMC-Marketing (``date_week``, or ``date`` by day, ``y``, one spend column per
  channel);
- ``robyn``: Robyn (``DATE``, ``revenue``, ``<channel>_S`` spend, ``<channel>_I`` impressions);
- ``meridian``: Google Meridian (``geo``, ``time``, ``population``, ``revenue``,
  ``<channel>_impression``, ``<channel>_spend``), national or by city tier or store region
  (:func:`geo_panel`); ``population`` is the consumers living in the geo, in market units.

Panels come by week (:func:`weekly_panel`) or by day (:func:`daily_panel`, from a run
summarised with the day cells: ``run_truth`` with ``grain="day"``), in the same columns
(a ``week`` or ``day`` period column beside ``date``). The last week of a 365-day horizon
holds one day; drop it before fitting if it matters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario.config import ScenarioConfig, from_dict
from sim.scenario.vocabulary import region_names
from sim.study.truth.summary import GEOS, GRAINS

#: Calendar date of day 0 in the panels (a Monday; MMM libraries want dates).
START = dt.date(2025, 1, 6)


#: The default flighting design: budgets redrawn every four weeks, each factor in 0.3-1.7.
PERIOD_DAYS, LOW, HIGH = 28, 0.3, 1.7


def period_factors(
    base: ScenarioConfig,
    key: int | Sequence[int],
    *,
    period_days: int,
    low: float,
    high: float,
    channels: Sequence[str] | None,
    per_channel: int | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The flighting calendar both designs share: each period's first day and each channel's
    factors.

    Every ``period_days`` from day 0 to the horizon, one draw of ``[low, high]`` uniform
    factors per channel (``per_channel`` of them each, e.g. one per region, or a single
    number when None), from a generator keyed by ``key`` so a design is reproducible and
    designs on different keys are independent.

    Args:
        channels: the channels flighted, in this order (default: every channel of the base).

    Raises:
        ValueError: a period under a day, bounds not ``0 <= low <= high``, or a channel the
            base does not have.
    """
    if period_days < 1:
        raise ValueError(f"period_days: value {period_days}: must be at least 1")
    if not 0 <= low <= high:
        raise ValueError(f"low, high: values {low}, {high}: need 0 <= low <= high")
    known = list(base.content.channels)
    chans = list(channels or known)
    unknown = [ch for ch in chans if ch not in known]
    if unknown:
        raise ValueError(f"channels: {unknown} not in the scenario (allowed: {', '.join(known)})")
    rng = np.random.default_rng(key)
    shape = (len(chans),) if per_channel is None else (len(chans), per_channel)
    for day in range(0, base.horizon_days, period_days):
        factors = rng.uniform(low, high, shape)
        yield day, dict(zip(chans, factors, strict=True))


def flighting(
    base: ScenarioConfig,
    seed: int = 0,
    *,
    period_days: int = PERIOD_DAYS,
    low: float = LOW,
    high: float = HIGH,
    channels: Sequence[str] | None = None,
) -> ScenarioConfig:
    """The base with randomised budget flights per channel written into its schedule.

    Each period, each channel's daily budget is its base budget times its factor
    (:func:`period_factors` keyed by ``seed``). Replaces the base's schedule (a flighting
    study owns the budget calendar).
    """
    data = base.to_dict()
    budgets = {ch: c["daily_budget"] for ch, c in data["content"]["channels"].items()}
    data["schedule"] = [
        {
            "day": day,
            "set": {
                f"content.channels.{ch}.daily_budget": round(budgets[ch] * f, 2)
                for ch, f in factors.items()
            },
        }
        for day, factors in period_factors(
            base, seed, period_days=period_days, low=low, high=high, channels=channels
        )
    ]
    data["name"] = f"{base.name}-flighted"
    return from_dict(data)


def geo_flighting(
    base: ScenarioConfig,
    seed: int = 0,
    *,
    period_days: int = PERIOD_DAYS,
    low: float = LOW,
    high: float = HIGH,
    channels: Sequence[str] | None = None,
) -> ScenarioConfig:
    """The base with randomised budget flights per channel *and* store region.

    Each period, each channel's ``region_budget`` (its budget multiplier in each of the
    ``stores.regions`` regions) is a factor of :func:`period_factors`, keyed by ``[seed, 1]``
    (a stream apart from :func:`flighting`'s, so the two designs are independent). Merged into
    the base's schedule: on top of national flights, each region's budget moves on its own,
    which is what lets a geo-level MMM tell channels and regions apart.
    """
    data = base.to_dict()
    regions = region_names(base.stores.regions)
    by_day = {change["day"]: change for change in data["schedule"]}
    for day, factors in period_factors(
        base,
        [seed, 1],
        period_days=period_days,
        low=low,
        high=high,
        channels=channels,
        per_channel=len(regions),
    ):
        change = by_day.setdefault(day, {"day": day, "set": {}})
        for ch, row in factors.items():
            change["set"][f"content.channels.{ch}.region_budget"] = {
                r: round(float(f), 3) for r, f in zip(regions, row, strict=True)
            }
    data["schedule"] = sorted(by_day.values(), key=lambda c: c["day"])
    data["name"] = f"{base.name}-geo-flighted"
    return from_dict(data)


def _periods(values: Mapping[str, float], grain: str) -> int:
    found = [int(k.split("|")[1]) for k in values if k.startswith(f"{grain}|")]
    if not found:
        raise ValueError(
            f"no {grain}-grain values in this run's summary (daily cells need the daily "
            "summariser: run_truth with grain='day')"
        )
    return 1 + max(found)


def _date(grain: str, p: int) -> dt.date:
    return START + dt.timedelta(days=GRAINS[grain] * p)


def national_panel(
    values: Mapping[str, float], channels: Sequence[str], grain: str = "week"
) -> pd.DataFrame:
    """One row per week (or day): date, spend and impressions per channel, and outcomes."""
    rows = []
    for p in range(_periods(values, grain)):
        row: dict[str, Any] = {grain: p, "date": _date(grain, p)}
        for ch in channels:
            row[f"spend_{ch}"] = values.get(f"{grain}|{p}|spend:{ch}", 0.0)
            row[f"impressions_{ch}"] = values.get(f"{grain}|{p}|views:{ch}", 0.0)
        for m in ("revenue", "profit", "orders", "customers"):
            row[m] = values.get(f"{grain}|{p}|{m}", 0.0)
        rows.append(row)
    return pd.DataFrame(rows)


def weekly_panel(values: Mapping[str, float], channels: Sequence[str]) -> pd.DataFrame:
    """The national panel by week."""
    return national_panel(values, channels, "week")


def daily_panel(values: Mapping[str, float], channels: Sequence[str]) -> pd.DataFrame:
    """The national panel by day (needs a run summarised with the daily cells)."""
    return national_panel(values, channels, "day")


def geo_panel(
    values: Mapping[str, float],
    channels: Sequence[str],
    grain: str = "week",
    geo: str = "tier",
) -> pd.DataFrame:
    """One row per geography and week (or day): impressions, spend, revenue, orders,
    customers and the geography's ``population`` (consumers living there, market count).

    Every column but ``population`` adds up over geographies to the national panel's
    (profit is national only: costs are booked per account, not per consumer).

    Args:
        geo: ``tier`` (city tier) or ``region`` (store region, ``stores.regions``).
    """
    if geo not in GEOS:
        raise ValueError(f"unknown geography {geo!r} (allowed: {', '.join(GEOS)})")
    n = _periods(values, grain)
    scope = f"{geo}_{grain}"
    names = sorted({k.split("|")[1].rsplit(":", 1)[0] for k in values if k.startswith(scope)})
    rows = []
    for name in names:
        population = values.get(f"{geo}|{name}|population", 0.0)
        for p in range(n):
            cell = f"{scope}|{name}:{p}|"
            row: dict[str, Any] = {"geo": name, grain: p, "date": _date(grain, p)}
            for ch in channels:
                row[f"impressions_{ch}"] = values.get(f"{cell}views:{ch}", 0.0)
                row[f"spend_{ch}"] = values.get(f"{cell}spend:{ch}", 0.0)
            for m in ("revenue", "orders", "customers"):
                row[m] = values.get(f"{cell}{m}", 0.0)
            row["population"] = population
            rows.append(row)
    return pd.DataFrame(rows)


def layout(panel: pd.DataFrame, channels: Sequence[str], tool: str) -> pd.DataFrame:
    """A panel in the column names one MMM library reads (``pymc``, ``robyn``, ``meridian``)."""
    if tool == "pymc":
        out = pd.DataFrame({"date": pd.to_datetime(panel.date), "y": panel.revenue})
        if "week" in panel:
            out = out.rename(columns={"date": "date_week"})
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
        if "population" in panel:
            out["population"] = panel.population
        out["revenue"] = panel.revenue
        for ch in channels:
            out[f"{ch}_impression"] = panel[f"impressions_{ch}"]
            out[f"{ch}_spend"] = panel[f"spend_{ch}"]
        return out
    raise ValueError(f"unknown layout {tool!r} (allowed: pymc, robyn, meridian)")


def true_contributions(
    effects: pd.DataFrame,
    channels: Sequence[str],
    grain: str = "week",
    geo: str | None = None,
) -> pd.DataFrame:
    """The truth beside the panel: each channel's Shapley revenue per week or day (mean,
    interval), nationally or per geography (``geo``: ``tier`` or ``region``)."""
    scope = grain if geo is None else f"{geo}_{grain}"
    rows = effects[
        (effects.measure == "shapley") & (effects.scope == scope) & (effects.metric == "revenue")
    ]
    rows = rows[rows.player.isin(channels)]
    cols = ["player", "mean", "ci_low", "ci_high"]
    if geo is None:
        out = rows.assign(**{grain: rows.cell.astype(int)})[[grain, *cols]]
    else:
        parts = rows.cell.str.rsplit(":", n=1, expand=True)
        out = rows.assign(geo=parts[0], **{grain: parts[1].astype(int)})[["geo", grain, *cols]]
    out = out.rename(columns={"player": "channel", "mean": "true_revenue"})
    return out.reset_index(drop=True)
