"""A Mesa citizen for ``mesa.batch_run``: the model, with the run's KPIs as model reporters.

The engine cannot compute KPIs itself (they are functions of the event log, a later layer),
so this subclass adds them: on the horizon's last day each KPI reporter reads the KPIs of
the log so far (computed once, then cached); on other days they are NaN, so
``batch_run(..., data_collection_period=-1)`` returns one row per run with every KPI.
KPI columns are named ``kpi_<name>``: the daily reporters keep their own names (``customers``
is the count on that day, ``kpi_customers`` the run's KPI), so neither hides the other.

Example:
    >>> import mesa
    >>> rows = mesa.batch_run(MeasuredModel, {"config": [config]}, rng=[1, 2],
    ...                       max_steps=config.horizon_days, number_processes=1)
"""

from __future__ import annotations

from functools import partial
from typing import Any

import mesa

from sim.engine.model import OmnichannelModel
from sim.measure.kpis import KPIS, compute_kpis
from sim.scenario.config import ScenarioConfig

KPI_PREFIX = "kpi_"
"""Prefix of the KPI columns in ``batch_run`` rows."""


class MeasuredModel(OmnichannelModel):
    """:class:`OmnichannelModel` whose DataCollector also reports every KPI on the last day."""

    def __init__(self, config: ScenarioConfig, rng: int | None = None):
        super().__init__(config, rng=rng)
        self._kpis: dict[str, float] | None = None
        reporters = {**self._reporters()}
        for kpi in KPIS:
            reporters[KPI_PREFIX + kpi.name] = partial(MeasuredModel._kpi, name=kpi.name)
        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    def _kpi(self, name: str) -> Any:
        if self.day + 1 < self.config.horizon_days:
            return float("nan")
        if self._kpis is None:
            events = self.events_table().to_pandas()
            self._kpis = compute_kpis(
                events,
                self.consumers_frame(),
                self.config.horizon_days,
                annual_discount_rate=self.config.costs.annual_discount_rate,
            )
        return self._kpis[name]
