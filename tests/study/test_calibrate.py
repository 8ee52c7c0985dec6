"""``omo calibrate``: parameter recovery, params-file validation, resume and interruption.

Recovery is the test that matters: simulate at known parameter values, take the KPIs as
targets, calibrate from elsewhere in the bounds and require the final check to pass. The
targets are measured on the very seeds the calibration uses, so the true parameters have
loss 0 (common random numbers) whatever the lead's current tuning of the model; what is
tested is that the search finds them, not that the model has particular numbers.
"""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import optuna
import pytest
import yaml

import sim.study.calibrate
from sim.cli.main import main
from sim.measure.targets import load_targets
from sim.scenario.config import ConfigError, ScenarioConfig, load_scenario, with_overrides
from sim.study.calibrate import load_params
from sim.study.run import run_kpis

UPLIFT = "behaviour.omnichannel_basket_uplift"
FILL = "inventory.pooled_fill_rate"


def write(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def scenario_file(tmp_path: Path, size: int, days: int) -> Path:
    config = with_overrides(
        ScenarioConfig(name="tiny"), {"population.size": size, "horizon_days": days}
    )
    return write(tmp_path / "scenario.yaml", config.to_dict())


def target(value: float, tolerance: float) -> dict:
    return {"value": value, "tolerance": tolerance, "abs": True, "source": "s", "definition": "d"}


def completed(out: Path) -> int:
    study = optuna.load_study(study_name="calibration", storage=f"sqlite:///{out}.study.db")
    return len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)))


def test_recovers_known_parameters(tmp_path):
    """Two parameters with monotone effects, 2 seeds per trial, 24 trials: the KPIs come back."""
    seeds = 2
    scenario = scenario_file(tmp_path, 1500, 100)
    truth = {UPLIFT: 0.7, FILL: 0.8}
    base = with_overrides(load_scenario(scenario), truth)
    pooled = with_overrides(base, {"inventory.mode": "pooled"})
    aov, effect = [], []
    for seed in range(4):
        a, b = run_kpis(base, seed), run_kpis(pooled, seed)
        aov.append(a["omnichannel_aov_uplift"])
        effect.append(b["stockout_rate"] / a["stockout_rate"] - 1)

    def measured(values: list[float]) -> dict:
        # Target: the mean on the calibration seeds (so the truth has loss 0); tolerance:
        # 1.5 x the seed-to-seed SD over four seeds, floored (a few seeds can agree by luck).
        spread = 1.5 * float(np.std(values, ddof=1))
        return target(float(np.mean(values[:seeds])), max(spread, 0.04))

    targets = write(
        tmp_path / "targets.yaml",
        {
            "levels": {"omnichannel_aov_uplift": measured(aov)},
            "effects": {"shared_inventory_stockout_effect": measured(effect)},
        },
    )
    # Starting values (0.3 and 0.5 in the scenario) and the bound centres are not the truth.
    params = write(
        tmp_path / "params.yaml",
        {
            "parameters": [
                {"path": UPLIFT, "low": 0.0, "high": 1.5},
                {"path": FILL, "low": 0.05, "high": 0.95},
            ]
        },
    )
    out = tmp_path / "out" / "calibrated.yaml"
    code = main(
        [
            "calibrate",
            str(scenario),
            "--targets",
            str(targets),
            "--params",
            str(params),
            "--trials",
            "24",
            "--out",
            str(out),
            "--seeds",
            str(seeds),
            "--check-replications",
            str(seeds),
            "--check-root-seed",
            "0",  # the targets were measured on the search's seeds (see above)
            "--workers",
            "2",
        ]
    )
    assert code == 0, (out.parent / "calibrated_fit" / "fit.md").read_text()
    found = load_scenario(out)
    assert abs(found.behaviour.omnichannel_basket_uplift - truth[UPLIFT]) < 0.3
    assert abs(found.inventory.pooled_fill_rate - truth[FILL]) < 0.2
    assert found.population.size == 1500
    fit = (out.parent / "calibrated_fit" / "fit.md").read_text()
    assert "omnichannel_aov_uplift" in fit and FILL in fit
    assert (out.parent / "calibrated_fit" / "loss.png").stat().st_size > 1000
    assert out.read_text().startswith("# Calibrated by `omo calibrate`")


