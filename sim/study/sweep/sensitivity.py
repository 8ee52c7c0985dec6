"""Global sensitivity of KPIs to sweep parameters: Sobol and Morris indices (SALib), plots.

Indices are computed per KPI on the mean over replications of each design point, since
SALib expects one output per sampled point; with common random numbers across points (see
:mod:`sim.study.sweep.design`) the mean keeps the parameter signal and shrinks the noise. The
raw sample (the ``_x.`` design columns) is what SALib drew, so Morris effects are measured
on it even for integer and categorical parameters that the scenario received rounded.

A KPI with a missing point (a failed or unfinished run) or an undefined value (NaN) at some
point gets no indices: SALib's estimators need every point, and silently dropping points
would bias them. Such KPIs are listed in ``frame.attrs["skipped"]`` with the reason.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.study.sweep import design as dsg


def sobol_from_outputs(
    parameters: list[dsg.Parameter],
    y: np.ndarray,
    *,
    second_order: bool = False,
    seed: int = 0,
) -> pd.DataFrame:
    """First-order and total Sobol indices (with 95% bootstrap half-widths) from outputs.

    Args:
        parameters: the sweep's parameters, in design order.
        y: one output per design point, in the order the Sobol design drew them.
    """
    from SALib.analyze import sobol

    res = sobol.analyze(
        dsg.salib_problem(parameters),
        np.asarray(y, dtype=float),
        calc_second_order=second_order,
        seed=seed,
    )
    return pd.DataFrame(
        {
            "parameter": [p.path for p in parameters],
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
        }
    )


def morris_from_outputs(
    parameters: list[dsg.Parameter],
    x: np.ndarray,
    y: np.ndarray,
    *,
    num_levels: int = 4,
    seed: int = 0,
) -> pd.DataFrame:
    """Morris mu, mu* (mean absolute elementary effect), sigma, and mu*'s 95% half-width."""
    from SALib.analyze import morris

    res = morris.analyze(
        dsg.salib_problem(parameters),
        np.asarray(x, dtype=float),
        np.asarray(y, dtype=float),
        num_levels=num_levels,
        seed=seed,
    )
    return pd.DataFrame(
        {
            "parameter": [p.path for p in parameters],
            "mu": res["mu"],
            "mu_star": res["mu_star"],
            "sigma": res["sigma"],
            "mu_star_conf": res["mu_star_conf"],
        }
    )


def point_means(results: Any, kpi: str) -> pd.Series:
    """Mean of ``kpi`` over the replications of each design point, indexed by point."""
    runs = results.runs
    n_points = results.design["point"].nunique()
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby("point")[kpi].mean()
    return means.reindex(range(n_points))


def indices(results: Any, kpis: list[str] | None = None) -> pd.DataFrame:
    """Sobol or Morris indices (by the sweep's design) for every KPI, in long form.

    Returns:
        One row per (kpi, parameter); ``attrs["method"]`` is "sobol" or "morris" and
        ``attrs["skipped"]`` maps KPIs without indices to the reason.

    Raises:
        ValueError: the design is neither sobol nor morris.
    """
    design = results.spec["design"]
    kind = design["kind"]
    if kind not in ("sobol", "morris"):
        raise ValueError(
            f"indices need a sobol or morris design, this sweep is {kind!r}: "
            "use plot_response / plot_heatmap instead"
        )
    parameters = results.sweep_parameters()
    seed = design.get("seed") or results.spec.get("root_seed", 0)
    frames, skipped = [], {}
    x = dsg.raw_matrix(results.design.reset_index(), parameters) if kind == "morris" else None
    for kpi in kpis or results.kpi_names:
        y = point_means(results, kpi)
        if y.isna().any():
            skipped[kpi] = f"{int(y.isna().sum())} of {len(y)} points missing or undefined"
            continue
        if np.ptp(y.to_numpy()) == 0:
            skipped[kpi] = "constant across the design"
            continue
        if kind == "sobol":
            frame = sobol_from_outputs(
                parameters, y.to_numpy(), second_order=design["second_order"], seed=seed
            )
        else:
            frame = morris_from_outputs(
                parameters, x, y.to_numpy(), num_levels=design["num_levels"], seed=seed
            )
        frames.append(frame.assign(kpi=kpi))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["kpi"])
    out = out[["kpi", *[c for c in out.columns if c != "kpi"]]]
    out.attrs.update(method=kind, skipped=skipped)
    return out


