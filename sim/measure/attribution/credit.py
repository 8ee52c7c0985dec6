"""Every method's credited revenue and conversions per channel, in total, by segment, by tier."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import pandas as pd

from sim.measure.attribution.journeys import LOOKBACK_DAYS, Journey, journeys
from sim.measure.attribution.markov import markov_shares
from sim.measure.attribution.path_shapley import shapley_credit
from sim.measure.attribution.rules import RULES
from sim.measure.residents import residents

#: Method names, in the order reports show them.
METHODS = (*RULES, "markov", "path_shapley")


def credit(paths: Sequence[Journey], method: str) -> dict[str, tuple[float, float]]:
    """Channel -> (credited revenue, credited conversions) over converting paths (sample)."""
    out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    converting = [j for j in paths if j.converted and j.touches]
    if method in RULES:
        rule = RULES[method]
        for j in converting:
            for ch, w in zip(j.touches, rule(j.days_before), strict=True):
                out[ch][0] += w * j.value
                out[ch][1] += w
        return {ch: (v[0], v[1]) for ch, v in out.items()}
    channels = sorted({t for j in paths for t in j.touches})
    if not channels:
        return {}
    if method == "path_shapley":
        return {ch: (float(v[0]), float(v[1])) for ch, v in shapley_credit(paths, channels).items()}
    shares = markov_shares(paths, channels)
    revenue = sum(j.value for j in converting)
    return {ch: (shares[ch] * revenue, shares[ch] * len(converting)) for ch in channels}


def attribute(
    events: pd.DataFrame,
    consumers: pd.DataFrame,
    scale: float = 1.0,
    lookback_days: int = LOOKBACK_DAYS,
    methods: Sequence[str] = METHODS,
) -> pd.DataFrame:
    """Tidy credit: method, scope (total/segment/tier), cell, channel, revenue, conversions.

    Money and conversions are multiplied by ``scale`` (market units). Rows with channel
    ``(none)`` hold the revenue of purchases with no touchpoint in the lookback window.
    Markov and path Shapley are fitted separately within each segment and tier.
    """
    paths = journeys(events, lookback_days)
    # consumers who left the market during the run keep their seat's segment and tier
    ids, seat = residents(events, consumers)
    group = {
        scope: dict(zip(ids.tolist(), consumers[column].astype(str).to_numpy()[seat], strict=True))
        for scope, column in (("segment", "segment"), ("tier", "city_tier"))
    }
    subsets: list[tuple[str, str, list[Journey]]] = [("total", "", paths)]
    for scope, of in group.items():
        by: dict[str, list[Journey]] = defaultdict(list)
        for j in paths:
            by[of.get(j.consumer, "?")].append(j)
        subsets += [(scope, cell, js) for cell, js in sorted(by.items())]
    rows = []
    for scope, cell, js in subsets:
        direct = [j for j in js if j.converted and not j.touches]
        for method in methods:
            for ch, (rev, conv) in sorted(credit(js, method).items()):
                rows.append((method, scope, cell, ch, rev * scale, conv * scale))
            rows.append(
                (method, scope, cell, "(none)", sum(j.value for j in direct) * scale,
                 len(direct) * scale)
            )  # fmt: skip
    return pd.DataFrame(
        rows, columns=["method", "scope", "cell", "channel", "revenue", "conversions"]
    )
