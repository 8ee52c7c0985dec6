"""Designs (grid, LHS, Sobol, Morris) and sweep-file validation; no simulation runs here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.scenario.config import ConfigError
from sim.study.sweep import design as dsg
from sim.study.sweep.spec import load_sweep
from tests.sweep_specs import write_sweep_spec

SPEC = {
    "set": {"population.size": 1000, "horizon_days": 60},
    "parameters": {
        "coupons.value": {"lower": 5, "upper": 40},
        "coupons.redeemable_in": {"levels": ["online", "store", "everywhere"]},
    },
    "design": {"kind": "lhs", "samples": 6},
    "replications": 2,
    "root_seed": 7,
    "kpis": ["revenue", "customers"],
}


def write_spec(tmp_path: Path, **changes) -> Path:
    return write_sweep_spec(tmp_path, SPEC, **changes)


REAL = dsg.RealParameter("a", 0.0, 10.0)
INT = dsg.IntegerParameter("b", 1, 4)
CAT = dsg.CategoricalParameter("c", ("x", "y", "z"))


def test_full_grid_is_every_combination():
    points, raw = dsg.full_grid([REAL, INT, CAT], 3)
    assert raw is None
    assert len(points) == 3 * 3 * 3
    assert {p[0] for p in points} == {0.0, 5.0, 10.0}
    assert {p[1] for p in points} == {1, 2, 4}  # rint(1, 2.5, 4); 2.5 rounds to even
    assert {p[2] for p in points} == {"x", "y", "z"}
    assert len({tuple(p) for p in points}) == len(points)


def test_latin_hypercube_has_one_point_per_stratum():
    points, raw = dsg.latin_hypercube([REAL, INT, CAT], 12, seed=1)
    assert len(points) == 12
    strata = np.floor(raw[:, 0] / 10.0 * 12).astype(int)
    assert sorted(strata) == list(range(12))
    assert all(1 <= p[1] <= 4 and isinstance(p[1], int) for p in points)
    assert {p[2] for p in points} == {"x", "y", "z"}  # 12 strata cover 3 levels evenly
    again, _ = dsg.latin_hypercube([REAL, INT, CAT], 12, seed=1)
    assert again == points


def test_sobol_and_morris_sizes_and_bounds():
    points, raw = dsg.sobol([REAL, INT], 16, seed=0)
    assert len(points) == 16 * (2 + 2) and raw.shape == (64, 2)
    points2, _ = dsg.sobol([REAL, INT], 16, seed=0, second_order=True)
    assert len(points2) == 16 * (2 * 2 + 2)
    assert all(0 <= p[0] <= 10 and 1 <= p[1] <= 4 for p in points)
    mpoints, mraw = dsg.morris([REAL, INT, CAT], 5, num_levels=4, seed=0)
    assert len(mpoints) == 5 * 4
    # Morris moves one parameter per step within a trajectory
    steps = np.diff(mraw.reshape(5, 4, 3), axis=1)
    assert ((steps != 0).sum(axis=2) == 1).all()


def test_design_rows_ids_and_seeds(tmp_path):
    sweep = load_sweep(write_spec(tmp_path))
    d = sweep.design
    assert len(d) == 12 and d["run_id"].is_unique
    assert list(d["seed"]) == [7 + r for r in d["replication"]]
    # common random numbers: every point of a replication shares its seed
    assert d.groupby("replication")["seed"].nunique().eq(1).all()
    assert (
        d.groupby("point")[["coupons.value", "coupons.redeemable_in"]].nunique().eq(1).all().all()
    )
    assert load_sweep(write_spec(tmp_path)).design.equals(d)
    assert sweep.fingerprint() == load_sweep(write_spec(tmp_path)).fingerprint()
    other = load_sweep(write_spec(tmp_path, replications=3))
    assert other.fingerprint() != sweep.fingerprint()


def test_example_sweep_files_validate():
    root = Path(__file__).resolve().parents[3] / "experiments" / "sweeps"
    files = sorted(root.glob("*.yaml"))
    assert {f.stem for f in files} >= {"content_budget", "coupon_value", "store_count"}
    for f in files:
        sweep = load_sweep(f)
        assert len(sweep.design) > 0


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"parameters": {"coupons.valu": {"lower": 1, "upper": 2}}},
            ["parameters.coupons.valu", "no such key 'valu'"],
        ),
        (
            {"parameters": {"coupons.redeemable_in": {"levels": []}}},
            ["parameters.coupons.redeemable_in", "levels is empty"],
        ),
        (
            {"parameters": {"coupons.value": {"lower": 5, "upper": 5}}},
            ["parameters.coupons.value", "lower must be < upper"],
        ),
        (
            {"parameters": {"coupons.value": {"lower": -5, "upper": 5}}},
            ["parameters.coupons.value", "-5", "greater than or equal to 0"],
        ),
        (
            {"parameters": {"coupons.redeemable_in": {"levels": ["online", "shop"]}}},
            ["parameters.coupons.redeemable_in", "'shop'"],
        ),
        ({"design": {"kind": "factorial"}}, ["design.kind", "'grid', 'lhs', 'sobol'"]),
        ({"design": {"kind": "sobol", "samples": 12}}, ["design.samples", "power of 2"]),
        ({"design": {"kind": "lhs"}}, ["design.samples", "missing"]),
        ({"replications": 0}, ["replications", "greater than or equal to 1"]),
        ({"kpis": ["revenue", "happiness"]}, ["kpis", "'happiness'", "unknown KPI"]),
        ({"parameters": {}}, ["parameters"]),
        ({"colour": "blue"}, ["colour", "unknown key"]),
        ({"base": "nowhere.yaml"}, ["base", "cannot read"]),
    ],
)
def test_bad_sweep_files_name_the_field(tmp_path, changes, expected):
    with pytest.raises(ConfigError) as err:
        load_sweep(write_spec(tmp_path, **changes))
    text = "\n".join(err.value.problems)
    for fragment in expected:
        assert fragment in text, text
    assert all(str(tmp_path / "sweep.yaml") in p for p in err.value.problems)


def test_every_problem_is_reported_at_once(tmp_path):
    changes = {
        "parameters": {
            "coupons.valu": {"lower": 1, "upper": 2},
            "stores.count": {"lower": -10, "upper": 5, "integer": True},
        },
        "design": {"kind": "sobol", "samples": 10},
        "kpis": ["nope"],
    }
    with pytest.raises(ConfigError) as err:
        load_sweep(write_spec(tmp_path, **changes))
    text = "\n".join(err.value.problems)
    for fragment in ("coupons.valu", "stores.count", "power of 2", "'nope'"):
        assert fragment in text, text


def test_relative_bounds_resolve_against_the_base(tmp_path):
    path = write_spec(
        tmp_path, parameters={"coupons.value": {"lower": {"times": 0.5}, "upper": {"times": 2}}}
    )
    (param,) = load_sweep(path).parameters
    assert (param.lower, param.upper) == (10.0, 40.0)  # the baseline's coupon is 20


def test_inverted_relative_bounds_are_refused_after_resolving(tmp_path):
    path = write_spec(
        tmp_path, parameters={"coupons.value": {"lower": {"times": 2}, "upper": {"times": 1}}}
    )
    with pytest.raises(ConfigError, match=r"parameters.coupons.value: resolved against the base"):
        load_sweep(path)
