"""Attribution scored against ground truth (``omo truth``'s effects table).

The truth of a content channel is its Shapley share of the all-content effect (what the
channel causes, interactions split fairly); of word of mouth and coupons, the effect of
switching that family off. Per method and channel: the credited revenue against the true
incremental revenue (error and ratio), and the channel's share of content credit against
its true share (error in percentage points). Per method: the rank correlation of credited
and true revenue over content channels, and content's total credit against the true
all-content effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

#: Attribution touchpoints that a touchpoint family's truth stands for.
FAMILY_OF = {"word_of_mouth": "word_of_mouth", "coupon": "coupons"}


def true_effects(effects: pd.DataFrame, channels: list[str]) -> pd.DataFrame:
    """Per scope, cell and touchpoint: true incremental revenue with its 95% interval."""
    rev = effects[effects.metric == "revenue"]
    content = rev[(rev.measure == "shapley") & rev.player.isin(channels)].assign(channel=rev.player)
    fams = rev[(rev.measure == "family") & rev.player.isin(FAMILY_OF.values())]
    fams = fams.assign(channel=fams.player.map({v: k for k, v in FAMILY_OF.items()}))
    allc = rev[rev.measure == "all_content"].assign(channel="(all content)")
    out = pd.concat([content, fams, allc])
    out = out[out.scope.isin(["total", "segment", "tier"])]
    return out[["scope", "cell", "channel", "mean", "ci_low", "ci_high"]].rename(
        columns={"mean": "true", "ci_low": "true_low", "ci_high": "true_high"}
    )


def score(credited: pd.DataFrame, effects: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per channel and per method scores (see the module docstring).

    Args:
        credited: :func:`~sim.measure.attribution.credit.attribute` rows (market money).
        effects: a truth folder's ``effects.parquet``.

    Returns:
        (per method x scope x cell x channel rows, per method x scope x cell summary rows)
    """
    content = sorted(effects.loc[effects.measure == "shapley", "player"].unique())
    truth = true_effects(effects, content)
    rows = credited.merge(truth, on=["scope", "cell", "channel"], how="inner")
    rows["error"] = rows.revenue - rows.true
    rows["ratio"] = rows.revenue / rows.true.where(rows.true != 0)
    is_content = rows.channel.isin(content)
    grp = ["method", "scope", "cell"]
    credit_sum = rows[is_content].groupby(grp).revenue.transform("sum")
    all_content = truth[truth.channel == "(all content)"].set_index(["scope", "cell"]).true
    rows.loc[is_content, "credited_share"] = rows.revenue[is_content] / credit_sum
    true_total = pd.Series(
        [all_content.get((s, c), np.nan) for s, c in zip(rows.scope, rows.cell, strict=True)],
        index=rows.index,
    )
    rows.loc[is_content, "true_share"] = rows.true[is_content] / true_total[is_content]
    rows["share_error_pts"] = 100 * (rows.credited_share - rows.true_share)
    summary = []
    for (method, scope, cell), block in rows[is_content].groupby(grp, sort=False):
        rho = stats.spearmanr(block.revenue, block.true).statistic if len(block) > 2 else np.nan
        summary.append(
            {
                "method": method,
                "scope": scope,
                "cell": cell,
                "content_credit_vs_truth": block.revenue.sum() / all_content.get((scope, cell)),
                "mean_abs_share_error_pts": block.share_error_pts.abs().mean(),
                "max_abs_share_error_pts": block.share_error_pts.abs().max(),
                "rank_correlation": float(rho),
            }
        )
    return rows.reset_index(drop=True), pd.DataFrame(summary)
