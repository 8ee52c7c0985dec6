"""The plausible set: accepted trials of a calibration study, written and read back."""

from __future__ import annotations

import optuna
import pytest

from sim.measure.targets import Targets
from sim.scenario.config import ConfigError
from sim.study.calibrate import CalibrationSpec, Param
from sim.study.ensemble import from_study, load_ensemble, worst_miss, write_ensemble

P = Param("behaviour.omnichannel_basket_uplift", 0.0, 1.0)
TARGETS = Targets.model_validate(
    {
        "levels": {
            "omnichannel_aov_uplift": {
                "name": "omnichannel_aov_uplift",
                "value": 0.3,
                "tolerance": 0.1,
                "abs": True,
                "source": "s",
                "definition": "d",
            }
        }
    }
)


def study_with(tmp_path, means: list[float]):
    db = tmp_path / "cal.yaml.study.db"
    study = optuna.create_study(study_name="calibration", storage=f"sqlite:///{db}")
    for i, m in enumerate(means):
        trial = optuna.trial.create_trial(
            params={P.path: i / 10},
            distributions={P.path: optuna.distributions.FloatDistribution(0, 1)},
            value=abs(m - 0.3),
            user_attrs={"means": {"omnichannel_aov_uplift": m}, "values": {P.path: i / 10}},
        )
        study.add_trial(trial)
    return db


def test_trials_within_every_band_are_accepted_and_their_spread_written(tmp_path):
    db = study_with(tmp_path, [0.0, 0.25, 0.31, 0.38, 0.9, 0.29, 0.33])
    ens = from_study(db, CalibrationSpec((P,)), TARGETS, min_sets=3)
    assert sorted(s["values"][P.path] for s in ens.sets) == [0.1, 0.2, 0.3, 0.5, 0.6]
    assert "5 of 7 trials accepted" in ens.rule
    back = load_ensemble(write_ensemble(ens, tmp_path / "ensemble.yaml"))
    assert back.spread()[P.path]["min"] == 0.1 and back.spread()[P.path]["max"] == 0.6


def test_too_few_accepted_relaxes_to_the_smallest_worst_miss_and_says_so(tmp_path):
    db = study_with(tmp_path, [0.0, 0.9, 0.45, 0.31])
    ens = from_study(db, CalibrationSpec((P,)), TARGETS, min_sets=3)
    assert ens.rule.startswith("relaxed") and len(ens.sets) == 3
    assert [s["values"][P.path] for s in ens.sets] == [0.3, 0.2, 0.0]


def test_a_missing_mean_is_never_plausible_and_weight_zero_is_ignored():
    assert worst_miss({}, TARGETS, {}) == float("inf")
    assert worst_miss({}, TARGETS, {"omnichannel_aov_uplift": 0}) == 0.0


def test_a_file_that_is_not_a_plausible_set_is_refused(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("parameters: []\n")
    with pytest.raises(ConfigError, match="not a plausible-set file"):
        load_ensemble(path)
