"""Use cases of scheduling (``Meetings``): schedule, reschedule, cancel and the list of
upcoming meetings. Each opens its own unit of work, checks who may act, writes its audit
entry and event, queues its notices through ``MeetingNotices`` and commits: a form, a
button or the CLI cannot skip a step, and a refusal changes nothing.

Who may organise: whoever may see credit data (``access.credit_data``), since the agenda
is built from it. Extra attendees must be cleared for credit data too, and a department
is invited only if its channel is open to credit data (``share_channels``): the
invitation carries the agenda. Who may reschedule or cancel: the organiser or a credit
manager. A reschedule moves one occurrence (a series keeps its rule and its other
occurrences); a cancel ends one occurrence or the series (this occurrence and every
later one, whose recurrence becomes ``none`` so the meetings job creates no more; one
notice covers them all). Both read the meeting under its lock (``lock_meeting``), as
answers do, so their card edits count every answer committed before them."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from domain.access import CreditDataAccess, Member
from domain.access_audit import require_on_record
from domain.errors import CustomerLookupError, DomainError
from domain.lookup import resolve_customer
from domain.meetings.agenda import build_agenda
from domain.meetings.events import MeetingCancelled, MeetingRescheduled, MeetingScheduled
from domain.meetings.model import (
    Answer,
    Meeting,
    MeetingChanged,
    MeetingKind,
    MeetingState,
    Recurrence,
    Response,
)
from domain.meetings.people import Invitees
from domain.meetings.ports import Happened, MeetingChange, MeetingNotices, NoMeetingNotices
from domain.meetings.schedule import (
    ATTENDEES,
    CUSTOMERS,
    DEPARTMENTS,
    TIME,
    TITLE,
    Conflict,
    FieldProblem,
    MeetingRefused,
    SchedulingPolicy,
    Span,
    check_slot,
    conflicts,
)
from domain.model import AuditEntry
from domain.people import is_user_id
from domain.ports import UnitOfWork
from domain.positions import CreditPolicyContext
from domain.refs import CustomerRef
from domain.retry import retried
from domain.text import N_, CommandName, Listed, Phrase

MAX_TITLE = 150
MAX_CUSTOMERS = 10
CREDIT_MANAGER = "credit_manager"
# How far ahead /credit meetings looks.
UPCOMING_DAYS = 60
_SEPARATORS = re.compile(r"[,;，；、\n]+")


class MeetingNotFound(DomainError):
    def __init__(self, meeting_id: int) -> None:
        # The number as the lists write it (#12), never grouped like an amount (2,147).
        super().__init__(N_("There is no meeting #{number}; {meetings} lists the upcoming "
                            "ones."), number=str(meeting_id), meetings=CommandName("meetings"))


class NotYours(DomainError):
    """Someone other than the organiser or a credit manager tried to change a meeting."""

    def __init__(self, organiser: str) -> None:
        super().__init__(N_("Only the organiser (<@{organiser}>) or a credit manager can "
                            "change this meeting."), organiser=organiser)


class AlreadySubmitted(DomainError):
    """The same form was sent again (a double click, a retry): done once."""

    def __init__(self) -> None:
        super().__init__(N_("This form was already sent; it was done once."))


class Scope(StrEnum):
    THIS = "this"      # this occurrence
    SERIES = "series"  # this occurrence and every later one of its series


@dataclass(frozen=True)
class Draft:
    """A meeting as the form (or the CLI) gives it: the day and time on the organiser's
    wall clock in ``zone``; ``customers`` as typed (ids or names, separated by commas,
    semicolons or new lines); ``despite_conflicts`` schedules it even when invitees
    have another meeting then."""

    kind: MeetingKind
    title: str
    day: date | None
    at: time | None
    minutes: int | None
    zone: str
    departments: tuple[str, ...] = ()
    attendees: tuple[str, ...] = ()
    customers: str = ""
    recurrence: Recurrence = Recurrence.NONE
    despite_conflicts: bool = False


@dataclass(frozen=True)
class Move:
    """A new time for a meeting (the reschedule form)."""

    day: date | None
    at: time | None
    minutes: int | None
    zone: str
    despite_conflicts: bool = False
    # The meeting's version the form showed: moved or changed since, the form's time
    # would undo that change unseen.
    seen: int | None = None


def conflict_problem(found: list[Conflict], zone: str) -> FieldProblem:
    """The time field's message naming the first clashing meeting and who is in both."""
    first = found[0]
    people = Listed(f"<@{p}>" for p in first.people)
    others = len(found) - 1
    if others:
        return FieldProblem(TIME, N_("Clashes with “{title}” ({start}) for {people}, and "
                                     "with other meetings ({others}). Pick another time, or "
                                     "tick “Schedule even if it conflicts”."),
                            title=first.meeting.title, start=_wall(first.meeting, zone),
                            people=people, others=others)
    return FieldProblem(TIME, N_("Clashes with “{title}” ({start}) for {people}. Pick "
                                 "another time, or tick “Schedule even if it conflicts”."),
                        title=first.meeting.title, start=_wall(first.meeting, zone),
                        people=people)


