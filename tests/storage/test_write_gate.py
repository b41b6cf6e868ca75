"""The SQLite writers' gate: one order transaction at a time across processes (two gates
on one file stand for two gunicorn workers: flock excludes open files, not processes)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine

from domain.errors import RecordsUnavailable
from storage import write_gate
from storage.db import SQLITE_BEGIN
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


def test_the_thread_that_holds_the_turn_may_take_it_again_and_keeps_it_until_the_last_exit(
        tmp_path):
    # An order's transaction holds the gate around a unit of work that takes it too.
    gate = write_gate.writers_gate(str(tmp_path / "creditbot.db"))
    other = SqliteWriteGate(str(tmp_path / "creditbot.db"))  # another process's
    with gate:
        with gate:
            pass
        assert not _enters_at_once(other)  # the inner exit did not give the turn away
    assert _enters_at_once(other)


def test_one_gate_per_file_for_the_whole_process(tmp_path):
    database = tmp_path / "creditbot.db"
    assert write_gate.writers_gate(str(database)) is write_gate.writers_gate(
        str(tmp_path / "." / "creditbot.db"))
    assert write_gate.writers_gate(str(database)) is not write_gate.writers_gate(
        str(tmp_path / "other.db"))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_unit_of_work_that_writes_on_sqlite_waits_its_turn_and_gives_it_back(
        database_url, monkeypatch):
    # Five submissions of one meeting form at once: writers that slept in SQLite's busy
    # handler lost every race under load and answered "not answering just now".
    from storage.db import make_engine
    from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

    engine = make_engine(database_url)
    waited = []
    with held_by_another_writer(write_gate.writers_gate(engine.url.database)):
        started = time.monotonic()
        with SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
            uow.begin_write()
            waited.append(time.monotonic() - started)
            assert not _enters_at_once(SqliteWriteGate(engine.url.database))
    assert waited[0] >= 0.2
    assert _enters_at_once(SqliteWriteGate(engine.url.database))
    engine.dispose()


@contextmanager
def held_by_another_writer(gate: SqliteWriteGate, seconds: float = 0.3) -> Iterator[None]:
    """Inside: another thread holds ``gate``, for ``seconds`` from the start."""
    held = threading.Event()

    def writing() -> None:
        with gate:
            held.set()
            time.sleep(seconds)

    writer = threading.Thread(target=writing)
    writer.start()
    held.wait()
    try:
        yield
    finally:
        writer.join()


@contextmanager
def held_by_an_import(engine: Engine, seconds: float = 1.5) -> Iterator[None]:
    """Inside: another thread holds SQLite's write lock in the writers' turn, as an
    import's merge does, for ``seconds`` (past the 1 s SQLite's busy handler waits)."""
    held = threading.Event()

    def merging() -> None:
        with write_gate.writers_gate(engine.url.database), engine.connect(
                ).execution_options(**{SQLITE_BEGIN: "IMMEDIATE"}) as conn, conn.begin():
            held.set()
            time.sleep(seconds)

    writer = threading.Thread(target=merging)
    writer.start()
    held.wait(5)
    try:
        yield
    finally:
        writer.join()


# What a writer gets when the turn is not had in time, as the gate raises it.
TURN_NOT_HAD = ("TimeoutError: waited 10 s for the turn to write the SQLite file, held by "
                "another writer")


def turn_not_had() -> RecordsUnavailable:
    """The gate's refusal, cause and all: logs name the cause, not the person's
    sentence ("The credit records are not answering just now, …")."""
    try:
        raise RecordsUnavailable() from TimeoutError(TURN_NOT_HAD.split(": ", 1)[1])
    except RecordsUnavailable as error:
        return error


def _enters_at_once(gate: SqliteWriteGate) -> bool:
    """Takes and gives back ``gate`` from another thread, waiting at most a moment."""
    entered: list[bool] = []

    def attempt() -> None:
        try:
            with gate:
                entered.append(True)
        except RecordsUnavailable:
            entered.append(False)

    original = write_gate.WAIT_SECONDS
    write_gate.WAIT_SECONDS = 0.1
    try:
        thread = threading.Thread(target=attempt)
        thread.start()
        thread.join()
    finally:
        write_gate.WAIT_SECONDS = original
    return entered == [True]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_outbox_senders_writes_take_their_turn_too(database_url):
    # Under load a delivery pass lost SQLite's lock to the use cases' gated writes and
    # started over ("a delivery pass failed … database is locked").
    from domain.messages import OutgoingMessage
    from storage.db import make_engine
    from storage.outbox import OutboxStore

    engine = make_engine(database_url)
    with held_by_another_writer(write_gate.writers_gate(engine.url.database)):
        started = time.monotonic()
        OutboxStore(engine).queue(OutgoingMessage(channel="C0ALERTS01", kind="test.note",
                                                  text="hello"))
        assert time.monotonic() - started >= 0.2
    engine.dispose()


def test_a_turn_not_had_in_time_is_logged_for_the_operator(tmp_path, monkeypatch, caplog):
    # The person is told "not answering"; the log said nothing of why.
    monkeypatch.setattr(write_gate, "WAIT_SECONDS", 0.1)
    database = str(tmp_path / "creditbot.db")
    with SqliteWriteGate(database), pytest.raises(RecordsUnavailable) as refused:
        SqliteWriteGate(database).__enter__()
    # Its cause, for the line the request's failure logs (handlers.errors).
    assert str(refused.value.__cause__) == (
        "waited 0.1 s for the turn to write the SQLite file, held by another writer")
    assert caplog.messages == [
        f"waited 0.1 s for the turn to write {database}.writers, held by another writer"]


def test_a_file_system_without_flock_leaves_the_writers_to_sqlite(tmp_path, monkeypatch):
    # An error other than "held" kept the file open and the process's lock taken: every
    # later write of the process would have waited and failed.
    def no_locks(_fd: int, _how: int) -> None:
        raise OSError(37, "No locks available")

    monkeypatch.setattr(write_gate.fcntl, "flock", no_locks)
    gate = SqliteWriteGate(str(tmp_path / "creditbot.db"))
    for _ in range(2):
        with gate:
            pass
    assert _enters_at_once(gate)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_unit_of_work_that_wrote_already_commits_without_waiting_for_the_turn(database_url):
    # It held SQLite's lock (an outbox row is inserted at once) and waited at its commit
    # for the turn, which the outbox's sender held while it waited for that lock: the
    # sender failed "database is locked" a second later, and a message stayed unsent.
    from domain.messages import OutgoingMessage
    from storage.db import make_engine
    from storage.outbox import OutboxStore
    from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

    engine = make_engine(database_url)
    wrote, sender_in, failures = threading.Event(), threading.Event(), []

    def sender() -> None:
        wrote.wait()
        with write_gate.writers_gate(engine.url.database):
            sender_in.set()
            try:
                OutboxStore(engine).queue(OutgoingMessage(channel="C0SALES001",
                                                          kind="test.note", text="two"))
            except Exception as problem:  # the assertion below says it
                failures.append(problem)

    thread = threading.Thread(target=sender)
    thread.start()
    with SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
        uow.outbox.add(OutgoingMessage(channel="C0SALES001", kind="test.note", text="one"))
        wrote.set()
        sender_in.wait()
        started = time.monotonic()
        uow.commit()
        assert time.monotonic() - started < 0.5
    thread.join()
    assert failures == []
    engine.dispose()


def test_a_patient_writer_that_gives_up_leaves_the_holders_turn_alone(tmp_path):
    # Its clean-up ran on giving up and let go of the turn another thread held: a third
    # writer went in beside the holder.
    gate = write_gate.writers_gate(str(tmp_path / "creditbot.db"))
    holding, done = threading.Event(), threading.Event()

    def holder() -> None:
        with gate:
            holding.set()
            done.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert holding.wait(5)
        with pytest.raises(RecordsUnavailable), gate.patiently(0.2):
            pass
        assert not _enters_at_once(SqliteWriteGate(str(tmp_path / "creditbot.db")))
        assert not gate._threads.acquire(blocking=False)  # still the holder's
    finally:
        done.set()
        thread.join(5)
