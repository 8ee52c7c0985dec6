"""A run that can be watched: advance some days, look at the series so far, stop, inspect.

:func:`sim.study.run.simulate` runs a whole horizon in one call; an interactive view needs
the same run in slices, so it can redraw every few days, show the funnel growing and stop
half-way to read one consumer's journey. ``LiveRun`` is that run; finished, its KPIs are
those of ``simulate`` with the same scenario and seed (same model, same days).
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd

from sim.engine.model import OmnichannelModel
from sim.log.columns import LABELS
from sim.measure.money import daily_pnl
from sim.scenario.config import ScenarioConfig

#: The funnel's stages, as read from the daily series (counts of consumers).
FUNNEL = ("aware", "considering", "customers", "repeat_customers", "members")
#: The log columns the P&L reads.
PNL_COLUMNS = ("day", "event", "outcome", "account", "value")


class LiveRun:
    """One scenario and seed, simulated a slice of days at a time.

    Example:
        >>> live = LiveRun(config, seed=1)
        >>> while not live.done:
        ...     live.advance(10)
        ...     live.series().tail(1)
    """

    def __init__(self, config: ScenarioConfig, seed: int = 0) -> None:
        self.config = config
        self.seed = seed
        self.model = OmnichannelModel(config, rng=seed)
        self._stop = threading.Event()
        self._pnl: pd.DataFrame | None = None  # the P&L per day of the rows read so far
        self._pnl_mark = 0  # the log's appends read into it

    @property
    def days_done(self) -> int:
        return self.model.steps

    @property
    def horizon(self) -> int:
        return self.config.horizon_days

    @property
    def done(self) -> bool:
        return self.days_done >= self.horizon

    @property
    def scale(self) -> float:
        """Market consumers per simulated one: sample money x scale = market money."""
        pop = self.config.population
        return pop.market_size / pop.size

    def stores_converted(self) -> int:
        """How many stores the strategy in force converts (``stores.conversion``), as the
        model fitted them out: 0 when every store follows the ``stores`` settings."""
        fit = self.model.policy.stores
        return 0 if fit is None else int(fit.converted.sum())

    def stop(self) -> None:
        """Ask a running :meth:`advance` to stop after the current day (thread-safe)."""
        self._stop.set()

    def advance(self, days: int) -> int:
        """Simulate up to ``days`` more days (fewer at the horizon or when stopped).

        Returns:
            the days simulated by this call.
        """
        self._stop.clear()
        n = 0
        while n < days and not self.done and not self._stop.is_set():
            self.model.step()
            n += 1
        return n

    def series(self) -> pd.DataFrame:
        """The daily series so far, with the funnel as counts and the P&L in market money.

        Columns: the model's daily table, ``aware`` and ``considering`` (counts), ``orders``
        and ``revenue`` (both channels), ``profit`` and ``cumulative_profit`` (market money).
        """
        daily = self.model.daily_frame()
        if daily.empty:
            return daily
        size = self.config.population.size
        daily = daily.assign(
            aware=(daily["aware_share"] * size).round().astype(int),
            considering=(daily["considering_share"] * size).round().astype(int),
            orders=daily["orders_online"] + daily["orders_store"],
        )
        pnl = self.daily_pnl()
        daily["profit"] = pnl["profit"].to_numpy() * self.scale
        daily["cumulative_profit"] = daily["profit"].cumsum()
        for col in ("revenue_online", "revenue_store"):
            daily[f"{col}_market"] = daily[col] * self.scale
        return daily

    def daily_pnl(self) -> pd.DataFrame:
        """The P&L per day so far (the log's money), as :func:`~sim.measure.money.daily_pnl`
        of the whole log, but reading only the rows logged since the last call.

        Every P&L line is a per-day sum of rows, and a redraw comes between whole days, so
        adding the new rows' lines to the stored ones gives exactly the whole log's lines;
        a redraw no longer costs more the longer the run has gone.
        """
        log = self.model.log
        cols = log.columns_since(self._pnl_mark, PNL_COLUMNS)
        self._pnl_mark = log.appends
        labelled = {
            name: pd.Categorical.from_codes(cols[name], LABELS[name])
            for name in ("event", "outcome", "account")
        }
        rows = pd.DataFrame({"day": cols["day"], "value": cols["value"], **labelled})
        new = daily_pnl(rows, self.horizon)
        if self._pnl is None:
            self._pnl = new
        else:
            lines = [c for c in new.columns if c != "day"]
            self._pnl[lines] = self._pnl[lines] + new[lines]
        return self._pnl.iloc[: self.days_done].reset_index(drop=True)

    def funnel(self, series: pd.DataFrame | None = None) -> dict[str, int]:
        """Consumers at each stage of the funnel, as of the last day simulated.

        Args:
            series: :meth:`series`, when the caller has it already (it costs a pass over
                the event log).
        """
        daily = self.series() if series is None else series
        if daily.empty:
            return dict.fromkeys(FUNNEL, 0)
        last = daily.iloc[-1]
        return {stage: int(last[stage]) for stage in FUNNEL}

    def journey(self, consumer: int) -> pd.DataFrame:
        """One consumer's rows of the event log so far, in order."""
        rows = self.model.events_of(consumer)
        keep = [c for c in ("day", "event", "channel", "store", "value", "outcome") if c in rows]
        return rows[keep].round({"value": 2}).reset_index(drop=True)

    def example_customer(self) -> int | None:
        """A consumer who bought more than once in this run (else once), to show a journey;
        None if nobody bought.

        Purchases are counted in the log, not by the consumer's own count: in a market with
        a past that count includes purchases before day 0, which the journey does not show.
        """
        rows = self.model.events_table().select(["consumer", "event", "outcome"]).to_pandas()
        bought = rows.loc[
            (rows["event"].astype(str) == "purchase_attempt")
            & (rows["outcome"].astype(str) == "purchased"),
            "consumer",
        ].value_counts()
        for least in (2, 1):
            ids = np.sort(bought.index[bought >= least].to_numpy())
            if len(ids):
                return int(ids[len(ids) // 2])
        return None

    def consumer_ids(self) -> np.ndarray:
        return np.asarray(self.model.consumers_frame()["consumer"])
