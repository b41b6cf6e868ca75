"""The SQLite writers' gate: one order transaction at a time across processes (two gates
on one file stand for two gunicorn workers: flock excludes open files, not processes)."""

from __future__ import annotations

import threading
import time

import pytest

from domain.errors import RecordsUnavailable
from storage import write_gate
from storage.write_gate import SqliteWriteGate


def test_a_second_process_waits_for_the_first_and_goes_in_as_soon_as_it_leaves(tmp_path):
    database = str(tmp_path / "creditbot.db")
    first, second = SqliteWriteGate(database), SqliteWriteGate(database)
    entered: list[float] = []
    with first:
        waiter = threading.Thread(target=lambda: second.__enter__() and entered.append(
            time.monotonic()))
        waiter.start()
        time.sleep(0.2)
        assert entered == []  # still outside while the first holds the turn
        left = time.monotonic()
    waiter.join(timeout=5)
    assert len(entered) == 1 and entered[0] - left < 0.05
    second.__exit__(None, None, None)
    assert (tmp_path / "creditbot.db.writers").exists()


def test_a_turn_never_given_up_ends_in_records_unavailable(tmp_path, monkeypatch):
    monkeypatch.setattr(write_gate, "WAIT_SECONDS", 0.1)
    database = str(tmp_path / "creditbot.db")
    with SqliteWriteGate(database), pytest.raises(RecordsUnavailable):
        SqliteWriteGate(database).__enter__()


def test_an_in_memory_database_is_gated_by_its_threads_alone():
    gate = SqliteWriteGate(None)
    with gate:
        assert not gate._threads.acquire(blocking=False)
    assert gate._threads.acquire(blocking=False)