@pytest.fixture
def small(tmp_path: Path) -> dict[str, Path]:
    """A very small calibration setup: one parameter, one target, one seed per trial."""
    return {
        "scenario": scenario_file(tmp_path, 800, 60),
        "targets": write(
            tmp_path / "targets.yaml", {"levels": {"omnichannel_aov_uplift": target(0.3, 0.5)}}
        ),
        "params": write(
            tmp_path / "params.yaml", {"parameters": [{"path": UPLIFT, "low": 0.0, "high": 1.0}]}
        ),
        "out": tmp_path / "cal.yaml",
    }


def run_small(small: dict[str, Path], trials: int, *extra: str) -> int:
    return main(
        [
            "calibrate",
            str(small["scenario"]),
            "--targets",
            str(small["targets"]),
            "--params",
            str(small["params"]),
            "--trials",
            str(trials),
            "--out",
            str(small["out"]),
            "--seeds",
            "1",
            "--check-replications",
            "1",
            "--workers",
            "1",
            *extra,
        ]
    )


def test_rerun_resumes_the_study_instead_of_starting_again(small):
    assert run_small(small, 3) in (0, 1)
    assert completed(small["out"]) == 3
    assert run_small(small, 5) in (0, 1)
    assert completed(small["out"]) == 5  # not 8
    assert run_small(small, 2, "--fresh") in (0, 1)
    assert completed(small["out"]) == 2


def test_population_applies_to_the_search_only(small):
    assert run_small(small, 2, "--population", "500") in (0, 1)
    assert load_scenario(small["out"]).population.size == 800
    study = optuna.load_study(
        study_name="calibration", storage=f"sqlite:///{small['out']}.study.db"
    )
    assert study.user_attrs["fingerprint"]


def test_interrupt_keeps_finished_trials_and_resume_completes(small, monkeypatch, capsys):
    real = sim.study.calibrate.evaluate_scenario
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(sim.study.calibrate, "evaluate_scenario", flaky)
    assert run_small(small, 4) == 130
    assert "re-run the same command to resume" in capsys.readouterr().err
    assert completed(small["out"]) == 2
    assert not small["out"].exists()  # nothing but the study is written before the end
    monkeypatch.setattr(sim.study.calibrate, "evaluate_scenario", real)
    assert run_small(small, 4) in (0, 1)
    assert completed(small["out"]) == 4


def test_changed_setup_refuses_to_resume_without_fresh(small, capsys):
    assert run_small(small, 1) in (0, 1)
    write(small["params"], {"parameters": [{"path": UPLIFT, "low": 0.0, "high": 2.0}]})
    assert run_small(small, 2) == 2
    assert "--fresh" in capsys.readouterr().err
    assert run_small(small, 1, "--fresh") in (0, 1)


def test_bad_param_path_exits_2_naming_it(small, capsys):
    write(
        small["params"], {"parameters": [{"path": "behaviour.no_such_rate", "low": 0, "high": 1}]}
    )
    assert run_small(small, 1) == 2
    err = capsys.readouterr().err
    assert "behaviour.no_such_rate" in err and "no_such_rate" in err and "Traceback" not in err
    assert not Path(f"{small['out']}.study.db").exists()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"path": UPLIFT, "low": 1.0, "high": 0.5}, "must be below high"),
        ({"path": UPLIFT, "low": 0.0, "high": 1.0, "log": True}, "needs low > 0"),
        ({"path": UPLIFT, "low": 0.0}, "high: missing"),
        ({"path": UPLIFT, "low": 0.0, "high": 1.0, "step": 0.1}, "step: unknown key"),
        ({"path": "coupons.redeemable_in", "low": 0, "high": 1}, "is not a number"),
        ({"path": "behaviour.lapse_rate", "low": 0.0, "high": 2.0}, "bound 2.0"),
        ({"path": "behaviour", "low": 0.0, "high": 1.0}, "is not a number"),
    ],
)
def test_params_file_validation(tmp_path, small, entry, message):
    config = load_scenario(small["scenario"])
    targets = load_targets(small["targets"])
    path = write(tmp_path / "p.yaml", {"parameters": [entry]})
    with pytest.raises(ConfigError) as exc:
        load_params(path, config, targets)
    assert any(message in p and str(path) in p for p in exc.value.problems), exc.value.problems


