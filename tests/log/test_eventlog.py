"""The event log: its schema, its encoding, and the invariants every run's log must satisfy.

Invariants are checked on several seeds (``seed_runs``) because a bug that needs an
unlucky draw shows up on some seeds and not others.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from sim.engine.model import OmnichannelModel
from sim.engine.processes import checkout
from sim.engine.processes.coupons import give_coupons
from sim.log.eventlog import SCHEMA, Channel, Event, EventLog, Outcome
from sim.scenario.config import from_dict
from tests.conftest import INVARIANT_SEEDS

EXPECTED_TYPES = {
    "day": pa.int32(),
    "consumer": pa.int64(),
    "event": pa.dictionary(pa.int8(), pa.string()),
    "channel": pa.dictionary(pa.int8(), pa.string()),
    "store": pa.int32(),
    "value": pa.float64(),
    "coupon": pa.int64(),
    "source": pa.int64(),
    "outcome": pa.dictionary(pa.int8(), pa.string()),
    "sku": pa.int32(),
    "fulfilled_from": pa.int32(),
    "account": pa.dictionary(pa.int8(), pa.string()),
    "competitor": pa.int16(),
    "without_coupon": pa.dictionary(pa.int8(), pa.string()),
}


def frame(result) -> pd.DataFrame:
    out = result.events.to_pandas()
    for col in ("event", "channel", "outcome"):
        out[col] = out[col].astype(object)
    return out


@pytest.fixture(scope="module", params=INVARIANT_SEEDS, ids=lambda s: f"seed{s}")
def run(request, seed_runs):
    return seed_runs[request.param]


@pytest.fixture(scope="module")
def events(run) -> pd.DataFrame:
    return frame(run)


# ---- schema and encoding -----------------------------------------------------------------
def test_schema_has_documented_columns_and_types(small_run):
    """events has every documented column with the documented Arrow type, in that order."""
    schema = small_run.events.schema
    assert schema.names == list(EXPECTED_TYPES)
    for name, expected in EXPECTED_TYPES.items():
        assert schema.field(name).type == expected, name
    assert schema == SCHEMA


def test_names_in_log_are_the_documented_ones(small_events):
    """event/channel/outcome values are enum names; every event occurs but those of levers the
    baseline leaves off (coupons valid everywhere: none refused; a market with no past,
    no win-back, no turnover or churn, no promotions, no rivals)."""
    off = {
        "coupon_refused",
        "prior_history",
        "prior_use",
        "winback",
        "market_exit",
        "customer_lost",
    }
    off |= {"promotion_discount", "competitor_purchase"}
    assert set(small_events.event) == {e.name for e in Event} - off
    assert set(small_events.channel.dropna()) <= {c.name for c in Channel}
    assert {"purchased", "stockout"} <= set(small_events.outcome.dropna())
    assert set(small_events.outcome.dropna()) <= {o.name for o in Outcome}


def test_channel_and_outcome_are_null_where_not_applicable(small_events):
    """channel is null for events without one (e.g. share); outcome only on attempts."""
    assert small_events.channel[small_events.event == "share"].isna().all()
    assert small_events.channel[small_events.event == "content_view"].notna().all()
    attempt = small_events.event == "purchase_attempt"
    assert small_events.outcome[attempt].notna().all()
    assert small_events.outcome[~attempt].isna().all()


def test_eventlog_maps_rows_to_unique_ids():
    """to_arrow turns row indices into Mesa ids, for consumer and (when set) source."""
    log = EventLog()
    log.add(3, Event.wom_received, np.array([0, 2]), source=np.array([1, 0]))
    log.add(4, Event.share, np.array([1]))
    table = log.to_arrow(np.array([10, 20, 30], np.int64)).to_pandas()
    assert table.consumer.tolist() == [10, 30, 20]
    assert table.source.tolist() == [20, 10, -1]
    assert table.day.tolist() == [3, 3, 4]
    assert table.event.astype(str).tolist() == ["wom_received", "wom_received", "share"]


def test_columns_since_a_mark_are_the_rows_appended_after_it():
    log = EventLog()
    log.add(3, Event.wom_received, np.array([0, 2]))
    mark = log.appends
    log.add(4, Event.share, np.array([1]))
    log.add(5, Event.share, np.array([2, 0]))
    later = log.columns_since(mark, ("day", "consumer"))
    assert later["day"].tolist() == [4, 5, 5] and later["consumer"].tolist() == [1, 2, 0]
    assert len(log.columns_since(log.appends, ("day",))["day"]) == 0


def test_eventlog_rejects_unknown_columns():
    """A misspelt column is an error, not silently dropped."""
    with pytest.raises(ValueError, match="unknown event columns"):
        EventLog().add(0, Event.share, np.array([0]), colour=1)


def test_eventlog_defaults_fill_unset_columns():
    """Columns a process does not set get the documented 'none' values."""
    log = EventLog()
    log.add(0, Event.app_session, np.array([0]))
    row = log.to_arrow(np.array([1], np.int64)).to_pylist()[0]
    assert row["store"] == -1 and row["coupon"] == -1 and row["source"] == -1
    assert row["value"] == 0.0 and row["sku"] == -1 and row["fulfilled_from"] == -1
    assert row["channel"] is None and row["outcome"] is None


# ---- invariants on the log of real runs -------------------------------------------------
def test_no_event_outside_horizon(run, events):
    """Every event day lies in [0, horizon)."""
    assert events.day.min() >= 0
    assert events.day.max() < run.config.horizon_days


def test_rows_are_in_day_order(events):
    """The log is chronological: days never go backwards."""
    assert (np.diff(events.day.to_numpy()) >= 0).all()


def test_consumer_ids_are_mesa_unique_ids(run, events):
    """consumer (and source where set) are unique_ids of the run's consumers; -1 marks the
    rows about no consumer, which are exactly the cost rows."""
    ids = set(run.consumers.consumer)
    assert set(events.consumer[events.consumer >= 0]) <= ids
    assert ((events.consumer == -1) == (events.event == "cost")).all()
    sources = events.source[events.source >= 0]
    assert len(sources) > 0
    assert set(sources) <= ids


def test_purchases_do_not_exceed_attempts(events):
    """Each purchase is an attempt: purchased attempts <= attempts, per consumer too."""
    attempts = events[events.event == "purchase_attempt"]
    bought = attempts[attempts.outcome == "purchased"]
    assert 0 < len(bought) <= len(attempts)
    per_consumer = pd.concat(
        {"bought": bought.groupby("consumer").size(), "tried": attempts.groupby("consumer").size()},
        axis=1,
    ).fillna(0)
    assert (per_consumer.bought <= per_consumer.tried).all()


def test_only_purchases_carry_order_value(events):
    """Stockout and abandoned attempts have value 0; purchased ones a positive value."""
    attempts = events[events.event == "purchase_attempt"]
    assert (attempts.value[attempts.outcome != "purchased"] == 0).all()
    assert (attempts.value[attempts.outcome == "purchased"] > 0).all()


def test_revenue_in_kpis_equals_sum_of_purchased_values(run, events):
    """kpis['revenue'] is the sum of purchased attempts' values (float tolerance only)."""
    attempts = events[events.event == "purchase_attempt"]
    revenue = attempts.value[attempts.outcome == "purchased"].sum()
    assert run.kpis["revenue"] == pytest.approx(revenue, rel=1e-9)


