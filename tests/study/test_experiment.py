"""Experiment files: validation, the shipped experiments, and running arms with common seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.scenario.config import ConfigError, load_scenario, read_yaml
from sim.study.experiment import known_kpis, load_experiment, run_experiment
from sim.study.stats import summarize
from tests.conftest import LAUNCH

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "configs" / "baseline.yaml"
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.yaml"))
TINY = {"population.size": 1500, "horizon_days": 60}
LEVER_FILES = {
    "coupon_channel_conflict_abandonment": "coupon_channel_conflict.yaml",
    "consistency_repurchase_effect": "consistency.yaml",
    "shared_inventory_stockout_effect": "shared_inventory.yaml",
    "cross_channel_coupon_redemption_effect": "cross_channel_coupons.yaml",
}


def write(tmp_path: Path, text: str, name: str = "exp.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text.replace("BASE", str(BASELINE)))
    return path


GOOD = """
base: BASE
set: {population.size: 1500, horizon_days: 60, market.burn_in_days: 0}
arms:
  a: {set: {coupons.redeemable_in: everywhere}}
  b: {set: {coupons.redeemable_in: online}}
kpis: [revenue, customers]
replications: 3
root_seed: 7
"""


def test_good_file_resolves_arms_seeds_and_control(tmp_path):
    exp = load_experiment(write(tmp_path, GOOD))
    assert exp.name == "exp" and exp.control == "a" and exp.arms == ["a", "b"]
    assert exp.seeds == [7, 8, 9]
    assert exp.configs["b"].coupons.redeemable_in == "online"
    assert exp.configs["a"].population.size == 1500
    assert load_experiment(write(tmp_path, GOOD), replications=5).seeds == [7, 8, 9, 10, 11]


def test_base_is_relative_to_the_experiment_file(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "base.yaml").write_text(BASELINE.read_text())
    path = write(tmp_path, GOOD.replace("BASE", "sub/base.yaml"))
    monkeypatch.chdir(ROOT)  # cwd must not matter
    assert load_experiment(path).base_path == tmp_path / "sub" / "base.yaml"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("  b: {set:", "  b: {sett:"),
            "arms.b.sett: value {'coupons.redeemable_in': 'online'}: "
            "unknown key (allowed: description, set",
        ),
        (("kpis: [revenue, customers]", "kpis: [revenue, revnue]"), "kpis: value 'revnue'"),
        (("replications: 3", "replications: 0"), "replications: value 0"),
        (("base: BASE", "base: nowhere.yaml"), "base: value 'nowhere.yaml': no such scenario"),
        (("base: BASE\n", ""), "base: required field is missing"),
        (("root_seed: 7", "root_seed: 7\ncontrol: c"), "control: value 'c': not an arm"),
        (("  b: {set: {coupons.redeemable_in: online}}\n", ""), "arms: 1 given"),
        (("coupons.redeemable_in: online", "coupons.redeemable_in: nowhere"), "arms.b.set.coupons"),
        (("coupons.redeemable_in: online", "coupons.colour: red"), "arms.b.set.coupons.colour"),
        (("root_seed: 7", "root_seed: 7\nbootstrap_kpis: [orders]"), "must also be listed in kpis"),
        (("root_seed: 7", "root_seed: 7\nextra: 1"), "extra: value 1: unknown key (allowed: name"),
        (("  a:", "  on:"), "quote the name"),
    ],
)
def test_bad_files_name_the_field(tmp_path, edit, expected):
    old, new = edit
    assert old in GOOD
    with pytest.raises(ConfigError) as info:
        load_experiment(write(tmp_path, GOOD.replace(old, new)))
    assert any(expected in p for p in info.value.problems), info.value.problems


def test_unknown_kpi_suggests_close_names(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_experiment(write(tmp_path, GOOD.replace("customers]", "customer]")))
    assert "did you mean customers" in str(info.value)


def test_schedule_replaces_the_base_schedule_and_is_validated(tmp_path):
    text = GOOD.replace(
        "  b: {set: {coupons.redeemable_in: online}}",
        "  b:\n    schedule: [{day: 10, set: {content.personalization: true}}]",
    )
    exp = load_experiment(write(tmp_path, text))
    assert [c.day for c in exp.configs["b"].schedule] == [10]
    with pytest.raises(ConfigError, match="arms.b.schedule"):
        load_experiment(write(tmp_path, text.replace("day: 10", "day: 999")))


def _bases(path: Path) -> list[Path]:
    """A scenario file and the files its ``base:`` chain names, resolved."""
    chain = [path.resolve()]
    while isinstance(base := (read_yaml(chain[-1]) or {}).get("base"), str):
        chain.append((chain[-1].parent / base).resolve())
    return chain


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_shipped_experiments_load(path):
    exp = load_experiment(path)
    assert BASELINE.resolve() in _bases(exp.base_path)  # the baseline, or a scenario built on it
    assert exp.spec.replications >= 10
    assert set(exp.spec.kpis) <= set(known_kpis())


def test_shipped_experiments_cover_the_issue():
    names = {p.stem for p in EXPERIMENTS}
    assert set(LEVER_FILES.values()) | {
        "phased_rollout.yaml", "content_mix.yaml", "share_to_get.yaml", "tier34_entry.yaml"
    } <= {n + ".yaml" for n in names}  # fmt: skip


def test_lever_experiments_use_the_targets_effect_arms():
    """Same overrides as sim.measure.targets.EFFECTS, so compare and `omo check` agree."""
    from sim.measure.targets import EFFECTS

    # The report's four lever effects; content ROI (cases file) has no lever experiment: its
    # control switches every channel off, which `omo truth` and `omo check` run themselves.
    levers = {n: e for n, e in EFFECTS.items() if n != "content_marketing_roi"}
    assert set(LEVER_FILES) == set(levers)
    for name, effect in levers.items():
        exp = load_experiment(ROOT / "experiments" / LEVER_FILES[name])
        sets = {arm: exp.spec.arms[arm].set for arm in exp.arms}
        treated = [a for a, s in sets.items() if s == dict(effect.treatment)]
        assert treated, f"{name}: no arm with the treatment overrides {dict(effect.treatment)}"
        if effect.measure == "relative_change":
            assert sets[exp.control] == dict(effect.control), name
        assert effect.kpi in exp.spec.kpis
        assert not exp.spec.set  # nothing else changed from the baseline


def test_phased_rollout_raises_budgets_by_half_and_big_bang_matches_the_final_phase():
    exp = load_experiment(ROOT / "experiments" / "phased_rollout.yaml", overrides=LAUNCH)
    base = load_scenario(BASELINE)
    final: dict = {}
    for change in exp.configs["phased"].schedule:
        final.update(change.set)
    assert final == exp.configs["big_bang"].schedule[0].set
    for channel, spec in base.content.channels.items():
        budget = final[f"content.channels.{channel}.daily_budget"]
        assert budget == pytest.approx(1.5 * spec.daily_budget), channel
    assert final["stores.experience_level"] > base.stores.experience_level
    start = exp.configs["no_change"]
    assert not start.membership.unified and start.coupons.redeemable_in == "online"
    assert [c.day for c in exp.configs["phased"].schedule] == [0, 120, 240]


def test_content_mix_arms_spend_the_same():
    exp = load_experiment(ROOT / "experiments" / "content_mix.yaml", overrides=LAUNCH)
    totals = {
        arm: sum(ch.daily_budget for ch in cfg.content.channels.values())
        for arm, cfg in exp.configs.items()
    }
    control = totals.pop(exp.control)
    assert control == sum(
        ch.daily_budget for ch in load_scenario(BASELINE).content.channels.values()
    )
    for arm, total in totals.items():
        assert total == pytest.approx(control, rel=1e-4), arm


def test_tier34_entry_moves_stores_up_from_the_baseline():
    exp = load_experiment(ROOT / "experiments" / "tier34_entry.yaml", overrides=LAUNCH)
    base = exp.configs["baseline"].stores
    for arm in ("shift", "expand"):
        stores = exp.configs[arm].stores
        assert stores.count * stores.tier34_share > base.count * base.tier34_share
    expand = exp.configs["expand"].stores
    assert round(expand.count * (1 - expand.tier34_share)) == round(
        base.count * (1 - base.tier34_share)
    )


def test_identical_arms_give_exactly_zero_difference(tmp_path):
    """Common random numbers: two arms with the same scenario are the same runs."""
    text = GOOD.replace("coupons.redeemable_in: online", "coupons.redeemable_in: everywhere")
    exp = load_experiment(write(tmp_path, text))
    result = run_experiment(exp, workers=1, progress=False)
    kpis = ["revenue", "customers", "stockout_rate", "repeat_customer_rate"]
    a = result.runs[result.runs["arm"] == "a"].reset_index(drop=True)
    b = result.runs[result.runs["arm"] == "b"].reset_index(drop=True)
    assert a[kpis].equals(b[kpis])
    assert a["revenue"].nunique() == 3  # but replications differ from each other
    summary = summarize(result.runs, kpis, "a")
    treated = summary[~summary["is_control"]]
    assert (treated["diff"] == 0).all() and not treated["significant"].any()
    assert (treated["p_value"] == 1).all()


def test_runs_are_tidy_and_parallel_equals_serial(tmp_path):
    exp = load_experiment(write(tmp_path, GOOD.replace("replications: 3", "replications: 2")))
    serial = run_experiment(exp, workers=1, progress=False)
    parallel = run_experiment(exp, workers=2, progress=False)
    runs = serial.runs
    assert list(runs.columns[:4]) == ["arm", "replication", "seed", "config_hash"]
    assert len(runs) == 4 and runs.groupby("replication")["seed"].nunique().eq(1).all()
    assert "coupon_conflict_abandonment" in runs
    numeric = runs.columns[4:]
    np.testing.assert_array_equal(
        serial.runs[numeric].to_numpy(), parallel.runs[numeric].to_numpy()
    )
    daily = serial.daily
    assert set(daily.columns) == {"arm", "series", "day", "mean", "p05", "p95"}
    rev = daily[(daily["arm"] == "a") & (daily["series"] == "revenue_online")]
    assert len(rev) == 60
    assert (rev["p05"] <= rev["mean"]).all() and (rev["mean"] <= rev["p95"]).all()


def test_relative_budgets_in_arms_and_schedules_follow_the_base(tmp_path):
    text = GOOD.replace(
        "  b: {set: {coupons.redeemable_in: online}}",
        "  b:\n    set: {content.channels.kol.daily_budget: {times: 2}}\n"
        "    schedule: [{day: 10, set: {content.channels.ugc.daily_budget: {plus: 50}}}]",
    )
    exp = load_experiment(write(tmp_path, text))
    base = load_scenario(BASELINE).content.channels
    assert exp.configs["b"].content.channels["kol"].daily_budget == 2 * base["kol"].daily_budget
    ugc = exp.configs["b"].schedule[0].set["content.channels.ugc.daily_budget"]
    assert ugc == base["ugc"].daily_budget + 50


def test_a_bad_relative_value_names_the_arm_and_field(tmp_path):
    text = GOOD.replace("coupons.redeemable_in: online", "coupons.value: {times: -1}")
    with pytest.raises(ConfigError) as info:
        load_experiment(write(tmp_path, text))
    assert info.value.problems == [
        f"{tmp_path / 'exp.yaml'}: arms.b.set.coupons.value: value {{'times': -1}}: "
        "times needs a finite number ({times: k} (k >= 0) or {plus: d})"
    ]


def test_paired_daily_ends_at_the_paired_revenue_difference(tmp_path):
    """The running revenue difference on the last day is the mean paired difference of revenue."""
    exp = load_experiment(write(tmp_path, GOOD))
    result = run_experiment(exp, workers=1, progress=False)
    paired = result.paired_daily
    last = paired[(paired["series"] == "revenue") & (paired["arm"] == "b")].iloc[-1]
    runs = result.runs.set_index(["arm", "replication"])["revenue"]
    expected = (runs["b"] - runs["a"]).mean()
    assert last["diff"] == pytest.approx(expected, rel=1e-6)
    assert last["ci_low"] <= last["diff"] <= last["ci_high"]
    assert set(paired["arm"]) == {"b"}  # the control is not compared with itself


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_tables_as_this_process(tmp_path):
    from sim.study.backends import make_evaluator

    exp = load_experiment(write(tmp_path, GOOD.replace("replications: 3", "replications: 2")))
    here = run_experiment(exp, workers=1, progress=False)
    with make_evaluator("dask", workers=2) as ev:
        there = run_experiment(exp, evaluator=ev, progress=False)
    pd.testing.assert_frame_equal(here.runs, there.runs, check_exact=True)
    pd.testing.assert_frame_equal(here.daily, there.daily, check_exact=True)


def test_a_working_folder_is_reused_only_for_the_same_arm_config_and_seed(tmp_path):
    exp = load_experiment(write(tmp_path, GOOD.replace("replications: 3", "replications: 2")))
    first = run_experiment(exp, workers=1, progress=False, work=tmp_path / "w")
    assert (first.ran, first.reused) == (4, 0)
    more = load_experiment(write(tmp_path, GOOD.replace("replications: 3", "replications: 3")))
    second = run_experiment(more, workers=1, progress=False, work=tmp_path / "w")
    assert (second.ran, second.reused) == (2, 4)  # only the new replication's two arms
    pd.testing.assert_frame_equal(
        second.runs[second.runs["replication"] < 2].reset_index(drop=True), first.runs
    )


def test_money_measures_follow_from_the_runs_and_the_daily_profit(tmp_path):
    """Incremental acquisition cost is the ratio of the paired mean differences of the runs'
    acquisition spend and new customers; the running profit difference ends at the paired
    profit difference, and the payback day is where that running difference turns positive
    for good."""
    from sim.study.stats import payback_day

    text = GOOD.replace("coupons.redeemable_in: online", "content.channels.kol.daily_budget: 0")
    exp = load_experiment(write(tmp_path, text))
    result = run_experiment(exp, workers=1, progress=False)
    money = result.money.set_index("measure")
    runs = result.runs.set_index(["arm", "replication"])
    extra = {
        k: (runs[k]["b"] - runs[k]["a"]).mean() for k in ("acquisition_spend", "new_customers")
    }
    cac = money.loc["incremental_acquisition_cost"]
    assert cac["estimate"] == pytest.approx(extra["acquisition_spend"] / extra["new_customers"])
    assert money.loc["extra_new_customers", "estimate"] == pytest.approx(extra["new_customers"])
    paired = result.paired_daily
    profit = paired[paired["series"] == "profit"].sort_values("day")
    assert profit["diff"].iloc[-1] == pytest.approx(
        (runs["profit"]["b"] - runs["profit"]["a"]).mean()
    )
    assert money.loc["payback_day", "estimate"] == payback_day(profit["diff"].to_numpy())
