"""Slack deliveries already handled, so that a retry or a replayed request is processed
once across every worker process: the first to insert the delivery's key wins."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, bindparam, text

from storage.types import UtcDateTime

log = logging.getLogger("creditbot.requests")

# Slack stops retrying an event within minutes and a trigger_id expires after 3; a day
# of keys is far more than enough and keeps the table small.
KEEP = timedelta(days=1)
# Each process prunes at most this often, off the request path.
PRUNE_EVERY_SECONDS = 600.0

# ON CONFLICT DO NOTHING (SQLite 3.24+, PostgreSQL): a repeat inserts no row, without
# an error in the server's log for every retry.
_CLAIM = text(
    'INSERT INTO processed_requests ("key", seen_at) VALUES (:key, :seen_at) '
    'ON CONFLICT ("key") DO NOTHING'
).bindparams(bindparam("seen_at", type_=UtcDateTime()))
_PRUNE = text("DELETE FROM processed_requests WHERE seen_at < :cutoff").bindparams(
    bindparam("cutoff", type_=UtcDateTime()))


class ProcessedRequests:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # One statement in its own transaction: on PostgreSQL in autocommit (one round
        # trip instead of three); SQLite's begin hook issues the BEGIN itself.
        self._autocommit = engine.dialect.name != "sqlite"
        self._next_prune = time.monotonic()
        self._prune_lock = threading.Lock()

    def claim(self, key: str, now: datetime | None = None) -> bool:
        """True if ``key`` was not seen before (now it is); False for a repeat."""
        seen_at = now or datetime.now(UTC)
        if self._autocommit:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                claimed = conn.execute(_CLAIM, {"key": key, "seen_at": seen_at}).rowcount == 1
        else:
            with self.engine.begin() as conn:
                claimed = conn.execute(_CLAIM, {"key": key, "seen_at": seen_at}).rowcount == 1
        self._maybe_prune(seen_at)
        return claimed

    def prune(self, now: datetime | None = None) -> int:
        """Forgets keys older than a day; returns how many."""
        cutoff = (now or datetime.now(UTC)) - KEEP
        with self.engine.begin() as conn:
            return conn.execute(_PRUNE, {"cutoff": cutoff}).rowcount

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
