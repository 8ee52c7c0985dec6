"""Customer lifetime: how long customers stay, and what they are worth past the horizon.

A run's horizon cuts every customer's story short: a customer won in month eleven has
earned a month of margin by the end, not a lifetime's. This module fits how customers come
and go from the event log and projects their margin past the horizon.

The model is the engine's own, read back from the log: a customer is *active* (their needs
to rebuy become orders) or *lapsed* (they buy nothing), and three constant daily chances move
them: lapse (active to lapsed: ``lapse`` rows), win-back (lapsed to active: ``winback``
rows), loss (lapsed to lost for good: ``customer_lost`` rows) and market exit (gone:
``market_exit`` rows). For a constant daily chance the
maximum-likelihood estimate, with customers still in their state at the horizon counted as
censored, is events over days at risk: the geometric (discrete exponential) survival. A
customer's time at risk starts at their first purchase, win-back or lapse in the log, when
their state is known (a customer who knew the brand before day 0 is not counted before
then; the chances are memoryless, so where counting starts does not bias them).

Customer lifetime value is per customer won in the horizon (first purchase in the log): the
gross margin (net revenue x gross margin, the margin read from the log's cost of goods) of
their orders up to the horizon, discounted to their first purchase, plus the expected
discounted margin of the days after it, from the state they are in at the end: an active
customer earns the margin per active day observed in the log for as long as the fitted
chances keep them, lapsing and coming back included. No cut-off at the horizon, and none
past it: the discount rate and the chance of leaving keep the sum finite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.measure.funnel import EventFrame, as_frame
from sim.measure.money import pnl

_BUY, _WIN, _LAPSE, _EXIT, _LOST = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class LifetimeFit:
    """Daily chances fitted from a log, with what they were fitted from.

    Attributes:
        lapse_rate: daily chance an active customer lapses.
        winback_rate: daily chance a lapsed customer comes back.
        exit_rate: daily chance a customer leaves the market.
        loss_rate: daily chance a lapsed customer is lost for good.
        lapses, winbacks, exits, losses: the events counted.
        active_days, lapsed_days, customer_days: the days at risk of each.
        margin_per_active_day: gross margin a customer earns per active day after the first
            purchase (the log's money).
        gross_margin: net revenue share left after the cost of goods (from the log).
    """

    lapse_rate: float
    winback_rate: float
    exit_rate: float
    lapses: int
    winbacks: int
    exits: int
    active_days: float
    lapsed_days: float
    customer_days: float
    margin_per_active_day: float
    gross_margin: float
    loss_rate: float = 0.0
    losses: int = 0

    def lapse_interval(self, confidence: float = 0.95) -> tuple[float, float]:
        """Exact (Clopper-Pearson) interval of the daily lapse chance."""
        return _binomial_interval(self.lapses, self.active_days, confidence)

    @property
    def remaining_lifetime_days(self) -> float:
        """Expected days an active customer stays before lapsing or leaving (NaN: never)."""
        leave = 1.0 - (1.0 - self.lapse_rate) * (1.0 - self.exit_rate)
        return 1.0 / leave if leave > 0 else float("nan")

    def state_values(self, annual_discount_rate: float) -> tuple[float, float]:
        """Expected discounted margin from tomorrow on, of an active and of a lapsed customer.

        Solves ``V_a = m + d (1 - e) ((1 - l) V_a + l V_l)`` and
        ``V_l = d (1 - e) (w V_a + (1 - w) (1 - c) V_l)`` (m margin per active day, d the
        daily discount factor, l, w, e, c the lapse, win-back, exit and loss chances; a lost
        customer is worth nothing). NaN when the sum has no end (no discounting, no exit, and
        lapsed customers come back).
        """
        d = (1.0 + annual_discount_rate) ** (-1.0 / 365.0)
        keep = d * (1.0 - self.exit_rate)
        lapse, win, stay = self.lapse_rate, self.winback_rate, 1.0 - self.loss_rate
        a = np.array(
            [
                [1.0 - keep * (1.0 - lapse), -keep * lapse],
                [-keep * win, 1.0 - keep * (1.0 - win) * stay],
            ]
        )
        if not np.isfinite(a).all() or abs(np.linalg.det(a)) < 1e-12:
            return float("nan"), float("nan")
        active, lapsed = np.linalg.solve(a, np.array([self.margin_per_active_day, 0.0]))
        return float(active), float(lapsed)


def _binomial_interval(k: int, n: float, confidence: float) -> tuple[float, float]:
    if n <= 0:
        return float("nan"), float("nan")
    tail = (1.0 - confidence) / 2.0
    low = stats.beta.ppf(tail, k, n - k + 1) if k > 0 else 0.0
    high = stats.beta.ppf(1.0 - tail, k + 1, n - k) if k < n else 1.0
    return float(low), float(high)


@dataclass(frozen=True)
class _Spells:
    """Every customer's known spells in one state: who, state, start and end, how it ended."""

    cid: np.ndarray
    active: np.ndarray
    start_kind: np.ndarray
    start_day: np.ndarray
    start_row: np.ndarray
    end_kind: np.ndarray  # -1: still in this state at the horizon (censored)
    end_day: np.ndarray


def _first_rows(frame: EventFrame, mask: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(mask)
    first = np.full(frame.size, len(frame), np.int64)
    np.minimum.at(first, frame.cid[rows], rows)
    return first


def _spells(frame: EventFrame) -> _Spells:
    """Spells from each customer's first known state on: a purchase or win-back (active) or a
    lapse (lapsed); each later lapse, win-back, exit or loss ends one and (but exit and loss)
    starts the next."""
    buy, win = frame.purchased, frame.event("winback")
    lapse, leave = frame.event("lapse"), frame.event("market_exit")
    lost = frame.event("customer_lost")
    start = _first_rows(frame, buy | win | lapse)
    kind = np.full(len(frame), -1, np.int8)
    kind[buy], kind[win], kind[lapse], kind[leave] = _BUY, _WIN, _LAPSE, _EXIT
    kind[lost] = _LOST
    rows = np.flatnonzero(kind >= 0)
    who = frame.cid[rows]
    keep = (rows == start[who]) | ((rows > start[who]) & (kind[rows] != _BUY))
    rows, who = rows[keep], who[keep]  # marks: the start, then every change of state
    order = np.lexsort((rows, who))
    rows, who = rows[order], who[order]
    mark, day = kind[rows], frame.day[rows]
    same_next = np.zeros(len(rows), bool)
    same_next[:-1] = who[1:] == who[:-1]
    nxt = np.minimum(np.arange(len(rows)) + 1, max(len(rows) - 1, 0))
    opens = (mark != _EXIT) & (mark != _LOST)
    end_kind = np.where(same_next, mark[nxt], -1)[opens]
    end_day = np.where(same_next, day[nxt], -1)[opens]
    return _Spells(
        cid=who[opens],
        active=np.isin(mark[opens], (_BUY, _WIN)),
        start_kind=mark[opens],
        start_day=day[opens],
        start_row=rows[opens],
        end_kind=end_kind.astype(np.int8),
        end_day=end_day,
    )


def _net_money(frame: EventFrame) -> tuple[np.ndarray, np.ndarray]:
    """Rows that move a customer's net revenue (orders +, coupon discounts -) and the amount."""
    redeem = frame.event("coupon_redeem")
    rows = np.flatnonzero(frame.purchased | redeem)
    return rows, np.where(redeem[rows], -frame.value[rows], frame.value[rows])


def fit_lifetime(
    events: pd.DataFrame, horizon_days: int, frame: EventFrame | None = None
) -> LifetimeFit:
    """Fit the daily lapse, win-back, exit and loss chances and the margin per active day.

    Days at risk follow the engine's within-day order: purchases (and a lapse over an
    inconsistent brand) at checkout, then the day's lapse draw (none on the horizon's last
    day), then win-backs (the same day's lapsers included), then market exits and losses
    (lapsed customers not won back that day). So an active
    spell begun by a purchase on day ``s`` is at risk of lapse from day ``s``, one begun by
    a win-back from ``s + 1``; a lapsed spell is at risk of win-back from its first day.

    ``frame``, when given, is ``events`` already converted (:class:`EventFrame`); ``events``
    then need only hold the money rows the P&L reads (orders, discounts, costs).
    """
    frame = as_frame(events) if frame is None else frame
    sp = _spells(frame)
    last = horizon_days - 1
    censored = sp.end_kind < 0
    end = np.where(censored, last, sp.end_day)

    act = sp.active
    risk_from = sp.start_day + (sp.start_kind == _WIN)
    lapse_to = np.where(
        censored, last - 1, np.where(sp.end_kind == _EXIT, np.minimum(end, last - 1), end)
    )
    active_days = float(np.maximum(lapse_to - risk_from + 1, 0)[act].sum())
    lapses = int((act & (sp.end_kind == _LAPSE)).sum())

    lapsed_days = float((end - sp.start_day + 1)[~act].sum())
    winbacks = int((~act & (sp.end_kind == _WIN)).sum())
    losses = int((~act & (sp.end_kind == _LOST)).sum())

    first = np.full(frame.size, np.iinfo(np.int64).max)
    np.minimum.at(first, sp.cid, sp.start_day)
    final = np.full(frame.size, -1, np.int64)
    np.maximum.at(final, sp.cid, end)
    known = final >= 0
    customer_days = float((final - first + 1)[known].sum())
    exits = int((sp.end_kind == _EXIT).sum())

    rows, net = _net_money(frame)
    start_row = np.full(frame.size, len(frame), np.int64)
    np.minimum.at(start_row, sp.cid, sp.start_row)
    later = rows > start_row[frame.cid[rows]]
    margin_days = float((end - sp.start_day)[act].sum())
    gross_margin = _gross_margin(events, horizon_days)
    margin = gross_margin * float(net[later].sum())

    def rate(k: int, n: float) -> float:
        return k / n if n > 0 else float("nan")

    return LifetimeFit(
        lapse_rate=rate(lapses, active_days),
        winback_rate=rate(winbacks, lapsed_days) if lapsed_days > 0 else 0.0,
        exit_rate=rate(exits, customer_days) if customer_days > 0 else 0.0,
        lapses=lapses,
        winbacks=winbacks,
        exits=exits,
        loss_rate=rate(losses, lapsed_days) if lapsed_days > 0 else 0.0,
        losses=losses,
        active_days=active_days,
        lapsed_days=lapsed_days,
        customer_days=customer_days,
        margin_per_active_day=rate(margin, margin_days),
        gross_margin=gross_margin,
    )


def _gross_margin(events: pd.DataFrame, horizon_days: int) -> float:
    """Share of net revenue left after the cost of goods, as booked in the log (NaN: none)."""
    lines = pnl(events, horizon_days)
    if lines["net_revenue"] <= 0 or lines["cost_of_goods"] <= 0:
        return float("nan")
    return 1.0 - lines["cost_of_goods"] / lines["net_revenue"]


def customer_lifetime_value(
    events: pd.DataFrame,
    horizon_days: int,
    annual_discount_rate: float,
    frame: EventFrame | None = None,
) -> dict[str, float]:
    """Lifetime value of the customers won in the horizon, and their expected remaining life.

    Returns:
        ``customer_lifetime_value``: mean over customers whose first purchase is in the log
        of their discounted gross margin from it, observed to the horizon and projected past
        it (the log's money per customer); ``customer_remaining_lifetime_days``: expected
        days an active customer stays before lapsing or leaving; ``customer_lapse_rate``:
        the fitted daily lapse chance. ``frame`` as in :func:`fit_lifetime`.
    """
    frame = as_frame(events) if frame is None else frame
    fit = fit_lifetime(events, horizon_days, frame)
    out = {
        "customer_lapse_rate": fit.lapse_rate,
        "customer_remaining_lifetime_days": fit.remaining_lifetime_days,
        "customer_lifetime_value": float("nan"),
    }
    first = frame.first(frame.purchased)  # -1 for customers known before day 0
    won = np.flatnonzero(first >= 0)
    if len(won) == 0 or not np.isfinite(fit.gross_margin):
        return out
    value_active, value_lapsed = fit.state_values(annual_discount_rate)
    d = (1.0 + annual_discount_rate) ** (-1.0 / 365.0)
    first_day = np.full(frame.size, -1, np.int64)
    first_day[won] = frame.day[first[won]]

    rows, net = _net_money(frame)
    who = frame.cid[rows]
    counted = (first[who] >= 0) & (rows >= first[who])
    observed = np.zeros(frame.size)
    np.add.at(
        observed,
        who[counted],
        net[counted] * d ** (frame.day[rows[counted]] - first_day[who[counted]]),
    )
    observed *= fit.gross_margin

    sp = _spells(frame)
    state = np.full(frame.size, _EXIT, np.int8)  # the state at the horizon's end
    open_ = sp.end_kind < 0
    state[sp.cid[open_ & sp.active]] = _BUY
    state[sp.cid[open_ & ~sp.active]] = _LAPSE
    ahead = np.select([state == _BUY, state == _LAPSE], [value_active, value_lapsed], 0.0)
    projected = d ** (horizon_days - first_day[won]) * ahead[won]
    out["customer_lifetime_value"] = float((observed[won] + projected).mean())
    return out
