"""One unit of work per use case: a session, its repositories, commit or roll back."""

from __future__ import annotations

import logging
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as SqlTimeout
from sqlalchemy.orm import Session, sessionmaker

from domain.errors import RecordsUnavailable
from storage.db import SQLITE_BEGIN
from storage.outbox import SqlOutbox
from storage.repositories.audit import SqlAuditLog
from storage.repositories.customers import SqlCustomerRepository
from storage.repositories.events import SqlEventLog
from storage.repositories.rates import SqlRateRepository
from storage.repositories.receivables import SqlReceivablesQueries

log = logging.getLogger("creditbot.storage")


class SqlUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.customers = SqlCustomerRepository(self.session)
        self.receivables = SqlReceivablesQueries(self.session)
        self.rates = SqlRateRepository(self.session)
        self.audit = SqlAuditLog(self.session)
        self.events = SqlEventLog(self.session)
        self.outbox = SqlOutbox(self.session)
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
        if isinstance(error, DBAPIError | SqlTimeout) and _unavailable(error):
            log.warning("database not answering: %s", str(error).splitlines()[0][:200])
            raise RecordsUnavailable() from error

    def commit(self) -> None:
        if self.session.get_bind().dialect.name == "sqlite" and self._only_appends():
            self._append_in_a_write_transaction()
            return
        self.session.commit()

    def _only_appends(self) -> bool:
        # Repositories read through Core and the session never autoflushes, so new
        # objects are all this unit of work has written.
        return bool(self.session.new) and not self.session.dirty and not self.session.deleted

    def _append_in_a_write_transaction(self) -> None:
        """SQLite: the reads happened in a snapshot that may be stale by now, and
        upgrading it to a writer would fail at once if someone wrote meanwhile. The new
        rows (audit entries, events, outbox messages) do not depend on that snapshot, so
        they are written in a short transaction of their own that waits for the lock."""
        rows = list(self.session.new)
        self.session.rollback()
        self.session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
        self.session.add_all(rows)
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


def _unavailable(error: BaseException) -> bool:
    """Timeouts, lost connections, a locked SQLite file: the database's state, not a bug."""
    if isinstance(error, SqlTimeout | OperationalError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def unit_of_work_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)
