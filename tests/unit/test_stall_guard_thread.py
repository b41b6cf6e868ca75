"""The stall guard's watcher (storage.stall_guard) keeps its pace whatever a test does
to time.sleep: the module is shared by every thread of the process."""

from __future__ import annotations

import threading

import pytest

from storage.stall_guard import StallGuard


class _PgConn:
    socket = 7


class _Connection:
    pgconn = _PgConn()


def test_the_watcher_does_not_spin_when_time_sleep_is_replaced(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A test patched time.sleep to record its pauses; the watcher, sleeping through it,
    # then looped without pause, filled 5 GB and hung the CI run.
    guard = StallGuard(60.0)
    connection = _Connection()
    guard.start(connection)  # starts the watcher
    guard.finish(connection)
    slept: list[float] = []
    monkeypatch.setattr("time.sleep", slept.append)
    threading.Event().wait(0.6)
    assert slept == []
