"""Market KPIs: the brand against its rivals, from the event log alone.

A category purchase is a brand order (a purchased ``purchase_attempt``) or a
``competitor_purchase`` row; its firm is the brand (-1) or the rival's ``competitor``
number. A log without rival rows is a brand with the market to itself (share 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.measure.funnel import EventFrame, ratio

BRAND = -1


def _purchases(frame: EventFrame, events: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Rows of category purchases (in time order) and each one's firm (-1 the brand)."""
    if frame.competitor is not None:
        competitor = frame.competitor
    elif events is not None and "competitor" in events.columns:
        consumer_rows = (events["consumer"] >= 0).to_numpy()
        competitor = events["competitor"].to_numpy(np.int64)[consumer_rows]
    else:
        competitor = np.full(len(frame), BRAND, np.int64)
    rival = frame.event("competitor_purchase")
    rows = np.flatnonzero(frame.purchased | rival)
    firm = np.where(rival[rows], competitor[rows], BRAND)
    return rows, firm


def market_kpis(frame: EventFrame, events: pd.DataFrame | None = None) -> dict[str, float]:
    """Market share (orders, value), share of wallet, switching, rivals' purchases.

    The rival of each row comes from the frame's ``competitor`` column, else from
    ``events`` (a frame built without it).
    """
    rows, firm = _purchases(frame, events)
    brand = firm == BRAND
    value = frame.value[rows]
    cid = frame.cid[rows]
    customers = np.zeros(frame.size, bool)
    customers[cid[brand]] = True
    of_customers = customers[cid]
    order = np.argsort(cid, kind="stable")  # each consumer's purchases, in time order
    same = cid[order][1:] == cid[order][:-1]
    switched = firm[order][1:] != firm[order][:-1]
    stolen = frame.event("competitor_purchase") & (frame.codes["channel"][0] >= 0)
    return {
        "market_share": ratio(brand.sum(), len(rows)),
        "value_share": ratio(value[brand].sum(), value.sum()),
        "share_of_wallet": ratio((brand & of_customers).sum(), of_customers.sum()),
        "switching_rate": ratio((same & switched).sum(), same.sum()),
        "competitor_purchases": float((~brand).sum()),
        "stolen_sales": float(stolen.sum()),
    }
