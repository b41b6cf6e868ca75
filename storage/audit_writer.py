"""Views of credit data, recorded in batches.

Every check is audited (who saw which customer's figures). Writing that row in the
check's own transaction made a read into a write: on SQLite every check queued for the
write lock (p99 425 ms against 82 ms before), on both databases it cost a commit per
check. The entries are instead queued in the process and written by one thread every
``interval`` seconds, in one transaction. What can be lost is the last fraction of a
second of views if the process is killed; shares, refusals and decisions are still
written in their own transactions.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
import time
from typing import Any

from sqlalchemy import Engine, Table, exc, insert

from domain.model import AuditEntry
from storage.db import SQLITE_BEGIN, let_go_if_read_only
from storage.models import AuditRow
from storage.write_gate import BATCH_WAIT_SECONDS, gate_for

log = logging.getLogger("creditbot.storage")
_AUDIT: Table = AuditRow.__table__  # type: ignore[assignment]
_COPY = "COPY audit_log (at, actor, action, subject, details) FROM STDIN"
# While the database refuses the batches, a line this often at most: tried every
# interval, a database away for an hour wrote 18,000 lines a worker.
REPEAT_SECONDS = 60.0
FAILED_PAUSE_SECONDS = 5.0
# How long closing waits for a batch being written and then for its own: a process
# stopping (gunicorn gives a worker 10 s) waited two batch writers' 60 s behind an import.
CLOSE_SECONDS = 2.0


class BatchedAuditWriter:
    def __init__(self, engine: Engine, interval: float = 0.2, most: int = 100_000) -> None:
        self._engine = engine
        self._interval = interval
        self._most = most  # a database down for hours must not fill the memory
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        # One flush at a time: a flush() called while the thread is writing a batch waits
        # for that batch, so everything recorded before the call is written when it returns.
        self._flushing = threading.Lock()
        self._wake = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        # The failures in a row, since when (monotonic), and when last said.
        self._failures = 0
        self._failed_since = self._said_at = 0.0
        atexit.register(self.close)

    def record(self, entry: AuditEntry) -> None:
        row = {"at": entry.at, "actor": entry.actor, "action": entry.action,
               "subject": entry.subject, "details": entry.details}
        with self._lock:
            if len(self._pending) >= self._most:
                log.error("audit entries not written for a long while; dropping the oldest")
                del self._pending[: len(self._pending) // 10]
            self._pending.append(row)
            if self._thread is None:  # started here, after any fork, in the process using it
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="creditbot-audit")
                self._thread.start()

    def flush(self) -> None:
        """Writes what is queued now; kept for the next try if the database says no."""
        with self._flushing:
            self._flush(BATCH_WAIT_SECONDS)

    def _flush(self, wait: float) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            self._write(batch, wait)
        except Exception as problem:
            if self._refused(problem):
                # An entry the database refuses, or that cannot be encoded, must not hold
                # back every view after it: the rest are written, it alone is set aside.
                batch = self._salvage(batch, wait)
                if not batch:
                    self._written()
                    return
            self._failed(len(batch), problem)
            with self._lock:
                self._pending[:0] = batch
            return
        self._written()

    def _failed(self, waiting: int, problem: Exception) -> None:
        """One line on the first failure, then one a minute while they last."""
        now = time.monotonic()
        self._failures += 1
        reason = str(problem).splitlines()[0] if str(problem) else type(problem).__name__
        if self._failures == 1:
            self._failed_since = self._said_at = now
            log.warning("could not write %s yet (%s); will retry", _entries(waiting), reason)
        elif now - self._said_at >= REPEAT_SECONDS:
            self._said_at = now
            log.warning("still could not write %s after %.0f s (%d tries): %s",
                        _entries(waiting), now - self._failed_since, self._failures, reason)

    def _written(self) -> None:
        if self._failures:
            # The all-clear, so that the last line of an outage is not its error.
            log.info("audit entries written again after %d failed tries in %.0f s",
                     self._failures, time.monotonic() - self._failed_since)
            self._failures = 0

    def _write(self, batch: list[dict[str, Any]], wait: float) -> None:
        if self._engine.dialect.name == "postgresql":
            self._copy(batch)
        else:
            # Nobody waits on a batch: it queues behind an import's merge as long as that
            # one queues behind others (``wait``), unless the process is stopping.
            immediate = {SQLITE_BEGIN: "IMMEDIATE"}
            with gate_for(self._engine, wait), self._engine.connect(
                    ).execution_options(**immediate) as conn, conn.begin():
                conn.execute(insert(_AUDIT), batch)

    def _refused(self, problem: Exception) -> bool:
        """Whether an entry, not the database, is the trouble: a value the database
        refuses (SQLSTATE class 22: a NUL, text too long, a number JSON cannot hold) or
        one that cannot be encoded at all. Anything else (down, busy, timed out, read-only
        after a failover, a revoked privilege) is the database's, and the whole batch
        waits for the next try: those must never be taken for bad entries and dropped."""
        cause = problem.orig if isinstance(problem, exc.StatementError) else problem
        return isinstance(cause, (self._engine.dialect.loaded_dbapi.DataError, TypeError,
                                  ValueError))

    def _salvage(self, batch: list[dict[str, Any]], wait: float) -> list[dict[str, Any]]:
        """Writes ``batch`` in halves until the entries refused are alone, and drops
        those; returns what is left to retry if the database itself failed meanwhile.
        A few transactions more than one, and only when something was refused."""
        try:
            self._write(batch, wait)
            return []
        except Exception as problem:
            if not self._refused(problem):
                return batch
            if len(batch) == 1:
                # The action names what was lost; the entry's text never goes to the log.
                log.error("dropped an audit entry the database refuses: %s (%s)",
                          batch[0]["action"],
                          type(getattr(problem, "orig", None) or problem).__name__)
                return []
            middle = len(batch) // 2
            return self._salvage(batch[:middle], wait) + self._salvage(batch[middle:], wait)

    def _copy(self, batch: list[dict[str, Any]]) -> None:
        """PostgreSQL: the batch in one COPY. As a pipeline of INSERTs (what executemany
        sends) a second's views cost the server a statement each and, on a busy
        machine, held up the checks sharing it for up to seconds at a time (the
        benchmark's p99); COPY is one statement and a fraction of the work."""
        try:
            with self._engine.connect() as conn, conn.begin():
                cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                with cursor.copy(_COPY) as copy:
                    for row in batch:
                        copy.write_row((row["at"], row["actor"], row["action"],
                                        row["subject"],
                                        json.dumps(row["details"], ensure_ascii=False)))
        except Exception as error:
            # A session begun read-only (a standby, since promoted) goes with its pool.
            let_go_if_read_only(self._engine, error)
            raise

    def close(self) -> None:
        self._stopped = True
        self._wake.set()
        if not self._flushing.acquire(timeout=CLOSE_SECONDS):
            # The thread's batch waits behind an import: what it holds goes with the
            # process, as the last moment's views may (the module's docstring).
            log.warning("audit entries not written at exit: the database was busy")
            return
        try:
            self._flush(CLOSE_SECONDS)
        finally:
            self._flushing.release()

    def _run(self) -> None:
        while not self._stopped:
            self._wake.wait(self._pause())
            self.flush()

    def _pause(self) -> float:
        """The wait before the next batch: longer after each failure in a row, up to
        FAILED_PAUSE_SECONDS (tried every 0.2 s, a database left read-only made each
        worker open five new connections a second, each try letting its pool go)."""
        if not self._failures:
            return self._interval
        return min(self._interval * 2 ** min(self._failures, 10), FAILED_PAUSE_SECONDS)


def _entries(count: int) -> str:
    return f"{count} audit {'entry' if count == 1 else 'entries'}"
