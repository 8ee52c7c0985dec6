"""PyMC-Marketing's Bayesian MMM fitted on a benchmark panel, its returns scored against truth.

Needs the optional extra (``pip install -e .[mmm]``); nothing else in the project imports it.
Reads a folder written by :mod:`sim.study.truth.benchmark` (``pymc_marketing_<grain>.csv``,
``panel_<grain>.csv`` for spend, ``truth_total.csv``), fits PyMC-Marketing's ``MMM``
(geometric adstock, logistic saturation, its default priors, spend as the media input) by
MCMC, and writes ``recovery_pymc_<grain>.csv``: each channel's posterior-mean contribution
per unit of spend, a 94% credible interval, beside the true return from the paired arms.
With ``--geo region`` (or ``tier``) it fits the geo-level model (``dims=("geo",)``) on the
geo panel and sums each channel's contributions over geos (``recovery_pymc_<grain>_<geo>``)::

    python -m sim.study.truth.pymc_mmm results/mmm-benchmark --draws 300 --tune 300 --chains 2
    python -m sim.study.truth.pymc_mmm results/mmm-benchmark --geo region
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.study.truth import mmm
from sim.study.truth.benchmark import GRAIN_WORD


def fit_pymc(
    frame: pd.DataFrame,
    channels: list[str],
    *,
    geo: bool = False,
    l_max: int = 8,
    draws: int = 300,
    tune: int = 300,
    chains: int = 2,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit PyMC-Marketing's MMM on a panel in its layout (a date column, ``y``, spend).

    Args:
        geo: the frame has a ``geo`` column: fit the multi-dimensional model with
            ``dims=("geo",)`` (parameters per geo, partially pooled).

    Returns:
        (per-date posterior-mean contributions per channel, per-draw total contribution per
        channel: one row per draw, one column per channel).
    """
    from pymc_marketing.mmm import MMM, GeometricAdstock, LogisticSaturation

    date = "date_week" if "date_week" in frame else "date"
    model = MMM(
        date_column=date,
        channel_columns=channels,
        target_column="y",
        adstock=GeometricAdstock(l_max=l_max),
        saturation=LogisticSaturation(),
        dims=("geo",) if geo else None,
    )
    x = frame.drop(columns="y")
    model.fit(
        x,
        frame["y"],
        draws=draws,
        tune=tune,
        chains=chains,
        cores=1,
        random_seed=seed,
        progressbar=False,
    )
    per_date = model.compute_mean_contributions_over_time(central_tendency="mean")
    ds = model.compute_counterfactual_contributions_dataset(central_tendency="mean")
    draws_total = _draw_totals(ds, channels)
    return per_date, draws_total


def geo_layout(panel: pd.DataFrame) -> pd.DataFrame:
    """A geo panel (``panel_<geo>_<grain>.csv``) in PyMC-Marketing's multi-dimensional layout:
    a date column, ``geo``, one spend column per channel and ``y``."""
    date = "date_week" if "week" in panel else "date"
    spend = [c for c in panel.columns if c.startswith("spend_")]
    out = panel[["date", "geo", *spend]].rename(columns={"date": date})
    out = out.rename(columns={c: c.removeprefix("spend_") for c in spend})
    out[date] = pd.to_datetime(out[date])
    out["y"] = panel["revenue"]
    return out


def _draw_totals(ds: Any, channels: list[str]) -> pd.DataFrame:
    """Each draw's contribution per channel summed over dates (whatever the dataset's shape)."""
    out = {}
    for ch in channels:
        if ch in ds:
            da = ds[ch]
        else:  # one variable with a channel coordinate
            var = next(v for v in ds.data_vars if "channel" in ds[v].dims)
            da = ds[var].sel(channel=ch)
        keep = [d for d in da.dims if d in ("chain", "draw")]
        out[ch] = da.sum(dim=[d for d in da.dims if d not in keep]).values.ravel()
    return pd.DataFrame(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", help="a benchmark results folder")
    p.add_argument("--grain", choices=["week", "day"], default="week")
    p.add_argument("--draws", type=int, default=300)
    p.add_argument("--tune", type=int, default=300)
    p.add_argument("--chains", type=int, default=2)
    p.add_argument("--l-max", type=int, default=8, help="adstock lags (periods)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--geo",
        choices=["tier", "region"],
        default=None,
        help="fit the geo-level model on the tier or region panel (default: national)",
    )
    args = p.parse_args(argv)
    folder = Path(args.folder)
    word = GRAIN_WORD[args.grain]
    if args.geo:
        panel = pd.read_csv(folder / f"panel_{args.geo}_{word}.csv")
        frame = geo_layout(panel)
    else:
        frame = pd.read_csv(folder / f"pymc_marketing_{word}.csv")
        panel = pd.read_csv(folder / f"panel_{word}.csv")
    truth = pd.read_csv(folder / "truth_total.csv")
    channels = [c for c in frame.columns if c not in ("date_week", "date", "y", "geo")]
    started = time.perf_counter()
    per_date, totals = fit_pymc(
        frame,
        channels,
        geo=bool(args.geo),
        l_max=args.l_max,
        draws=args.draws,
        tune=args.tune,
        chains=args.chains,
        seed=args.seed,
    )
    seconds = time.perf_counter() - started
    scores = mmm.score({c: per_date[c] for c in channels}, panel, truth, channels)
    spend = {c: panel[f"spend_{c}"].sum() for c in channels}
    low = {c: np.quantile(totals[c], 0.03) / spend[c] for c in channels}
    high = {c: np.quantile(totals[c], 0.97) / spend[c] for c in channels}
    scores.insert(3, "mmm_low", scores.channel.map(low))
    scores.insert(4, "mmm_high", scores.channel.map(high))
    name = f"{word}_{args.geo}" if args.geo else word
    scores.to_csv(folder / f"recovery_pymc_{name}.csv", index=False)
    (folder / f"pymc_{name}.json").write_text(
        json.dumps(
            {
                "draws": args.draws,
                "tune": args.tune,
                "chains": args.chains,
                "l_max": args.l_max,
                "seed": args.seed,
                "fit_seconds": round(seconds, 1),
            }
        )  # fmt: skip
    )
    print(scores.round(2).to_string(index=False))
    print(f"fitted in {seconds:.0f} s; wrote {folder / f'recovery_pymc_{name}.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
