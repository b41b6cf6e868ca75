"""A bound, kept by the client, on how long a serving process waits for PostgreSQL.

``statement_timeout`` is the server's: a server that has stopped (its processes
suspended, its disk stalled, its virtual machine paused) on a host whose kernel still
acknowledges every packet answers neither the statement nor its timeout, and TCP
keepalives and ``tcp_user_timeout`` see a healthy peer. A request thread then waited as
long as the server did (26 s in a trial, without limit in principle), holding one of
the worker's threads, and a form's decision was recorded after Slack had given up on it.

The guard watches each statement, commit, rollback and pool ping of an engine (and the
reads that go round SQLAlchemy to the driver, through ``watching``) from one thread per
process: an operation still running past its deadline has its connection's socket shut
down, libpq reports the connection lost, SQLAlchemy discards it, and the caller's usual
handling answers "the credit records are not answering". What the server had not yet
received it never will; a COMMIT it had received but not answered is the case every
database client has, when the network goes at that moment.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger("creditbot.storage")

# Beyond the server's own statement_timeout: the server, when it can, cancels first and
# says why; the guard is for when it cannot.
GRACE_SECONDS = 1.0
# An operation may have to wait this long past its deadline to be noticed.
TICK_SECONDS = 0.25
# A pooled connection's check is one trivial round trip: never waited on longer, whatever
# the engine's statements may take (a scheduler's renewal must not wait minutes on it).
PING_SECONDS = 5.0
# Execution option: this connection's statements may run this long (seconds), for a
# transaction that raised its statement_timeout (SET LOCAL, the reports).
STALL_SECONDS = "creditbot_stall_seconds"


class StallGuard:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        # id(driver connection) → (deadline, the connection, its socket's fd, the seconds
        # it was given: the log names the deadline that fired, a ping's 5 s, not 301)
        self._running: dict[int, tuple[float, Any, int, float]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.cut = 0  # connections shut down, for the tests and the log
        # A forked child (gunicorn's workers) has no watcher thread: it starts its own at
        # its first statement. Weakly held, so that a disposed engine's guard can go.
        forgetting = weakref.WeakMethod(self._forget_parent)
        os.register_at_fork(after_in_child=lambda: (m := forgetting()) and m())

    def _forget_parent(self) -> None:
        self._lock = threading.Lock()
        self._running = {}
        self._thread = None

    def start(self, connection: Any, seconds: float | None = None) -> None:
        try:
            fd = connection.pgconn.socket
        except Exception:  # not psycopg's, or closed: nothing to watch
            return
        given = seconds or self.seconds
        with self._lock:
            self._running[id(connection)] = (time.monotonic() + given, connection, fd, given)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, daemon=True,
                                                name="creditbot-stall-guard")
                self._thread.start()

    def finish(self, connection: Any) -> None:
        with self._lock:
            self._running.pop(id(connection), None)

    @contextlib.contextmanager
    def watching(self, connection: Any, seconds: float | None = None) -> Iterator[None]:
        self.start(connection, seconds)
        try:
            yield
        finally:
            self.finish(connection)

    def _watch(self) -> None:
        # An event's wait, not time.sleep: a test that replaces time.sleep for its own
        # code (the module is shared) made this loop spin and fill memory.
        tick = threading.Event()
        while True:
            tick.wait(TICK_SECONDS)
            now = time.monotonic()
            with self._lock:
                late = [(key, conn, fd, given)
                        for key, (deadline, conn, fd, given) in self._running.items()
                        if deadline <= now]
                for key, *_ in late:
                    del self._running[key]
            for _, conn, fd, given in late:
                self._cut(conn, fd, given)

    def _cut(self, connection: Any, fd: int, given: float) -> None:
        try:
            # Still that connection's socket: a descriptor closed meanwhile may already
            # belong to another socket of this process.
            if connection.pgconn.socket != fd:
                return
        except Exception:
            return
        self.cut += 1  # before: the waiting thread wakes as soon as the socket is shut
        try:
            with socket.socket(fileno=os.dup(fd)) as held:
                held.shutdown(socket.SHUT_RDWR)
        except OSError as problem:
            self.cut -= 1
            log.warning("could not cut off a stalled PostgreSQL connection: %s", problem)
            return
        # Indistinguishable from here: a dead server and a live one whose statement waits
        # on a lock (a psql session's LOCK TABLE) both stay silent.
        log.warning("PostgreSQL did not answer within %.0f s: its connection was cut off "
                    "(the server or its network is stuck, or a lock another session holds "
                    "kept the statement waiting: pg_blocking_pids() in pg_stat_activity "
                    "names it)", given)


class _NoGuard:
    """For SQLite and the engines without a statement timeout (imports, migrations,
    jobs), whose statements may rightly run for minutes."""

    seconds = None

    def start(self, connection: Any, seconds: float | None = None) -> None:
        return None

    def finish(self, connection: Any) -> None:
        return None

    @contextlib.contextmanager
    def watching(self, connection: Any, seconds: float | None = None) -> Iterator[None]:
        yield


_NO_GUARD = _NoGuard()


def guard_of(engine: Engine) -> StallGuard | _NoGuard:
    return getattr(engine, "_creditbot_stall_guard", _NO_GUARD)


def guard_stalls(engine: Engine, statement_timeout: float) -> StallGuard:
    """Bounds ``engine``'s operations at ``statement_timeout`` + GRACE_SECONDS."""
    guard = StallGuard(statement_timeout + GRACE_SECONDS)
    engine._creditbot_stall_guard = guard  # type: ignore[attr-defined]

    @event.listens_for(engine, "before_cursor_execute")
    def _started(conn: Any, _cursor: Any, _statement: Any, _params: Any, context: Any,
                 _many: bool) -> None:
        seconds = conn.get_execution_options().get(STALL_SECONDS)
        guard.start(conn.connection.dbapi_connection, seconds)

    @event.listens_for(engine, "after_cursor_execute")
    def _done(conn: Any, *_args: Any) -> None:
        guard.finish(conn.connection.dbapi_connection)

    @event.listens_for(engine, "handle_error")
    def _failed(context: Any) -> None:
        with contextlib.suppress(Exception):
            guard.finish(context.connection.connection.dbapi_connection)

    @event.listens_for(engine, "checkin")
    def _back(dbapi_connection: Any, _record: Any) -> None:
        guard.finish(dbapi_connection)

    @event.listens_for(engine, "invalidate")
    def _dropped(dbapi_connection: Any, _record: Any, _error: Any) -> None:
        guard.finish(dbapi_connection)

    # Commit, rollback and the pool's ping reach the driver without a cursor event;
    # the dialect has no event for them, so its methods are wrapped (this engine's own
    # dialect object).
    dialect = engine.dialect
    for name, bound in (("do_commit", None), ("do_rollback", None),
                        ("do_ping", min(guard.seconds, PING_SECONDS))):
        original = getattr(dialect, name)

        def guarded(dbapi_connection: Any, _original: Any = original,
                    _bound: float | None = bound) -> Any:
            with guard.watching(dbapi_connection, _bound):
                return _original(dbapi_connection)

        setattr(dialect, name, guarded)
    return guard
