"""The meetings records: a cross-department ``Meeting`` (one occurrence; a recurring
meeting is a series of them), each invitee's ``Response``, the ``Minutes`` recorded
after it, and the ``Task`` (action item) that comes out of it. creditbot's own records,
with a version where people change them concurrently (optimistic locking)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.errors import TryAgain
from domain.text import N_


class MeetingChanged(TryAgain):
    """The meeting or task was changed by someone else since it was read: nothing was
    written."""

    def __init__(self, what: str) -> None:
        super().__init__(N_("Someone else changed this meeting just now; try again."))
        self.what = what


class MeetingKind(StrEnum):
    CREDIT_COMMITTEE = "credit_committee"
    COLLECTION_REVIEW = "collection_review"
    CUSTOMER_REVIEW = "customer_review"
    OTHER = "other"


class Recurrence(StrEnum):
    NONE = "none"
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"  # every two weeks
    MONTHLY = "monthly"    # the same day of the month (the month's last when shorter)


class MeetingState(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Meeting:
    """One occurrence. ``starts_at`` is aware (stored in UTC); ``zone`` is the IANA zone
    the organiser entered it in (the ``.ics`` file's TZID, the recurrence's wall clock).
    ``departments`` are app.yaml department keys; their channels and members are
    invited, with ``attendees`` (Slack user ids) and the organiser. ``series_id`` is the
    id of a recurring series' first occurrence (``None`` for a one-off, and for the
    first occurrence itself)."""

    kind: MeetingKind
    title: str
    organiser: str
    starts_at: datetime
    minutes: int  # duration
    zone: str
    departments: tuple[str, ...] = ()
    attendees: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    recurrence: Recurrence = Recurrence.NONE
    state: MeetingState = MeetingState.SCHEDULED
    series_id: int | None = None
    created_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None
    id: int = 0
    version: int = 0
    # The series' rule, apart from any one occurrence (moving the first one moves only
    # it): the anchor every occurrence is counted from (aware; on ``zone``'s wall clock)
    # and the duration new occurrences take. Filled from the meeting itself when absent.
    series_start: datetime | None = None
    series_minutes: int | None = None
    occurrence: int = 0  # its number in the series (0: the first)
    # When it was last moved (None: never): a reminder's lead is held to the notice the
    # people had of its time, from then or from ``created_at``.
    rescheduled_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.series_start is None:
            object.__setattr__(self, "series_start", self.starts_at)
        if self.series_minutes is None:
            object.__setattr__(self, "series_minutes", self.minutes)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)

    @property
    def series(self) -> int:
        """The id every occurrence of this meeting's series shares."""
        return self.series_id or self.id

    @property
    def repeats(self) -> bool:
        """One of a series: it repeats, or an earlier meeting did and it is one of them."""
        return self.recurrence is not Recurrence.NONE or self.series_id is not None


class Answer(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    PROPOSED = "proposed"  # proposed another time (``proposed_at``)


@dataclass(frozen=True)
class Response:
    """A person's latest answer to an invitation (one per meeting and person)."""

    meeting_id: int
    user_id: str
    answer: Answer
    at: datetime
    proposed_at: datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class Minutes:
    """What was decided, as recorded after the meeting (several records may follow one
    meeting; each is posted in its thread and kept)."""

    meeting_id: int
    decisions: str
    recorded_by: str
    recorded_at: datetime
    id: int = 0


class TaskState(StrEnum):
    OPEN = "open"
    DONE = "done"


@dataclass(frozen=True)
class Task:
    """An action item: what, who, by when, and optionally about which customer. From a
    meeting's minutes (``meeting_id``) or on its own."""

    what: str
    owner: str
    due_on: date
    created_by: str
    created_at: datetime
    meeting_id: int | None = None
    customer_id: str | None = None
    state: TaskState = TaskState.OPEN
    done_at: datetime | None = None
    done_by: str | None = None
    id: int = 0
    version: int = 0
