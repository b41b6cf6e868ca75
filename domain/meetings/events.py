"""Domain events of meetings (see ``domain.events``); the subject is ``meeting:<id>``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class MeetingScheduled(DomainEvent):
    name: ClassVar[str] = "meeting.scheduled"
    meeting_id: int
    starts_at: str  # ISO 8601, UTC
    minutes: int


@dataclass(frozen=True, kw_only=True)
class MeetingRescheduled(DomainEvent):
    name: ClassVar[str] = "meeting.rescheduled"
    meeting_id: int
    starts_at: str
    minutes: int
    previous_starts_at: str


@dataclass(frozen=True, kw_only=True)
class MeetingCancelled(DomainEvent):
    name: ClassVar[str] = "meeting.cancelled"
    meeting_id: int
    series: bool