def plot_tornado(idx: pd.DataFrame, kpi: str, ax: Any = None) -> Any:
    """Horizontal bars of each parameter's index for one KPI, largest on top.

    Returns the Figure (drawn on ``ax`` if given), like every plot of the project.
    """
    import matplotlib.pyplot as plt

    rows = idx[idx["kpi"] == kpi]
    if rows.empty:
        raise ValueError(f"no indices for KPI {kpi!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.5 + 0.45 * len(rows)))
    if "ST" in rows:
        rows = rows.sort_values("ST")
        pos = np.arange(len(rows))
        ax.barh(pos + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], label="total (ST)")
        ax.barh(pos - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], label="first order (S1)")
        ax.set_xlabel("Sobol index (share of KPI variance)")
        ax.legend(loc="lower right", fontsize="small")
    else:
        rows = rows.sort_values("mu_star")
        pos = np.arange(len(rows))
        ax.barh(pos, rows["mu_star"], 0.6, xerr=rows["mu_star_conf"], label="mu*")
        ax.plot(rows["sigma"], pos, "k|", markersize=12, label="sigma")
        ax.set_xlabel("Morris mu* (mean |elementary effect|)")
        ax.legend(loc="lower right", fontsize="small")
    ax.set_yticks(pos, rows["parameter"])
    ax.set_title(kpi)
    ax.axvline(0, color="grey", lw=0.5)
    return ax.figure


def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def plot_response(
    results: Any, kpi: str, parameters: list[str] | None = None, bins: int = 8
) -> Any:
    """KPI against each parameter: every run as a dot, the binned mean as a line."""
    import matplotlib.pyplot as plt

    runs = results.runs
    runs = runs[runs["status"] == "ok"]
    params = parameters or results.parameters
    fig, axes = plt.subplots(1, len(params), figsize=(4 * len(params), 3.2), squeeze=False)
    for ax, p in zip(axes[0], params, strict=True):
        col = runs[p]
        if _numeric(col) and col.nunique() > bins:
            ax.scatter(col, runs[kpi], s=8, alpha=0.4)
            cut = pd.qcut(col, bins, duplicates="drop")
            mean = runs.groupby(cut, observed=True)[kpi].mean()
            ax.plot([iv.mid for iv in mean.index], mean.to_numpy(), "r-o", ms=3, label="bin mean")
            ax.legend(fontsize="small")
        else:
            levels = sorted(col.unique(), key=float if _numeric(col) else str)
            data = [runs.loc[col == lv, kpi].dropna() for lv in levels]
            ax.boxplot(data, tick_labels=[str(lv) for lv in levels])
        ax.set_xlabel(p)
        ax.set_ylabel(kpi)
    fig.suptitle(f"{kpi}: response to each parameter")
    fig.tight_layout()
    return fig


def _axis(series: pd.Series, bins: int) -> pd.Series:
    if _numeric(series) and series.nunique() > bins:
        cut = pd.qcut(series, bins, duplicates="drop")
        return cut.map(lambda iv: f"{iv.mid:.3g}").astype(str)
    return series.astype(str)


def plot_heatmap(results: Any, kpi: str, x: str, y: str, bins: int = 5, ax: Any = None) -> Any:
    """Mean KPI over a two-parameter grid (levels, or quantile bins of continuous ones).

    Returns the Figure (drawn on ``ax`` if given), like every plot of the project.
    """
    import matplotlib.pyplot as plt

    runs = results.runs
    runs = runs[runs["status"] == "ok"]
    table = (
        runs.assign(_x=_axis(runs[x], bins), _y=_axis(runs[y], bins))
        .pivot_table(index="_y", columns="_x", values=kpi, aggfunc="mean", observed=True)
        .sort_index(key=_sort_key)
        .sort_index(axis=1, key=_sort_key)
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(1.2 + 0.9 * table.shape[1], 1.0 + 0.6 * table.shape[0]))
    im = ax.imshow(table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(table.shape[1]), table.columns, rotation=30)
    ax.set_yticks(range(table.shape[0]), table.index)
    for (i, j), v in np.ndenumerate(table.to_numpy(dtype=float)):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=7, color="w")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"mean {kpi}")
    ax.figure.colorbar(im, ax=ax)
    return ax.figure


def _sort_key(index: pd.Index) -> pd.Index:
    as_num = pd.to_numeric(index, errors="coerce")
    return as_num if not np.isnan(as_num).any() else index
