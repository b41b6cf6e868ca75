from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.model import AuditEntry
from storage.models import AuditRow


class SqlAuditLog:
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, entry: AuditEntry) -> None:
        self._session.add(AuditRow(at=entry.at, actor=entry.actor, action=entry.action,
                                   subject=entry.subject, details=entry.details))

    def recent(self, limit: int = 50) -> list[AuditEntry]:
        rows = self._session.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit))
        return [AuditEntry(r.at, r.actor, r.action, r.subject, r.details) for r in rows]
