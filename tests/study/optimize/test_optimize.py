"""The optimiser: it finds a known optimum, resumes, confirms on fresh seeds, refuses bad specs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.scenario.config import ConfigError
from sim.study.backends import make_evaluator
from sim.study.optimize import load_optimization, optimize
from sim.study.optimize.spec import SHARE

ROOT = Path(__file__).resolve().parents[3]
BASELINE = ROOT / "configs" / "baseline.yaml"


def spec_file(tmp_path: Path, **changes) -> Path:
    """A tiny market where one of two channels buys views and the other buys almost none.

    kol's views cost 10,000 each, so money put there reaches nobody while short video's
    reaches thousands: with the total fixed, every objective that grows with reach is best
    with the whole budget on short video, the known optimum. A 30-day past (not the
    baseline's year): the optimum comes from the prices of views, not from the history.
    """
    data = {
        "name": "known_optimum",
        "base": str(BASELINE),
        "set": {
            "population.size": 1500,
            "horizon_days": 45,
            "market.burn_in_days": 30,
            "content.channels.kol.cost_per_view": 10000.0,
        },
        "budget": {"channels": ["short_video", "kol"], "total": 3000},
        "objective": {"kpi": "content_views"},
        "trials": 14,
        "seeds": 2,
        "sampler": "tpe",
        "confirm": {"replications": 2, "root_seed": 500},
    }
    data.update(changes)
    path = tmp_path / "opt.yaml"
    path.write_text(json.dumps(data))
    return path


def test_finds_the_known_optimum_of_the_budget_split(tmp_path):
    opt = load_optimization(spec_file(tmp_path))
    with make_evaluator("local", 1) as ev:
        result = optimize(opt, ev, tmp_path / "out", do_confirm=False)
    best = result.best[0]
    assert best["budget_shares"]["short_video"] > 0.9
    # and it beat the current split (short video 2/3 of the two channels' budget)
    current = result.trials.loc[result.trials["current_plan"], "objective:mean:content_views"]
    assert best["values"][0] > float(current.iloc[0])


def test_minimising_moves_the_budget_the_other_way(tmp_path):
    path = spec_file(tmp_path, objective={"kpi": "content_views", "direction": "minimize"})
    with make_evaluator("local", 1) as ev:
        result = optimize(load_optimization(path), ev, tmp_path / "out", do_confirm=False)
    assert result.best[0]["budget_shares"]["short_video"] < 0.1


def test_a_constraint_excludes_plans_that_break_it(tmp_path):
    """Views capped: the best plan is the best within the cap, not the unconstrained one."""
    path = spec_file(tmp_path, trials=8, constraints={"content_views": {"max": 30000}})
    with make_evaluator("local", 1) as ev:
        result = optimize(load_optimization(path), ev, tmp_path / "out", do_confirm=False)
    t = result.trials[result.trials["state"] == "complete"]
    assert (t["feasible"] == (t["kpi:content_views"] <= 30000)).all()
    assert result.best[0]["values"][0] <= 30000


def test_rerun_resumes_and_more_trials_extend_the_study(tmp_path):
    path = spec_file(tmp_path, trials=3)
    out = tmp_path / "out"
    with make_evaluator("local", 1) as ev:
        first = optimize(load_optimization(path), ev, out, do_confirm=False)
        again = optimize(load_optimization(path), ev, out, do_confirm=False)
        more = optimize(load_optimization(path, trials=5), ev, out, do_confirm=False)
    assert len(first.trials) == len(again.trials) == 3
    assert len(more.trials) == 5


def test_a_changed_setup_is_refused_without_fresh(tmp_path):
    out = tmp_path / "out"
    with make_evaluator("local", 1) as ev:
        optimize(load_optimization(spec_file(tmp_path, trials=2)), ev, out, do_confirm=False)
        changed = load_optimization(spec_file(tmp_path, trials=2, seeds=3))
        with pytest.raises(ConfigError, match="different setup"):
            optimize(changed, ev, out, do_confirm=False)
        optimize(changed, ev, out, do_confirm=False, fresh=True)


def test_confirmation_is_paired_on_fresh_seeds_and_writes_results(tmp_path):
    path = spec_file(tmp_path, trials=3, objective={"kpi": "profit"})
    opt = load_optimization(path)
    with make_evaluator("local", 1) as ev:
        result = optimize(opt, ev, tmp_path / "out")
    conf = result.confirmation
    assert conf["seeds"] == [500, 501]
    assert not set(conf["seeds"]) & set(opt.search_seeds)
    profit = next(g for g in conf["gains"] if g["kpi"] == "profit")
    assert profit["ci_low"] <= profit["diff"] <= profit["ci_high"]
    assert profit["diff"] == pytest.approx(profit["best"] - profit["current"])
    assert [m["channel"] for m in conf["marginal_returns"]] == ["short_video", "kol"]
    files = {p.name for p in result.written}
    assert files == {"trials.parquet", "best.yaml", "summary.json", "report.md"}
    assert len(pd.read_parquet(tmp_path / "out" / "trials.parquet")) == 3


def test_budget_shares_keep_the_total_and_the_floor(tmp_path):
    opt = load_optimization(
        spec_file(
            tmp_path, budget={"channels": ["short_video", "kol"], "total": 3000, "min_share": 0.1}
        )
    )
    plan = {SHARE + "short_video": 1.0, SHARE + "kol": 0.0}
    over = opt.overrides(plan)
    budgets = [over[f"content.channels.{c}.daily_budget"] for c in ("short_video", "kol")]
    assert sum(budgets) == pytest.approx(3000)
    assert budgets[1] == pytest.approx(300)


def test_a_pareto_front_for_two_objectives(tmp_path):
    path = spec_file(
        tmp_path,
        trials=6,
        objective=None,
        objectives=[
            {"kpi": "content_views"},
            {"kpi": "profit", "statistic": "sd", "direction": "minimize"},
        ],
    )
    data = json.loads(path.read_text())
    del data["objective"]
    path.write_text(json.dumps(data))
    with make_evaluator("local", 1) as ev:
        result = optimize(load_optimization(path), ev, tmp_path / "out", do_confirm=False)
    front = [b["values"] for b in result.best]
    tried = result.trials.loc[result.trials["state"] == "complete"]
    views, risk = tried["objective:mean:content_views"], tried["objective:sd:profit"]
    for v, r in front:  # no plan tried is at least as good on both and better on one
        assert not ((views >= v) & (risk <= r) & ((views > v) | (risk < r))).any()
    assert len(front) >= 1


def test_no_feasible_plan_is_a_clear_error(tmp_path):
    path = spec_file(tmp_path, trials=2, constraints={"content_views": {"max": 1}})
    with make_evaluator("local", 1) as ev, pytest.raises(ConfigError, match="no plan tried"):
        optimize(load_optimization(path), ev, tmp_path / "out", do_confirm=False)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"objective": {"kpi": "profits"}}, "objective.kpi: value 'profits': unknown KPI"),
        ({"constraints": {"stockout": {"max": 0.1}}}, "constraints.stockout: unknown KPI"),
        ({"budget": {"channels": ["short_video", "tiktok"]}}, "budget.channels: value 'tiktok'"),
        ({"parameters": {"coupons.valeu": {"lower": 0, "upper": 4}}}, "coupons.valeu"),
        ({"parameters": {"coupons.value": {"lower": 9, "upper": 4}}}, "lower 9 >= upper 4"),
        ({"confirm": {"root_seed": 1}}, "confirm.root_seed: value 1: its seeds overlap"),
        ({"constraints": {"profit": {}}}, "constraints.profit"),
        ({"trials": 0}, "trials"),
    ],
)
def test_bad_specs_name_the_field(tmp_path, change, message):
    with pytest.raises(ConfigError) as exc:
        load_optimization(spec_file(tmp_path, **change))
    assert any(message in p for p in exc.value.problems), exc.value.problems


def test_the_day_a_phase_starts_is_a_lever(tmp_path):
    """Rollout timing: ``schedule.N.day`` is declared like any other bounded parameter."""
    path = spec_file(
        tmp_path,
        trials=2,
        set={
            "population.size": 800,
            "horizon_days": 40,
            "schedule": [{"day": 10, "set": {"coupons.value": 5.0}}],
        },
        parameters={"schedule.0.day": {"lower": 1, "upper": 30, "integer": True}},
        budget=None,
    )
    opt = load_optimization(path)
    with make_evaluator("local", 1) as ev:
        result = optimize(opt, ev, tmp_path / "out", do_confirm=False)
    days = result.trials["schedule.0.day"]
    assert days.between(1, 30).all() and (days == 10).any()  # the current plan is tried


def store_spec(tmp_path: Path, **changes) -> Path:
    """A market where only one subset of stores is worth converting.

    Nobody lives in tier-3/4 cities, so the tier-3/4 stores serve no one: converting them
    to full experience stores only adds their running cost, while converting the tier-1/2
    stores brings visits and sales worth far more than theirs. The best subset of
    ``stores.conversion.tiers`` is therefore [tier12], the known optimum.
    """
    segments = {f"population.segments.{s}.tier34_share": 0.0 for s in SEGMENTS}
    data = {
        "name": "which_stores",
        "base": str(BASELINE),
        "set": {
            "population.size": 2000,
            "horizon_days": 60,
            "stores.conversion.experience_level": 1.0,
            "costs.levers.experience_zones.setup_per_store": 0.0,
            **segments,
        },
        "parameters": {"stores.conversion.tiers": {"subset": ["tier12", "tier34"]}},
        "objective": {"kpi": "profit"},
        "trials": 8,
        "seeds": 2,
        "confirm": {"replications": 2, "root_seed": 500},
    }
    data.update(changes)
    path = tmp_path / "stores.yaml"
    path.write_text(json.dumps(data))
    return path


SEGMENTS = ("gen_z", "families", "value_seekers", "professionals")


@pytest.mark.slow
def test_finds_the_known_best_subset_of_stores_to_convert(tmp_path):
    opt = load_optimization(store_spec(tmp_path))
    with make_evaluator("local", 1) as ev:
        result = optimize(opt, ev, tmp_path / "out", do_confirm=False)
    assert result.best[0]["levers"] == {"stores.conversion.tiers": ["tier12"]}
    assert result.best[0]["stores_converted"] == 140  # the baseline's tier-1/2 stores
    tried = result.trials.loc[result.trials["state"] == "complete", "stores.conversion.tiers"]
    assert tried.map(str).nunique() == 4  # every subset was tried, the empty one too


def test_the_current_plan_of_a_subset_lever_is_the_base_value(tmp_path):
    opt = load_optimization(store_spec(tmp_path))
    plan = opt.current_plan()
    assert opt.levers(plan) == {"stores.conversion.tiers": ["tier12", "tier34"]}


@pytest.mark.parametrize(
    ("lever", "message"),
    [
        ({"subset": []}, "subset is empty"),
        ({"subset": ["tier12", "tier12"]}, "repeated values"),
        ({"subset": ["tier12"], "lower": 0, "upper": 1}, "give subset alone"),
        ({"subset": ["tier12", "tier5"]}, "subset value ['tier5']"),
    ],
)
def test_bad_subset_levers_name_the_field(tmp_path, lever, message):
    path = store_spec(tmp_path, parameters={"stores.conversion.tiers": lever})
    with pytest.raises(ConfigError) as exc:
        load_optimization(path)
    assert any(message in p and "stores.conversion.tiers" in p for p in exc.value.problems), (
        exc.value.problems
    )
