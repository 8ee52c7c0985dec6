"""Case targets: the second targets file, case measures, and reading several files together."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from sim.measure.cases import CASE_MEASURES, run_measures
from sim.measure.targets import EFFECTS, effect_value, load_target_files, load_targets
from sim.scenario.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "targets" / "omo_report_2025.yaml"
CASES = ROOT / "targets" / "omo_report_2025_cases.yaml"


def test_the_cases_file_loads_with_its_presets_found():
    t = load_targets(CASES)
    assert set(t.effects) == {"content_marketing_roi"}
    assert set(t.cases) == {"siloed_retailer", "integrated_grocer"}
    assert Path(t.case_files["integrated_grocer"]).name == "integrated_grocer.yaml"
    assert "integrated_grocer.inventory_turnover_vs_siloed" in t.names()


def test_both_files_read_together_hold_eighteen_targets():
    assert len(load_target_files([REPORT, CASES]).names()) == 18


def test_a_target_named_in_two_files_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="already a target"):
        load_target_files([REPORT, REPORT])


def test_an_unknown_preset_or_measure_is_refused_naming_it(tmp_path):
    path = tmp_path / "t.yaml"
    body = "{value: 1, tolerance: 0.1, source: s, definition: d}"
    path.write_text(f"cases:\n  no_such_preset:\n    online_conversion: {body}\n")
    with pytest.raises(ConfigError, match="no_such_preset"):
        load_targets(path)
    path.write_text(f"cases:\n  siloed_retailer:\n    footfall: {body}\n")
    with pytest.raises(ConfigError, match="unknown measure 'footfall'"):
        load_targets(path)


def test_content_roi_is_incremental_revenue_over_the_treatment_spend():
    roi = EFFECTS["content_marketing_roi"]
    value = effect_value(roi, {"revenue": 100.0}, {"revenue": 160.0, "marketing_cost": 10.0})
    assert value == pytest.approx(6.0)
    assert math.isnan(effect_value(roi, {"revenue": 1.0}, {"revenue": 2.0, "marketing_cost": 0}))


def _daily(visits_early: float, visits_late: float) -> pd.DataFrame:
    day = pd.Series(range(365))
    return pd.DataFrame(
        {
            "day": day,
            "store_visits": [visits_early if d <= 90 else visits_late for d in day],
            "app_sessions": 10.0,
            "stock_units": 50.0,
            "orders_online": 1.0,
            "orders_store": 2.0,
        }
    )


def test_store_traffic_trend_annualises_the_last_quarter_over_the_first():
    m = run_measures({}, _daily(1.0, 0.8))
    r = (0.8 * 92) / (1.0 * 91)
    value = CASE_MEASURES["store_traffic_trend"].value({"case": m})
    assert value == pytest.approx(r ** (365 / 273) - 1)


def test_online_conversion_and_turnover_read_the_daily_table():
    m = run_measures({"orders_online": 365.0}, _daily(1.0, 1.0))
    assert CASE_MEASURES["online_conversion"].value({"case": m}) == pytest.approx(0.1)
    twice = {**m, "mean_stock_units": 25.0}
    ratio = CASE_MEASURES["inventory_turnover_vs_siloed"].value({"case": twice, "siloed": m})
    assert ratio == pytest.approx(2.0)


def test_integration_return_is_the_gain_over_the_extra_spend():
    with_ = {"gross_profit": 150.0, "integration_spend": 120.0}
    without = {"gross_profit": 100.0, "integration_spend": 20.0}
    value = CASE_MEASURES["integration_return"].value({"case": with_, "stores_only": without})
    assert value == pytest.approx(0.5)
