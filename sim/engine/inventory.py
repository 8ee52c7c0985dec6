"""Stock by location and item, with order-up-to replenishment and optional pooling.

Locations 0..S-1 are stores, location S is the online warehouse. Each location is
replenished every ``review_period_days`` up to ``cover_days`` of its recent demand
(an exponentially weighted average), so stock follows demand at any population size.
Attempts are served in arrival order within a day, which is computed vectorised: an
attempt is in stock when its rank among the day's attempts for the same (location,
item) is below the stock on hand.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.config import Inventory as InventoryPolicy


class Inventory:
    """Stock on hand and demand estimates, one row per location, one column per item."""

    def __init__(self, policy: InventoryPolicy, catchment: np.ndarray, online_catchment: float):
        """``catchment[s]``: consumers whose nearest store is s; online: all consumers."""
        self.policy = policy
        self.stores = len(catchment)
        self.warehouse = self.stores
        k = policy.skus
        ranks = np.arange(1, k + 1, dtype=np.float64)
        popularity = ranks**-policy.sku_popularity
        self.sku_share = popularity / popularity.sum()
        self.sku_cdf = np.cumsum(self.sku_share)
        people = np.append(np.asarray(catchment, np.float64), online_catchment)
        # Prior: assume half the orders come through each channel until sales say otherwise.
        per_channel = 0.5 * policy.prior_orders_per_consumer_day
        self.demand = per_channel * people[:, None] * self.sku_share[None]
        self.stock = np.zeros((self.stores + 1, k), np.int64)
        self.replenish()

    def skus_for(self, u: np.ndarray) -> np.ndarray:
        """Items wanted, by popularity, for uniforms ``u`` (one per attempt)."""
        idx = np.searchsorted(self.sku_cdf, u * self.sku_cdf[-1], side="right")
        return np.minimum(idx, len(self.sku_cdf) - 1).astype(np.int32)

    def check(self, location: np.ndarray, sku: np.ndarray) -> np.ndarray:
        """Which attempts (in the given arrival order) find the item on the shelf.

        Does not take stock: call :meth:`take` with the attempts that buy.
        """
        if len(location) == 0:
            return np.zeros(0, bool)
        k = self.stock.shape[1]
        key = location.astype(np.int64) * k + sku
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
        group_start = np.repeat(starts, np.diff(np.r_[starts, len(key)]))
        rank = np.empty(len(key), np.int64)
        rank[order] = np.arange(len(key)) - group_start
        return rank < self.stock.ravel()[key]

    def take(self, location: np.ndarray, sku: np.ndarray) -> None:
        """Remove one unit per purchase; never below zero (a bug if it would be)."""
        k = self.stock.shape[1]
        sold = np.bincount(location.astype(np.int64) * k + sku, minlength=self.stock.size)
        sold = sold.reshape(self.stock.shape)
        if np.any(sold > self.stock):
            raise RuntimeError("inventory would go negative: a sale without stock")
        self.stock -= sold

    def end_of_day(self, day: int, demand_seen: np.ndarray) -> None:
        """Update demand estimates with the day's wanted units; replenish on review days."""
        self.demand += self.policy.demand_smoothing * (demand_seen - self.demand)
        if (day + 1) % self.policy.review_period_days == 0:
            self.replenish()

    def demand_counts(self, location: np.ndarray, sku: np.ndarray) -> np.ndarray:
        """Units wanted per (location, item): the demand signal, stockouts included."""
        k = self.stock.shape[1]
        counts = np.bincount(location.astype(np.int64) * k + sku, minlength=self.stock.size)
        return counts.reshape(self.stock.shape).astype(np.float64)

    def replenish(self) -> None:
        """Order up to ``cover_days`` of estimated demand (rounded up), delivered at once."""
        target = np.ceil(self.policy.cover_days * self.demand).astype(np.int64)
        self.stock += np.maximum(target - self.stock, 0)

    def set_policy(self, policy: InventoryPolicy) -> None:
        """A mid-run change of pooling, cover or fill rate (the item range is fixed)."""
        if policy.skus != self.policy.skus:
            raise ValueError(
                f"inventory.skus cannot change mid-run ({self.policy.skus} -> {policy.skus})"
            )
        self.policy = policy
