"""Stock: units are only sold where they were on the shelf, and stock never goes negative.

The run-level checks read the stock ledger (``model.inventory_frame()`` /
inventory.parquet: opening stock and units sold per day, location and item, with the
online warehouse as location -2) against the purchase attempts in the event log.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.engine.inventory import Inventory
from sim.engine.model import OmnichannelModel
from sim.engine.processes import checkout
from sim.engine.processes.coupons import give_coupons
from sim.log.eventlog import WAREHOUSE
from sim.scenario.config import Inventory as InventoryPolicy
from sim.scenario.config import from_dict
from tests.conftest import INVARIANT_SEEDS


@pytest.fixture(scope="module", params=INVARIANT_SEEDS, ids=lambda s: f"seed{s}")
def run(request, seed_runs):
    return seed_runs[request.param]


def sold_by_log(result) -> pd.DataFrame:
    """Purchased attempts counted per (day, location they were fulfilled from, sku)."""
    ev = result.events.to_pandas()
    bought = ev[
        (ev.event.astype(str) == "purchase_attempt") & (ev.outcome.astype(str) == "purchased")
    ]
    return (
        bought.rename(columns={"fulfilled_from": "location"})
        .groupby(["day", "location", "sku"])
        .size()
        .rename("bought")
        .reset_index()
    )


# ---- the ledger against the log ------------------------------------------------------------
def test_units_sold_never_exceed_opening_stock(run):
    """Per (day, location, sku): units sold <= stock at the start of the day."""
    inv = run.inventory
    assert (inv.sold <= inv.opening).all()
    assert inv.sold.sum() > 0


def test_units_sold_equal_purchases_fulfilled_there(run):
    """Per (day, location, sku): units sold = purchased attempts with that fulfilled_from."""
    inv = run.inventory.merge(sold_by_log(run), on=["day", "location", "sku"], how="outer")
    assert inv.opening.notna().all(), "a purchase fulfilled from a location with no ledger row"
    assert (inv.sold == inv.bought.fillna(0)).all()


def test_purchased_attempts_name_where_they_were_fulfilled(run):
    """fulfilled_from is a store (0..count-1) or the warehouse (-2) on purchases, -1 otherwise."""
    ev = run.events.to_pandas()
    attempts = ev[ev.event.astype(str) == "purchase_attempt"]
    bought = attempts.outcome.astype(str) == "purchased"
    where = attempts.fulfilled_from
    stores = run.config.stores.count
    assert (((where >= 0) & (where < stores)) | (where == WAREHOUSE))[bought].all()
    assert (where[~bought] == -1).all()


def test_opening_stock_never_negative(run):
    """Opening stock is >= 0 at every location, item and day."""
    assert (run.inventory.opening >= 0).all()


def test_daily_min_stock_never_negative(run):
    """The end-of-day minimum stock reported by the DataCollector is >= 0 every day."""
    assert (run.daily.min_stock >= 0).all()


def test_ledger_covers_every_day_location_and_item(run):
    """One ledger row per (day, location, sku): stores 0..count-1 plus the warehouse -2."""
    inv = run.inventory
    cfg = run.config
    assert len(inv) == cfg.horizon_days * (cfg.stores.count + 1) * cfg.inventory.skus
    assert set(inv.location) == set(range(cfg.stores.count)) | {WAREHOUSE}


# ---- the Inventory class on hand-made cases -------------------------------------------------
def make_inventory(stock: np.ndarray) -> Inventory:
    policy = InventoryPolicy(skus=stock.shape[1])
    inv = Inventory(policy, np.ones(stock.shape[0] - 1), 10.0)
    inv.stock[:] = stock
    return inv


def test_check_serves_attempts_in_arrival_order():
    """With 2 units, the first two attempts for that (location, item) find it, the third not."""
    inv = make_inventory(np.array([[2, 0], [1, 1]]))
    location = np.array([0, 0, 1, 0, 0])
    sku = np.array([0, 0, 0, 0, 1])
    assert inv.check(location, sku).tolist() == [True, True, True, False, False]


def test_take_refuses_to_go_negative():
    """Taking more units than on hand raises instead of leaving negative stock."""
    inv = make_inventory(np.array([[1, 0], [0, 0]]))
    with pytest.raises(RuntimeError, match="negative"):
        inv.take(np.array([0, 0]), np.array([0, 0]))
    assert (inv.stock >= 0).all()


def test_replenish_orders_up_to_cover_days_of_demand():
    """After replenishment, stock = max(stock, ceil(cover_days * demand))."""
    inv = make_inventory(np.array([[0, 50], [3, 0]]))
    inv.demand[:] = np.array([[1.2, 1.0], [0.1, 0.0]])
    inv.replenish()
    cover = inv.policy.cover_days
    assert inv.stock.tolist() == [[int(np.ceil(cover * 1.2)), 50], [3, 0]]


def test_sku_draws_follow_zipf_popularity():
    """Item draws match the Zipf shares within 5 binomial standard errors each."""
    n = 200_000
    inv = make_inventory(np.zeros((2, 10), np.int64))
    counts = np.bincount(inv.skus_for(np.random.default_rng(4).random(n)), minlength=10)
    p = inv.sku_share
    se = np.sqrt(n * p * (1 - p))
    assert np.all(np.abs(counts - n * p) <= 5 * se)


def test_no_stockout_while_the_unit_is_still_on_the_shelf():
    """A shopper only meets a stockout when the location has no unit of the item left.

    One unit in store 0; twenty shoppers hold an online-only coupon and always abandon
    over it, one holds none. That one must buy the unit (or, at worst, it stays sold out).
    """
    config = from_dict(
        {
            "horizon_days": 5,
            "population": {"size": 60},
            "stores": {"count": 1},
            "inventory": {"skus": 1},
            "coupons": {"redeemable_in": "online"},
            "behaviour": {"coupon_conflict_abandonment": 1.0},
        }
    )
    model = OmnichannelModel(config, rng=3)
    model.inventory.stock[:] = 1
    shoppers = np.flatnonzero(model.nearest_store == 0)[:21]
    give_coupons(model.ctx, shoppers[:20], 20.0, 0)
    model.ctx.start_day()
    model.ctx.today.store_attempts = shoppers
    checkout.checkout(model.ctx, 0)
    log = model.events_table().to_pandas()
    outcomes = log.outcome[log.event.astype(str) == "purchase_attempt"].astype(str)
    left = int(model.inventory.stock[0, 0])
    stockouts = int((outcomes == "stockout").sum())
    assert not (stockouts > 0 and left > 0), f"{stockouts} stockouts with {left} unit left"


def test_stockout_only_where_the_location_sold_out(run):
    """A stockout attempt at (day, location, sku) means every opening unit there was sold.

    The baseline keeps stock separate and has no online-order area, so an attempt is
    only ever served from its own location.
    """
    assert run.config.inventory.mode == "separate" and not run.config.stores.online_order_area
    ev = run.events.to_pandas()
    out = ev[(ev.event.astype(str) == "purchase_attempt") & (ev.outcome.astype(str) == "stockout")]
    assert len(out) > 0
    location = np.where(out.channel.astype(str) == "store", out.store, WAREHOUSE)
    keys = pd.DataFrame({"day": out.day, "location": location, "sku": out.sku})
    ledger = keys.merge(run.inventory, on=["day", "location", "sku"], how="left")
    assert (ledger.sold == ledger.opening).all()
