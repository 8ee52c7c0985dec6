"""``omo check``: exit codes, the JSON report's arms, arm reuse, and bad input.

Scenarios are tiny (1,500 consumers, 90 days) so each check takes a second or two; the
verdicts are forced with targets far inside or far outside any plausible value, so the
tests do not depend on the lead's current tuning of the model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from sim.cli.main import main
from sim.measure.targets import load_targets
from sim.scenario.config import ScenarioConfig, load_scenario, parse_set_args, with_overrides
from sim.study.check import check, format_set, plan_arms

TINY = {"population.size": 1500, "horizon_days": 90}


def target(value: float, tolerance: float) -> dict:
    return {"value": value, "tolerance": tolerance, "abs": True, "source": "s", "definition": "d"}


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    """The default scenario, shrunk; written as a file like a user's scenario."""
    config = with_overrides(ScenarioConfig(name="tiny"), TINY)
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(config.to_dict()), encoding="utf-8")
    return path


def write_targets(tmp_path: Path, levels: dict, effects: dict | None = None) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump({"levels": levels, "effects": effects or {}}), "utf-8")
    return path


def test_all_pass_exits_0_and_prints_a_table(tmp_path, scenario, capsys):
    targets = write_targets(tmp_path, {"omnichannel_customer_share": target(0.5, 1.0)})
    code = main(
        ["check", str(scenario), "--targets", str(targets), "--replications", "2", "--workers", "1"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "omnichannel_customer_share" in out and "pass" in out
    assert "Result: PASS: 1/1" in out


def test_any_fail_exits_1(tmp_path, scenario, capsys):
    targets = write_targets(
        tmp_path,
        {
            "omnichannel_customer_share": target(0.5, 1.0),
            "touchpoints_before_first_purchase": target(500.0, 0.01),
        },
    )
    code = main(
        ["check", str(scenario), "--targets", str(targets), "--replications", "2", "--workers", "1"]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL" in out and "1/2 targets" in out


def test_json_gives_each_effect_arm_as_set_strings_that_rebuild_it(tmp_path, scenario, capsys):
    targets = write_targets(
        tmp_path,
        {},
        {
            "shared_inventory_stockout_effect": target(-0.35, 10.0),
            "cross_channel_coupon_redemption_effect": target(0.45, 10.0),
        },
    )
    code = main(
        [
            "check",
            str(scenario),
            "--targets",
            str(targets),
            "--replications",
            "2",
            "--workers",
            "1",
            "--json",
            "--set",
            "coupons.value=15",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    stock = report["effects"]["shared_inventory_stockout_effect"]
    assert stock["control"]["set"] == ["coupons.value=15", "inventory.mode=separate"]
    assert stock["treatment"]["set"] == ["coupons.value=15", "inventory.mode=pooled"]
    assert stock["treatment"]["rerun"][1].startswith(f"omo run {scenario} --seed 1 --set ")
    assert len(stock["values"]) == 2 and report["seeds"] == [0, 1]
    # The scenario redeems coupons everywhere: the redemption treatment IS the base run.
    redemption = report["effects"]["cross_channel_coupon_redemption_effect"]
    assert redemption["treatment"]["same_as"] == "base scenario"
    assert report["runs"]["distinct_configs"] == 3  # base, pooled, coupons online
    # Every arm's --set list rebuilds exactly the config that was simulated.
    for effect in report["effects"].values():
        for arm in ("control", "treatment"):
            rebuilt = load_scenario(scenario, parse_set_args(effect[arm]["set"]))
            assert rebuilt.config_hash() == effect[arm]["config_hash"]


def test_unknown_kpi_in_targets_exits_2_naming_it_before_any_run(tmp_path, scenario, capsys):
    targets = write_targets(tmp_path, {"happiness_index": target(0.5, 0.1)})
    code = main(["check", str(scenario), "--targets", str(targets)])
    err = capsys.readouterr().err
    assert code == 2
    assert "happiness_index" in err and "error:" in err and "Traceback" not in err


def test_targets_missing_fields_exit_2(tmp_path, scenario, capsys):
    targets = write_targets(tmp_path, {"omnichannel_customer_share": {"value": 0.62}})
    assert main(["check", str(scenario), "--targets", str(targets)]) == 2
    assert "tolerance" in capsys.readouterr().err


@pytest.mark.parametrize(
    "flag", [["--replications", "0"], ["--workers", "0"], ["--root-seed", "-1"]]
)
def test_bad_numbers_exit_2(tmp_path, scenario, capsys, flag):
    targets = write_targets(tmp_path, {"omnichannel_customer_share": target(0.5, 1.0)})
    assert main(["check", str(scenario), "--targets", str(targets), *flag]) == 2
    assert flag[0] in capsys.readouterr().err


def test_arms_equal_to_another_are_simulated_once():
    config = ScenarioConfig()  # coupons everywhere, consistent, separate stock
    targets_all = {
        "coupon_channel_conflict_abandonment",
        "consistency_repurchase_effect",
        "shared_inventory_stockout_effect",
        "cross_channel_coupon_redemption_effect",
    }
    from sim.measure.targets import Target, Targets

    t = Target(name="x", value=0.1, tolerance=0.1, source="s", definition="d")
    targets = Targets(effects={name: t for name in targets_all})
    configs, arms, references = plan_arms(config, targets)
    # base; coupons online (conflict treatment = redemption control); inconsistent; pooled
    assert len(configs) == 4
    assert references == 8  # base + 1 treatment-only effect + 3 paired effects x 2
    assert arms["consistency_repurchase_effect"][0].same_as == "base scenario"
    assert arms["cross_channel_coupon_redemption_effect"][0].same_as is not None
    assert not arms["coupon_channel_conflict_abandonment"][0].needed


@pytest.mark.parametrize(
    "value", [True, False, "online", "true", "1", "a b", 15, 0.125, 1e-5, [1, 2], None]
)
def test_format_set_round_trips_through_the_set_parser(value):
    assert parse_set_args([format_set("a.b", value)]) == {"a.b": value}


def test_parallel_and_in_process_give_the_same_report(tmp_path, scenario):
    targets = load_targets(
        write_targets(
            tmp_path,
            {"omnichannel_customer_share": target(0.5, 1.0)},
            {"shared_inventory_stockout_effect": target(-0.35, 10.0)},
        )
    )
    config = load_scenario(scenario)
    serial = check(config, targets, replications=2, workers=1).to_dict()
    parallel = check(config, targets, replications=2, workers=2).to_dict()
    assert serial == parallel


def test_without_targets_the_projects_own_file_is_used(tmp_path, scenario, capsys, monkeypatch):
    """No --targets: sim.measure.targets.PROJECT_TARGETS (targets/ in the project) is read."""
    import sim.measure.targets as targets_module

    own = write_targets(tmp_path, {"omnichannel_customer_share": target(0.5, 1.0)})
    monkeypatch.setattr(targets_module, "PROJECT_TARGETS", own)
    code = main(["check", str(scenario), "--replications", "2", "--workers", "1", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert list(report["levels"]) == ["omnichannel_customer_share"]


def test_help_shows_a_plain_percent_sign(capsys):
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    out = capsys.readouterr().out
    assert "95% interval" in " ".join(out.split()) and "%%" not in out


def test_case_targets_run_their_preset_with_the_case_overrides(tmp_path, scenario):
    """A case is read from its preset's own runs: here online conversion of siloed_retailer."""
    from sim.measure.targets import load_target_files
    from sim.study.run import simulate

    ours = tmp_path / "cases.yaml"
    ours.write_text(
        yaml.safe_dump({"cases": {"siloed_retailer": {"online_conversion": target(0.1, 0.05)}}})
    )
    cases = load_target_files([ours])
    report = check(load_scenario(scenario), cases, 1, 3, workers=1, case_overrides=TINY)
    run = simulate(with_overrides(load_scenario("configs/siloed_retailer.yaml"), TINY), 3)
    expected = run.kpis["orders_online"] / run.daily["app_sessions"].sum()
    assert report.cases["siloed_retailer.online_conversion"].values == [expected]
