"""A serving engine's wait on a PostgreSQL server that stopped answering is bounded by
the client (storage.stall_guard): statement_timeout is the server's and cannot fire,
and TCP sees a healthy peer. Through a relay that stops relaying (tests.freeze_proxy)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from storage.db import make_engine
from storage.requests import ClaimFailed, ProcessedRequests
from storage.stall_guard import GRACE_SECONDS, TICK_SECONDS, guard_of
from tests.freeze_proxy import FreezeProxy

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

TIMEOUT = 1.0
# The guard's deadline, its watcher's tick, and a margin for a loaded test machine.
BOUND = TIMEOUT + GRACE_SECONDS + TICK_SECONDS + 2.0


@pytest.fixture
def relay(database_url: str) -> Iterator[FreezeProxy]:
    with FreezeProxy(database_url) as proxy:
        yield proxy


@pytest.fixture
def serving(relay: FreezeProxy) -> Iterator[Engine]:
    engine = make_engine(relay.url, statement_timeout=TIMEOUT)
    yield engine
    relay.thaw()
    engine.dispose()


def timed(call) -> tuple[float, BaseException | None]:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    try:
        call()
    except Exception as error:
        return time.monotonic() - started, error
    return time.monotonic() - started, None


def test_a_statement_to_a_stopped_server_gives_up_and_the_next_connection_works(
        relay: FreezeProxy, serving: Engine) -> None:
    with serving.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
        relay.freeze()
        took, error = timed(lambda: conn.execute(text("SELECT 2")))
    assert isinstance(error, DBAPIError) and error.connection_invalidated, error
    assert TIMEOUT + GRACE_SECONDS <= took < BOUND, took
    assert guard_of(serving).cut == 1
    relay.thaw()
    with serving.connect() as conn:
        assert conn.execute(text("SELECT 3")).scalar_one() == 3


def test_a_write_to_a_stopped_server_gives_up_and_writes_nothing(
        relay: FreezeProxy, serving: Engine, engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE stalled (n int)"))
    conn = serving.connect()
    conn.execute(text("INSERT INTO stalled VALUES (1)"))
    relay.freeze()
    took, error = timed(lambda: conn.execute(text("INSERT INTO stalled VALUES (2)")))
    conn.close()
    assert isinstance(error, DBAPIError), error
    assert took < BOUND, took
    relay.thaw()
    # The server reads what was sent, then the cut connection's end: no COMMIT came, so
    # it rolls the transaction back.
    deadline = time.monotonic() + 10
    while True:
        with engine.connect() as check:
            left = check.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")).scalar_one()
        if left == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    with engine.connect() as check:
        assert check.execute(text("SELECT count(*) FROM stalled")).scalar_one() == 0


def test_a_commit_to_a_stopped_server_gives_up_in_time(
        relay: FreezeProxy, serving: Engine) -> None:
    # Whether the server will commit once it runs again is unknown, as with any network
    # lost at that moment (the README says so); the thread is free again either way.
    conn = serving.connect()
    conn.execute(text("SELECT 1"))
    relay.freeze()
    took, error = timed(conn.commit)
    conn.close()
    assert isinstance(error, DBAPIError), error
    assert took < BOUND, took


def test_a_requests_claim_to_a_stopped_server_fails_in_time(
        relay: FreezeProxy, serving: Engine) -> None:
    claims = ProcessedRequests(serving)
    now = datetime.now(UTC)
    assert claims.claim("first", now) is True
    relay.freeze()
    took, error = timed(lambda: claims.claim("second", now))
    assert isinstance(error, ClaimFailed), error
    assert took < BOUND, took


def test_an_engine_without_a_statement_timeout_is_not_guarded(engine: Engine) -> None:
    # Imports, migrations and jobs run statements for minutes: no client bound there.
    assert guard_of(engine).seconds is None


def test_a_schedulers_lease_renewal_to_a_stopped_server_fails_within_the_lease(
        relay: FreezeProxy, caplog: pytest.LogCaptureFixture) -> None:
    # The scheduler's connections have no statement timeout (jobs run long scans), and a
    # stopped server held the leader silent for as long as it was stopped; its renewal
    # now gives up within the lease, so the leader stops and says why.
    from datetime import timedelta

    from storage.db import JOB_STALL_SECONDS, guard_jobs
    from storage.leases import try_acquire

    jobs = make_engine(relay.url)
    guard_jobs(jobs)
    assert guard_of(jobs).seconds == JOB_STALL_SECONDS + GRACE_SECONDS
    try:
        lease = try_acquire(jobs, "scheduler", "host-a:1", timedelta(seconds=12))
        assert lease is not None
        relay.freeze()
        # The pooled connection's check cut at 5 s, a new connection's 3 s to connect.
        took, error = timed(lease.renew)
        assert isinstance(error, DBAPIError), error
        assert took < 12, took
        # The deadline that fired, not the engine's: "within 301 s" five seconds into an
        # outage sent an operator looking for a five-minute stall.
        assert [r.getMessage() for r in caplog.records if "did not answer" in r.getMessage()
                ] == ["PostgreSQL did not answer within 5 s: its connection was cut off "
                      "(the server or its network is stuck, or a lock another session "
                      "holds kept the statement waiting: pg_blocking_pids() in "
                      "pg_stat_activity names it)"]
    finally:
        relay.thaw()
        jobs.dispose()
