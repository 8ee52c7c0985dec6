"""One run's outcomes, broken down so counterfactual arms can be differenced cell by cell.

Computed on the worker (``summarise`` in a job, :mod:`sim.study.backends.worker`) from the
event log alone, so only a few thousand numbers travel back instead of the log. Every value
is in market units: money in the market's currency, orders and customers as market counts
(the sample's times ``market_size / population.size``), so effects do not depend on how many
consumers were simulated.

Keys are ``scope|cell|metric`` strings:

- ``total||revenue``, ``total||profit``, ``total||orders``, ``total||customers``,
  ``total||spend:<channel>``, ``total||views:<channel>``;
- ``week|<w>|<metric>`` for week ``w = day // 7`` (the same metrics);
- ``segment|<name>|<metric>`` and ``tier|<tier>|<metric>`` for revenue, orders, customers
  (profit is not split: costs are booked per account, not per consumer);
- ``tier_week|<tier>:<w>|<metric>`` for revenue, orders and views per channel (geo panels).

Customers are distinct buyers within the cell (a week's customers bought that week).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.measure.money import daily_pnl

#: Metrics of the total and of each week.
MONEY_METRICS = ("revenue", "profit")
COUNT_METRICS = ("orders", "customers")
TOTAL_METRICS = MONEY_METRICS + COUNT_METRICS
#: Metrics split by segment and city tier.
SPLIT_METRICS = ("revenue", "orders", "customers")


def key(scope: str, cell: Any, metric: str) -> str:
    """The flat key of one number: ``scope|cell|metric``."""
    return f"{scope}|{cell}|{metric}"


def split_key(name: str) -> tuple[str, str, str]:
    """``scope|cell|metric`` back into its three parts."""
    scope, cell, metric = name.split("|")
    return scope, cell, metric


def _text(column: pd.Series) -> np.ndarray:
    return (
        column.astype(object).to_numpy()
        if isinstance(column.dtype, pd.CategoricalDtype)
        else column.to_numpy()
    )


def outcome_values(
    events: pd.DataFrame, consumers: pd.DataFrame, horizon_days: int, scale: float
) -> dict[str, float]:
    """The flat ``scope|cell|metric -> value`` table of one run (market units)."""
    event = _text(events["event"])
    outcome = _text(events["outcome"])
    channel = _text(events["channel"])
    day = events["day"].to_numpy(np.int64)
    who = events["consumer"].to_numpy(np.int64)
    value = events["value"].to_numpy(np.float64)
    weeks = (horizon_days + 6) // 7
    week = day // 7
    bought = (event == "purchase_attempt") & (outcome == "purchased")
    out: dict[str, float] = {}

    pnl = daily_pnl(events, horizon_days)
    profit_week = np.bincount(pnl["day"].to_numpy() // 7, pnl["profit"].to_numpy(), weeks)
    revenue_week = np.bincount(week[bought], value[bought], weeks)
    orders_week = np.bincount(week[bought], minlength=weeks).astype(float)
    buyers = pd.DataFrame({"week": week[bought], "consumer": who[bought]}).drop_duplicates()
    customers_week = np.bincount(buyers["week"].to_numpy(), minlength=weeks).astype(float)
    weekly = {
        "revenue": revenue_week,
        "profit": profit_week,
        "orders": orders_week,
        "customers": customers_week,
    }
    totals = {
        "revenue": revenue_week.sum(),
        "profit": profit_week.sum(),
        "orders": orders_week.sum(),
        "customers": float(len(np.unique(who[bought]))),
    }
    cost = event == "cost"
    media = cost & (_text(events["account"]) == "media")
    views = event == "content_view"
    for name in sorted(set(channel[media | views]) - {None}):
        spend = np.bincount(
            week[media & (channel == name)], value[media & (channel == name)], weeks
        )
        seen = np.bincount(week[views & (channel == name)], minlength=weeks).astype(float)
        weekly[f"spend:{name}"] = spend
        weekly[f"views:{name}"] = seen
        totals[f"spend:{name}"] = spend.sum()
        totals[f"views:{name}"] = seen.sum()
    for metric, total in totals.items():
        out[key("total", "", metric)] = float(total) * scale
    for metric, series in weekly.items():
        for w in range(weeks):
            out[key("week", w, metric)] = float(series[w]) * scale

    ids = consumers["consumer"].to_numpy(np.int64)
    order = np.argsort(ids)
    ids = ids[order]
    for scope, column in (("segment", "segment"), ("tier", "city_tier")):
        labels = _text(consumers[column])[order]
        pos = np.clip(np.searchsorted(ids, who), 0, len(ids) - 1)
        found = ids[pos] == who
        group = np.where(found, labels[pos], None)
        for name in sorted(set(labels)):
            here = bought & (group == name)
            out[key(scope, name, "revenue")] = float(value[here].sum()) * scale
            out[key(scope, name, "orders")] = float(here.sum()) * scale
            out[key(scope, name, "customers")] = float(len(np.unique(who[here]))) * scale
            if scope != "tier":
                continue
            rev = np.bincount(week[here], value[here], weeks)
            orders = np.bincount(week[here], minlength=weeks)
            seen_here = views & (group == name)
            for w in range(weeks):
                cell = f"{name}:{w}"
                out[key("tier_week", cell, "revenue")] = float(rev[w]) * scale
                out[key("tier_week", cell, "orders")] = float(orders[w]) * scale
            for ch in sorted(set(channel[views]) - {None}):
                seen = np.bincount(week[seen_here & (channel == ch)], minlength=weeks)
                for w in range(weeks):
                    out[key("tier_week", f"{name}:{w}", f"views:{ch}")] = float(seen[w]) * scale
    return out


def summarise(result: Any) -> dict[str, float]:
    """Worker entry (``summarise: sim.study.truth.summary:summarise``): a run's values."""
    config = result.config
    scale = config.population.market_size / config.population.size
    return outcome_values(result.events.to_pandas(), result.consumers, config.horizon_days, scale)
