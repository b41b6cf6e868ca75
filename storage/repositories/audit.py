from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from domain.model import AuditEntry
from storage.models import AuditRow


class Appender(Protocol):
    """Where a repository leaves rows for its unit of work to insert at commit."""

    def add(self, table: Table, row: dict[str, Any]) -> None: ...


_AUDIT: Table = AuditRow.__table__  # type: ignore[assignment]


class SqlAuditLog:
    def __init__(self, session: Session, appends: Appender) -> None:
        self._session = session
        self._appends = appends

    def append(self, entry: AuditEntry) -> None:
        self._appends.add(_AUDIT, {"at": entry.at, "actor": entry.actor, "action": entry.action,
                                   "subject": entry.subject, "details": entry.details})

    def recent(self, limit: int = 50) -> list[AuditEntry]:
        rows = self._session.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit))
        return [AuditEntry(r.at, r.actor, r.action, r.subject, r.details) for r in rows]

    def latest(self, action: str) -> AuditEntry | None:
        row = self._session.scalars(select(AuditRow).where(AuditRow.action == action)
                                    .order_by(AuditRow.id.desc()).limit(1)).first()
        return None if row is None else AuditEntry(row.at, row.actor, row.action,
                                                   row.subject, row.details)
