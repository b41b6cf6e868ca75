"""One writer at a time on a SQLite file, across the threads and processes of a server.

SQLite lets one transaction write at a time; the others wait in its busy handler, which
sleeps 1, 2, 5 … up to 100 ms between looks. Two gunicorn workers placing orders at once
then starve each other: a process whose threads keep taking the lock in turn wins every
race, the other's threads sleep through the gaps, and some reach the busy timeout
(bench_orders: 125 orders/s with one worker, 5 with two). The gate queues the order
transactions of every process on one lock file next to the database, taken with
``flock``: a waiter looks again within 2 ms of a release instead of up to 100 ms later.

Every write transaction takes it (the unit of work's, a request's claim, the orders'),
so the gate is shared by all of a process's writers of one file (``writers_gate``) and
is re-entrant: an order's transaction holds it around the unit of work that takes it
again. A gate of its own per writer would make a thread wait for itself: two open files
of one process exclude each other under ``flock`` as two processes do."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from types import TracebackType
from typing import NoReturn

from sqlalchemy import Engine

from domain.errors import RecordsUnavailable
from storage.db import SQLITE_BUSY_TIMEOUT_MS

log = logging.getLogger("creditbot.storage")

# Longer than SQLite itself waits: the gate's holder is a write transaction that may
# wait its own busy timeout for another writer (an import, a job).
WAIT_SECONDS = 2 * SQLITE_BUSY_TIMEOUT_MS / 1000
# How long a batch writer nobody waits on (an import's merge, the batched audit entries)
# waits for its turn: the writers before it (a person's order, an approval, a job's
# transaction) each take well under a second, but an import's merge may hold the turn for
# seconds, and a batch that gave up after WAIT_SECONDS logged that the records were not
# answering while nothing was wrong.
BATCH_WAIT_SECONDS = 60.0
_LOOK_EVERY = 0.002


class SqliteWriteGate:
    """A context manager: inside it, this thread holds the database's writers' turn."""

    def __init__(self, database: str | None) -> None:
        self._threads = threading.Lock()
        # An in-memory database has one process: the thread lock is the whole gate.
        self._path = None if not database or database == ":memory:" else \
            str(Path(database).resolve()) + ".writers"
        self._fd: int | None = None
        self._owner: int | None = None
        self._depth = 0

    def __enter__(self) -> SqliteWriteGate:
        return self._enter(WAIT_SECONDS)

    def patiently(self, wait: float) -> Patiently:
        """The turn, waited for up to ``wait`` seconds: a batch writer (an import's
        merge) that nobody waits on. Left to SQLite's busy handler, an import lost every
        race to six approvals at once and failed "database is locked" after a second."""
        return Patiently(self, wait)

    def _enter(self, wait: float) -> SqliteWriteGate:
        if self._owner == threading.get_ident():
            self._depth += 1
            return self
        if not self._threads.acquire(timeout=wait):
            self._give_up(wait)
        if self._path is not None:
            self._fd = self._take_the_file(wait)
        self._owner, self._depth = threading.get_ident(), 1
        return self

    def _take_the_file(self, wait: float) -> int | None:
        assert self._path is not None
        try:
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            # A read-only folder: SQLite's own busy handler still keeps writes apart.
            return None
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    self._threads.release()
                    self._give_up(wait)
                time.sleep(_LOOK_EVERY)
            except OSError as problem:
                # A file system without flock (ENOLCK on some network mounts): this
                # process's threads still go in turn, SQLite's busy handler keeps the
                # processes apart. Kept open, the file and the thread lock would stop
                # every later write of the process.
                os.close(fd)
                log.warning("cannot lock %s (%s): SQLite's own locking keeps writers apart",
                            self._path, problem)
                return None
        return fd

    def _give_up(self, wait: float) -> NoReturn:
        # Else the person is told "not answering" and the log says nothing of why. Not
        # "a person was told": a background writer (the outbox, a lease) waits too.
        log.warning("waited %g s for the turn to write %s, held by another writer", wait,
                    self._path or "the in-memory database")
        raise RecordsUnavailable() from TimeoutError(
            f"waited {wait:g} s for the turn to write the SQLite file, held by "
            "another writer")

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._depth -= 1
        if self._depth:
            return
        self._owner = None
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        self._threads.release()


class Patiently:
    """``gate``'s turn waited for up to ``wait`` seconds; kept and entered again by a
    writer that writes often (the outbox's sender)."""

    def __init__(self, gate: SqliteWriteGate, wait: float) -> None:
        self._gate, self._wait = gate, wait

    def __enter__(self) -> SqliteWriteGate:
        return self._gate._enter(self._wait)  # given up: nothing of ours to give back

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._gate.__exit__(kind, error, trace)


_shared: dict[str | None, SqliteWriteGate] = {}
_sharing = threading.Lock()


def writers_gate(database: str | None) -> SqliteWriteGate:
    """This process's gate for the SQLite file ``database`` (``None`` or ``:memory:``: one
    for the process's in-memory databases, which only its threads can share)."""
    found = _shared.get(database)  # by the URL's path as given: every write asks
    if found is not None:
        return found
    key = None if not database or database == ":memory:" else str(Path(database).resolve())
    with _sharing:
        gate = _shared.get(key)
        if gate is None:
            gate = _shared[key] = SqliteWriteGate(key)
        _shared[database] = gate
        return gate


def gate_for(engine: Engine, wait: float | None = None) -> AbstractContextManager[object]:
    """The writers' gate of ``engine``'s SQLite file, waited for ``wait`` seconds (else
    ``WAIT_SECONDS``); nothing on PostgreSQL, whose writers wait for each other row by
    row."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    gate = writers_gate(engine.url.database)
    return gate if wait is None else gate.patiently(wait)
