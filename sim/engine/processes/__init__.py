"""The day's touchpoint processes, in the order they run: the within-day clock.

Each process is a function ``process(ctx, day)`` of a :class:`~sim.engine.context.DayContext`.
:data:`PROCESSES` is the one place the order is set: the model runs it each day, and
the event log's rows within a day follow it, so "before" in a KPI means "earlier in
this tuple, or earlier in the same process". Adding a touchpoint is one new module here
and one entry in the tuple (see the README's "Extending omo-sim").
"""

from __future__ import annotations

from collections.abc import Callable

from sim.engine.context import DayContext
from sim.engine.processes import (
    app,
    checkout,
    competition,
    content,
    costs,
    coupons,
    interest,
    market,
    membership,
    pickup,
    retention,
    sharing,
    turnover,
    visits,
    winback,
)

Process = Callable[[DayContext, int], None]

#: One day, in order. Rows of the event log within a day are written in this order.
PROCESSES: tuple[Process, ...] = (
    market.open_day,  # (today's demand, prices, promotions, rivals' prices)
    interest.fade,  # interest decays overnight
    content.content_views,  # content_view
    app.app_sessions,  # app_session, coupon_claim; online attempts
    visits.store_visits,  # store_visit; store attempts
    competition.contest,  # competitor_purchase (rivals steal brand attempts)
    checkout.checkout,  # purchase_attempt, promotion_discount, coupon_redeem, lapse
    membership.join,  # member_join
    pickup.plan_pickups,  # (plans tomorrow's pick-up visits)
    sharing.share,  # share, wom_received, coupon_claim (referral)
    retention.rebuy_and_lapse,  # (missions, member events), lapse
    competition.lost_occasions,  # competitor_purchase (needs the brand did not meet)
    winback.win_back,  # winback
    coupons.expire,  # coupon_expire
    turnover.turnover,  # market_exit (newcomers take the seats)
    costs.book_costs,  # cost (one row per account with money spent)
)


def process_name(process: Process) -> str:
    """``module.function`` of a process (``content.content_views``): how timings name it."""
    return f"{process.__module__.rsplit('.', 1)[-1]}.{process.__name__}"


def describe() -> list[tuple[str, str]]:
    """(process, first line of its docstring) in running order, for the README."""
    rows = []
    for p in PROCESSES:
        summary = (p.__doc__ or "").split("\n")[0].replace("``", "`")
        rows.append((process_name(p), summary))
    return rows
