"""Plots and the results folder, on synthetic runs (no simulation needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sim.present.plots import channel_bars, forest_plot, pairing_gain, timeseries_bands  # noqa: E402
from sim.present.report import (  # noqa: E402
    RESULT_FILES,
    replication_suggestions,
    results_table,
    write_results,
)
from sim.study.experiment import ExperimentResult, load_experiment  # noqa: E402
from sim.study.stats import summarize  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
KPIS = ["revenue", "customers", "coupon_conflict_abandonment"]


@pytest.fixture
def result(tmp_path) -> ExperimentResult:
    path = tmp_path / "mini.yaml"
    path.write_text(
        f"base: {ROOT / 'configs' / 'baseline.yaml'}\n"
        "description: A synthetic check <of> escaping & plots.\n"
        "set: {market.burn_in_days: 0}\n"  # a launch: each arm's config holds its own value
        "arms:\n  ctl: {}\n  more: {set: {coupons.value: 30}}\n  less: {set: {coupons.value: 10}}\n"
        f"kpis: {KPIS}\nbootstrap_kpis: [customers]\nreplications: 8\n"
    )
    exp = load_experiment(path)
    rng = np.random.default_rng(0)
    common = rng.normal(1000, 100, 8)
    rows, daily = [], []
    for arm, shift in (("ctl", 0.0), ("more", 50.0), ("less", -2.0)):
        for r, seed in enumerate(exp.seeds):
            rows.append(
                {
                    "arm": arm,
                    "replication": r,
                    "seed": seed,
                    "config_hash": exp.configs[arm].config_hash(),
                    "revenue": common[r] + shift + rng.normal(0, 5),
                    "customers": common[r] / 10 + rng.normal(0, 1),
                    "coupon_conflict_abandonment": np.nan,
                    "revenue_online": common[r] * 0.6,
                    "revenue_store": common[r] * 0.4,
                    "coupon_cost": 30.0,
                    "content_spend": 80.0,
                }
            )
        for series in ("revenue_online", "customers"):
            mean = np.linspace(0, 10, 30) + shift / 10
            daily.append(
                pd.DataFrame(
                    {"arm": arm, "series": series, "day": np.arange(30), "mean": mean,
                     "p05": mean - 1, "p95": mean + 1}
                )
            )  # fmt: skip
    hashes = {a: c.config_hash() for a, c in exp.configs.items()}
    return ExperimentResult(exp, pd.DataFrame(rows), pd.concat(daily), 1.5, 2, hashes)


@pytest.fixture
def summary(result) -> pd.DataFrame:
    return summarize(
        result.runs, KPIS, "ctl", arms=result.experiment.arms, bootstrap_kpis=["customers"]
    )


def test_plots_return_figures_and_draw_into_a_given_axes(result, summary):
    for fig in (
        forest_plot(summary),
        pairing_gain(summary),
        channel_bars(result.runs),
        timeseries_bands(result.daily, "revenue_online", rolling=7),
    ):
        assert isinstance(fig, plt.Figure)
        plt.close(fig)
    fig, axes = plt.subplots(1, 2)
    assert forest_plot(summary, ax=axes[0]) is fig
    assert timeseries_bands(result.daily, "customers", ax=axes[1]) is fig
    plt.close(fig)
    with pytest.raises(ValueError, match="no daily series"):
        timeseries_bands(result.daily, "nope")


def test_results_table_marks_control_and_significance(summary):
    table = results_table(summary)
    rev = table[table["KPI"] == "revenue"].set_index("arm")
    assert rev.loc["ctl (control)", "change vs control"] == ""
    assert rev.loc["more", "clear"] == "yes"
    conflict = table[table["KPI"] == "coupon_conflict_abandonment"]
    assert (conflict["mean"] == "n/a").all()


def test_suggestions_default_and_requested(result, summary):
    default = replication_suggestions(result, summary)
    assert set(default["basis"]) == {"1% of control mean"}
    assert set(default["arm"]) == {"more", "less"}
    requested = replication_suggestions(result, summary, {"revenue": 1.0})
    row = requested[(requested["kpi"] == "revenue") & (requested["arm"] == "more")].iloc[0]
    assert row["basis"] == "requested" and row["replications"] > 8


def test_write_results_is_complete_self_contained_and_atomic(result, summary, tmp_path):
    out = write_results(result, summary, tmp_path / "res", suggest={"revenue": 2.0})
    for name in RESULT_FILES:
        assert (out / name).is_file(), name
    assert (out / "plots" / "forest.png").read_bytes()[:4] == b"\x89PNG"
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == len(list((out / "plots").glob("*.png")))
    assert not re.search(r'(src|href)="(?!data:)', page)  # nothing fetched from elsewhere
    assert "<table" in page and "revenue" in page and "more" in page
    assert "&lt;of&gt; escaping &amp; plots" in page
    meta = json.loads((out / "manifest.json").read_text())
    assert meta["seeds"] == result.experiment.seeds
    assert set(meta["arms"]) == {"ctl", "more", "less"}
    assert meta["arms"]["more"]["config"]["coupons"]["value"] == 30
    assert pd.read_parquet(out / "runs.parquet").shape[0] == 24
    assert pd.read_csv(out / "summary.csv").shape[0] == 9
    with pytest.raises(FileExistsError):
        write_results(result, summary, out)
    write_results(result, summary, out, force=True)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_forest_plot_axis_is_symlog_so_one_large_change_does_not_flatten_the_rest(summary):
    fig = forest_plot(summary)
    assert fig.axes[0].get_xscale() == "symlog"
    plt.close(fig)


def test_channel_bars_show_the_paired_intervals_of_the_table(result):
    from matplotlib.container import ErrorbarContainer

    from sim.study.stats import paired_difference

    runs = result.runs.copy()
    noise = np.random.default_rng(1).normal(0, 20, len(runs))
    runs["revenue_online"] += np.where(runs["arm"] == "more", 40 + noise, 0)
    fig = channel_bars(runs, control="ctl")
    base = runs[runs["arm"] == "ctl"].sort_values("replication")
    more = runs[runs["arm"] == "more"].sort_values("replication")
    d = paired_difference(more["revenue_online"].to_numpy(), base["revenue_online"].to_numpy())
    bars = [c for c in fig.axes[0].containers if isinstance(c, ErrorbarContainer)]
    first = bars[0].lines[2][0].get_segments()[0]  # arm "more", channel revenue_online
    assert sorted(first[:, 1]) == pytest.approx([d.ci_low, d.ci_high])
    plt.close(fig)


def test_the_report_opens_with_the_summary_in_market_money(result, summary, tmp_path):
    page = (write_results(result, summary, tmp_path / "res") / "report.html").read_text()
    assert page.index('id="summary"') < page.index("<h2>")
    assert "CNY" in page and "&amp;quot;" not in page and "&quot;" not in page


def _with_money(result) -> ExperimentResult:
    """The fixture with profit in its runs and a money-measures table."""
    runs = result.runs.assign(profit=result.runs["revenue"] * 0.2)
    money = pd.DataFrame(
        [
            ("more", "extra_new_customers", "count", 2.0, 1.0, 3.0, 8, "paired t"),
            ("more", "incremental_acquisition_cost", "money per customer", 12.5, 10.0, 15.0, 8,
             "paired bootstrap"),
            ("more", "payback_day", "day", 40.0, 31.0, np.inf, 8, "paired bootstrap"),
            ("less", "incremental_acquisition_cost", "money per customer", 3.0, np.nan, np.nan,
             8, "paired bootstrap: unbounded (denominator ~ 0)"),
            ("less", "payback_day", "day", np.inf, np.inf, np.inf, 8, "paired bootstrap"),
        ],
        columns=["arm", "measure", "unit", "estimate", "ci_low", "ci_high", "n", "method"],
    )  # fmt: skip
    result.runs, result.money = runs, money
    return result


def test_money_forest_reads_in_market_money_with_profit_first(result):
    from sim.present.plots import money_forest

    result = _with_money(result)
    money = summarize(result.runs, ["profit", "revenue"], "ctl", arms=result.experiment.arms)
    fig = money_forest(money, scale=1000.0, currency="CNY")
    ax = fig.axes[0]
    rows = sorted(zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()], strict=True))
    assert rows[-1][1].startswith("profit") and rows[-2][1].startswith("profit")  # top rows
    assert "market money (CNY)" in ax.get_xlabel()
    more = money[(money["kpi"] == "profit") & (money["arm"] == "more")].iloc[0]
    xs = [line.get_xdata()[0] for line in ax.lines if len(line.get_xdata()) == 1]
    assert more["diff"] * 1000.0 in xs  # drawn in market money, not relative
    plt.close(fig)


def test_measures_table_says_when_payback_is_not_within_the_horizon(result):
    from sim.present.headline import measures_table

    table = measures_table(_with_money(result)).set_index("arm")
    horizon = result.experiment.configs["ctl"].horizon_days
    assert table.loc["more", "payback (95% CI)"] == f"day 40 (day 31 to not within {horizon} days)"
    assert table.loc["less", "payback (95% CI)"] == f"not within {horizon} days"
    assert "no interval" in table.loc["less", "incremental acquisition cost (95% CI)"]
    assert table.loc["less", "extra new customers"] == "n/a"


def test_report_shows_acquisition_cost_payback_and_the_money_forest(result, summary, tmp_path):
    out = write_results(_with_money(result), summary, tmp_path / "res")
    page = (out / "report.html").read_text()
    assert "Acquisition cost and payback" in page and "not within" in page
    assert (out / "plots" / "forest_money.png").is_file()
    assert pd.read_csv(out / "money_measures.csv").shape[0] == 5
