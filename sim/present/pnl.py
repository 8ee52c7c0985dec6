"""A run's profit and loss as a statement a finance reader recognises, in market money."""

from __future__ import annotations

import pandas as pd

from sim.measure.money import PNL_LINES, daily_pnl

#: Lines printed as subtotals (a rule above them).
SUBTOTALS = ("net_revenue", "gross_profit", "contribution", "profit")


def statement(events: pd.DataFrame, horizon_days: int, market_scale: float) -> pd.DataFrame:
    """One row per P&L line: total, per day on average, share of net revenue (market money)."""
    daily = daily_pnl(events, horizon_days)
    total = {name: float(daily[name].sum()) * market_scale for name, _ in PNL_LINES}
    net = total["net_revenue"] or float("nan")
    return pd.DataFrame(
        {
            "line": [name for name, _ in PNL_LINES],
            "total": [total[name] for name, _ in PNL_LINES],
            "per_day": [total[name] / horizon_days for name, _ in PNL_LINES],
            "of_net_revenue": [total[name] / net for name, _ in PNL_LINES],
            "meaning": [meaning for _, meaning in PNL_LINES],
        }
    )


def format_statement(table: pd.DataFrame, currency: str) -> str:
    """The statement as aligned text: whole currency units with separators, shares in %."""
    width = max(len(line) for line in table.line)
    head = f"{'':<{width}}  {'total (' + currency + ')':>18}  {'per day':>14}  {'of net rev':>10}"
    out = [head]
    for row in table.itertuples():
        if row.line in SUBTOTALS:
            out.append("-" * len(head))
        share = "" if row.of_net_revenue != row.of_net_revenue else f"{row.of_net_revenue:.1%}"
        out.append(f"{row.line:<{width}}  {row.total:>18,.0f}  {row.per_day:>14,.0f}  {share:>10}")
    return "\n".join(out)
