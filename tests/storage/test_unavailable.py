"""A database that does not answer (locked by a long import, moved away) surfaces as one
domain error a person can read, never as a driver traceback."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime

import pytest

from domain.errors import RecordsUnavailable
from domain.model import AuditEntry
from storage.db import make_engine, upgrade
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


@pytest.fixture
def sqlite_file(tmp_path):
    path = tmp_path / "creditbot.db"
    engine = make_engine(f"sqlite:///{path}", create=True)
    upgrade(engine)
    engine.dispose()
    return path


def test_a_write_while_another_process_holds_the_lock_is_unavailable(sqlite_file):
    engine = make_engine(f"sqlite:///{sqlite_file}")
    holder = sqlite3.connect(sqlite_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write lock, as an import's merge
    with pytest.raises(RecordsUnavailable) as refused, \
            SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
        uow.audit.append(AuditEntry(NOW, "U01SALESAMY", "credit.checked", "C0001", {}))
        uow.commit()
    holder.execute("ROLLBACK")
    holder.close()
    assert str(refused.value) == ("The credit records are not answering just now, so nothing "
                                  "was changed. Please try again in a minute.")
    with SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
        assert uow.audit.recent() == []
    engine.dispose()


def test_a_read_while_the_file_is_locked_is_told_without_nothing_was_changed(sqlite_file):
    # `/credit report` under an exclusive lock answered "…, so nothing was changed": an
    # answer to a question the person did not ask.
    engine = make_engine(f"sqlite:///{sqlite_file}")
    holder = sqlite3.connect(sqlite_file, isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")
    holder.execute("BEGIN EXCLUSIVE")  # no reader gets in
    try:
        with pytest.raises(RecordsUnavailable) as refused, \
                SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
            uow.audit.recent()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert str(refused.value) == ("The credit records are not answering just now. Please "
                                  "try again in a minute.")
    engine.dispose()


def test_a_database_file_moved_away_is_unavailable_not_recreated(sqlite_file, tmp_path):
    engine = make_engine(f"sqlite:///{sqlite_file}")
    sqlite_file.rename(tmp_path / "elsewhere.db")
    with pytest.raises(RecordsUnavailable), SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
        uow.audit.recent()
    assert not sqlite_file.exists()
    engine.dispose()


def test_many_people_checking_at_once_on_sqlite_all_get_their_audit_entry(sqlite_file):
    """WAL lets readers run beside a writer, but a transaction that read and then
    writes fails at once if another connection wrote in between; appends are therefore
    written in a transaction that waits for the lock."""
    engine = make_engine(f"sqlite:///{sqlite_file}")
    factory = unit_of_work_factory(engine)
    failures: list[str] = []

    def person(n: int) -> None:
        for _ in range(n):
            try:
                with SqlUnitOfWork(factory) as uow:
                    uow.customers.fetch(["C0001"])  # a check reads first
                    time.sleep(0.001)
                    uow.audit.append(AuditEntry(NOW, "U01SALESAMY", "credit.checked",
                                                "C0001", {}))
                    uow.commit()
            except Exception as problem:
                failures.append(repr(problem))

    # 8 × 12: as many at once as before, fewer in a row; 8 × 25 on a machine loaded by
    # other test sessions had a click wait past its turn's patience (not what this holds).
    people = [threading.Thread(target=person, args=(12,)) for _ in range(8)]
    for thread in people:
        thread.start()
    for thread in people:
        thread.join()
    assert failures == []
    with SqlUnitOfWork(factory) as uow:
        assert len(uow.audit.recent(limit=1000)) == 96
    engine.dispose()
