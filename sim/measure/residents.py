"""Everyone who lived in the market during a run, and whose place (seat) each one had.

The consumers table holds one row per seat: the profile and place (segment, city tier,
store region) of whoever sits there at the end of the run. A market that turns over
(``market.turnover_rate``, ``market.churn_rate``) has had more consumers than seats: a
leaver's ``market_exit`` row (a lost customer's ``customer_lost`` row) closes their journey
and a newcomer, with a new consumer id, takes the seat with its profile and place. A leaver
is not in the consumers table, but their rows still belong to their seat's segment, tier and
region; :func:`residents` finds that seat from the log.

How: consumer ids are handed out in the order consumers arrive, so a run's newcomers hold the
largest ids, in the order of the seat-renewing rows that made room for them
(:data:`~sim.log.columns.SEAT_RENEWALS`; the log's ``market_exit`` description). Following
each leaver to their newcomer, and that newcomer to theirs if they left too, ends at the
seat's consumer at the end of the run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.log.columns import SEAT_RENEWALS
from sim.measure.funnel import text_values


def residents(events: pd.DataFrame, consumers: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Every consumer who lived in the market during the run, and the row of their seat.

    Args:
        events: the run's event log, in log order (``event`` and ``consumer`` columns).
        consumers: the consumers table, one row per seat (``consumer`` column).

    Returns:
        ``(ids, seat)``: the consumer ids in ascending order (the consumers at the end and
        everyone who left during the run), and for each the row of ``consumers`` holding their
        seat, whose profile and place they had.

    Raises:
        ValueError: the log's market exits do not fit the consumers table (a log and a table
            from different runs).
    """
    at_end = consumers["consumer"].to_numpy(np.int64)
    exits = np.isin(text_values(events["event"]), SEAT_RENEWALS)
    leavers = events["consumer"].to_numpy(np.int64)[exits]
    ids = np.union1d(at_end, leavers)
    if len(ids) != len(at_end) + len(leavers):
        raise ValueError(
            f"{len(leavers)} market exits and {len(at_end)} seats give {len(ids)} distinct "
            f"consumers, not {len(at_end) + len(leavers)}: the log and the consumers table "
            "are not from the same run"
        )
    newcomers = ids[len(ids) - len(leavers) :]  # the k-th exit made room for the k-th newcomer
    if np.any(newcomers <= leavers):
        raise ValueError("a newcomer's id is not above the id of the consumer they replaced")
    # each consumer points at who took their seat, the consumers at the end at themselves
    successor = np.arange(len(ids))
    successor[np.searchsorted(ids, leavers)] = np.searchsorted(ids, newcomers)
    while True:
        further = successor[successor]
        if np.array_equal(further, successor):
            break
        successor = further
    seat_at_end = np.full(len(ids), -1, np.int64)
    seat_at_end[np.searchsorted(ids, at_end)] = np.arange(len(at_end))
    return ids, seat_at_end[successor]


def row_seats(events: pd.DataFrame, consumers: pd.DataFrame) -> np.ndarray:
    """The seat (row of ``consumers``) of each event row's consumer, -1 for rows of no
    consumer (costs). Seats, not ids, are what stay the same between arms of a comparison:
    with churn a lever changes who is lost, and so every later newcomer's id."""
    ids, seat = residents(events, consumers)
    who = events["consumer"].to_numpy(np.int64)
    if len(ids) == 0:
        return np.full(len(who), -1, np.int64)
    pos = np.clip(np.searchsorted(ids, who), 0, len(ids) - 1)
    return np.where(ids[pos] == who, seat[pos], -1)
