"""The report's opening: what wins, by how much, what it costs, what it returns, how sure.

Everything is in market money (the simulated sample's money x ``market_size / size``) and
paired by replication: arm and control ran on the same seeds, so each replication gives one
difference, and the interval is the paired t interval of those differences (as in the table).
Profit leads: net money is the arm's extra profit (the run's P&L from its event log: revenue
less discounts, cost of goods, fulfilment, stores, marketing and integration spend), and the
spend is everything between revenue and profit. Runs recorded before profit existed fall
back to revenue less content and coupon spend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.present.numbers import money, number, percent
from sim.study.experiment import ExperimentResult
from sim.study.stats import paired_difference

#: What a strategy spends, among the KPIs (sample money).
COST_KPIS = ("content_spend", "coupon_cost")


@dataclass(frozen=True)
class ArmMoney:
    """One arm against the control, in market money over the horizon (paired means, 95% CIs)."""

    arm: str
    revenue: tuple[float, float, float]  # extra revenue: mean, low, high
    cost: tuple[float, float, float]  # extra spend on content and coupons
    net: tuple[float, float, float]  # extra revenue - extra spend
    revenue_change: float  # extra revenue / control revenue
    ahead: int  # replications in which the arm's net is above the control's
    n: int

    @property
    def sure(self) -> bool:
        """The net interval lies wholly on one side of zero."""
        return bool(self.net[1] > 0 or self.net[2] < 0)

    @property
    def return_per_cost(self) -> float:
        """Extra revenue per unit of extra spend (NaN when the arm spends no more)."""
        return self.revenue[0] / self.cost[0] if self.cost[0] > 0 else float("nan")


def market_scale(result: ExperimentResult) -> float:
    """Market consumers per simulated consumer: sample money x this = market money."""
    population = result.experiment.configs[result.experiment.control].population
    return population.market_size / population.size


def currency(result: ExperimentResult) -> str:
    """The scenario's currency code (``population.currency``)."""
    return result.experiment.configs[result.experiment.control].population.currency


def arm_money(result: ExperimentResult) -> list[ArmMoney]:
    """Every non-control arm's money against the control; empty if revenue was not kept."""
    runs, control = result.runs, result.experiment.control
    if "revenue" not in runs:
        return []
    scale = market_scale(result)
    if "profit" in runs:  # the P&L: everything between revenue and profit is spend
        frame = runs.assign(_net=runs["profit"], _cost=runs["revenue"] - runs["profit"])
    else:
        costs = [c for c in COST_KPIS if c in runs]
        frame = runs.assign(
            _cost=runs[costs].sum(axis=1) if costs else 0.0,
        ).assign(_net=lambda f: f["revenue"] - f["_cost"])
    base = frame[frame["arm"] == control].sort_values("replication")
    out = []
    for arm in result.experiment.arms:
        if arm == control:
            continue
        part = frame[frame["arm"] == arm].sort_values("replication")
        cells = {}
        for column in ("revenue", "_cost", "_net"):
            d = paired_difference(part[column].to_numpy(), base[column].to_numpy())
            cells[column] = (d.mean_diff * scale, d.ci_low * scale, d.ci_high * scale)
        control_revenue = float(base["revenue"].mean())
        ahead = int((part["_net"].to_numpy() > base["_net"].to_numpy()).sum())
        out.append(
            ArmMoney(
                arm,
                cells["revenue"],
                cells["_cost"],
                cells["_net"],
                cells["revenue"][0] / scale / control_revenue if control_revenue else np.nan,
                ahead,
                len(part),
            )
        )
    return out


def _interval(cell: tuple[float, float, float], code: str) -> str:
    return f"{money(cell[1], code, signed=True)} to {money(cell[2], code, signed=True)}"


def summary_sentences(result: ExperimentResult) -> list[str]:
    """The opening paragraph, sentence by sentence, in words and market money."""
    arms = arm_money(result)
    control, code = result.experiment.control, currency(result)
    days = result.experiment.configs[control].horizon_days
    if not arms:
        return [f"Revenue was not recorded, so no money summary against {control} is possible."]
    best = max(arms, key=lambda a: a.net[0])
    has_pnl = "profit" in result.runs
    spent_on = (
        "in costs (goods, fulfilment, stores, marketing, integration)"
        if has_pnl
        else ("on content and coupons")
    )
    net_word = "profit" if has_pnl else "net"
    lines = []
    if best.net[0] <= 0:
        lines.append(
            f"No arm earns more {'profit' if has_pnl else 'net money'} than {control}: "
            f"the closest, {best.arm}, is "
            f"{money(best.net[0], code, signed=True)} over {days} days "
            f"(95% interval {_interval(best.net, code)})."
        )
    else:
        lines.append(
            f"{best.arm} comes out ahead of {control}: "
            f"{money(best.net[0], code, signed=True)} {net_word} over {days} days "
            f"(95% interval {_interval(best.net, code)})."
        )
    cost = best.cost[0]
    if cost > 0:
        spend = f"for {money(cost, code)} more {spent_on}"
        back = f"; each extra {code} spent brings back {code} {best.return_per_cost:.2f} in revenue"
    elif cost < 0:
        spend, back = f"while spending {money(-cost, code)} less {spent_on}", ""
    else:
        spend, back = f"at the same spend {spent_on}", ""
    lines.append(
        f"It brings {money(best.revenue[0], code, signed=True)} of revenue "
        f"({percent(best.revenue_change)}) {spend}{back}."
    )
    payback = _payback_sentence(result, best.arm, control, days)
    if payback:
        lines.append(payback)
    verdict = (
        "the interval excludes zero, so the difference is not chance"
        if best.sure
        else "the interval includes zero, so this could be chance: run more replications"
    )
    lines.append(
        f"How sure: ahead in {best.ahead} of {best.n} paired replications (same seeds in "
        f"both arms); {verdict}."
    )
    others = [a for a in arms if a is not best]
    if others:
        rest = "; ".join(
            f"{a.arm} {money(a.net[0], code, signed=True)} ({_interval(a.net, code)})"
            for a in sorted(others, key=lambda a: -a.net[0])
        )
        lines.append(f"{net_word.capitalize()} of the other arms against {control}: {rest}.")
    lines.append(
        f"Money is market money in {code}: the simulated sample's money x "
        f"{market_scale(result):,.0f} (market size / simulated consumers)."
    )
    return lines