def customer_names(uow: UnitOfWork, customer_ids: Iterable[str | None]
                   ) -> dict[str, CustomerRef]:
    """The customers by id with their names (the local-script one too, a Chinese
    reader's), for notices to show ``Name (C0001)``; a customer the ERP no longer has is
    left out (shown by id)."""
    wanted = list(dict.fromkeys(c for c in customer_ids if c))
    if not wanted:
        return {}
    return {c.customer_id: CustomerRef(c.customer_id, c.name, c.name_local)
            for c in uow.customers.fetch(wanted)}


def _wall(meeting: Meeting, zone: str) -> Span:
    return Span(meeting, zone)


@dataclass
class Meetings:
    """The scheduling capability, bound to its unit of work, people and rules."""

    unit_of_work: Callable[[], UnitOfWork]
    access: CreditDataAccess
    invitees: Invitees
    member: Callable[[str], Member]
    clock: Callable[[], datetime]
    policy: SchedulingPolicy
    positions: CreditPolicyContext
    notices: MeetingNotices = field(default_factory=NoMeetingNotices)
    # The organisation's: the agendas' day (``build_agenda``).
    zone: tzinfo = field(kw_only=True)

    # -- scheduling ---------------------------------------------------------------

    def schedule(self, actor: Member, draft: Draft, submission: str | None = None
                 ) -> Meeting:
        """Schedules the meeting and queues its invitation (with the agenda).

        Refused with ``MeetingRefused`` listing every problem by field: no title, no
        one invited, a department unknown or whose channel is closed to credit data, an
        attendee who may not see credit data, customers unknown or unclear (a customer
        review needs exactly one), a time that does not exist, has passed or is outside
        the working hours, a duration out of bounds, and (unless ``despite_conflicts``)
        a clash with another meeting of the same people. Audited
        ``meeting.scheduled``.

        ``submission``: the form's key (its view id): the same form sent twice schedules
        once (``AlreadySubmitted``); a form refused beside a field can be corrected and
        sent again (the claim rolls back with the refusal)."""
        self._require(actor, "meeting.schedule_refused", draft.title[:200])
        return retried(lambda: self._schedule(actor, draft, submission), MeetingChanged)

    def _schedule(self, actor: Member, draft: Draft, submission: str | None) -> Meeting:
        now = self.clock()
        with self.unit_of_work() as uow:
            uow.begin_write()
            self._hold_calendar(uow, submission, now)
            problems = self._people_problems(draft)
            title = " ".join(draft.title.split())
            if not title:
                problems.append(FieldProblem(TITLE, N_("Give the meeting a title, e.g. "
                                                       "“Credit committee, December”.")))
            elif len(title) > MAX_TITLE:
                problems.append(FieldProblem(TITLE, N_("Keep the title under {limit} "
                                                       "characters."), limit=MAX_TITLE))
            customers = self._customers(uow, draft, problems)
            start, slot_problems = check_slot(draft.day, draft.at, draft.minutes, draft.zone,
                                              now, self.policy)
            problems += slot_problems
            meeting = Meeting(draft.kind, title, actor.user_id,
                              start or now, draft.minutes or self.policy.default_minutes,
                              draft.zone, tuple(dict.fromkeys(draft.departments)),
                              tuple(a for a in dict.fromkeys(draft.attendees)
                                    if a != actor.user_id),
                              customers, draft.recurrence, created_at=now)
            clashes: list[Conflict] = []
            if start is not None:
                clashes = self.conflicts(uow, meeting)
                if clashes and not draft.despite_conflicts:
                    problems.append(conflict_problem(clashes, draft.zone))
            if problems:
                raise MeetingRefused(problems)
            meeting = uow.meetings.add_meeting(meeting)
            subject = f"meeting:{meeting.id}"
            uow.audit.append(AuditEntry(now, actor.user_id, "meeting.scheduled", subject, {
                "title": meeting.title, "kind": meeting.kind.value,
                "starts_at": meeting.starts_at.isoformat(), "minutes": meeting.minutes,
                "zone": meeting.zone, "departments": list(meeting.departments),
                "attendees": list(meeting.attendees), "customers": list(meeting.customers),
                "recurrence": meeting.recurrence.value,
                "conflicts": [c.meeting.id for c in clashes]}))
            uow.events.record(MeetingScheduled(
                occurred_at=now, actor=actor.user_id, subject=subject,
                meeting_id=meeting.id, starts_at=meeting.starts_at.isoformat(),
                minutes=meeting.minutes))
            self.notices.queue(uow.outbox, self._change(
                uow, Happened.INVITED, meeting, actor.user_id, now))
            uow.commit()
        return meeting

    def _hold_calendar(self, uow: UnitOfWork, submission: str | None, now: datetime
                       ) -> None:
        """Scheduling one at a time: the clash check reads the calendar without a lock,
        so two organisers booking the same people at the same instant would both find
        it free. Then the form's claim: a second identical submission waits for the
        first and finds it claimed. In a write transaction (SQLite's lock)."""
        uow.meetings.lock_calendar()
        if submission is not None and not uow.collections.claim_submission(submission, now):
            raise AlreadySubmitted()

    def _people_problems(self, draft: Draft) -> list[FieldProblem]:
        problems: list[FieldProblem] = []
        unknown = self.invitees.unknown(draft.departments)
        if unknown:
            known = Listed(self.invitees.departments) or Phrase(N_("none"))
            problems.append(FieldProblem(DEPARTMENTS, N_("{departments} is not a department "
                                                         "of app.yaml; pick from {known}."),
                                         departments=Listed(unknown), known=known))
        closed = [self.invitees.name_of(key) for key in draft.departments
                  if key in self.invitees.departments
                  and self.invitees.departments[key].channel not in self.access.share_channels]
        if closed:
            problems.append(FieldProblem(
                DEPARTMENTS, N_("The channel of {departments} is not open to credit data "
                                "(access.credit_data.share_channels), so the agenda cannot "
                                "go there; invite those of its people who may see credit "
                                "data as attendees instead."),
                departments=Listed(closed)))
        strangers = [a for a in draft.attendees
                     if not is_user_id(a) or not self.access.allows(self.member(a))]
        if strangers:
            problems.append(FieldProblem(
                ATTENDEES, N_("{people} may not see credit data, so cannot be sent the "
                              "agenda (who may is app.yaml's access.credit_data); invite "
                              "someone who may."),
                people=Listed(f"<@{a}>" for a in strangers)))
        if not draft.departments and not draft.attendees:
            problems.append(FieldProblem(DEPARTMENTS, N_("Invite at least one department "
                                                         "or attendee.")))
        return problems

    def _customers(self, uow: UnitOfWork, draft: Draft,
                   problems: list[FieldProblem]) -> tuple[str, ...]:
        typed = [t.strip() for t in _SEPARATORS.split(draft.customers or "") if t.strip()]
        if len(typed) > MAX_CUSTOMERS:
            problems.append(FieldProblem(CUSTOMERS, N_("Name at most {limit} customers; "
                                                       "hold another meeting for the "
                                                       "rest."), limit=MAX_CUSTOMERS))
            return ()
        found: list[str] = []
        unclear_ones = 0
        for query in typed:
            try:
                found.append(resolve_customer(query, uow.customers).customer_id)
            except CustomerLookupError as unclear:
                # Each customer not found is said, not only the first: one round to put
                # them all right.
                problems.append(FieldProblem(CUSTOMERS, unclear.template, **unclear.params))
                unclear_ones += 1
        if unclear_ones:
            return ()
        found = list(dict.fromkeys(found))
        if draft.kind is MeetingKind.CUSTOMER_REVIEW and len(found) != 1:
            problems.append(FieldProblem(CUSTOMERS, N_("A customer review is about exactly "
                                                       "one customer: name it by id or "
                                                       "name, e.g. C1042 or Acme.")))
        return tuple(found)

    def conflicts(self, uow: UnitOfWork, meeting: Meeting,
                  ignore: tuple[int, ...] = ()) -> list[Conflict]:
        """The scheduled meetings overlapping ``meeting`` for someone invited to it."""
        others = uow.meetings.meetings_between(meeting.starts_at, meeting.ends_at)
        return conflicts(meeting.starts_at, meeting.minutes, self.invitees.people(meeting),
                         others, self.invitees.people, ignore)

    def _change(self, uow: UnitOfWork, happened: Happened, meeting: Meeting, actor: str,
                now: datetime, previous: Meeting | None = None,
                later: tuple[Meeting, ...] = (), series_ended: bool = False
                ) -> MeetingChange:
        agenda = None
        if happened in (Happened.INVITED, Happened.RESCHEDULED):
            agenda = build_agenda(uow, meeting, self.positions, now, self.zone)
        people = self.invitees.people(meeting)
        return MeetingChange(happened, meeting, actor, people,
                             self.channels(meeting), agenda=agenda,
                             responses=tuple(uow.meetings.responses(meeting.id)),
                             previous=previous, readers=self.readers(people),
                             customer_names=customer_names(uow, meeting.customers),
                             later=later, series_ended=series_ended)

    def channels(self, meeting: Meeting) -> tuple[str, ...]:
        """The invited departments' channels still open to credit data: app.yaml may
        have closed one (``share_channels``) since the meeting was scheduled, and the
        invitation, reminders and agenda carry credit data. Its people are still told
        by direct message."""
        return tuple(c for c in self.invitees.channels(meeting)
                     if c in self.access.share_channels)

    def readers(self, people: Sequence[str]) -> frozenset[str]:
        """Those of ``people`` who may see credit data: a department's member may not
        (access.credit_data by roles), and the agenda is credit data."""
        return frozenset(p for p in people if self.access.allows(self.member(p)))

    # -- changing -----------------------------------------------------------------

    def reschedule(self, actor: Member, meeting_id: int, move: Move,
                   submission: str | None = None) -> Meeting:
        """Moves one occurrence to a new time, checked like a new meeting's; everyone
        invited is told and asked to answer again: every answer but the organiser's is
        cleared (an acceptance of the old time is not one of the new). Audited
        ``meeting.rescheduled``. ``submission``: as for ``schedule``."""
        self._require(actor, "meeting.reschedule_refused", f"meeting:{meeting_id}")
        return retried(lambda: self._reschedule(actor, meeting_id, move, submission),
                       MeetingChanged)

    def _reschedule(self, actor: Member, meeting_id: int, move: Move,
                    submission: str | None) -> Meeting:
        now = self.clock()
        with self.unit_of_work() as uow:
            old = self._changeable(uow, actor, meeting_id)
            self._hold_calendar(uow, submission, now)
            if move.seen is not None and old.version != move.seen:
                raise MeetingRefused([FieldProblem(TIME, N_(
                    "Someone changed this meeting since this form opened (it is now "
                    "{when}): close the form, and press Reschedule again in `{command}` to "
                    "move it from its time now."), when=_wall(old, move.zone),
                    command=CommandName("meetings"))])
            start, problems = check_slot(move.day, move.at, move.minutes, move.zone, now,
                                         self.policy)
            moved = dataclasses.replace(old, starts_at=start or old.starts_at,
                                        minutes=move.minutes or old.minutes,
                                        rescheduled_at=now)
            if start == old.starts_at and moved.minutes == old.minutes:
                # The form submitted as it opened: moving it "to" its own time cleared
                # everyone's answers and told them all it had moved.
                problems.append(FieldProblem(TIME, N_(
                    "That is the meeting's time already: pick another day, time or length, "
                    "or press Cancel to leave it as it is.")))
            elif start is not None:
                clashes = self.conflicts(uow, moved, ignore=(old.id,))
                if clashes and not move.despite_conflicts:
                    problems.append(conflict_problem(clashes, move.zone))
            if problems:
                raise MeetingRefused(problems)
            moved = uow.meetings.save_meeting(moved)
            # An answer was to the old time; the organiser's stands, since they hold
            # the meeting whoever moved it. Only its length changed: the time people
            # answered for is the same, and their answers stand.
            if moved.starts_at != old.starts_at:
                # Who proposed the very time it moved to accepts it: they were asked to
                # answer again for the time they had asked for.
                proposers = [r.user_id for r in uow.meetings.responses(moved.id)
                             if r.answer is Answer.PROPOSED
                             and r.proposed_at == moved.starts_at
                             and r.user_id != moved.organiser]
                # Nor whoever moved it (a credit manager, say): no note asks them again.
                uow.meetings.clear_responses(moved.id, keep=(moved.organiser, actor.user_id))
                for proposer in proposers:
                    # The time they proposed stays on it: their note says it was taken.
                    uow.meetings.set_response(Response(moved.id, proposer, Answer.ACCEPTED,
                                                       now, proposed_at=moved.starts_at))
            subject = f"meeting:{moved.id}"
            uow.audit.append(AuditEntry(now, actor.user_id, "meeting.rescheduled", subject, {
                "title": moved.title, "starts_at": moved.starts_at.isoformat(),
                "minutes": moved.minutes, "zone": move.zone,
                "previous_starts_at": old.starts_at.isoformat(),
                "previous_minutes": old.minutes}))
            uow.events.record(MeetingRescheduled(
                occurred_at=now, actor=actor.user_id, subject=subject, meeting_id=moved.id,
                starts_at=moved.starts_at.isoformat(), minutes=moved.minutes,
                previous_starts_at=old.starts_at.isoformat()))
            self.notices.queue(uow.outbox, self._change(
                uow, Happened.RESCHEDULED, moved, actor.user_id, now, previous=old))
            uow.commit()
        return moved

    def cancel(self, actor: Member, meeting_id: int, scope: Scope = Scope.THIS
               ) -> list[Meeting]:
        """Cancels the occurrence (``THIS``) or it and every later scheduled occurrence
        of its series (``SERIES``, which also ends the rule); everyone invited is told
        of each. Audited ``meeting.cancelled``. Returns the occurrences cancelled."""
        self._require(actor, "meeting.cancel_refused", f"meeting:{meeting_id}")
        return retried(lambda: self._cancel(actor, meeting_id, scope), MeetingChanged)

    def _cancel(self, actor: Member, meeting_id: int, scope: Scope) -> list[Meeting]:
        now = self.clock()
        with self.unit_of_work() as uow:
            meeting = self._changeable(uow, actor, meeting_id, series=scope is Scope.SERIES)
            targets = [meeting]
            if scope is Scope.SERIES:
                # Later in the series, wherever each was moved to: the calendar file ends
                # the rule at this one's place, and an occurrence after it in the series
                # moved before it in time stayed in creditbot, gone from calendars.
                targets += [m for m in uow.meetings.series(meeting.series)
                            if (m.occurrence, m.starts_at)
                            > (meeting.occurrence, meeting.starts_at)
                            and m.id != meeting.id and m.state is MeetingState.SCHEDULED]
            done: list[Meeting] = []
            for target in targets:
                cancelled = uow.meetings.save_meeting(dataclasses.replace(
                    target, state=MeetingState.CANCELLED, cancelled_at=now,
                    cancelled_by=actor.user_id,
                    recurrence=Recurrence.NONE if scope is Scope.SERIES
                    else target.recurrence))
                subject = f"meeting:{cancelled.id}"
                uow.audit.append(AuditEntry(now, actor.user_id, "meeting.cancelled", subject, {
                    "title": cancelled.title, "starts_at": cancelled.starts_at.isoformat(),
                    "scope": scope.value}))
                uow.events.record(MeetingCancelled(
                    occurred_at=now, actor=actor.user_id, subject=subject,
                    meeting_id=cancelled.id, series=scope is Scope.SERIES))
                done.append(cancelled)
            # One change for the whole series: each card is edited, but each person and
            # channel hears of it once ("… and every later occurrence").
            ended = scope is Scope.SERIES
            self.notices.queue(uow.outbox, dataclasses.replace(self._change(
                uow, Happened.CANCELLED, done[0], actor.user_id, now, previous=meeting,
                later=tuple(done[1:]), series_ended=ended),
                series=tuple(uow.meetings.series(meeting.series)) if ended else ()))
            uow.commit()
        return done

    def _changeable(self, uow: UnitOfWork, actor: Member, meeting_id: int,
                    series: bool = False) -> Meeting:
        """``series``: the series' first occurrence is locked first, as the meetings job
        locks it to add the next occurrence: a series cancelled while the job added one
        left that one (and every one after it) scheduled (PostgreSQL's row locks)."""
        uow.begin_write()
        if series:
            found = uow.meetings.get_meeting(meeting_id)
            if found is not None and found.series != meeting_id:
                uow.meetings.lock_meeting(found.series)
        # Locked, as answers lock it: an answer committed meanwhile is then either in
        # the responses the card edit reads, or waits for this change.
        meeting = uow.meetings.lock_meeting(meeting_id)
        if meeting is None:
            raise MeetingNotFound(meeting_id)
        if not self.may_change(actor, meeting):
            uow.rollback()
            with self.unit_of_work() as log:
                log.audit.append(AuditEntry(self.clock(), actor.user_id,
                                            "meeting.change_refused", f"meeting:{meeting_id}"))
                log.commit()
            raise NotYours(meeting.organiser)
        self.require_ahead(meeting)
        return meeting

    def require_ahead(self, meeting: Meeting) -> None:
        """Refuses a meeting that can no longer be moved or cancelled: cancelled, over,
        or being held. Also asked before the reschedule form opens, so that it is not filled in
        only to be refused."""
        if meeting.state is MeetingState.CANCELLED:
            raise DomainError(N_("“{title}” was already cancelled."), title=meeting.title)
        now = self.clock()
        if meeting.ends_at <= now:
            raise DomainError(N_("“{title}” is over; record its minutes instead."),
                              title=meeting.title)
        if meeting.starts_at <= now:
            # Cancelled while it was held, the meeting held had no minutes to record; moved,
            # its people were asked again for a meeting they were sitting in.
            raise DomainError(N_(
                "“{title}” has started: a meeting being held can no longer be moved or "
                "cancelled. Record its minutes once it is over.") if not meeting.repeats
                else N_("“{title}” has started: a meeting being held can no longer be moved "
                        "or cancelled. Record its minutes once it is over; to end the "
                        "series, cancel it from its next meeting in `/credit meetings`, "
                        "listed there within minutes of this one's start."),
                title=meeting.title)

    @staticmethod
    def may_change(actor: Member, meeting: Meeting) -> bool:
        return actor.user_id == meeting.organiser or CREDIT_MANAGER in actor.roles

    # -- reading ------------------------------------------------------------------

    def upcoming(self, actor: Member, days: int = UPCOMING_DAYS) -> list[Meeting]:
        """The scheduled meetings not yet over within ``days``, soonest first: those
        ``actor`` is invited to, and every one for a credit manager. Someone who may not
        see credit data is still listed the meetings they are invited to: their
        invitation (its agenda's figures locked) reached them, and the list shows what it
        did, without figures."""
        now = self.clock()
        with self.unit_of_work() as uow:
            found = uow.meetings.meetings_between(now, now + timedelta(days=days))
        if CREDIT_MANAGER in actor.roles and self.access.allows(actor):
            return found
        return [m for m in found if actor.user_id in self.invitees.people(m)]

    def get(self, actor: Member, meeting_id: int) -> Meeting:
        self.access.require(actor)
        with self.unit_of_work() as uow:
            meeting = uow.meetings.get_meeting(meeting_id)
        if meeting is None:
            raise MeetingNotFound(meeting_id)
        return meeting

    def _require(self, actor: Member, refused: str, subject: str) -> None:
        require_on_record(self.access, self.unit_of_work, self.clock, actor, refused, subject)
