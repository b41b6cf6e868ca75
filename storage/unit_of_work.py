"""One unit of work per use case: a session, its repositories, commit or roll back."""

from __future__ import annotations

import logging
from typing import Any, Self

from sqlalchemy import Connection, Engine, Table, insert
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as SqlTimeout
from sqlalchemy.orm import Session, sessionmaker

from domain.errors import RecordsUnavailable
from storage.alerts import SqlAlertStore
from storage.collections import SqlCollectionStore
from storage.credit_requests import SqlCreditRequestStore
from storage.db import SQLITE_BEGIN
from storage.meetings import SqlMeetingStore
from storage.orders import SqlOrderStore
from storage.outbox import SqlOutbox
from storage.repositories.audit import SqlAuditLog
from storage.repositories.customers import SqlCustomerRepository
from storage.repositories.events import SqlEventLog
from storage.repositories.rates import SqlRateRepository
from storage.repositories.receivables import SqlReceivablesQueries
from storage.write_gate import SqliteWriteGate, writers_gate

log = logging.getLogger("creditbot.storage")


class SqlUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        # Rows the use case only adds (audit entries, events): written with plain Core
        # inserts at commit, which costs a third of the ORM's bookkeeping per row.
        self.appends = Appends()
        self.customers = SqlCustomerRepository(self.session)
        self.receivables = SqlReceivablesQueries(self.session)
        self.rates = SqlRateRepository(self.session)
        self.audit = SqlAuditLog(self.session, self.appends)
        self.events = SqlEventLog(self.appends)
        self.outbox = SqlOutbox(self.session)
        self.alerts = SqlAlertStore(self.session)
        self.credit_requests = SqlCreditRequestStore(self.session)
        self.orders = SqlOrderStore(self.session)
        self.collections = SqlCollectionStore(self.session)
        self.meetings = SqlMeetingStore(self.session)
        self._writing = False
        self._turn: SqliteWriteGate | None = None
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 _trace: object) -> None:
        # Anything not committed explicitly is undone: a half-finished use case leaves no trace.
        try:
            self.session.rollback()
            self.session.close()
        except DBAPIError:
            if error is None:
                raise
            # The connection is already broken; the original error is what matters.
        finally:
            self._give_turn()
        if isinstance(error, DBAPIError | SqlTimeout) and is_unavailable(error):
            log.warning("database not answering: %s", str(error).splitlines()[0][:200])
            # "so nothing was changed" answers only someone who was changing something:
            # a list or a report asked for is told the records are not answering.
            raise RecordsUnavailable(reading=not self._writing) from error

    def begin_write(self) -> None:
        self._writing = True
        if self._take_turn():
            # See storage.db's begin hook: BEGIN IMMEDIATE waits for the write lock
            # (busy_timeout) instead of failing at the first write after a stale read.
            self.session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})

    def _take_turn(self) -> bool:
        """SQLite: queue for the file's writers' gate (storage.write_gate) before taking
        the write lock, so that writers go in turn instead of sleeping in SQLite's busy
        handler, where some lose every race under load and give up. Taken only while
        this unit of work holds no lock of SQLite's; held until its transaction ends.
        False on other databases."""
        bind = self.session.get_bind()
        if bind.dialect.name != "sqlite":
            return False
        if self._turn is None:
            self._turn = writers_gate(bind.engine.url.database).__enter__()
        return True

    def _give_turn(self) -> None:
        """The write transaction is over: the next writer may go (the use case may go on
        reading, or rendering, for a while yet)."""
        turn, self._turn = self._turn, None
        if turn is not None:
            turn.__exit__(None, None, None)

    def commit(self) -> None:
        self._writing = True
        # The turn is not taken here on the way to the commit: a statement that wrote
        # already (an outbox row is inserted at once) holds SQLite's lock, and waiting for
        # the turn while holding it would hold up the writer that has the turn and waits
        # for the lock (the outbox's sender, failing "database is locked").
        if self.session.get_bind().dialect.name == "sqlite" and self._only_appends():
            self._append_in_a_write_transaction()
        else:
            self.session.flush()
            self.appends.write(self.session.connection())
            self.session.commit()
        self.appends.clear()
        self._give_turn()

    def _only_appends(self) -> bool:
        # Repositories read through Core and the session never autoflushes, so new
        # objects and the appends are all this unit of work has written.
        return bool(self.session.new or self.appends) and not self.session.dirty \
            and not self.session.deleted and not self.outbox.wrote \
            and not self.alerts.wrote and not self.credit_requests.wrote \
            and not self.orders.wrote and not self.collections.wrote \
            and not self.meetings.wrote

    def _append_in_a_write_transaction(self) -> None:
        """SQLite: the reads happened in a snapshot that may be stale by now, and
        upgrading it to a writer would fail at once if someone wrote meanwhile. The new
        rows (audit entries, events, outbox messages) do not depend on that snapshot, so
        they are written in a short transaction of their own that waits for the lock."""
        rows = list(self.session.new)
        self.session.rollback()
        self._take_turn()  # nothing is held now: the turn, then the lock
        connection = self.session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
        self.session.add_all(rows)
        self.session.flush()
        self.appends.write(connection)
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
        self.appends.clear()
        self._give_turn()


class Appends:
    """Rows waiting for the commit, per table, in the order they were added."""

    def __init__(self) -> None:
        self._rows: dict[Table, list[dict[str, Any]]] = {}

    def add(self, table: Table, row: dict[str, Any]) -> None:
        self._rows.setdefault(table, []).append(row)

    def write(self, connection: Connection) -> None:
        for table, rows in self._rows.items():
            connection.execute(insert(table), rows)

    def clear(self) -> None:
        self._rows.clear()

    def __bool__(self) -> bool:
        return bool(self._rows)


def is_unavailable(error: BaseException) -> bool:
    """Timeouts, lost connections, a locked SQLite file: the database's state, not a bug."""
    if isinstance(error, SqlTimeout | OperationalError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def unit_of_work_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)
