"""One run's outcomes, broken down so counterfactual arms can be differenced cell by cell.

Computed on the worker (``summarise`` in a job, :mod:`sim.study.backends.worker`) from the
event log alone, so only a few thousand numbers travel back instead of the log. Every value
is in market units: money in the market's currency, orders and customers as market counts
(the sample's times ``market_size / population.size``), so effects do not depend on how many
consumers were simulated.

Keys are ``scope|cell|metric`` strings:

- ``total||revenue``, ``total||profit``, ``total||orders``, ``total||customers``,
  ``total||spend:<channel>``, ``total||views:<channel>``;
- ``week|<w>|<metric>`` for week ``w = day // 7`` (the same metrics), and with the daily
  summariser (:func:`summarise_daily`) ``day|<d>|<metric>`` for every day;
- ``segment|<name>|<metric>``, ``tier|<tier>|<metric>`` and ``region|<region>|<metric>`` for
  revenue, orders, customers (profit is not split: costs are booked per account, not per
  consumer); geographies (tier, store region) also carry ``population``, the consumers
  living there (market count), which geo-level MMMs such as Meridian read;
- ``<geo>_week|<name>:<w>|<metric>`` (``tier_week``, ``region_week``; and ``tier_day``,
  ``region_day`` when daily) for revenue, orders, customers, and views and spend per channel:
  the geo panels. A geo's spend is the channel's spend that day times the geo's share of the
  day's views (one price per view a day, so spend follows views).

Customers are distinct buyers within the cell (a week's customers bought that week). Segment
and geo cells count every consumer who lived in the market during the run: a consumer who
left (``market.turnover_rate``) keeps their seat's segment, tier and region
(:func:`sim.measure.residents.residents`), so geo cells add up to the national ones. A geo's
``population`` is its seats (the consumers living there at any one time).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.measure.funnel import text_values
from sim.measure.money import daily_pnl
from sim.measure.residents import row_seats

#: Metrics of the total and of each week.
MONEY_METRICS = ("revenue", "profit")
COUNT_METRICS = ("orders", "customers")
TOTAL_METRICS = MONEY_METRICS + COUNT_METRICS
#: Metrics split by segment and city tier.
SPLIT_METRICS = ("revenue", "orders", "customers")
#: Time grains of the panels: name -> days per period.
GRAINS = {"week": 7, "day": 1}
#: Groupings of consumers: scope name -> consumers-table column; the geographies get panels.
GROUPS = {"segment": "segment", "tier": "city_tier", "region": "region"}
GEOS = ("tier", "region")


def key(scope: str, cell: Any, metric: str) -> str:
    """The flat key of one number: ``scope|cell|metric``."""
    return f"{scope}|{cell}|{metric}"


def split_key(name: str) -> tuple[str, str, str]:
    """``scope|cell|metric`` back into its three parts."""
    scope, cell, metric = name.split("|")
    return scope, cell, metric


def periods(horizon_days: int, grain: str) -> int:
    """How many periods of ``grain`` a horizon has (the last week may be short)."""
    width = GRAINS[grain]
    return (horizon_days + width - 1) // width


def outcome_values(
    events: pd.DataFrame,
    consumers: pd.DataFrame,
    horizon_days: int,
    scale: float,
    *,
    daily: bool = False,
) -> dict[str, float]:
    """The flat ``scope|cell|metric -> value`` table of one run (market units).

    Args:
        daily: add the day-grain cells (``day``, ``tier_day``, ``region_day``) beside the
            weekly ones; about seven times the values, so only when a daily panel is wanted.
    """
    event = text_values(events["event"])
    outcome = text_values(events["outcome"])
    channel = text_values(events["channel"])
    day = events["day"].to_numpy(np.int64)
    who = events["consumer"].to_numpy(np.int64)
    value = events["value"].to_numpy(np.float64)
    bought = (event == "purchase_attempt") & (outcome == "purchased")
    media = (event == "cost") & (text_values(events["account"]) == "media")
    views = event == "content_view"
    channels = sorted(set(channel[media | views]) - {None})
    days = horizon_days
    pnl = daily_pnl(events, days)
    profit_day = np.bincount(pnl["day"].to_numpy(), pnl["profit"].to_numpy(), days)
    spend_day = {
        ch: np.bincount(day[media & (channel == ch)], value[media & (channel == ch)], days)
        for ch in channels
    }
    views_day = {ch: np.bincount(day[views & (channel == ch)], minlength=days) for ch in channels}
    # one price per view and day: the spend a view stands for (0 on days without views)
    price_day = {
        ch: np.divide(spend_day[ch], views_day[ch], out=np.zeros(days), where=views_day[ch] > 0)
        for ch in channels
    }
    grains = ["week", "day"] if daily else ["week"]
    out: dict[str, float] = {}

    totals = {
        "revenue": value[bought].sum(),
        "profit": profit_day.sum(),
        "orders": float(bought.sum()),
        "customers": float(len(np.unique(who[bought]))),
    }
    for ch in channels:
        totals[f"spend:{ch}"] = spend_day[ch].sum()
        totals[f"views:{ch}"] = float(views_day[ch].sum())
    for metric, total in totals.items():
        out[key("total", "", metric)] = float(total) * scale

    for grain in grains:
        width, n = GRAINS[grain], periods(days, grain)
        period = day // width
        to_period = np.arange(days) // width
        buyers = pd.DataFrame({"p": period[bought], "consumer": who[bought]}).drop_duplicates()
        series = {
            "revenue": np.bincount(period[bought], value[bought], n),
            "profit": np.bincount(to_period, profit_day, n),
            "orders": np.bincount(period[bought], minlength=n).astype(float),
            "customers": np.bincount(buyers["p"].to_numpy(), minlength=n).astype(float),
        }
        for ch in channels:
            series[f"spend:{ch}"] = np.bincount(to_period, spend_day[ch], n)
            series[f"views:{ch}"] = np.bincount(to_period, views_day[ch], n).astype(float)
        for metric, values in series.items():
            for p in range(n):
                out[key(grain, p, metric)] = float(values[p]) * scale

    # every row's seat, leavers' rows included (rows of no consumer, such as costs: -1)
    row_seat = row_seats(events, consumers)
    found = row_seat >= 0
    for scope, column in GROUPS.items():
        if column not in consumers:
            continue
        labels = text_values(consumers[column])
        group = np.where(found, labels[row_seat] if len(labels) else None, None)
        for name in sorted(set(labels)):
            here = bought & (group == name)
            out[key(scope, name, "revenue")] = float(value[here].sum()) * scale
            out[key(scope, name, "orders")] = float(here.sum()) * scale
            out[key(scope, name, "customers")] = float(len(np.unique(who[here]))) * scale
            if scope not in GEOS:
                continue
            out[key(scope, name, "population")] = float((labels == name).sum()) * scale
            seen_here = views & (group == name)
            geo_views_day = {
                ch: np.bincount(day[seen_here & (channel == ch)], minlength=days) for ch in channels
            }
            for grain in grains:
                width, n = GRAINS[grain], periods(days, grain)
                to_period = np.arange(days) // width
                bought_in = day[here] // width
                buyers = pd.DataFrame({"p": bought_in, "consumer": who[here]}).drop_duplicates()
                series = {
                    "revenue": np.bincount(bought_in, value[here], n),
                    "orders": np.bincount(bought_in, minlength=n).astype(float),
                    "customers": np.bincount(buyers["p"].to_numpy(), minlength=n).astype(float),
                }
                for ch in channels:
                    seen = geo_views_day[ch]
                    series[f"views:{ch}"] = np.bincount(to_period, seen, n).astype(float)
                    series[f"spend:{ch}"] = np.bincount(to_period, seen * price_day[ch], n)
                for metric, values in series.items():
                    for p in range(n):
                        out[key(f"{scope}_{grain}", f"{name}:{p}", metric)] = (
                            float(values[p]) * scale
                        )
    return out


def _values(result: Any, daily: bool) -> dict[str, float]:
    config = result.config
    scale = config.population.market_size / config.population.size
    return outcome_values(
        result.events.to_pandas(), result.consumers, config.horizon_days, scale, daily=daily
    )


def summarise(result: Any) -> dict[str, float]:
    """Worker entry (``summarise: sim.study.truth.summary:summarise``): a run's values."""
    return _values(result, daily=False)


def summarise_daily(result: Any) -> dict[str, float]:
    """Worker entry with the day-grain cells too (daily panels and daily truth)."""
    return _values(result, daily=True)
