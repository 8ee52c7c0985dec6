"""Journeys from the event log: the touchpoints before each purchase, and unconverted paths."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.measure.funnel import text_values

#: Default lookback: touchpoints more than this many days before a purchase do not count.
LOOKBACK_DAYS = 30
#: Touchpoint name of each event that is a marketing touchpoint (content views: the channel).
TOUCH_EVENTS = {"wom_received": "word_of_mouth", "coupon_claim": "coupon"}


@dataclass(frozen=True)
class Journey:
    """One path: its touchpoints in order, how many days before the end each came, outcome."""

    consumer: int
    touches: tuple[str, ...]
    days_before: tuple[int, ...]
    converted: bool
    value: float


def journeys(events: pd.DataFrame, lookback_days: int = LOOKBACK_DAYS) -> list[Journey]:
    """Every purchase's journey, and each consumer's unconverted trailing path.

    A purchase's journey is the consumer's touchpoints after their previous purchase, on
    days ``day - lookback_days .. day``, in log order (same-day touchpoints logged before
    the purchase count). Touchpoints after a consumer's last purchase, within
    ``lookback_days`` of the last of them, form an unconverted path.
    """
    event = text_values(events["event"])
    channel = text_values(events["channel"])
    outcome = text_values(events["outcome"])
    name = np.where(event == "content_view", channel, None).astype(object)
    for ev, label in TOUCH_EVENTS.items():
        name[event == ev] = label
    is_touch = pd.notna(name) & (event != "cost")
    is_buy = (event == "purchase_attempt") & (outcome == "purchased")
    keep = is_touch | is_buy
    frame = pd.DataFrame(
        {
            "consumer": events["consumer"].to_numpy(np.int64)[keep],
            "day": events["day"].to_numpy(np.int64)[keep],
            "name": name[keep],
            "buy": is_buy[keep],
            "value": events["value"].to_numpy(np.float64)[keep],
            "row": np.flatnonzero(keep),
        }
    ).sort_values(["consumer", "row"], kind="stable")
    out: list[Journey] = []
    cons = frame["consumer"].to_numpy()
    day = frame["day"].to_numpy()
    names = frame["name"].to_numpy()
    buy = frame["buy"].to_numpy()
    value = frame["value"].to_numpy()
    bounds = np.flatnonzero(np.diff(cons)) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(cons)], strict=True):
        pending: list[int] = []
        for i in range(lo, hi):
            if buy[i]:
                path = [j for j in pending if day[j] >= day[i] - lookback_days]
                out.append(
                    Journey(
                        int(cons[i]),
                        tuple(names[j] for j in path),
                        tuple(int(day[i] - day[j]) for j in path),
                        True,
                        float(value[i]),
                    )
                )
                pending = []
            else:
                pending.append(i)
        if pending:
            end = day[pending[-1]]
            path = [j for j in pending if day[j] >= end - lookback_days]
            out.append(
                Journey(
                    int(cons[lo]),
                    tuple(names[j] for j in path),
                    tuple(int(end - day[j]) for j in path),
                    False,
                    0.0,
                )
            )
    return out
