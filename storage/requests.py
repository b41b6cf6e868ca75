"""Slack deliveries already handled, so that a retry or a replayed request is processed
once across every worker process: the first to insert the delivery's key wins."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, bindparam, text
from sqlalchemy.exc import SQLAlchemyError

from domain.errors import RecordsUnavailable
from storage.db import let_go_if_read_only
from storage.stall_guard import guard_of
from storage.types import UtcDateTime
from storage.write_gate import gate_for

log = logging.getLogger("creditbot.requests")

# Slack stops retrying an event within minutes and a trigger_id expires after 3; a day
# of keys is far more than enough and keeps the table small.
KEEP = timedelta(days=1)
# Each process prunes at most this often, off the request path.
PRUNE_EVERY_SECONDS = 600.0
# A claim runs before Slack's request is answered (bot.web), so it may not take the
# serving statements' 5 s: a table locked on PostgreSQL held every click and event past
# Slack's 3 s. Past this its connection is cut (storage.stall_guard) and the delivery is
# processed as new, as when the database cannot be reached (the server may still record
# the claim). Not shorter: a server taking 1.5 s a statement cut every claim, and every
# retry of Slack's was processed again. SQLite's writers' gate has its own bound.
CLAIM_SECONDS = 2.0

# ON CONFLICT DO NOTHING (SQLite 3.24+, PostgreSQL): a repeat inserts no row, without
# an error in the server's log for every retry.
_CLAIM = ('INSERT INTO processed_requests ("key", seen_at) VALUES ({0}, {0}) '
          'ON CONFLICT ("key") DO NOTHING')
_FORGET = text('DELETE FROM processed_requests WHERE "key" = :key')
_PRUNE = text("DELETE FROM processed_requests WHERE seen_at < :cutoff").bindparams(
    bindparam("cutoff", type_=UtcDateTime()))


def prune_processed_requests(engine: Engine, before: datetime) -> int:
    """Forgets keys seen before ``before``; returns how many (the housekeeping job)."""
    with engine.begin() as conn:
        return conn.execute(_PRUNE, {"cutoff": before}).rowcount


class ClaimFailed(Exception):
    """The database could not say whether a delivery is new."""


class ProcessedRequests:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        dialect = engine.dialect
        self._postgres = dialect.name == "postgresql"
        self._sql = _CLAIM.format("%s" if self._postgres else "?")
        # The column's own conversion, so that prune() (through SQLAlchemy) compares
        # like with like.
        self._stamp = UtcDateTime().dialect_impl(dialect).bind_processor(dialect) or (
            lambda value: value)
        self._next_prune = time.monotonic()
        self._prune_lock = threading.Lock()
        # On SQLite a claim is a write: it queues with every write transaction on the
        # file's gate, rather than in SQLite's busy handler, whose sleeps of up to 100 ms
        # took an order's p99 from 190 to 700 ms under load (bench_orders).
        self._gate = gate_for(engine)

    def claim(self, key: str, now: datetime | None = None) -> bool:
        """True if ``key`` was not seen before (now it is); False for a repeat.

        This runs on every request, so it is one INSERT on the driver's connection in
        autocommit, nothing more: no BEGIN/COMMIT round trips, no ORM."""
        seen_at = now or datetime.now(UTC)
        try:
            with self._gate:
                claimed = self._insert(key, seen_at)
        except (SQLAlchemyError, self.engine.dialect.loaded_dbapi.Error,
                RecordsUnavailable) as problem:
            raise ClaimFailed(f"{type(problem).__name__}: {problem}") from problem
        self._maybe_prune(seen_at)
        return claimed

    def _insert(self, key: str, seen_at: datetime) -> bool:
        raw = self.engine.raw_connection()
        try:
            driver = raw.driver_connection
            if self._postgres:
                driver.autocommit = True  # type: ignore[union-attr]
            try:
                with guard_of(self.engine).watching(raw.dbapi_connection, CLAIM_SECONDS):
                    cursor = raw.cursor()
                    cursor.execute(self._sql, (key, self._stamp(seen_at)))
                    claimed: bool = cursor.rowcount == 1
                    cursor.close()
            except Exception as error:
                # A connection opened read-only refused every claim after the database
                # was writable again: every command that records answered "not
                # answering" while /healthz said 200.
                let_go_if_read_only(self.engine, error)
                if getattr(driver, "closed", False):
                    # Cut off (CLAIM_SECONDS): not back to the pool, whose reset of it
                    # would log a traceback.
                    raw.invalidate()
                raise
            finally:
                if self._postgres and not getattr(driver, "closed", False):
                    driver.autocommit = False  # type: ignore[union-attr]
        finally:
            # Back to the pool; SQLite's connections run in autocommit already (the
            # engine's connect hook), so the row is committed.
            raw.close()
        return claimed

    def forget(self, key: str) -> None:
        """Lets ``key`` be claimed again: for an act that was refused and may be retried
        (a card shared into a channel the bot is not in yet)."""
        try:
            with self._gate, self.engine.begin() as connection:
                connection.execute(_FORGET, {"key": key})
        except (SQLAlchemyError, RecordsUnavailable) as problem:
            raise ClaimFailed(f"{type(problem).__name__}: {problem}") from problem

    def prune(self, now: datetime | None = None) -> int:
        """Forgets keys older than a day; returns how many."""
        with self._gate:
            return prune_processed_requests(self.engine, (now or datetime.now(UTC)) - KEEP)

    def _maybe_prune(self, now: datetime) -> None:
        if time.monotonic() < self._next_prune or not self._prune_lock.acquire(blocking=False):
            return
        self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
        self._prune_lock.release()
        threading.Thread(target=self._prune_quietly, args=(now,), daemon=True,
                         name="creditbot-prune").start()

    def _prune_quietly(self, now: datetime) -> None:
        try:
            self.prune(now)
        except Exception as problem:  # the next prune will catch up
            log.warning("could not prune processed_requests: %s", problem)
