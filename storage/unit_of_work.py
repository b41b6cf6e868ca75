"""One unit of work per use case: a session, its repositories, commit or roll back."""

from __future__ import annotations

from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage.outbox import SqlOutbox
from storage.repositories.audit import SqlAuditLog
from storage.repositories.customers import SqlCustomerRepository
from storage.repositories.events import SqlEventLog
from storage.repositories.rates import SqlRateRepository
from storage.repositories.receivables import SqlReceivablesQueries


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

    def __exit__(self, *exc: object) -> None:
        # Anything not committed explicitly is undone: a half-finished use case leaves no trace.
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


def unit_of_work_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
