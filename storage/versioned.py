"""The shape every store of records people change concurrently shares: a record is
added with version 1 and comes back with its id; a save names the version it read and
writes nothing (raising the capability's ``…Changed`` error) when that is no longer the
stored one. Optimistic locking, so two clicks at once give one change."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Protocol, TypeVar

from sqlalchemy import Table, insert, update
from sqlalchemy.orm import Session


class _Versioned(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def version(self) -> int: ...


R = TypeVar("R", bound=_Versioned)


class VersionedStore:
    """A store over one unit of work's session. ``changed`` is the error a lost race
    raises, made with what was being saved."""

    changed: ClassVar[type[Exception]]

    def __init__(self, session: Session) -> None:
        self._session = session
        # Set once anything was written in this unit of work (SQLite commits differently
        # when a unit of work only appends).
        self.wrote = False

    def _execute(self, statement: Any, params: Any = None) -> Any:
        return self._session.connection().execute(statement, params)

    def _add(self, table: Table, values: dict[str, Any], record: R) -> R:
        self.wrote = True
        row = self._execute(insert(table).returning(table.c.id), {**values, "version": 1}
                            ).first()
        return dataclasses.replace(record, id=int(row.id), version=1)  # type: ignore[type-var]

    def _save(self, table: Table, values: dict[str, Any], record: R, what: str) -> R:
        self.wrote = True
        done = self._execute(update(table).where(
            table.c.id == record.id, table.c.version == record.version
        ).values(**values, version=record.version + 1))
        if done.rowcount != 1:
            raise type(self).changed(what)
        return dataclasses.replace(record, version=record.version + 1)  # type: ignore[type-var]
