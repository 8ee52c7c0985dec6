"""Loading, validating and evaluating calibration targets."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.measure.kpis import LEVEL_KPIS
from sim.measure.targets import EFFECTS, Target, effect_value, evaluate, load_targets
from sim.scenario.config import ConfigError, ScenarioConfig, with_overrides

ROOT = Path(__file__).resolve().parents[2]
REPORT_TARGETS = ROOT / "targets" / "omo_report_2025.yaml"
#: Where the source report's targets are kept beside the project, when they are.
SHARED_TARGETS = ROOT.parent / "shared" / "targets"

GOOD = """
levels:
  omnichannel_customer_share:
    value: 0.62
    tolerance: 0.05
    abs: true
    source: "1.1.1"
    definition: "share of customers using both"
effects:
  shared_inventory_stockout_effect:
    value: -0.35
    tolerance: 0.10
    abs: true
    source: "4.1.2"
    definition: "relative change in stockouts"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def target(value: float, tolerance: float, abs_: bool) -> Target:
    return Target(name="t", value=value, tolerance=tolerance, abs=abs_, source="s", definition="d")


def test_the_project_ships_the_report_targets_and_uses_them_by_default():
    from sim.measure.targets import PROJECT_TARGETS

    assert PROJECT_TARGETS == REPORT_TARGETS and REPORT_TARGETS.is_file()
    assert (ROOT / "targets" / "omo_report_2025_cases.yaml").is_file()


@pytest.mark.parametrize("name", ["omo_report_2025.yaml", "omo_report_2025_cases.yaml"])
@pytest.mark.skipif(not SHARED_TARGETS.is_dir(), reason=f"{SHARED_TARGETS} not present")
def test_project_targets_agree_with_the_shared_source(name):
    """Figures, tolerances, sources and definitions: the same data as the shared files."""
    import yaml

    ours = yaml.safe_load((ROOT / "targets" / name).read_text(encoding="utf-8"))
    theirs = yaml.safe_load((SHARED_TARGETS / name).read_text(encoding="utf-8"))
    assert ours == theirs


def test_the_report_targets_files_load_with_every_level_and_effect():
    targets = load_targets(REPORT_TARGETS)
    cases = load_targets(REPORT_TARGETS.with_name("omo_report_2025_cases.yaml"))
    assert set(targets.levels) == set(LEVEL_KPIS)
    assert set(targets.effects) | set(cases.effects) == set(EFFECTS)
    assert targets.levels["touchpoints_before_first_purchase"].abs is False
    assert targets.effects["shared_inventory_stockout_effect"].value == -0.35


def test_a_minimal_file_loads_and_defaults_abs_to_false(tmp_path):
    text = GOOD.replace('    abs: true\n    source: "1.1.1"', '    source: "1.1.1"')
    targets = load_targets(write(tmp_path, text))
    assert targets.levels["omnichannel_customer_share"].abs is False
    assert targets.effects["shared_inventory_stockout_effect"].abs is True


def test_unknown_level_name_is_rejected_naming_it_and_the_allowed_names(tmp_path):
    path = write(tmp_path, GOOD.replace("omnichannel_customer_share:", "omni_share:"))
    with pytest.raises(ConfigError) as err:
        load_targets(path)
    (line,) = err.value.problems
    assert "levels.omni_share" in line and "omnichannel_customer_share" in line


def test_unknown_effect_name_is_rejected(tmp_path):
    path = write(tmp_path, GOOD.replace("shared_inventory_stockout_effect:", "magic_effect:"))
    with pytest.raises(ConfigError, match="effects.magic_effect: unknown name"):
        load_targets(path)


def test_missing_value_is_reported_with_its_path(tmp_path):
    path = write(tmp_path, GOOD.replace("    value: 0.62\n", ""))
    with pytest.raises(ConfigError) as err:
        load_targets(path)
    (line,) = err.value.problems
    assert "levels.omnichannel_customer_share.value" in line and "required" in line


def test_negative_tolerance_is_reported_with_value_and_bound(tmp_path):
    path = write(tmp_path, GOOD.replace("tolerance: 0.10", "tolerance: -0.1"))
    with pytest.raises(ConfigError) as err:
        load_targets(path)
    (line,) = err.value.problems
    assert "effects.shared_inventory_stockout_effect.tolerance" in line
    assert "-0.1" in line and "greater than or equal to 0" in line


