"""Case targets: figures the report gives for one named company, read from a shipped preset.

A targets file's ``cases`` section names a preset (a scenario file under ``configs/``) and,
under it, measures of that preset: a level KPI (e.g. ``repurchase_rate_members``) or one of
:data:`CASE_MEASURES`, which need more than one run of the preset (the preset with its
online channel switched off, another preset on the same seeds) or the daily table (online
sessions, store visits by day, stock on hand). Each measure says which runs it needs as
*arms*: a preset (``None`` = the case's own) and overrides on top of it. Arms are run on
the same seeds, so a ratio of two arms is paired (common random numbers).

Every measure is a function of the runs' KPIs and daily tables alone (:func:`run_measures`),
so the event log stays the contract.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pandas as pd

#: Days of history a "market as it stands" run simulates before day 0 (one year).
STANDING_MARKET_BURN_IN = 365

#: Daily-table sums and means a case measure may read, beside the KPIs.
DAILY_MEASURES = (
    "app_sessions",
    "store_visits_first_quarter",
    "store_visits_last_quarter",
    "mean_stock_units",
    "units_sold",
)


def run_measures(kpis: Mapping[str, float], daily: pd.DataFrame | None) -> dict[str, float]:
    """A run's KPIs plus the daily-table figures case measures read (NaN without a table).

    Store visits by quarter follow the store traffic definition: days 0..90 and 273..364.
    Units sold are orders (an order is one unit of one item in the stock ledger).
    """
    out = dict(kpis)
    if daily is None or len(daily) == 0:
        return out | {name: math.nan for name in DAILY_MEASURES}
    day = daily["day"]
    visits = daily["store_visits"]
    late = (day >= 273) & (day <= 364)
    out["app_sessions"] = float(daily["app_sessions"].sum())
    out["store_visits_first_quarter"] = float(visits[(day >= 0) & (day <= 90)].sum())
    out["store_visits_last_quarter"] = float(visits[late].sum()) if late.any() else math.nan
    out["mean_stock_units"] = float(daily["stock_units"].mean())
    out["units_sold"] = float((daily["orders_online"] + daily["orders_store"]).sum())
    return out


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(b) else math.nan


def _online_conversion(m: Mapping[str, Mapping[str, float]]) -> float:
    return _ratio(m["case"]["orders_online"], m["case"]["app_sessions"])


def _store_traffic_trend(m: Mapping[str, Mapping[str, float]]) -> float:
    r = _ratio(m["case"]["store_visits_last_quarter"], m["case"]["store_visits_first_quarter"])
    return r ** (365 / 273) - 1 if r >= 0 else math.nan  # NaN stays NaN


def _integration_return(m: Mapping[str, Mapping[str, float]]) -> float:
    with_, without = m["case"], m["stores_only"]
    spend = with_["integration_spend"] - without["integration_spend"]
    return _ratio(with_["gross_profit"] - without["gross_profit"], spend)


def _turnover(m: Mapping[str, float]) -> float:
    return _ratio(m["units_sold"], m["mean_stock_units"])


def _inventory_turnover_vs_siloed(m: Mapping[str, Mapping[str, float]]) -> float:
    return _ratio(_turnover(m["case"]), _turnover(m["siloed"]))


@dataclass(frozen=True)
class CaseMeasure:
    """A measure of a preset that its KPIs alone do not give.

    Attributes:
        name: the measure's name under a case in the targets file.
        arms: arm label -> (preset name or None for the case's own, overrides on top).
            The label ``case`` is the case's preset as it is (plus the arm's overrides).
        value: the measure of one seed, from each arm's :func:`run_measures`.
        note: how the report's definition maps onto the arms.
    """

    name: str
    arms: Mapping[str, tuple[str | None, Mapping[str, Any]]]
    value: Callable[[Mapping[str, Mapping[str, float]]], float]
    note: str


def _case(name: str, arms: dict, value: Callable, note: str) -> CaseMeasure:
    frozen = {k: (p, MappingProxyType(dict(o))) for k, (p, o) in arms.items()}
    return CaseMeasure(name, MappingProxyType(frozen), value, note)


#: Case measures a targets file may name (beside any level KPI).
CASE_MEASURES: Mapping[str, CaseMeasure] = MappingProxyType(
    {
        c.name: c
        for c in (
            _case(
                "online_conversion",
                {"case": (None, {})},
                _online_conversion,
                "Online orders / app and mini-program sessions over the horizon.",
            ),
            _case(
                "store_traffic_trend",
                {"case": (None, {"market.burn_in_days": STANDING_MARKET_BURN_IN})},
                _store_traffic_trend,
                f"The preset after {STANDING_MARKET_BURN_IN} days of history "
                "(market.burn_in_days): r = store visits in days 273..364 / days 0..90, "
                "annualised r ** (365/273) - 1.",
            ),
            _case(
                "integration_return",
                {"case": (None, {}), "stores_only": (None, {"online.enabled": False})},
                _integration_return,
                "(gross profit - gross profit with online.enabled false) / (integration spend - "
                "integration spend with online.enabled false): what running the online channel "
                "and its links to the stores costs, and earns, on the same seeds.",
            ),
            _case(
                "inventory_turnover_vs_siloed",
                {"case": (None, {}), "siloed": ("siloed_retailer", {})},
                _inventory_turnover_vs_siloed,
                "Units sold / mean units on hand (stores and warehouse) of the preset, over the "
                "same of siloed_retailer on the same seeds.",
            ),
        )
    }
)


def level_case(kpi: str) -> CaseMeasure:
    """A level KPI read from the case's own runs (e.g. repurchase_rate_members)."""
    return _case(kpi, {"case": (None, {})}, lambda m: float(m["case"][kpi]), f"The KPI {kpi}.")
