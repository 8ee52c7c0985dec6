"""Robust comparison: every arm under every plausible set, with win shares and regret."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.cli.main import main
from sim.study.calibrate import Param
from sim.study.ensemble import KIND, Ensemble
from sim.study.robust import _differences, _flips

ROOT = Path(__file__).resolve().parents[2]
P = Param("behaviour.omnichannel_basket_uplift", 0.0, 1.0)


def test_parameter_uncertainty_widens_the_interval_beyond_the_seeds_only_one():
    rows = []
    for s, effect in (("a", 1.0), ("b", 3.0), ("c", 5.0)):
        for seed, noise in ((0, -0.1), (1, 0.1)):
            rows += [
                {"set": s, "seed": seed, "arm": "control", "k": 10.0},
                {"set": s, "seed": seed, "arm": "treat", "k": 10.0 + effect + noise},
            ]
    d = _differences(pd.DataFrame(rows), ["k"], "control", ["control", "treat"]).iloc[0]
    assert d.mean_difference == pytest.approx(3.0)
    assert d.seeds_only_high - d.seeds_only_low < 1.0
    assert d.with_parameters_high - d.with_parameters_low > 7.0
    assert d.share_of_sets_higher == 1.0


def test_a_flipping_winner_is_traced_to_the_parameter_that_decides_it():
    sets = [{"id": f"s{i}", "values": {P.path: i / 9}} for i in range(10)]
    ens = Ensemble((P,), sets, "test")
    scored = pd.DataFrame(
        {"a": [1.0] * 10, "b": [0.5 + i / 9 for i in range(10)]}, index=[s["id"] for s in sets]
    )
    per_set = scored.copy()
    per_set["winner"] = scored.idxmax(axis=1)
    flips = _flips(per_set, scored, ens)
    assert flips["flips"] and flips["usual_winner"] == "a"
    lo, hi = flips["prim_box"][P.path]
    assert 0.44 <= lo < 5 / 9 and hi == 1.0  # the box starts past the last set a wins
    assert flips["margin_rank_correlation"][P.path] == pytest.approx(-1.0)


def test_compare_with_an_ensemble_writes_win_shares_and_regret(tmp_path):
    ens = {
        "kind": KIND,
        "rule": "test",
        "parameters": [{"path": P.path, "low": 0.0, "high": 1.0}],
        "sets": [{"id": "set0", "values": {P.path: 0.2}}, {"id": "set1", "values": {P.path: 0.8}}],
    }
    path = tmp_path / "ensemble.yaml"
    path.write_text(yaml.safe_dump(ens))
    out = tmp_path / "robust"
    code = main(
        [
            "compare",
            str(ROOT / "experiments" / "cross_channel_coupons.yaml"),
            "--ensemble",
            str(path),
            "--set",
            "population.size=400",
            "--set",
            "horizon_days=45",
            "--replications",
            "2",
            "--workers",
            "1",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    wins = pd.read_csv(out / "robust_wins.csv")
    assert wins["share_of_sets_won"].sum() == pytest.approx(1.0)
    assert (wins["worst_regret"] >= 0).all()
    runs = pd.read_csv(out / "robust_runs.csv")
    assert len(runs) == 2 * 2 * 2  # sets x arms x seeds
    assert "Who wins on profit" in (out / "robust.md").read_text()
