"""Consumers and stores are Mesa agents: thin views a notebook can pick and read."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.engine.agents import Consumer, Store


@pytest.fixture(scope="module")
def model(small_run):
    return small_run.model


def test_agents_by_type_counts_match_config(model):
    """One Consumer per simulated consumer, one Store per configured store."""
    assert len(model.agents_by_type[Consumer]) == model.config.population.size
    assert len(model.agents_by_type[Store]) == model.config.stores.count


def test_unique_ids_are_unique(model):
    """No two agents (consumers or stores) share a unique_id."""
    ids = [a.unique_id for a in model.agents]
    assert len(ids) == len(set(ids)) == model.config.population.size + model.config.stores.count


def test_consumers_table_is_keyed_by_unique_id(model, small_run):
    """consumers.parquet's consumer column holds the agents' unique_ids, in row order."""
    ids = [c.unique_id for c in model.consumers]
    assert small_run.consumers.consumer.tolist() == ids


def test_journey_returns_exactly_that_consumers_rows(model, small_events):
    """Consumer.journey() equals the log filtered to its unique_id, in log order."""
    busiest = small_events.consumer[small_events.consumer >= 0].value_counts().index[0]
    agent = next(c for c in model.agents_by_type[Consumer] if c.unique_id == busiest)
    journey = agent.journey()
    expected = small_events[small_events.consumer == busiest].reset_index(drop=True)
    assert len(journey) > 1
    assert (journey.consumer == busiest).all()
    pd.testing.assert_frame_equal(
        journey.astype({c: object for c in ("event", "channel", "outcome")}),
        expected,
        check_dtype=False,
    )


def test_consumer_views_reflect_state(model):
    """A consumer's properties read the model's columns at its row."""
    agent = model.consumers[7]
    assert agent.purchases == int(model.state.purchases[7])
    assert agent.is_member == bool(model.state.member[7])
    assert agent.segment in model.config.population.segments
    assert agent.city_tier in ("tier12", "tier34")
    assert agent.nearest_store == int(model.nearest_store[7])
    assert agent.stage in {"unaware", "aware", "considering", "customer", "repeat", "lapsed"}


def test_store_views_reflect_inventory_and_catchment(model):
    """A store's stock is its inventory row (a copy) and its catchment counts consumers."""
    store = model.stores[3]
    assert np.array_equal(store.stock, model.inventory.stock[3])
    store.stock[:] = -99
    assert (model.inventory.stock[3] >= 0).all()
    assert sum(s.catchment for s in model.stores) == int((model.nearest_store >= 0).sum())


def test_single_consumer_stage_matches_the_column_rule(small_run):
    """Consumer.stage (one row) agrees with ConsumerState.stage() (all rows) for everyone."""
    model = small_run.model
    stages = model.state.stage()
    for row in range(0, model.size, 7):
        assert model.state.stage_of(row) == stages[row]
