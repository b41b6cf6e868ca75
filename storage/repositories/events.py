from __future__ import annotations

from sqlalchemy.orm import Session

from domain.events import DomainEvent
from storage.models import DomainEventRow


class SqlEventLog:
    """Events go into the session beside the change: one commit writes both."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, event: DomainEvent) -> None:
        self._session.add(DomainEventRow(
            occurred_at=event.occurred_at, name=event.name, actor=event.actor,
            subject=event.subject, payload=event.payload()))
