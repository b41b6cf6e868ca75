"""Domain events of collections (see ``domain.events``); the subject is the customer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class CollectorAssigned(DomainEvent):
    """A collector made responsible for an account; ``previous`` on a reassignment;
    ``by_rules`` when the alerts job assigned it."""

    name: ClassVar[str] = "collections.assigned"
    assignment_id: int
    collector: str
    previous: str | None = None
    by_rules: bool = False


@dataclass(frozen=True, kw_only=True)
class AssignmentClosed(DomainEvent):
    name: ClassVar[str] = "collections.closed"
    assignment_id: int
    collector: str
