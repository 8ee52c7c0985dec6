"""The day's costs, booked as ``cost`` rows of the event log at the end of the day.

Profit is then a function of the log alone: revenue and coupon discounts from purchase and
redemption rows, every cost from these rows. Amounts are in the sample's money, like the
rest of the log: a per-order or per-visit cost counts the sample's orders and visits; a
per-day or per-store cost (market money) is divided by the market scale.
"""

from __future__ import annotations

import numpy as np

from sim.engine.context import DayContext
from sim.engine.store_fit import StoreFit
from sim.log.columns import ACCOUNTS
from sim.log.eventlog import Channel, Event
from sim.scenario.config import ScenarioConfig
from sim.scenario.sections import LeverCost

ACCOUNT_CODES = {name: code for code, (name, _) in enumerate(ACCOUNTS)}
SAAS_SETUP_SHARE = 0.4  # SaaS tools cut deployment cost by 60% (report 3.5.1)


def lever_intensity(config: ScenarioConfig) -> dict[str, float]:
    """How far each integration lever is on today: 0 off, 1 on (experience: its level)."""
    return {
        "pooled_inventory": float(config.inventory.mode == "pooled"),
        "shelf_labels": float(config.consistency.price_consistent),
        "unified_membership": float(config.membership.unified),
        "online_order_area": float(config.stores.online_order_area),
        "experience_zones": float(config.stores.experience_level),
        "bopis": float(config.stores.bopis and config.online.enabled),
        "personalization": float(config.content.personalization),
        "online_channel": float(config.online.enabled),
    }


def store_levels(config: ScenarioConfig, fit: StoreFit) -> dict[str, np.ndarray]:
    """Each store's level of the levers fitted store by store, under a store conversion."""
    return {
        "online_order_area": fit.order_area.astype(np.float64),
        "experience_zones": fit.experience,
        "bopis": (fit.bopis & config.online.enabled).astype(np.float64),
    }


def _store_lever_costs(
    ctx: DayContext, lever: str, price: LeverCost, levels: np.ndarray, setup_share: float
) -> list[tuple[str, float, int]]:
    """One lever's costs when stores differ: per store, at each store's level.

    The one-off cost per store is paid for what a store gains over the level already set
    up there (a store converted later pays on the day it is converted); the central part
    (``setup``, ``per_day``) is paid at the highest level in use, as if every store had it.
    """
    top = float(levels.max(initial=0.0))
    if top <= 0:
        return []
    done = ctx.installed_stores.get(lever, np.zeros(len(levels)))
    setup = price.setup_per_store * float(np.maximum(levels - done, 0.0).sum())
    if lever not in ctx.installed:
        ctx.installed.add(lever)
        setup += price.setup * top
    ctx.installed_stores[lever] = np.maximum(done, levels)
    lines = [(f"setup:{lever}", setup * setup_share / ctx.scale, -1)] if setup > 0 else []
    running = price.per_day * top + price.per_store_day * float(levels.sum())
    return lines + [(f"running:{lever}", running / ctx.scale, -1)]


def book_costs(ctx: DayContext, day: int) -> None:
    """Write one ``cost`` row per account with money spent today."""
    cfg, t, today = ctx.config, ctx.tally, ctx.today
    costs, stores, scale = cfg.costs, cfg.stores.count, ctx.scale
    lines: list[tuple[str, float, int]] = []  # (account, sample money, channel code)
    net_revenue = t.revenue_online + t.revenue_store - t.coupon_cost
    goods = net_revenue - today.price_premium  # a dearer list price is not dearer goods
    lines.append(("cost_of_goods", (1.0 - costs.gross_margin) * goods, -1))
    per_order = np.array([costs.online_fulfilment.tier12, costs.online_fulfilment.tier34])
    lines.append(("fulfilment", float(per_order @ today.online_orders_by_tier), -1))
    lines.append(("store_fixed", stores * costs.store_fixed_per_day / scale, -1))
    lines.append(("store_visits", t.store_visits * costs.store_cost_per_visit, -1))
    for name, spend in today.media_spend.items():
        lines.append(("media", spend, int(Channel[name])))
    media = sum(today.media_spend.values())
    lines.append(("content_production", costs.content_production_share * media, -1))
    setup_share = SAAS_SETUP_SHARE if costs.saas else 1.0
    fit = ctx.policy.stores
    per_store = {} if fit is None else store_levels(cfg, fit)
    for lever, level in lever_intensity(cfg).items():
        price: LeverCost = getattr(costs.levers, lever)
        if lever in per_store:
            lines += _store_lever_costs(ctx, lever, price, per_store[lever], setup_share)
            continue
        if level <= 0:
            continue
        if lever not in ctx.installed:
            ctx.installed.add(lever)
            ctx.installed_stores[lever] = np.full(stores, level)
            setup = (price.setup + price.setup_per_store * stores) * setup_share * level
            lines.append((f"setup:{lever}", setup / scale, -1))
        running = (price.per_day + price.per_store_day * stores) * level / scale
        if lever == "online_channel":
            running += costs.online_sales_cost_share * t.revenue_online
        lines.append((f"running:{lever}", running, -1))
    lines = [line for line in lines if line[1] > 0]
    if not lines:
        return
    ctx.log.add(
        day,
        Event.cost,
        np.full(len(lines), -1, np.int64),
        value=np.array([amount for _, amount, _ in lines]),
        account=np.array([ACCOUNT_CODES[account] for account, _, _ in lines], np.int8),
        channel=np.array([channel for _, _, channel in lines], np.int8),
    )
