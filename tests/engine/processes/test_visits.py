"""Store visits: planned trips, and who cannot visit."""

from __future__ import annotations

from sim.engine.processes import visits
from tests.engine.processes.handmade import events_of, make_ctx

NO_WALK_INS = {"behaviour": {"discovery_rate": 0.0}}


def test_planned_visits_happen_on_their_day():
    ctx = make_ctx(NO_WALK_INS)
    ctx.state.planned_visit_day[[2, 3]] = 0
    ctx.state.planned_visit_day[4] = 1
    visits.store_visits(ctx, 0)
    assert sorted(events_of(ctx, "store_visit")) == [2, 3]
    assert ctx.state.used_store[[2, 3]].all() and not ctx.state.used_store[4]


def test_consumers_without_a_store_never_visit():
    ctx = make_ctx(NO_WALK_INS)
    ctx.state.planned_visit_day[[10, 11]] = 0
    visits.store_visits(ctx, 0)
    assert len(events_of(ctx, "store_visit")) == 0


def test_a_visit_is_logged_at_the_visitors_store():
    ctx = make_ctx(NO_WALK_INS)
    ctx.state.planned_visit_day[[2, 3]] = 0
    visits.store_visits(ctx, 0)
    assert ctx.log.column("store").tolist() == [0, 1]
