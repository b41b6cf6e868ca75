"""The ``meetings`` job's work: reminders before each meeting, the next occurrence of
each recurring series, and the task reminders (``domain.meetings.tasks``).

**Reminders.** Each lead of ``SchedulingPolicy.reminders`` (1 day and 15 minutes by
default) owns the stretch from ``start - lead`` up to the next shorter lead's moment (the
shortest: up to the start). A run anywhere in that stretch sends that reminder if it was
not sent: late rather than never, never once the meeting started, and never a "starts in
1 day" after the "15 minutes" one. A lead longer than the notice people had of the
meeting's time, from its scheduling or its last reschedule (a meeting set up or moved 3
hours ahead has no 1-day reminder), is skipped: the invitation or the move's note has
just gone out. The agenda is rebuilt for each reminder.

**Recurring series.** Once a series' latest occurrence has started, or was moved past
the next one's slot in the rule (waiting for it to start would skip that one, which
everyone's calendar file shows), or was cancelled on its own, its next one is created
(``domain.meetings.recurrence``: from the series' rule,
``series_start`` and ``series_minutes``, and the latest's stored ``occurrence`` number,
on the organiser's wall clock) and invited like a new meeting, with an agenda built
then; one that falls on a day off is kept, and its audit entry says so; its organiser is
told of it, and of any meeting it clashes with, by direct message. A series cancelled as
a whole (its latest occurrence has no rule any more) creates nothing; an occurrence
cancelled on its own does not stop the series (series are found through recent
occurrences whatever their state).

**Once.** Each reminder and each occurrence is written in its own unit of work that
first locks the meeting it is about (a reminder) or its series' first occurrence (the
next occurrence): a second run at the same moment (another scheduler, a rerun) waits
for the first to commit, then finds the reminder queued (the outbox dedup keys,
``reminder_key``) or the occurrence added, and writes nothing. The keys are also looked
for before any lock is taken or agenda built.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.meetings.agenda import build_agenda
from domain.meetings.events import MeetingScheduled
from domain.meetings.model import Meeting, MeetingState, Recurrence
from domain.meetings.ports import Happened, MeetingChange
from domain.meetings.recurrence import Occurrence, next_after, occurrence
from domain.meetings.responses import carry_accepted, reminded
from domain.meetings.tasks import Tasks
from domain.meetings.use_cases import Meetings, customer_names
from domain.model import SYSTEM, AuditEntry
from domain.ports import UnitOfWork
from domain.working_time import WEEKDAYS

log = logging.getLogger("creditbot.meetings")

# How far back a run looks for the recurring series it keeps going (through any of their
# occurrences, cancelled ones included): a month (the longest period) twice, so that a
# monthly series nobody ran the job for over a month is still found.
LOOKBACK = timedelta(days=62)


def last_working_day(today: date, days: frozenset[int],
                     holidays: frozenset[date] = frozenset()) -> date:
    """The working day before ``today``, holidays skipped (a week before, if ``days``
    holds only today's; a month before at most, through a long holiday)."""
    for back in range(1, 32):
        day = today - timedelta(days=back)
        if day.weekday() in days and day not in holidays:
            return day
    return today - timedelta(days=7)


def reminder_key(meeting: Meeting, lead: timedelta, destination: str) -> str:
    """The outbox dedup key of a reminder: per occurrence, its start (a rescheduled
    meeting is reminded of its new time), the lead, and where it goes."""
    minutes = int(lead.total_seconds() // 60)
    return f"meetings.reminder:{meeting.id}:{int(meeting.starts_at.timestamp())}:{minutes}:" \
           f"{destination}"


def due_lead(meeting: Meeting, leads: tuple[timedelta, ...], now: datetime
             ) -> timedelta | None:
    """The lead whose reminder is due for ``meeting`` at ``now``, if any (see the module's
    docstring)."""
    if meeting.state is not MeetingState.SCHEDULED or now >= meeting.starts_at:
        return None
    ordered = sorted(set(leads), reverse=True)
    for index, lead in enumerate(ordered):
        moment = meeting.starts_at - lead
        until = meeting.starts_at - ordered[index + 1] if index + 1 < len(ordered) \
            else meeting.starts_at
        if moment <= now < until:
            # The notice people had of this time: from its last move, else its creation.
            noticed = meeting.rescheduled_at or meeting.created_at
            if noticed is not None and moment < noticed:
                return None
            return lead
    return None


@dataclass
class MeetingsJob:
    """The job, bound to the scheduling capability (its unit of work, invitees, clock,
    reminder leads, agenda context and notices) and to the tasks'."""

    meetings: Meetings
    tasks: Tasks | None = None

    @property
    def _uow(self) -> Callable[[], UnitOfWork]:
        return self.meetings.unit_of_work

    def run(self) -> dict[str, int]:
        """Every part once; returns what each did."""
        now = self.meetings.clock()
        counts = {"reminders": self.remind(now), "occurrences": self.recur(now),
                  "task_reminders": 0, "overdue_digests": 0}
        tasks = self.tasks
        # Task reminders wait for the working day (they are keyed per day, so the runs
        # after that one send nothing new): a due-today note at 00:05 helps nobody, nor
        # an overdue digest on a Saturday (Monday's has the same tasks).
        policy = self.meetings.policy
        local = now.astimezone(tasks.zone) if tasks is not None else now
        if tasks is not None and policy.is_working_day(local.date()) \
                and local.time() >= policy.hours.start:
            counts["task_reminders"] = tasks.due_reminders(
                now, last_working_day(local.date(), policy.hours.days, policy.holidays))
            counts["overdue_digests"] = tasks.overdue_for_organisers(now)
        return counts

    # -- reminders --------------------------------------------------------------------

    def remind(self, now: datetime) -> int:
        """Queues each reminder due at ``now``; returns how many meetings were reminded."""
        leads = self.meetings.policy.reminders
        if not leads:
            return 0
        with self._uow() as uow:
            # The end is exclusive; a meeting exactly the longest lead away is due.
            upcoming = uow.meetings.meetings_between(now, now + max(leads)
                                                     + timedelta(minutes=1))
            # Looked for here first, so that a run every few minutes takes no write lock
            # for a reminder sent earlier in its stretch.
            due = [(meeting.id, lead) for meeting in upcoming
                   if (lead := due_lead(meeting, leads, now)) is not None
                   and uow.outbox.id_of(reminder_key(meeting, lead, meeting.organiser))
                   is None]
        return sum(1 for meeting_id, lead in due if self._remind(meeting_id, lead, now))

    def _remind(self, meeting_id: int, lead: timedelta, now: datetime) -> bool:
        meetings = self.meetings
        with self._uow() as uow:
            uow.begin_write()
            # Read again under the meeting's lock: it may have moved or been cancelled
            # since, or another run may have just reminded it (its rows are committed by
            # the time the lock is ours).
            meeting = uow.meetings.lock_meeting(meeting_id)
            if meeting is None or due_lead(meeting, meetings.policy.reminders, now) != lead \
                    or uow.outbox.id_of(reminder_key(meeting, lead, meeting.organiser)) \
                    is not None:
                return False
            people = reminded(meetings.invitees.people(meeting),
                              uow.meetings.responses(meeting.id), meeting.organiser)
            meetings.notices.queue(uow.outbox, MeetingChange(
                Happened.REMINDER, meeting, SYSTEM, people,
                meetings.channels(meeting),
                agenda=build_agenda(uow, meeting, meetings.positions, now, meetings.zone),
                responses=tuple(uow.meetings.responses(meeting.id)), lead=lead,
                readers=meetings.readers(people),
                customer_names=customer_names(uow, meeting.customers)))
            uow.audit.append(AuditEntry(now, SYSTEM, "meeting.reminded",
                                        f"meeting:{meeting.id}", {
                                            "title": meeting.title,
                                            "starts_at": meeting.starts_at.isoformat(),
                                            "lead_minutes": int(lead.total_seconds() // 60)}))
            uow.commit()
        return True

    # -- recurring series -------------------------------------------------------------

    def recur(self, now: datetime) -> int:
        """Creates the next occurrence of each series whose latest one has started (or
        was moved past the next one's slot); returns how many were created."""
        with self._uow() as uow:
            # Whatever their state: a series whose recent occurrences were all cancelled
            # on their own goes on (only a cancel of the series ends its rule).
            # Ahead too: a latest occurrence cancelled on its own before its day.
            series = uow.meetings.recurring_series(now - LOOKBACK, now + LOOKBACK)
            # Only the series whose latest occurrence has started (or was cancelled on
            # its own) take the write lock.
            ready = [s for s in series if self._ready(uow.meetings.series(s), now)]
        return sum(1 for series_id in ready if self._next(series_id, now) is not None)

    @staticmethod
    def _latest(occurrences: list[Meeting]) -> Meeting:
        # By number, not start: an occurrence moved past a later one's date is not the
        # latest (its successor's number exists already).
        return max(occurrences, key=lambda m: (m.occurrence, m.starts_at))

    def _ready(self, occurrences: list[Meeting], now: datetime) -> bool:
        if not occurrences:
            return False
        latest = self._latest(occurrences)
        # A cancel of the series ends the rule from one occurrence on by time: the last by
        # time has no rule then, whatever the numbers. The latest cancelled on its own is
        # followed at once: until its day the series was in nobody's list, and its
        # organiser had no Cancel the series to press.
        return latest.recurrence is not Recurrence.NONE \
            and occurrences[-1].recurrence is not Recurrence.NONE \
            and (latest.starts_at <= now or latest.state is MeetingState.CANCELLED
                 or self._next_slot(occurrences, latest) < latest.starts_at)

    @staticmethod
    def _next_slot(occurrences: list[Meeting], latest: Meeting) -> datetime:
        """When the series' rule puts the occurrence after ``latest``. One moved past that
        is followed at once: waiting for it to start skipped the next one as missed,
        which everyone's calendar file (from the rule) still showed."""
        first = next((m for m in occurrences if m.id == latest.series), occurrences[0])
        return _numbered(first, latest.recurrence, latest.occurrence + 1).starts_at

    def _next(self, series_id: int, now: datetime) -> Meeting | None:
        meetings = self.meetings
        with self._uow() as uow:
            uow.begin_write()
            # The series' first occurrence, locked: runs at once queue here, and the later
            # ones read the occurrence the first added, so nothing is added twice.
            if uow.meetings.lock_meeting(series_id) is None:
                return None
            occurrences = uow.meetings.series(series_id)
            if not self._ready(occurrences, now):
                return None
            first = next((m for m in occurrences if m.id == series_id), occurrences[0])
            latest = self._latest(occurrences)
            # Counted from the series' rule and the latest's stored number, not from where
            # anyone moved an occurrence to.
            found = next_after(first.series_start or first.starts_at, first.zone,
                               latest.recurrence, latest.occurrence, now)
            # Not onto a slot an occurrence was moved to ("skip a week"): that meeting is
            # the series' at that time already; the one after it is next.
            taken = {m.starts_at for m in occurrences if m.state is MeetingState.SCHEDULED}
            while found.starts_at in taken:
                found = _numbered(first, latest.recurrence, found.number + 1)
            new = uow.meetings.add_meeting(self._occurrence(first, latest, found, now))
            working_day = self._record(uow, new, found, now)
            people = meetings.invitees.people(new)
            carried = carry_accepted(uow.meetings, occurrences, new, people)
            meetings.notices.queue(uow.outbox, MeetingChange(
                Happened.INVITED, new, SYSTEM, people, meetings.channels(new),
                responses=carried,
                agenda=build_agenda(uow, new, meetings.positions, now, meetings.zone),
                readers=meetings.readers(people),
                customer_names=customer_names(uow, new.customers),
                # Kept, as the rule says, but its organiser is told what to look at.
                day_off=not working_day,
                holiday=new.starts_at.astimezone(ZoneInfo(new.zone)).date()
                in meetings.policy.holidays,
                clashes=tuple(meetings.conflicts(uow, new, ignore=(new.id,)))))
            uow.commit()
        if found.shifted:
            log.warning("meeting %s: the series' local time does not exist on %s in %s (the "
                        "clocks move forward); it starts at %s UTC instead", new.id,
                        new.starts_at.date(), new.zone, new.starts_at.isoformat())
        return new

    @staticmethod
    def _occurrence(first: Meeting, latest: Meeting, found: Occurrence,
                    now: datetime) -> Meeting:
        # The series' definition is its first occurrence's, with the rule's own start and
        # duration (a moved occurrence moves only itself); the rule is the latest's, which
        # a cancel of the series would have ended.
        return dataclasses.replace(
            first, starts_at=found.starts_at, minutes=first.series_minutes or first.minutes,
            recurrence=latest.recurrence, state=MeetingState.SCHEDULED, series_id=first.id,
            created_at=now, cancelled_at=None, cancelled_by=None, id=0, version=0,
            occurrence=found.number, rescheduled_at=None)

    def _record(self, uow: UnitOfWork, new: Meeting, found: Occurrence,
                now: datetime) -> bool:
        """Audits the new occurrence; whether it falls on a working day."""
        subject = f"meeting:{new.id}"
        local = new.starts_at.astimezone(ZoneInfo(new.zone))
        # Kept on a day off (a monthly series on the 31st meets on a Sunday some months):
        # the organiser may move it; the audit says so.
        working_day = self.meetings.policy.is_working_day(local.date())
        uow.audit.append(AuditEntry(now, SYSTEM, "meeting.scheduled", subject, {
            "title": new.title, "kind": new.kind.value,
            "starts_at": new.starts_at.isoformat(), "minutes": new.minutes,
            "zone": new.zone, "series": new.series, "occurrence": found.number,
            "recurrence": new.recurrence.value,
            # The series' local time did not exist that day: the start moved forward.
            "shifted": found.shifted,
            "working_day": working_day, "weekday": WEEKDAYS[local.weekday()]}))
        if not working_day:
            log.warning("meeting %s: the series' next occurrence falls on a day off (%s); "
                        "kept", new.id, local.date())
        uow.events.record(MeetingScheduled(
            occurred_at=now, actor=SYSTEM, subject=subject, meeting_id=new.id,
            starts_at=new.starts_at.isoformat(), minutes=new.minutes))
        return working_day


def _numbered(first: Meeting, recurrence: Recurrence, number: int) -> Occurrence:
    """The series' ``number``-th occurrence by its rule (its first occurrence's anchor,
    wherever that one was moved)."""
    return occurrence(first.series_start or first.starts_at, first.zone, recurrence, number)
