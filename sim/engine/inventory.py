"""Stock in market units: the real market's shelves, sampled by the simulated shoppers.

Why not count stock per simulated shopper? One simulated consumer stands for
``scale = market_size / size`` real ones. Whole units per simulated shopper overstate
stock at small populations (a store whose ten simulated customers want 0.05 units a day
still holds a whole unit), and a simulated shopper taken as ``scale`` identical real
shoppers arriving at once empties a shelf that real shoppers, arriving one by one over
weeks, would not. Both make stockouts depend on how many consumers are simulated.

So the stock is the *market's*: locations 0..S-1 are stores, location S is the online
warehouse, and stock, demand estimates and replenishment are in real units for real
shoppers. Each day:

1. **Demand rate.** The simulated attempts (those that would take a unit) give today's
   attempts per consumer, by channel, and for store attempts by city tier. These rates
   are averaged over about a month (:data:`RATE_SMOOTHING`), the same at every
   population, because a small sample's day-to-day noise is not the market's: a market
   of millions has smooth demand, and noise in the demand that empties a shelf would
   make stockouts depend on the sample size.
2. **Real shoppers.** A location's expected real shoppers for an item are the rate
   times its market consumers (its catchment, or everyone for the warehouse) times the
   item's popularity share; the number who come is Poisson around it (keyed to the
   location and item), so a slow item in a small store runs out by chance, as real ones
   do. They are served in their arrival order until the shelf is empty.
3. **Spill.** Real shoppers who met an empty shelf may be served by the partner
   location (store <-> warehouse) with the fill rate of the stock policy: pooled stock,
   or an online-order area in the store. The partner serves them from what its own
   shoppers left.
4. **Simulated shoppers sample that day.** A simulated attempt is one of the real
   shoppers at its (location, item): its keyed arrival uniform ``q`` places it in the
   day's arrival order, so it finds the item when the real shoppers ahead of it,
   ``q * wanted``, did not empty the shelf. A stockout that is retried at the partner
   is served when ``q * spilled`` there did not exhaust what was left. Same keyed
   arrival order as before, so arms of a comparison stay paired.
5. **Replenishment.** The demand estimate (an exponential average with
   ``inventory.demand_smoothing`` of the real shoppers who wanted the item, stockouts
   included, plus the partner's shoppers served by transfer) is turned every
   ``review_period_days`` into an order up to ``cover_days`` of demand, in whole market
   units.

The expected fill rate of an attempt therefore depends on market demand per consumer,
not on the number of simulated consumers, as long as the sample gives the demand rate a
few attempts a day per channel: the month's average of ``A`` attempts a day still
wanders by about 13% / sqrt(A), and that noise reaching the shelves adds stockouts. The
baseline at 10,000 consumers has about 8 attempts a day per channel (no difference
found, see ``tests/engine/test_population_independence.py``); a hand-made market with 2
store attempts a day filled 94.97% +- 0.18 of them against 95.38% +- 0.05 with 200.

The stock ledger (``inventory.parquet``) reports market units: opening stock and units
sold to real shoppers (transfers included, at the location that gave them). A simulated
purchase stands for ``scale`` units sold, so ``scale`` x simulated purchases fulfilled
at a location estimates the ledger's units sold there (exactly in expectation, apart
from the month's lag of the demand rate behind the simulated attempts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from sim.scenario.config import Inventory as InventoryPolicy

#: Weight of the latest day in the market's demand rate per consumer (an exponential
#: average over about 1 / RATE_SMOOTHING days). Small enough that the simulated sample's
#: day-to-day noise does not reach the shelves at 10,000 consumers; the same at every
#: population, so the lag it brings is the same too.
RATE_SMOOTHING = 1 / 30

_EXACT_POISSON_UP_TO = 64.0  # larger means: normal approximation with skew correction


def poisson_quantile(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Poisson counts by inversion of keyed uniforms ``u`` (so they stay paired across arms).

    Exact for means up to 64 (summing the probabilities); above, the Cornish-Fisher
    normal approximation, within one unit of the exact quantile in the bulk.
    """
    u = np.asarray(u, np.float64)
    mean = np.broadcast_to(np.asarray(mean, np.float64), u.shape)
    out = np.zeros(u.shape, np.int64)
    big = mean > _EXACT_POISSON_UP_TO
    if big.any():
        m = mean[big]
        z = ndtri(np.clip(u[big], 1e-12, 1 - 1e-12))
        out[big] = np.maximum(np.floor(m + np.sqrt(m) * z + (z * z - 1) / 6 + 0.5), 0)
    idx = np.flatnonzero(~big & (mean > 0))
    if len(idx):
        m, uu = mean.ravel()[idx], u.ravel()[idx]
        p = np.exp(-m)
        cdf = p.copy()
        k = 0
        active = np.flatnonzero(uu >= cdf)
        flat = out.reshape(-1)
        while len(active) and k < 400:
            k += 1
            p[active] *= m[active] / k
            cdf[active] += p[active]
            flat[idx[active]] = k
            active = active[uu[active] >= cdf[active]]
    return out


