from __future__ import annotations

from sqlalchemy import Table

from domain.events import DomainEvent
from storage.models import DomainEventRow
from storage.repositories.audit import Appender

_EVENTS: Table = DomainEventRow.__table__  # type: ignore[assignment]


class SqlEventLog:
    """Events are written at the commit of the change that caused them: one commit
    writes both."""

    def __init__(self, appends: Appender) -> None:
        self._appends = appends

    def record(self, event: DomainEvent) -> None:
        self._appends.add(_EVENTS, {
            "occurred_at": event.occurred_at, "name": event.name, "actor": event.actor,
            "subject": event.subject, "payload": event.payload(), "published_at": None})
