"""Mesa agents as thin views on the model's columns.

Behaviour runs vectorised over the columns (see :mod:`sim.engine.model`); an agent exists so
a notebook can pick one consumer or store, read its state and follow its journey.
"""

from __future__ import annotations

import mesa
import pandas as pd

from sim.scenario.vocabulary import CITY_TIERS


class Consumer(mesa.Agent):
    """One consumer; ``row`` indexes the model's state and trait columns."""

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = row

    @property
    def segment(self) -> str:
        t = self.model.traits
        return t.segment_names[t.segment[self.row]]

    @property
    def city_tier(self) -> str:
        return CITY_TIERS[self.model.traits.city_tier[self.row]]

    @property
    def stage(self) -> str:
        return self.model.state.stage_of(self.row).name

    @property
    def nearest_store(self) -> int:
        return int(self.model.nearest_store[self.row])

    @property
    def is_member(self) -> bool:
        return bool(self.model.state.member[self.row])

    @property
    def purchases(self) -> int:
        return int(self.model.state.purchases[self.row])

    @property
    def interest(self) -> float:
        return float(self.model.state.interest[self.row])

    def journey(self) -> pd.DataFrame:
        """This consumer's events so far, in the order they happened."""
        return self.model.events_of(self.unique_id)

    def __repr__(self) -> str:
        return f"Consumer({self.unique_id}, {self.segment}, {self.city_tier}, {self.stage})"


class Store(mesa.Agent):
    """One store; ``store_id`` is its id in the event log (0..count-1)."""

    def __init__(self, model: mesa.Model, store_id: int, city_tier: int):
        super().__init__(model)
        self.store_id = store_id
        self.city_tier = CITY_TIERS[city_tier]

    @property
    def stock(self):
        """Units on hand per item right now, in market units (real shoppers' units)."""
        return self.model.inventory.stock[self.store_id].copy()

    @property
    def catchment(self) -> int:
        """Consumers for whom this is the nearest store."""
        return int((self.model.nearest_store == self.store_id).sum())

    @property
    def size(self) -> float:
        """Size relative to the mean store (``stores.size_spread``; 1 when stores are alike)."""
        return float(self.model.store_size[self.store_id])

    @property
    def converted(self) -> bool:
        """Whether ``stores.conversion`` converts this store under the strategy in force."""
        fit = self.model.policy.stores
        return bool(fit is not None and fit.converted[self.store_id])

    def __repr__(self) -> str:
        return f"Store({self.store_id}, {self.city_tier})"