def _payback_sentence(result: ExperimentResult, arm: str, control: str, days: int) -> str:
    """When the arm's cumulative profit overtakes the control's for good, in words."""
    money_rows = result.money
    if money_rows is None or money_rows.empty:
        return ""
    hit = money_rows[(money_rows["arm"] == arm) & (money_rows["measure"] == "payback_day")]
    if hit.empty:
        return ""
    r = hit.iloc[0]
    if not np.isfinite(r["estimate"]):
        return f"Its cumulative profit does not stay above {control}'s within the {days} days."
    interval = ""
    if np.isfinite(r["ci_low"]) or np.isfinite(r["ci_high"]):
        interval = f" (95% interval {_day(r['ci_low'], days)} to {_day(r['ci_high'], days)})"
    return (
        f"It pays back on {_day(r['estimate'], days)}{interval}: from then on its cumulative "
        f"profit stays above {control}'s."
    )


def money_table(result: ExperimentResult) -> pd.DataFrame:
    """Per arm: extra revenue, extra spend, net and return, formatted for people."""
    code = currency(result)
    rows = []
    for a in arm_money(result):
        rows.append(
            {
                "arm": a.arm,
                "extra revenue": money(a.revenue[0], code, signed=True),
                "extra spend": money(a.cost[0], code, signed=True),
                "net": money(a.net[0], code, signed=True),
                "net, 95% interval": _interval(a.net, code),
                "revenue per extra spend": (
                    f"{a.return_per_cost:.2f}" if np.isfinite(a.return_per_cost) else "n/a"
                ),
                "ahead in": f"{a.ahead} of {a.n}",
            }
        )
    return pd.DataFrame(rows)


def _cell(m: pd.DataFrame, name: str, show) -> str:
    """A measure's estimate and interval as text (``show`` formats one number)."""
    if name not in m.index:
        return "n/a"
    r = m.loc[name]
    value = show(r["estimate"])
    if not (np.isfinite(r["ci_low"]) or np.isfinite(r["ci_high"])):
        note = " (no interval: extra customers may be 0)" if "unbounded" in r["method"] else ""
        return f"{value}{note}"
    return f"{value} ({show(r['ci_low'])} to {show(r['ci_high'])})"


def _day(value: float, horizon: int) -> str:
    if not np.isfinite(value):
        return f"not within {horizon} days" if value == np.inf else "n/a"
    return f"day {value:.0f}"


def measures_table(result: ExperimentResult) -> pd.DataFrame:
    """Per arm: extra new customers and acquisition spend, incremental acquisition cost and
    payback day with their 95% intervals, formatted for people (market figures).

    Counts and spend are scaled to the market; the acquisition cost per customer and the
    payback day do not depend on the scale.
    """
    money_rows = result.money
    if money_rows is None or money_rows.empty:
        return pd.DataFrame()
    code, scale = currency(result), market_scale(result)
    horizon = result.experiment.configs[result.experiment.control].horizon_days
    rows = []
    for arm, block in money_rows.groupby("arm", sort=False):
        m = block.set_index("measure")
        row: dict[str, str] = {"arm": arm}

        row["extra new customers"] = _cell(
            m, "extra_new_customers", lambda x: ("+" if x > 0 else "") + number(x * scale)
        )
        row["extra acquisition spend"] = _cell(
            m, "extra_acquisition_spend", lambda x: money(x * scale, code, signed=True)
        )
        row["incremental acquisition cost (95% CI)"] = _cell(
            m, "incremental_acquisition_cost", lambda x: money(x, code)
        )
        row["payback (95% CI)"] = _cell(m, "payback_day", lambda x, h=horizon: _day(x, h))
        rows.append(row)
    return pd.DataFrame(rows)


__all__ = [
    "ArmMoney",
    "arm_money",
    "currency",
    "market_scale",
    "measures_table",
    "money_table",
    "summary_sentences",
]
