"""One writer at a time on a SQLite file, across the threads and processes of a server.

SQLite lets one transaction write at a time; the others wait in its busy handler, which
sleeps 1, 2, 5 … up to 100 ms between looks. Two gunicorn workers placing orders at once
then starve each other: a process whose threads keep taking the lock in turn wins every
race, the other's threads sleep through the gaps, and some reach the busy timeout
(bench_orders: 125 orders/s with one worker, 5 with two). The gate queues the order
transactions of every process on one lock file next to the database, taken with
``flock``: a waiter looks again within 2 ms of a release instead of up to 100 ms later."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path
from types import TracebackType

from domain.errors import RecordsUnavailable
from storage.db import SQLITE_BUSY_TIMEOUT_MS

# Longer than SQLite itself waits: the gate's holder is a write transaction that may
# wait its own busy timeout for another writer (an import, a job).
WAIT_SECONDS = 2 * SQLITE_BUSY_TIMEOUT_MS / 1000
_LOOK_EVERY = 0.002


class SqliteWriteGate:
    """A context manager: inside it, this thread holds the database's writers' turn."""

    def __init__(self, database: str | None) -> None:
        self._threads = threading.Lock()
        # An in-memory database has one process: the thread lock is the whole gate.
        self._path = None if not database or database == ":memory:" else \
            str(Path(database).resolve()) + ".writers"
        self._fd: int | None = None

    def __enter__(self) -> SqliteWriteGate:
        if not self._threads.acquire(timeout=WAIT_SECONDS):
            raise RecordsUnavailable()
        if self._path is None:
            return self
        try:
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            # A read-only folder: SQLite's own busy handler still keeps writes apart.
            return self
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    self._threads.release()
                    raise RecordsUnavailable() from None
                time.sleep(_LOOK_EVERY)
        self._fd = fd
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        self._threads.release()
