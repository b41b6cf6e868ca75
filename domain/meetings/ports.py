"""What meetings need from storage (``uow.meetings``), and the port through which the
Slack side queues invitations, tallies, reminders and notices.

Every ``add_*`` returns the record with its id (and version 1 where it has one); every
``save_*`` stores a changed record whose ``version`` is the one read and raises
``MeetingChanged`` (writing nothing) when it is no longer the stored one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from domain.meetings.agenda import Agenda
from domain.meetings.model import Meeting, Minutes, Response, Task
from domain.meetings.schedule import Conflict
from domain.ports import Outbox
from domain.refs import CustomerRef


class MeetingStore(Protocol):
    wrote: bool

    def add_meeting(self, meeting: Meeting) -> Meeting: ...

    def save_meeting(self, meeting: Meeting) -> Meeting: ...

    def get_meeting(self, meeting_id: int) -> Meeting | None: ...

    def lock_meeting(self, meeting_id: int) -> Meeting | None:
        """``get_meeting``, holding the meeting's row until the transaction ends: answers
        to one meeting queue, so each tally edit counts every answer before it."""
        ...

    def meetings_between(self, start: datetime, end: datetime) -> list[Meeting]:
        """Scheduled (not cancelled) meetings overlapping [start, end), by start."""
        ...

    def recurring_series(self, start: datetime, end: datetime) -> list[int]:
        """The series (their first occurrence's id) with an occurrence starting in
        [start, end) that still has a rule, scheduled or cancelled on its own: an
        occurrence cancelled alone does not end its series."""
        ...

    def series(self, series_id: int) -> list[Meeting]:
        """Every occurrence of a series (scheduled or cancelled), by start."""
        ...

    def set_response(self, response: Response) -> Response:
        """Replaces the person's earlier answer to the meeting, if any."""
        ...

    def responses(self, meeting_id: int) -> list[Response]:
        """The answers to the meeting, by user id."""
        ...

    def clear_responses(self, meeting_id: int, keep: Sequence[str] = ()) -> None:
        """Removes the answers to the meeting but those of ``keep`` (user ids)."""
        ...

    def lock_calendar(self) -> None:
        """Holds scheduling to one transaction at a time until this one ends, so a clash
        check sees every meeting booked before it."""
        ...

    def add_minutes(self, minutes: Minutes) -> Minutes: ...

    def minutes_of(self, meeting_id: int) -> list[Minutes]:
        """The meeting's minutes, oldest first."""
        ...

    def add_task(self, task: Task) -> Task: ...

    def save_task(self, task: Task) -> Task: ...

    def get_task(self, task_id: int) -> Task | None: ...

    def open_tasks(self, owner: str | None = None, due_by: date | None = None,
                   customer_ids: Sequence[str] | None = None) -> list[Task]:
        """Open tasks (of this owner, due on or before ``due_by``, about these
        customers), by due date then id."""
        ...

    def tasks_of(self, meeting_id: int) -> list[Task]:
        """The meeting's tasks, open or done, by id."""
        ...


class Happened(StrEnum):
    INVITED = "invited"          # a new meeting (or a recurring series' next occurrence)
    RESCHEDULED = "rescheduled"  # ``previous`` holds the old time
    CANCELLED = "cancelled"
    ANSWERED = "answered"        # ``response`` just given: the tally moves in place
    REMINDER = "reminder"        # ``lead`` before the start, with a refreshed agenda
    MINUTES = "minutes"          # ``minutes`` and the ``tasks`` they created


@dataclass(frozen=True)
class MeetingChange:
    """What happened to a meeting, with everything a notice needs: who is invited
    (``people``: department members, attendees and the organiser, by id), the
    departments' ``channels``, the agenda when one was built, and the answers so far.

    ``readers``: the invited people who may see credit data; only they get the agenda
    (and a calendar file describing it) by direct message, the others the card and a
    pointer to their department's channel (empty: nobody is sent it). ``customer_names``:
    the meeting's (and its tasks') customers by id, as the use case read them (an id
    missing here is a customer the ERP no longer has). ``later``: a series' later
    occurrences cancelled with ``meeting``: one note covers them all; ``series_ended``:
    the cancel ended the series' rule (no later occurrence is created), and ``series``
    holds every occurrence of it as it then stands (the calendar file that ends the rule
    carries the occurrences moved or cancelled before)."""

    happened: Happened
    meeting: Meeting
    actor: str
    people: tuple[str, ...]
    channels: tuple[str, ...]
    agenda: Agenda | None = None
    responses: tuple[Response, ...] = ()
    response: Response | None = None
    previous: Meeting | None = None
    lead: timedelta | None = None
    minutes: Minutes | None = None
    tasks: tuple[Task, ...] = ()
    readers: frozenset[str] = frozenset()
    customer_names: Mapping[str, CustomerRef] = field(default_factory=dict)
    later: tuple[Meeting, ...] = ()
    series_ended: bool = False
    series: tuple[Meeting, ...] = ()
    # MINUTES: the minutes recorded before these (these are then "further minutes").
    earlier_minutes: tuple[Minutes, ...] = ()
    # INVITED, a series' next occurrence made by the job: what its organiser should look
    # at, since nobody chose this time: it falls on a day off, or clashes with meetings
    # (an occurrence of the same series moved onto it, say).
    day_off: bool = False
    # The day off is a holiday (its weekday a working one).
    holiday: bool = False
    clashes: tuple[Conflict, ...] = ()


class MeetingNotices(Protocol):
    """Queues the Slack messages of a change on the unit of work's outbox (in the use
    case's transaction: a rolled-back change sends nothing)."""

    def queue(self, outbox: Outbox, change: MeetingChange) -> None: ...


class NoMeetingNotices:
    """For use-case tests and the CLI: records nothing to send."""

    def queue(self, outbox: Outbox, change: MeetingChange) -> None:
        return None
