"""The shipped baseline reproduces the report's stylized facts, at any resolution.

These are the acceptance tests of issue 4: they run the real baseline, so they are the
slowest in the suite (about a minute on two cores).
"""

from pathlib import Path

from sim.measure.kpis import LEVEL_KPIS
from sim.measure.targets import load_targets
from sim.scenario.config import load_scenario
from sim.study.check import check
from sim.study.run import simulate

ROOT = Path(__file__).parents[1]
TARGETS = ROOT / "targets" / "omo_report_2025.yaml"
BASELINE = ROOT / "configs" / "baseline.yaml"


def test_baseline_passes_all_twelve_targets_over_five_seeds():
    """`omo check configs/baseline.yaml` at the default population: every level and effect."""
    report = check(load_scenario(BASELINE), load_targets(TARGETS), replications=5, workers=2)
    failed = [r.name for r in report.results if not r.passed]
    assert failed == [], report.format()
    assert len(list(report.results)) == 12


def test_tenfold_population_moves_no_level_kpi_beyond_its_tolerance():
    """KPIs are rates, not artifacts of a small sample: 50k vs 500k consumers, same seed."""
    targets = load_targets(TARGETS)
    base = load_scenario(BASELINE)
    small = simulate(base, 0).kpis
    large = simulate(load_scenario(BASELINE, {"population.size": 10 * base.population.size}), 0)
    for name in LEVEL_KPIS:
        allowed = targets.levels[name].allowed
        assert abs(large.kpis[name] - small[name]) <= allowed, (name, small[name], large.kpis[name])