def test_every_problem_is_reported_at_once(tmp_path):
    text = GOOD.replace("    value: 0.62\n", "").replace("tolerance: 0.10", "tolerance: -1")
    with pytest.raises(ConfigError) as err:
        load_targets(write(tmp_path, text + "extras: {}\n"))
    assert len(err.value.problems) == 3


def test_unreadable_file_raises_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_targets(tmp_path / "absent.yaml")


def test_absolute_tolerance_passes_on_the_edge_and_fails_beyond():
    t = target(0.62, 0.05, abs_=True)
    assert evaluate(t, [0.67, 0.67]).passed  # |0.67 - 0.62| = 0.05, inclusive
    assert evaluate(t, [0.57]).passed
    assert not evaluate(t, [0.6701]).passed


def test_relative_tolerance_scales_with_the_value():
    t = target(4.2, 0.10, abs_=False)  # allowed 0.42 -> band 3.78 .. 4.62
    assert evaluate(t, [4.62]).passed and evaluate(t, [3.78]).passed
    assert not evaluate(t, [4.63]).passed
    assert target(-0.35, 0.1, abs_=False).allowed == pytest.approx(0.035)


def test_evaluate_reports_mean_and_t_interval():
    # values 1, 2, 3: mean 2, sd 1, sem 1/sqrt(3); t(0.975, df=2) = 4.302653
    r = evaluate(target(2.0, 0.1, abs_=True), [1.0, 2.0, 3.0])
    half = 4.302653 / math.sqrt(3)
    assert (r.n, r.mean) == (3, 2.0)
    assert r.ci_low == pytest.approx(2 - half, rel=1e-6)
    assert r.ci_high == pytest.approx(2 + half, rel=1e-6)
    assert (r.low, r.high) == (1.9, 2.1)


def test_evaluate_fails_on_nan_or_no_replications_and_has_no_interval_for_one():
    t = target(0.5, 0.1, abs_=True)
    assert not evaluate(t, [0.5, float("nan")]).passed
    assert not evaluate(t, []).passed
    assert math.isnan(evaluate(t, [0.5]).ci_low)


def test_effect_arms_are_valid_scenario_overrides():
    for effect in EFFECTS.values():
        for arm in (effect.control, effect.treatment):
            with_overrides(ScenarioConfig(), dict(arm))


def test_consistency_effect_switches_all_three_levers_off_in_treatment():
    e = EFFECTS["consistency_repurchase_effect"]
    assert dict(e.control) == {
        "consistency.price_consistent": True,
        "membership.unified": True,
        "coupons.redeemable_in": "everywhere",
    }
    assert dict(e.treatment) == {
        "consistency.price_consistent": False,
        "membership.unified": False,
        "coupons.redeemable_in": "online",
    }


def test_relative_change_effect():
    e = EFFECTS["shared_inventory_stockout_effect"]
    # stockouts 0.10 separate -> 0.065 pooled: 0.065 / 0.10 - 1 = -0.35
    value = effect_value(e, {"stockout_rate": 0.10}, {"stockout_rate": 0.065})
    assert value == pytest.approx(-0.35)
    assert math.isnan(effect_value(e, {"stockout_rate": 0.0}, {"stockout_rate": 0.1}))


def test_level_in_treatment_effect_reads_the_treatment_arm_only():
    e = EFFECTS["coupon_channel_conflict_abandonment"]
    assert effect_value(e, {}, {"coupon_conflict_abandonment": 0.3}) == 0.3


def test_effect_value_names_a_missing_kpi():
    e = EFFECTS["cross_channel_coupon_redemption_effect"]
    with pytest.raises(KeyError, match="coupon_redemption_rate"):
        effect_value(e, {"coupon_redemption_rate": 0.2}, {})


@pytest.mark.parametrize("text", ["{}", "levels: {}\neffects: {}\n", "levels: {}\n"])
def test_a_file_with_no_targets_is_refused(tmp_path, text):
    """Defect 15: a targets file with no target would let `omo check` pass on nothing."""
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_targets(path)
    assert "holds no targets" in exc.value.problems[0]


def test_a_boolean_target_value_is_refused(tmp_path):
    """Defect 8: ``value: true`` is not the number 1."""
    path = tmp_path / "t.yaml"
    path.write_text(
        "levels:\n  omnichannel_customer_share:\n"
        "    {value: true, tolerance: 0.1, source: s, definition: d}\n"
    )
    with pytest.raises(ConfigError) as exc:
        load_targets(path)
    assert "levels.omnichannel_customer_share.value" in exc.value.problems[0]
