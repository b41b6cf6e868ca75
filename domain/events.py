"""Domain events: what happened, recorded in the same transaction as the change.

A use case that changes state records an event through ``uow.events``; storage writes
it beside the change, so the two commit or roll back together. Delivery (turning an
event into a Slack message, at least once, in order) reads the unpublished events
later: that is the outbox, and it never runs inside the use case.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of every event. ``name`` is stable: stored rows and their readers use it."""

    name: ClassVar[str]
    occurred_at: datetime
    actor: str
    subject: str

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None:
            raise ValueError("event timestamps must be timezone-aware")

    def payload(self) -> dict[str, Any]:
        """The event's own fields as JSON-safe values (Decimal and dates as text)."""
        skip = {"occurred_at", "actor", "subject"}
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)
                if f.name not in skip}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True, kw_only=True)
class CardShared(DomainEvent):
    """A credit card was posted into a channel: confidential figures left the DM."""

    name: ClassVar[str] = "credit.card_shared"
    channel: str
    kind: str  # "customer" or "group"