def share_round(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Whole units from expected units: ``floor(x + u)``, unbiased for uniform ``u``."""
    return np.floor(x + u).astype(np.int64)


@dataclass
class MarketDay:
    """One day of the market's shelves, per (location, item), in market units.

    Attributes:
        opening: stock before the day's shoppers.
        wanted: real shoppers who wanted the item there (stockouts included).
        left: stock left after the location's own shoppers (before serving spill).
        spill_in: real shoppers who met an empty shelf at the partner and tried here.
    """

    opening: np.ndarray
    wanted: np.ndarray
    left: np.ndarray
    spill_in: np.ndarray

    @property
    def demand(self) -> np.ndarray:
        """The demand a location's stock is planned for: its own shoppers (stockouts
        included) and the partner's shoppers it served, so pooled stock is replenished
        for the transfers it makes, not only for its own channel."""
        return (self.wanted + np.minimum(self.spill_in, self.left)).astype(np.float64)


class Inventory:
    """Market stock and demand estimates, one row per location, one column per item."""

    def __init__(
        self,
        policy: InventoryPolicy,
        catchment: np.ndarray,
        size: float,
        scale: float = 1.0,
    ):
        """Stores' catchments and the market.

        Args:
            policy: the stock policy.
            catchment: simulated consumers whose nearest store is s, per store, or per
                store and city tier (columns); store demand rates are kept per column.
            size: simulated consumers (the warehouse serves all of them).
            scale: market consumers per simulated consumer.
        """
        self.policy = policy
        cat = np.asarray(catchment, np.float64)
        self.catchment = cat[:, None] if cat.ndim == 1 else cat
        self.stores = len(self.catchment)
        self.warehouse = self.stores
        self.size, self.scale = float(size), float(scale)
        k = policy.skus
        ranks = np.arange(1, k + 1, dtype=np.float64)
        popularity = ranks**-policy.sku_popularity
        self.sku_share = popularity / popularity.sum()
        self.sku_cdf = np.cumsum(self.sku_share)
        #: market consumers per location (the warehouse: everyone)
        self.people = np.append(self.catchment.sum(axis=1), self.size) * self.scale
        # Prior: half the orders through each channel until sales say otherwise.
        per_channel = 0.5 * policy.prior_orders_per_consumer_day
        self.store_rate = np.full(self.catchment.shape[1], per_channel)
        self.online_rate = per_channel
        self.demand = per_channel * self.people[:, None] * self.sku_share[None]
        self.stock = np.zeros((self.stores + 1, k), np.int64)
        self.replenish()

    def skus_for(self, u: np.ndarray) -> np.ndarray:
        """Items wanted, by popularity, for uniforms ``u`` (one per attempt)."""
        idx = np.searchsorted(self.sku_cdf, u * self.sku_cdf[-1], side="right")
        return np.minimum(idx, len(self.sku_cdf) - 1).astype(np.int32)

    # ---- the market's day ---------------------------------------------------------------
    def observe(self, store_attempts: np.ndarray, online_attempts: float) -> None:
        """Fold today's simulated attempts (per catchment column; online) into the rates."""
        groups = self.catchment.sum(axis=0)
        today = np.divide(
            np.asarray(store_attempts, np.float64),
            groups,
            out=self.store_rate.copy(),
            where=groups > 0,
        )
        self.store_rate += RATE_SMOOTHING * (today - self.store_rate)
        if self.size > 0:
            self.online_rate += RATE_SMOOTHING * (online_attempts / self.size - self.online_rate)

    def expected_shoppers(self) -> np.ndarray:
        """Real shoppers expected today per (location, item), from the per-consumer rates."""
        store = self.catchment @ self.store_rate * self.scale
        per_location = np.append(store, self.online_rate * self.size * self.scale)
        return per_location[:, None] * self.sku_share[None]

    def trade(
        self,
        u_shoppers: np.ndarray,
        u_spill: np.ndarray,
        u_split: np.ndarray,
        to_warehouse: float | np.ndarray,
        to_stores: float,
    ) -> MarketDay:
        """Serve the day's real shoppers from the shelves, then spill to the partner.

        Args:
            u_shoppers: keyed uniforms per (location, item): how many real shoppers come.
            u_spill: keyed uniforms per (location, item): rounding of a store's spill.
            u_split: keyed uniforms per (location, item): rounding of the warehouse's
                spill shared out to the stores.
            to_warehouse: chance a store stockout is filled from the warehouse (one number,
                or a column with one per store).
            to_stores: chance a warehouse stockout is filled from the buyer's store.
        """
        opening = self.stock.copy()
        wanted = poisson_quantile(u_shoppers, self.expected_shoppers())
        own = np.minimum(wanted, opening)
        left = opening - own
        unmet = wanted - own
        spill_in = np.zeros_like(opening)
        stores = slice(0, self.stores)
        spill_in[self.warehouse] = share_round(to_warehouse * unmet[stores], u_spill[stores]).sum(
            axis=0
        )
        market = self.people[self.warehouse]
        reach = self.people[stores] / market if market > 0 else np.zeros(self.stores)
        spill_in[stores] = share_round(
            to_stores * reach[:, None] * unmet[self.warehouse][None], u_split[stores]
        )
        self.stock = left - np.minimum(spill_in, left)
        return MarketDay(opening, wanted, left, spill_in)

    def end_of_day(self, day: int, demand_seen: np.ndarray) -> None:
        """Update demand estimates with the day's wanted units; replenish on review days."""
        self.demand += self.policy.demand_smoothing * (demand_seen - self.demand)
        if (day + 1) % self.policy.review_period_days == 0:
            self.replenish()

    def replenish(self) -> None:
        """Order up to ``cover_days`` of estimated demand (whole market units), at once."""
        target = np.ceil(self.policy.cover_days * self.demand - 1e-9).astype(np.int64)
        self.stock += np.maximum(target - self.stock, 0)

    def set_policy(self, policy: InventoryPolicy) -> None:
        """A mid-run change of pooling, cover or fill rate (the item range is fixed)."""
        if policy.skus != self.policy.skus:
            raise ValueError(
                f"inventory.skus cannot change mid-run ({self.policy.skus} -> {policy.skus})"
            )
        self.policy = policy
