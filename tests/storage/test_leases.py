"""Named leases on SQLite and PostgreSQL: one holder at a time, expiry, takeover, races."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import Engine

import storage.leases
from storage.leases import Lease, holder_of, try_acquire

TTL = timedelta(minutes=2)
T0 = datetime(2026, 11, 30, 10, 2, 11, 123456, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_a_free_lease_is_taken_and_shows_its_holder(engine, clock):
    lease = try_acquire(engine, "import", "host-a:101", TTL)
    assert isinstance(lease, Lease)
    assert (lease.holder, lease.acquired_at, lease.expires_at) == ("host-a:101", T0, T0 + TTL)
    state = holder_of(engine, "import")
    assert state == lease.state
    assert state.acquired_at.tzinfo is not None
    assert holder_of(engine, "scheduler") is None


def test_a_held_lease_is_refused_to_anyone_else_until_released(engine, clock):
    first = try_acquire(engine, "import", "host-a:101", TTL)
    assert try_acquire(engine, "import", "host-b:202", TTL) is None
    # Holding a lease is not re-entrant: the same holder asking again is refused too.
    assert try_acquire(engine, "import", "host-a:101", TTL) is None
    assert holder_of(engine, "import").holder == "host-a:101"
    first.release()
    assert holder_of(engine, "import") is None
    second = try_acquire(engine, "import", "host-b:202", TTL)
    assert second is not None and holder_of(engine, "import").holder == "host-b:202"


def test_leases_with_different_names_are_independent(engine, clock):
    assert try_acquire(engine, "import", "host-a:101", TTL) is not None
    assert try_acquire(engine, "scheduler", "host-b:202", TTL) is not None


def test_renewing_extends_the_lease_from_now(engine, clock):
    lease = try_acquire(engine, "import", "host-a:101", TTL)
    clock.shift(timedelta(seconds=90))
    assert lease.renew()
    assert lease.expires_at == T0 + timedelta(seconds=90) + TTL
    clock.shift(timedelta(seconds=90))  # past the first expiry, within the renewed one
    assert holder_of(engine, "import").expires_at == lease.expires_at
    assert try_acquire(engine, "import", "host-b:202", TTL) is None


def test_an_expired_lease_is_free_and_may_be_taken_over(engine, clock):
    old = try_acquire(engine, "import", "host-a:101", TTL)
    clock.shift(TTL)
    assert holder_of(engine, "import") is None  # expires_at is the first instant it is free
    new = try_acquire(engine, "import", "host-b:202", TTL)
    assert new is not None and new.acquired_at == T0 + TTL
    # The old holder finds out when it tries to renew, and cannot touch the new lease.
    assert not old.renew()
    old.release()
    assert holder_of(engine, "import") == new.state


def test_an_expired_lease_nobody_took_can_still_be_renewed(engine, clock):
    lease = try_acquire(engine, "import", "host-a:101", TTL)
    clock.shift(TTL * 2)
    assert lease.renew()
    assert holder_of(engine, "import").holder == "host-a:101"


def test_the_same_holder_taking_over_its_own_expired_lease_is_a_new_lease(engine, clock):
    old = try_acquire(engine, "import", "host-a:101", TTL)
    clock.shift(TTL)
    new = try_acquire(engine, "import", "host-a:101", TTL)
    assert new is not None
    old.release()  # the earlier acquisition, not the current one
    assert holder_of(engine, "import") == new.state


def test_a_released_lease_cannot_be_renewed(engine, clock):
    lease = try_acquire(engine, "import", "host-a:101", TTL)
    lease.release()
    assert not lease.renew()
    lease.release()  # releasing twice is harmless


def test_renewing_inside_a_transaction_takes_effect_with_it(engine, clock):
    lease = try_acquire(engine, "import", "host-a:101", TTL)
    clock.shift(timedelta(minutes=1))
    with engine.connect() as conn:
        with conn.begin() as transaction:
            assert lease.renew(connection=conn)
            transaction.rollback()
        assert holder_of(engine, "import").expires_at == T0 + TTL
        with conn.begin():
            assert lease.renew(connection=conn)
    assert holder_of(engine, "import").expires_at == T0 + timedelta(minutes=1) + TTL


def test_a_lease_used_as_a_context_manager_is_released(engine, clock):
    with try_acquire(engine, "import", "host-a:101", TTL):
        assert holder_of(engine, "import") is not None
    assert holder_of(engine, "import") is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_renewal_waits_behind_an_import_that_holds_sqlite_longer_than_its_busy_handler(
        engine):
    # In SQLite's handler it gave up after 1 s: "database is locked", and the scheduler
    # stepped down during every import.
    from tests.storage.test_write_gate import held_by_an_import

    lease = try_acquire(engine, "scheduler", "host-a:1", timedelta(seconds=6))
    assert lease is not None
    with held_by_an_import(engine, seconds=1.5):
        assert lease.renew()


def test_a_lease_needs_a_positive_ttl(engine):
    with pytest.raises(ValueError, match="a lease needs a positive ttl, got 0:00:00"):
        try_acquire(engine, "import", "host-a:101", timedelta(0))


def race(engine: Engine, contenders: int) -> list[Lease]:
    """``contenders`` threads ask for the same lease at the same instant."""
    patient_on_sqlite(engine)
    start = threading.Barrier(contenders)
    won: list[Lease] = []
    failures: list[BaseException] = []

    def contend(n: int) -> None:
        try:
            start.wait()
            lease = try_acquire(engine, "leader", f"worker-{n}", TTL)
            if lease is not None:
                won.append(lease)
        except BaseException as problem:  # reported by the test, with the thread it came from
            failures.append(problem)

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures
    return won


def patient_on_sqlite(engine: Engine) -> None:
    """SQLite lets one writer in at a time and the others poll for the lock with growing
    sleeps: on a loaded machine one of six threads could wait past the bot's 1 s
    (``SQLITE_BUSY_TIMEOUT_MS``) and fail with "database is locked". The race is about
    who wins, not how long the losers queue, so its connections wait up to 30 s."""
    if engine.dialect.name != "sqlite" or getattr(engine, "_patient", False):
        return
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _wait_longer(dbapi_connection, record) -> None:  # after make_engine's own
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    engine.dispose()  # pooled connections were opened with the bot's timeout
    engine._patient = True
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


@pytest.fixture
def upsert_only(monkeypatch):
    """Every contender skips the read that normally refuses early, so the race is
    decided by the upsert alone: that statement is what must be atomic."""
    monkeypatch.setattr(storage.leases, "holder_of", lambda engine, name: None)


def test_of_threads_racing_for_a_free_lease_exactly_one_wins(engine, upsert_only):
    for _ in range(10):
        won = race(engine, 6)
        assert len(won) == 1
        won[0].release()


def test_racing_through_the_whole_call_also_has_one_winner(engine):
    for _ in range(5):
        won = race(engine, 6)
        assert len(won) == 1
        won[0].release()


def test_of_threads_racing_for_an_expired_lease_exactly_one_wins(engine, upsert_only):
    for round_no in range(10):
        stale = try_acquire(engine, "leader", "crashed", timedelta(microseconds=1))
        assert stale is not None, f"round {round_no}"
        won = race(engine, 6)
        assert len(won) == 1 and won[0].holder.startswith("worker-")
        won[0].release()


def test_a_lease_running_out_further_ahead_than_any_holder_renews_is_taken_over(
        engine, clock, caplog):
    """An expiry edited to 9999-12-31 (or a host's clock an hour ahead) kept every
    scheduler out until then, said once at INFO."""
    from sqlalchemy import update

    from storage.models import LeaseRow

    try_acquire(engine, "scheduler", "host-a:101", TTL)
    # Two hours ahead may be a holder's (another host's lease of up to an hour, its
    # clock a little ahead): still held, whatever ttl the asker has.
    with engine.begin() as conn:
        conn.execute(update(LeaseRow).values(expires_at=T0 + timedelta(hours=2)))
    assert try_acquire(engine, "scheduler", "host-b:202", TTL) is None
    far = datetime(9999, 12, 31, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(update(LeaseRow).values(holder="garbage☃ x", expires_at=far))
    with caplog.at_level("WARNING", logger="creditbot.leases"):
        taken = try_acquire(engine, "scheduler", "host-b:202", TTL)
    assert taken is not None and holder_of(engine, "scheduler") == taken.state
    assert [r.getMessage() for r in caplog.records] == [
        "host-b:202 took the lease scheduler over from garbage☃ x, which ran until "
        "9999-12-31T00:00:00+00:00: further ahead than a holder renews to. A host's clock "
        "runs hours ahead of this one's, or the row was edited; keep the hosts' clocks in "
        "step (NTP)"]