def test_daily_revenue_matches_log(run, events):
    """The DataCollector's revenue series adds up to the log's revenue, per channel."""
    attempts = events[(events.event == "purchase_attempt") & (events.outcome == "purchased")]
    for channel in ("online", "store"):
        logged = attempts.value[attempts.channel == channel].sum()
        assert run.daily[f"revenue_{channel}"].sum() == pytest.approx(logged, rel=1e-9)


def test_redeemed_coupons_do_not_exceed_claimed(events):
    """Redemptions <= claims, overall."""
    claims = (events.event == "coupon_claim").sum()
    redeems = (events.event == "coupon_redeem").sum()
    assert 0 < redeems <= claims


def test_every_redeemed_coupon_was_claimed_earlier_by_the_same_consumer(events):
    """A redeemed coupon id appears in an earlier coupon_claim row of the same consumer."""
    claims = events[events.event == "coupon_claim"][["coupon", "consumer"]]
    claims = claims.assign(claim_row=claims.index)
    redeems = events[events.event == "coupon_redeem"][["coupon", "consumer"]]
    redeems = redeems.assign(redeem_row=redeems.index)
    assert claims.coupon.is_unique, "coupon ids are issued once"
    joined = redeems.merge(claims, on="coupon", how="left", suffixes=("", "_claim"))
    assert joined.claim_row.notna().all()
    assert (joined.consumer == joined.consumer_claim).all()
    assert (joined.claim_row < joined.redeem_row).all()


def test_each_coupon_is_redeemed_at_most_once(seed_runs):
    """No coupon id appears in two coupon_redeem rows of a run's log (all invariant seeds)."""
    for seed, result in seed_runs.items():
        events = frame(result)
        redeemed = events.coupon[events.event == "coupon_redeem"]
        assert redeemed.is_unique, (seed, redeemed[redeemed.duplicated()].tolist())


def test_coupon_redeemed_once_when_buying_online_and_in_store_same_day():
    """A coupon holder who orders in the app and buys in the store on one day redeems it once."""
    config = from_dict({"horizon_days": 5, "population": {"size": 40}, "stores": {"count": 1}})
    model = OmnichannelModel(config, rng=0)
    model.inventory.stock[:] = 10**9  # market units: plenty for every real shopper ahead
    who = np.array([0])
    give_coupons(model.ctx, who, 20.0, 0)
    model.ctx.start_day()
    model.ctx.today.online_attempts, model.ctx.today.store_attempts = who, who
    checkout.checkout(model.ctx, 0)
    log = model.events_table().to_pandas()
    redeems = log[log.event.astype(str) == "coupon_redeem"]
    assert len(redeems) == 1, redeems


def test_every_redemption_follows_a_purchase_that_day(events):
    """A coupon_redeem row has an earlier purchased attempt of that consumer, same day,
    same channel, holding that coupon."""
    attempts = events[(events.event == "purchase_attempt") & (events.outcome == "purchased")]
    attempts = attempts[["day", "consumer", "channel", "coupon"]].assign(attempt_row=attempts.index)
    redeems = events[events.event == "coupon_redeem"]
    redeems = redeems[["day", "consumer", "channel", "coupon"]].assign(redeem_row=redeems.index)
    joined = redeems.merge(attempts, on=["day", "consumer", "channel", "coupon"], how="left")
    first = joined.groupby("redeem_row").attempt_row.min()
    assert first.notna().all()
    assert (first < first.index).all()


def test_redeemed_value_is_the_claimed_face_value(events):
    """The value on a coupon_redeem row equals the value the coupon was claimed at."""
    claims = events[events.event == "coupon_claim"].set_index("coupon").value
    redeems = events[events.event == "coupon_redeem"]
    assert np.allclose(redeems.value.to_numpy(), claims.loc[redeems.coupon].to_numpy())