def test_params_weights_must_name_targets_and_duplicates_are_refused(tmp_path, small):
    config = load_scenario(small["scenario"])
    targets = load_targets(small["targets"])
    entry = {"path": UPLIFT, "low": 0.0, "high": 1.0}
    path = write(tmp_path / "p.yaml", {"parameters": [entry, entry], "weights": {"happiness": 2}})
    with pytest.raises(ConfigError) as exc:
        load_params(path, config, targets)
    text = "\n".join(exc.value.problems)
    assert "listed twice" in text and "weights.happiness" in text
    ok = write(tmp_path / "ok.yaml", [entry])  # a bare list is read as the parameters
    assert load_params(ok, config, targets).params[0].path == UPLIFT


def test_targets_with_unknown_kpi_exit_2(small, capsys):
    write(small["targets"], {"levels": {"happiness_index": target(0.5, 0.1)}})
    assert run_small(small, 1) == 2
    assert "happiness_index" in capsys.readouterr().err


def _states(out: Path) -> list[str]:
    """Trial states straight from the study's SQLite file (readable while another process
    writes it)."""
    with contextlib.closing(sqlite3.connect(f"{out}.study.db", timeout=5)) as con:
        try:
            return [s for (s,) in con.execute("select state from trials order by number")]
        except sqlite3.OperationalError:  # tables not created yet
            return []


def test_kill_during_trial_0_resumes_with_the_warm_start(tmp_path):
    """Defect 3: kill -9 during trial 0; the resume fails the abandoned trial, re-queues the
    scenario's own values and evaluates them, so no trial stays RUNNING and the search still
    cannot end worse than the scenario it started from."""
    setup = {
        "scenario": scenario_file(tmp_path, 3000, 120),
        "targets": write(
            tmp_path / "targets.yaml", {"levels": {"omnichannel_aov_uplift": target(0.3, 0.5)}}
        ),
        "params": write(
            tmp_path / "params.yaml", {"parameters": [{"path": UPLIFT, "low": 0.0, "high": 1.0}]}
        ),
        "out": tmp_path / "cal.yaml",
    }
    args = [
        "calibrate", str(setup["scenario"]), "--targets", str(setup["targets"]),
        "--params", str(setup["params"]), "--trials", "2", "--out", str(setup["out"]),
        "--seeds", "2", "--check-replications", "1", "--workers", "1",
    ]  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli.main", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while _states(setup["out"]) != ["RUNNING"] and time.monotonic() < deadline:
        assert proc.poll() is None, "calibration ended before it could be killed"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _states(setup["out"]) == ["RUNNING"], "not killed during trial 0"

    assert main(args) in (0, 1)
    study = optuna.load_study(
        study_name="calibration", storage=f"sqlite:///{setup['out']}.study.db"
    )
    states = [t.state for t in study.trials]
    assert optuna.trial.TrialState.RUNNING not in states
    warm = [t for t in study.trials if t.user_attrs.get("warm_start")]
    assert any(
        t.state == optuna.trial.TrialState.COMPLETE and t.params[UPLIFT] == pytest.approx(0.3)
        for t in warm
    )
    assert completed(setup["out"]) == 2
    assert setup["out"].exists()
    assert not list(tmp_path.glob(".cal.yaml*"))


def test_negative_sampler_seed_exits_2(small, capsys):
    """Defect 19: ``--sampler-seed -1`` is refused cleanly (it was a traceback)."""
    assert run_small(small, 1, "--sampler-seed", "-1") == 2
    err = capsys.readouterr().err
    assert "--sampler-seed" in err and "Traceback" not in err
    assert not Path(f"{small['out']}.study.db").exists()


