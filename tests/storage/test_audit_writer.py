"""Views recorded in batches: written shortly after, none lost while the database is
briefly away, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from domain.model import AuditEntry
from storage.audit_writer import BatchedAuditWriter
from storage.models import AuditRow

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(AuditRow.__table__)).scalar_one()


def _entry(n: int) -> AuditEntry:
    return AuditEntry(NOW, "U01SALESAMY", "credit.checked", f"C{n:04d}", {"query": str(n)})


def test_views_from_many_threads_are_all_written(engine):
    writer = BatchedAuditWriter(engine, interval=0.05)
    threads = [threading.Thread(target=lambda k=k: [writer.record(_entry(k * 100 + i))
                                                    for i in range(100)]) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    assert _count(engine) == 800
    with engine.connect() as conn:
        row = conn.execute(select(AuditRow.__table__).where(AuditRow.subject == "C0042")).one()
    assert (row.actor, row.action, row.details, row.at) == (
        "U01SALESAMY", "credit.checked", {"query": "42"}, NOW)


def test_views_wait_for_a_database_that_refused_them(engine, monkeypatch):
    writer = BatchedAuditWriter(engine, interval=3600)  # flushed by hand below
    writer.record(_entry(1))
    broken = engine.connect

    def refuse():
        raise ConnectionError("database away")

    monkeypatch.setattr(engine, "connect", refuse)
    writer.flush()
    monkeypatch.setattr(engine, "connect", broken)
    writer.record(_entry(2))
    writer.flush()
    assert _count(engine) == 2
    writer.close()


def test_a_database_away_is_said_once_then_once_a_minute_then_back(engine, monkeypatch,
                                                                   caplog):
    # Tried every 200 ms, a database away wrote a warning each time, 18,000 lines an hour
    # a worker, cut at 200 characters mid-sentence.
    writer = BatchedAuditWriter(engine, interval=3600)  # flushed by hand below
    writer.record(_entry(1))
    broken, clock = engine.connect, [1000.0]
    reason = "the database file /srv/creditbot.db does not exist: " + "x" * 300 + " END"

    def refuse():
        raise ConnectionError(reason)

    monkeypatch.setattr("storage.audit_writer.time.monotonic", lambda: clock[0])
    monkeypatch.setattr(engine, "connect", refuse)
    caplog.set_level("INFO", logger="creditbot.storage")
    for _ in range(300):  # a minute of tries, 0.2 s apart
        writer.flush()
        clock[0] += 0.2
    writer.flush()  # 60 s after the first
    monkeypatch.setattr(engine, "connect", broken)
    clock[0] += 0.2
    writer.flush()
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"could not write 1 audit entry yet ({reason}); will retry"),
        ("WARNING", f"still could not write 1 audit entry after 60 s (301 tries): {reason}"),
        ("INFO", "audit entries written again after 301 failed tries in 60 s")]
    assert _count(engine) == 1
    # Tried again after longer and longer pauses while it failed, at most 5 s apart.
    assert writer._pause() == 3600  # none failing now
    writer._interval = 0.2
    pauses = []
    for failures in (1, 2, 3, 5, 20):
        writer._failures = failures
        pauses.append(writer._pause())
    assert pauses == [0.4, 0.8, 1.6, 5.0, 5.0]
    writer._failures = 0
    writer.close()


def test_what_people_typed_is_written_exactly(engine):
    """PostgreSQL writes the batch with COPY, whose text format gives tabs, newlines
    and backslashes meanings of their own."""
    typed = 'acme\t"50k"\nline two \\N back\\slash 中文 <!channel> \x01'
    writer = BatchedAuditWriter(engine, interval=3600)
    writer.record(AuditEntry(NOW, "U01SALESAMY", "credit.checked", "C\t1\\N", {"query": typed}))
    writer.record(_entry(2))
    writer.flush()
    with engine.connect() as conn:
        rows = conn.execute(select(AuditRow.subject, AuditRow.details, AuditRow.at)
                            .order_by(AuditRow.id)).all()
    assert [tuple(row) for row in rows] == [("C\t1\\N", {"query": typed}, NOW),
                                            ("C0002", {"query": "2"}, NOW)]
    writer.close()


def test_an_entry_the_database_refuses_holds_back_no_other(engine, caplog):
    """A detail that cannot be stored (a Decimal is no JSON; on PostgreSQL also an actor
    longer than the column) is dropped with an error naming its action; the entries
    around it, and every later one, are written."""
    from decimal import Decimal

    writer = BatchedAuditWriter(engine, interval=3600)
    for n in range(1, 6):
        writer.record(_entry(n))
    writer.record(AuditEntry(NOW, "U01SALESAMY", "credit.shared", "C0009",
                             {"amount": Decimal("1.5")}))
    for n in range(6, 11):
        writer.record(_entry(n))
    writer.flush()
    assert _count(engine) == 10
    writer.record(_entry(11))
    writer.flush()
    assert _count(engine) == 11
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "dropped an audit entry the database refuses: credit.shared (TypeError)"]
    writer.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_values_postgresql_refuses_are_dropped_alone(engine, caplog):
    writer = BatchedAuditWriter(engine, interval=3600)
    writer.record(_entry(1))
    writer.record(AuditEntry(NOW, "U" * 65, "credit.checked", "C0009", {}))  # varchar(64)
    writer.record(AuditEntry(NOW, "U01SALESAMY", "credit.checked", "C\x00", {}))
    writer.record(AuditEntry(NOW, "U01SALESAMY", "credit.shared", "C0009",
                             {"ratio": float("nan")}))  # no JSON number
    writer.record(_entry(2))
    writer.flush()
    assert _count(engine) == 2
    assert len([r for r in caplog.records if r.levelname == "ERROR"]) == 3
    writer.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_read_only_database_keeps_every_entry_for_later(engine, caplog):
    """A standby after a failover (or a full disk) refuses every write with an error
    that is not a lost connection: the salvage took each entry for a bad one and
    dropped all 40."""
    from sqlalchemy import text

    def read_only(on: bool) -> None:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("SET default_transaction_read_only = off")
            name = conn.execute(text("SELECT current_database()")).scalar_one()
            conn.exec_driver_sql(f"ALTER DATABASE {name} SET default_transaction_read_only"
                                 f" = {'on' if on else 'off'}")
        engine.dispose()

    writer = BatchedAuditWriter(engine, interval=3600)
    read_only(True)
    try:
        for n in range(40):
            writer.record(_entry(n))
        writer.flush()
        assert not [r for r in caplog.records if r.levelname == "ERROR"]
    finally:
        read_only(False)
    writer.flush()
    assert _count(engine) == 40
    writer.close()


def test_a_privilege_the_database_withholds_keeps_every_entry(engine, monkeypatch):
    from sqlalchemy.exc import ProgrammingError

    writer = BatchedAuditWriter(engine, interval=3600)
    for n in range(5):
        writer.record(_entry(n))
    tries = []

    def denied(batch, wait):
        tries.append(len(batch))
        raise ProgrammingError("INSERT", {}, Exception("permission denied for audit_log"))

    monkeypatch.setattr(writer, "_write", denied)
    writer.flush()
    assert tries == [5]  # one try, no salvage: nothing is taken for a bad entry
    monkeypatch.undo()
    writer.flush()
    assert _count(engine) == 5
    writer.close()


def test_a_session_begun_read_only_is_let_go_and_the_next_try_writes(engine):
    # PostgreSQL's COPY goes past the engine's error handling: a pooled session begun
    # read-only (on a standby since promoted) refused every batch for good.
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA query_only = ON" if engine.dialect.name == "sqlite"
                             else "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        conn.commit()
    writer = BatchedAuditWriter(engine, interval=3600)  # flushed by hand below
    writer.record(_entry(1))
    writer.flush()
    assert _count(engine) == 0  # kept for the next try
    writer.flush()
    assert _count(engine) == 1
    writer.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_batch_waits_behind_an_import_that_holds_the_turn_to_write_longer_than_a_click(
        engine, monkeypatch, caplog):
    # A sandbox import held the SQLite writers' turn past the 2 s a click waits: the
    # batch gave up, and the log said the records were not answering while nothing was
    # wrong.
    from storage import write_gate
    from tests.storage.test_write_gate import held_by_another_writer

    monkeypatch.setattr(write_gate, "WAIT_SECONDS", 0.1)
    writer = BatchedAuditWriter(engine, interval=3600)  # flushed by hand below
    writer.record(_entry(1))
    with held_by_another_writer(write_gate.writers_gate(engine.url.database), seconds=0.5):
        writer.flush()
    assert _count(engine) == 1
    assert [record.getMessage() for record in caplog.records
            if record.levelname == "WARNING"] == []
    writer.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_closing_behind_an_import_gives_up_within_moments(engine, monkeypatch, caplog):
    # The thread's batch waited 60 s for the turn, then close() its own 60 s: a stopping
    # process hung two minutes (gunicorn kills a worker after 10 s).
    import time

    from storage import audit_writer, write_gate
    from tests.storage.test_write_gate import held_by_another_writer

    monkeypatch.setattr(audit_writer, "CLOSE_SECONDS", 0.2)
    writer = BatchedAuditWriter(engine, interval=0.01)
    other_process = write_gate.SqliteWriteGate(engine.url.database)
    with held_by_another_writer(other_process, seconds=2.0):
        writer.record(_entry(1))
        time.sleep(0.3)  # the thread now waits for the turn with its batch
        started = time.monotonic()
        writer.close()
        assert time.monotonic() - started < 1.0
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "audit entries not written at exit: the database was busy"]
