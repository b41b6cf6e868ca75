"""Processed Slack deliveries: each key is claimed once, across engines (processes)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from storage import requests as processed
from storage.db import make_engine
from storage.requests import ProcessedRequests
from storage.write_gate import SqliteWriteGate
from tests.storage.test_write_gate import held_by_another_writer

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


def keys(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(text('SELECT "key" FROM processed_requests')).scalars())


def test_a_key_is_claimed_once(engine):
    deliveries = ProcessedRequests(engine)
    assert deliveries.claim("trigger:1.2.3", NOW) is True
    assert deliveries.claim("trigger:1.2.3", NOW + timedelta(seconds=5)) is False
    assert deliveries.claim("event:Ev01", NOW) is True
    assert keys(engine) == ["event:Ev01", "trigger:1.2.3"]


def test_a_forgotten_key_can_be_claimed_again_and_only_it(engine):
    deliveries = ProcessedRequests(engine)
    assert deliveries.claim("share:C1:1.2:U1", NOW) and deliveries.claim("share:C1:1.3:U1", NOW)
    deliveries.forget("share:C1:1.2:U1")
    assert keys(engine) == ["share:C1:1.3:U1"]
    assert deliveries.claim("share:C1:1.2:U1", NOW) is True
    assert deliveries.claim("share:C1:1.3:U1", NOW) is False
    deliveries.forget("share:never-claimed")  # nothing to forget is no error
    assert keys(engine) == ["share:C1:1.2:U1", "share:C1:1.3:U1"]


def test_a_claim_refused_as_read_only_lets_the_connection_go(engine):
    # A claim writes on the driver's own cursor, which the engine's error handling does
    # not see: a connection opened while the database was read-only refused every claim
    # (every command that records) after it was writable again, /healthz saying 200.
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA query_only = ON" if engine.dialect.name == "sqlite"
                             else "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        conn.commit()
    deliveries = ProcessedRequests(engine)
    with pytest.raises(processed.ClaimFailed):
        deliveries.claim("trigger:1.2.3", NOW)
    assert deliveries.claim("trigger:1.2.3", NOW) is True
    assert keys(engine) == ["trigger:1.2.3"]


def test_one_claim_wins_among_workers_racing_for_it(database_url):
    # Two engines stand for two gunicorn workers, each with its own connection pool.
    engines = [make_engine(database_url), make_engine(database_url)]
    claimers = [ProcessedRequests(e) for e in engines]
    start = threading.Barrier(8)
    won: list[bool] = []

    def race(claimer: ProcessedRequests) -> None:
        start.wait()
        won.append(claimer.claim("event:Ev0RACE", NOW))

    threads = [threading.Thread(target=race, args=(claimers[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    for engine in engines:
        engine.dispose()
    assert sorted(won) == [False] * 7 + [True]


def test_keys_older_than_a_day_are_pruned(engine):
    deliveries = ProcessedRequests(engine)
    deliveries.claim("trigger:old", NOW - timedelta(days=1, seconds=1))
    deliveries.claim("trigger:recent", NOW - timedelta(hours=23))
    assert deliveries.prune(NOW) == 1
    assert keys(engine) == ["trigger:recent"]


def test_claims_prune_now_and_then_in_the_background(engine, monkeypatch):
    monkeypatch.setattr(processed, "PRUNE_EVERY_SECONDS", 0.0)
    deliveries = ProcessedRequests(engine)
    deliveries.claim("trigger:old", NOW - timedelta(days=2))
    deliveries.claim("trigger:new", NOW)
    deadline = time.monotonic() + 5
    while keys(engine) != ["trigger:new"]:
        assert time.monotonic() < deadline, keys(engine)
        time.sleep(0.05)


def test_pruning_waits_its_turn(engine):
    deliveries = ProcessedRequests(engine)
    deliveries.claim("trigger:first", NOW)  # the first claim of a process prunes
    time.sleep(0.3)
    deliveries.claim("trigger:old", NOW - timedelta(days=2))
    deliveries.claim("trigger:second", NOW)  # within 10 minutes: no prune
    time.sleep(0.3)
    assert keys(engine) == ["trigger:first", "trigger:old", "trigger:second"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_on_sqlite_a_claim_waits_its_turn_with_the_orders_writes(database_url):
    # A claim is a write: on SQLite it takes the writers' gate the orders' transactions
    # hold, so it queues behind them instead of sleeping in SQLite's busy handler (which
    # took an order's p99 from 190 to 700 ms under bench_orders' load).
    engine = make_engine(database_url)
    with held_by_another_writer(SqliteWriteGate(engine.url.database)):
        started = time.monotonic()
        assert ProcessedRequests(engine).claim("trigger:1.2.gated", NOW) is True
        assert time.monotonic() - started >= 0.2


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_a_claim_waits_at_most_a_second_for_a_locked_table(database_url, caplog):
    # It runs before Slack is answered: held by the serving statements' 5 s timeout, a
    # click or event on a locked table was answered after Slack's 3 s.
    engine = make_engine(database_url, statement_timeout=5.0)
    locker = make_engine(database_url)
    deliveries = ProcessedRequests(engine)
    try:
        with locker.connect() as holder:
            holder.exec_driver_sql("LOCK TABLE processed_requests IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            with pytest.raises(processed.ClaimFailed):
                deliveries.claim("trigger:1.2.locked", NOW)
            assert time.monotonic() - started < processed.CLAIM_SECONDS + 1.0
            holder.rollback()
        # The lock gone, the next claim takes another connection and is recorded.
        assert deliveries.claim("trigger:1.2.after", NOW) is True
        assert deliveries.claim("trigger:1.2.after", NOW) is False
        assert not [r for r in caplog.records if r.levelname == "ERROR"]
    finally:
        engine.dispose()
        locker.dispose()