def test_population_option_and_a_population_parameter_conflict(small, capsys):
    """Defect 19: --population with population.size in the params file is refused (the
    parameter used to override the option silently)."""
    write(small["params"], {"parameters": [{"path": "population.size", "low": 300, "high": 900}]})
    assert run_small(small, 1, "--population", "500") == 2
    assert "--population" in capsys.readouterr().err


def test_a_second_calibration_of_the_same_study_is_refused(small, capsys):
    """Defect 3: one process per study, so trials RUNNING at start-up are truly abandoned."""
    import fcntl

    db = Path(f"{small['out']}.study.db")
    with open(f"{db}.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert run_small(small, 1) == 2
    assert "another omo calibrate" in capsys.readouterr().err


def test_out_naming_a_folder_is_refused_before_the_search(small, capsys):
    """Defect 14: an --out that cannot be written is found before any trial runs."""
    small["out"].mkdir()
    assert run_small(small, 1) == 2
    assert "is a folder" in capsys.readouterr().err
    assert not Path(f"{small['out']}.study.db").exists()


def test_parameters_scale_to_the_unit_interval_and_back():
    from sim.study.calibrate import Param

    lin, log = Param("a", 0.2, 0.8), Param("b", 0.001, 0.1, log=True)
    assert lin.to_unit(0.5) == pytest.approx(0.5) and lin.from_unit(0.25) == pytest.approx(0.35)
    assert log.to_unit(0.01) == pytest.approx(0.5)
    assert log.from_unit(log.to_unit(0.037)) == pytest.approx(0.037)
    assert log.from_unit(1.7) == pytest.approx(0.1)  # clipped to the bounds


@pytest.mark.parametrize("text", ["5000:2", "0:2:10", "x:2:10", "5000:2:0"])
def test_a_bad_stage_is_refused_naming_the_format(text):
    from sim.study.calibrate import Stage

    with pytest.raises(ConfigError, match="POPULATION:SEEDS:TRIALS"):
        Stage.parse(text)
    assert Stage.parse("full:1:3").population is None


def test_cmaes_msm_stages_run_resume_and_check_on_fresh_seeds(small):
    """Two stages (small population, then the scenario's): both studies stored, and a rerun
    of the same command runs no new trial."""
    stages = ["--sampler", "cmaes", "--loss", "msm", "--stage", "300:1:3", "--stage", "full:1:2"]
    assert run_small(small, 1, *stages) in (0, 1)
    storage = f"sqlite:///{small['out']}.study.db"
    names = {s.study_name for s in optuna.get_all_study_summaries(storage)}
    assert names == {"calibration", "calibration-stage1"}
    fit = (small["out"].parent / "cal_fit" / "fit.md").read_text()
    assert "1 seeds 1000..1000" in fit  # fresh seeds, not the search's 0
    assert "Per-target diagnostics" in fit and "stage 1: population 800" in fit
    assert run_small(small, 1, *stages) in (0, 1)
    study = optuna.load_study(study_name="calibration-stage1", storage=storage)
    assert len(study.trials) == 2


def test_the_shipped_from_scratch_setup_loads():
    """calibration/from_defaults.yaml with params_cases.yaml against both targets files."""
    from sim.measure.targets import load_target_files

    root = Path(__file__).resolve().parents[2]
    targets = load_target_files(
        [root / "targets" / "omo_report_2025.yaml", root / "targets" / "omo_report_2025_cases.yaml"]
    )
    with pytest.warns(UserWarning, match="no behaviour section"):  # on purpose
        config = load_scenario(root / "calibration" / "from_defaults.yaml")
    spec = load_params(root / "calibration" / "params_cases.yaml", config, targets)
    assert len(spec.params) == 23 and all(w > 0 for w in spec.weights.values())
    assert config.behaviour == ScenarioConfig().behaviour  # schema defaults
