"""Sobol and Morris indices: known answers on test functions, then on a tiny real sweep."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest
import yaml

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402
from SALib.test_functions import Ishigami  # noqa: E402

from sim.study import results  # noqa: E402
from sim.study.sweep import design as dsg  # noqa: E402
from sim.study.sweep import load_sweep, run_sweep  # noqa: E402
from sim.study.sweep import sensitivity as sa  # noqa: E402

BASE = str(Path(__file__).resolve().parents[3] / "configs" / "baseline.yaml")

#: Analytic Ishigami indices (a=7, b=0.1).
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])


def test_sobol_indices_of_ishigami_match_the_analytic_values():
    n = 1024
    params = [dsg.RealParameter(f"x{i}", -np.pi, np.pi) for i in (1, 2, 3)]
    points, _ = dsg.sobol(params, n, seed=3)
    y = Ishigami.evaluate(np.array(points))
    idx = sa.sobol_from_outputs(params, y, seed=1)
    # Monte-Carlo error of Saltelli/Jansen estimators shrinks as 1/sqrt(N): at N=1024 the
    # 95% bootstrap half-widths are ~0.05; allow 3/sqrt(N) ~ 0.094 on top of 2 half-widths.
    tol = 3 / np.sqrt(n)
    assert np.all(np.abs(idx["S1"] - ISHIGAMI_S1) < np.maximum(2 * idx["S1_conf"], tol))
    assert np.all(np.abs(idx["ST"] - ISHIGAMI_ST) < np.maximum(2 * idx["ST_conf"], tol))
    assert idx["S1_conf"].max() < 0.1


def test_morris_ranks_a_linear_function_by_its_slopes():
    params = [dsg.RealParameter(f"x{i}", 0.0, 1.0) for i in range(3)]
    points, raw = dsg.morris(params, 20, num_levels=4, seed=0)
    slopes = np.array([5.0, 1.0, 0.0])
    y = np.array(points) @ slopes
    idx = sa.morris_from_outputs(params, raw, y, num_levels=4)
    np.testing.assert_allclose(idx["mu_star"], slopes, atol=1e-9)
    np.testing.assert_allclose(idx["sigma"], 0.0, atol=1e-9)


@pytest.fixture(scope="module")
def morris_sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("morris")
    spec = {
        "name": "m",
        "base": BASE,
        "set": {"population.size": 800, "horizon_days": 45},
        "parameters": {
            "content.channels.short_video.daily_budget": {"lower": 0, "upper": 80000},
            "stores.count": {"lower": 20, "upper": 400, "integer": True},
            "coupons.redeemable_in": {"levels": ["online", "store", "everywhere"]},
        },
        "design": {"kind": "morris", "samples": 3},
        "root_seed": 5,
        "kpis": ["revenue", "store_visits", "content_views", "repurchase_rate_members"],
    }
    path = tmp / "m.yaml"
    path.write_text(yaml.safe_dump(spec))
    run_sweep(load_sweep(path), tmp / "out", workers=2, progress=False)
    return results.load(tmp / "out")


def test_indices_and_plots_on_a_real_sweep(morris_sweep):
    idx = sa.indices(morris_sweep)
    assert idx.attrs["method"] == "morris"
    assert "repurchase_rate_members" in idx.attrs["skipped"]  # undefined at 45 days
    views = idx[idx["kpi"] == "content_views"].set_index("parameter")
    # content views are bought by the short-video budget, not by the store count
    assert views.loc["content.channels.short_video.daily_budget", "mu_star"] > 0
    assert (
        views.loc["content.channels.short_video.daily_budget", "mu_star"]
        > views.loc["stores.count", "mu_star"]
    )
    fig = sa.plot_tornado(idx, "revenue")
    assert isinstance(fig, Figure)  # the README promises a Figure
    assert len(fig.axes[0].get_yticklabels()) == 3
    fig = sa.plot_response(morris_sweep, "store_visits")
    assert len(fig.axes) == 3
    fig = sa.plot_heatmap(morris_sweep, "revenue", "stores.count", "coupons.redeemable_in")
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_title() == "mean revenue"


def test_indices_refuse_a_design_without_them(tmp_path):
    class Fake:
        spec = {"design": {"kind": "lhs"}}

    with pytest.raises(ValueError, match="sobol or morris"):
        sa.indices(Fake())
