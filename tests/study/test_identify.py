"""Identifiability and parameter recovery.

The sensitivity matrix must flag a parameter that cannot move any target (the pooled fill
rate while stock is kept separate), and a calibration from synthetic targets, generated at
parameters drawn at random within bounds, must recover the identifiable parameters within
20% of their range (on the search's scale), while the unidentifiable one is flagged instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.cli.main import main
from sim.measure.targets import Targets, load_target_files
from sim.scenario.config import ScenarioConfig, load_scenario, with_overrides
from sim.study.calibrate import CalibrationSpec, Param
from sim.study.check import Runner
from sim.study.identify import sensitivity
from sim.study.run import run_kpis

UPLIFT = Param("behaviour.omnichannel_basket_uplift", 0.0, 1.0)
SESSIONS = Param("behaviour.app_session_rate", 0.02, 0.2, log=True)
FILL = Param("inventory.pooled_fill_rate", 0.05, 0.95)  # stock is separate: no effect
#: Recovery error allowed, as a share of the parameter's range on the search's scale.
RECOVERY_ERROR = 0.2


def target(value: float, tolerance: float) -> dict:
    return {"value": value, "tolerance": tolerance, "abs": True, "source": "s", "definition": "d"}


def tiny(size: int = 1500, days: int = 100) -> ScenarioConfig:
    return with_overrides(
        ScenarioConfig(name="tiny"), {"population.size": size, "horizon_days": days}
    )


def test_a_parameter_no_target_moves_is_flagged_unconstrained():
    targets = Targets.model_validate(
        {
            "levels": {
                "omnichannel_aov_uplift": {**target(0.3, 0.1), "name": "omnichannel_aov_uplift"}
            }
        }
    )
    spec = CalibrationSpec((UPLIFT, FILL))
    with Runner(1) as runner:
        ident = sensitivity(
            tiny(800, 60), targets, spec, {UPLIFT.path: 0.5, FILL.path: 0.5}, [0, 1], runner
        )
    assert ident.unconstrained == [FILL.path]
    assert ident.constrained_by(UPLIFT.path) == ["omnichannel_aov_uplift"]
    assert ident.sensitivity.loc["omnichannel_aov_uplift", FILL.path] == 0.0
    assert "**unconstrained**" in ident.to_markdown()


@pytest.mark.slow
def test_recovers_identifiable_parameters_drawn_at_random(tmp_path: Path):
    rng = np.random.default_rng(14)
    truth = {p.path: p.from_unit(float(rng.uniform(0.15, 0.85))) for p in (UPLIFT, SESSIONS, FILL)}
    base = with_overrides(tiny(), truth)
    seeds = [0, 1]
    kpis = [run_kpis(base, s) for s in seeds + [2, 3]]
    levels = {}
    for name in ("omnichannel_aov_uplift", "omnichannel_customer_share"):
        v = [k[name] for k in kpis]
        levels[name] = target(float(np.mean(v[:2])), max(1.5 * float(np.std(v, ddof=1)), 0.02))
    targets = tmp_path / "targets.yaml"
    targets.write_text(yaml.safe_dump({"levels": levels}))
    params = tmp_path / "params.yaml"
    params.write_text(
        yaml.safe_dump(
            {
                "parameters": [
                    {"path": p.path, "low": p.low, "high": p.high, "log": p.log}
                    for p in (UPLIFT, SESSIONS, FILL)
                ]
            }
        )
    )
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(tiny().to_dict()))
    out = tmp_path / "fit.yaml"
    common = ["--targets", str(targets), "--params", str(params), "--workers", "2"]
    code = main(
        [
            "calibrate",
            str(scenario),
            *common,
            "--out",
            str(out),
            "--sampler",
            "cmaes",
            "--loss",
            "msm",
            "--stage",
            "full:2:30",
            "--check-replications",
            "2",
        ]
    )
    assert code in (0, 1)
    found = load_scenario(out).to_dict()
    for p in (UPLIFT, SESSIONS):
        section, key = p.path.split(".")
        error = abs(p.to_unit(found[section][key]) - p.to_unit(truth[p.path]))
        assert error <= RECOVERY_ERROR, (p.path, found[section][key], truth[p.path])
    # A wide step and four seeds: the differences must stand out of this tiny run's noise.
    ident = ["--out", str(tmp_path / "ident"), "--seeds", "4", "--step", "0.25"]
    code = main(["identify", str(out), *common, *ident])
    report = yaml.safe_load((tmp_path / "ident" / "identifiability.yaml").read_text())
    assert code == 1 and report["unconstrained"] == [FILL.path]
    assert load_target_files([targets]).names()
