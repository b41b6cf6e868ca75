"""Answering an invitation: Accept, Decline, or Propose another time.

Only someone invited (a member of an invited department, an attendee, the organiser)
answers; a cancelled meeting, or one that has already started, takes no answer and the
person is told why. A later answer replaces the earlier one. Audited
``meeting.answered``; the invitation's tally moves in place (``Happened.ANSWERED``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.access import Member
from domain.errors import DomainError
from domain.meetings.model import Answer, Meeting, MeetingChanged, MeetingState, Response
from domain.meetings.people import Invitees
from domain.meetings.ports import (
    Happened,
    MeetingChange,
    MeetingNotices,
    MeetingStore,
    NoMeetingNotices,
)
from domain.meetings.schedule import (
    DURATION,
    MeetingRefused,
    Moment,
    SchedulingPolicy,
    check_slot,
)
from domain.meetings.use_cases import customer_names
from domain.model import AuditEntry
from domain.ports import UnitOfWork
from domain.retry import retried
from domain.text import N_

MAX_NOTE = 500
# A proposal further out than this is a typo (a year), not a meeting time.
MAX_AHEAD = timedelta(days=366)


def reminded(people: Sequence[str], responses: Iterable[Response], organiser: str
             ) -> tuple[str, ...]:
    """Who gets a reminder by direct message: everyone invited but those who declined.
    The organiser is always reminded: it is their meeting, and their reminder is the
    mark the job looks for to know a reminder went out (without it, every run would
    send the reminder again)."""
    declined = {r.user_id for r in responses if r.answer is Answer.DECLINED}
    return tuple(p for p in people if p == organiser or p not in declined)


def carry_accepted(store: MeetingStore, occurrences: Sequence[Meeting], new: Meeting,
                   people: Sequence[str]) -> tuple[Response, ...]:
    """A series' next occurrence (``new``, just added) starts with the acceptances of the
    latest held occurrence before it, of the people it still invites: someone who
    accepted a weekly committee is not asked again every week. A decline or a proposed
    time is about one date and is not carried. Returns ``new``'s answers."""
    before = [m for m in occurrences if m.id != new.id and m.starts_at < new.starts_at
              and m.state is MeetingState.SCHEDULED]
    if not before:
        return ()
    previous = max(before, key=lambda m: (m.starts_at, m.id))
    invited = set(people)
    return tuple(
        store.set_response(dataclasses.replace(r, meeting_id=new.id, proposed_at=None,
                                               note=""))
        for r in store.responses(previous.id)
        if r.answer is Answer.ACCEPTED and r.user_id in invited)


class AnswerRefused(DomainError):
    """The answer was not taken; the message says why."""


class ProposalInvalid(DomainError):
    """The proposed time or the note cannot be taken: shown beside the field."""

    def __init__(self, field_name: str, message: str, **params: object) -> None:
        super().__init__(message, **params)
        self.field = field_name


@dataclass(frozen=True)
class Answered:
    """A person's answer as stored; ``told``: whether the organiser was told of it now
    (not when it repeats the answer already given: a double click, Slack's retry)."""

    response: Response
    told: bool = True


@dataclass
class Responses:
    unit_of_work: Callable[[], UnitOfWork]
    invitees: Invitees
    clock: Callable[[], datetime]
    notices: MeetingNotices = field(default_factory=NoMeetingNotices)
    # A proposal is held to the organiser's rules (working days and hours), else the
    # organiser is asked to accept a time their own Reschedule would refuse.
    policy: SchedulingPolicy = field(default_factory=SchedulingPolicy)

    def check(self, actor: Member, meeting_id: int, shown: datetime | None = None
              ) -> Meeting:
        """The meeting, if ``actor`` may answer it now (a Propose click opens its form
        only then); else ``AnswerRefused``. ``shown``: as for ``respond``."""
        with self.unit_of_work() as uow:
            meeting = uow.meetings.get_meeting(meeting_id)
            return self._answerable(meeting, actor.user_id, self.clock(), shown)

    def respond(self, actor: Member, meeting_id: int, answer: Answer,
                proposed_at: datetime | None = None, note: str = "",
                zone: str | None = None, shown: datetime | None = None) -> Answered:
        """``zone``: the proposer's time zone, on whose wall clock the working days and
        hours are read, and then on the meeting's own (whose alone when not given). A
        proposal outside them raises ``MeetingRefused`` with the scheduling form's
        messages, field by field.
        ``shown``: the start the person saw when answering (a button's); an answer to a
        time the meeting has since moved from is refused, not counted for the new one."""
        note = (note or "").strip()
        if len(note) > MAX_NOTE:
            raise ProposalInvalid("note", N_("A note takes at most {limit} characters; this "
                                             "one has {length}."),
                                  limit=MAX_NOTE, length=len(note))
        if answer is Answer.PROPOSED:
            if proposed_at is None or proposed_at.tzinfo is None:
                raise ProposalInvalid("date", N_("Choose the date and time you propose."))
        else:
            proposed_at = None
        return retried(lambda: self._respond(actor, meeting_id, answer, proposed_at, note,
                                             zone, shown), MeetingChanged)

    def _respond(self, actor: Member, meeting_id: int, answer: Answer,
                 proposed_at: datetime | None, note: str, zone: str | None,
                 shown: datetime | None) -> Answered:
        now = self.clock()
        with self.unit_of_work() as uow:
            uow.begin_write()
            # Locked: two answers at once must not each edit the cards with a tally
            # that misses the other's.
            meeting = self._answerable(uow.meetings.lock_meeting(meeting_id), actor.user_id,
                                       now, shown)
            if proposed_at is not None:
                if proposed_at <= now:
                    raise ProposalInvalid("time", N_(
                        "That time has passed: propose a time in the future."))
                if proposed_at - now > MAX_AHEAD:
                    raise ProposalInvalid("date", N_(
                        "Propose a time within a year from now."))
                if proposed_at == meeting.starts_at:
                    raise ProposalInvalid("time", N_(
                        "That is the meeting's own time: propose another, or accept."))
                # On the proposer's clock, then on the meeting's (the organiser's Reschedule
                # reads it there): a New York 09:00 is 22:00 in Shanghai, a time the
                # organiser was asked to accept and could not move the meeting to.
                for clock in dict.fromkeys((zone or meeting.zone, meeting.zone)):
                    self._within_hours(meeting, proposed_at, clock, now)
            same = next((r for r in uow.meetings.responses(meeting.id)
                         if r.user_id == actor.user_id), None)
            if same is not None and (same.answer, same.proposed_at, same.note) == (
                    answer, proposed_at, note):
                # A double click or Slack's retry: answered already, so the organiser is
                # not told twice and no card is edited again for nothing.
                return Answered(same, told=False)
            people, channels = self.invitees.people(meeting), self.invitees.channels(meeting)
            response = uow.meetings.set_response(Response(
                meeting_id=meeting.id, user_id=actor.user_id, answer=answer, at=now,
                proposed_at=proposed_at, note=note))
            details: dict[str, object] = {"meeting": meeting.id, "answer": answer.value}
            if proposed_at is not None:
                details["proposed_at"] = proposed_at.isoformat()
            if note:
                details["note"] = note
            uow.audit.append(AuditEntry(now, actor.user_id, "meeting.answered",
                                        f"meeting:{meeting.id}", details))
            self.notices.queue(uow.outbox, MeetingChange(
                Happened.ANSWERED, meeting, actor.user_id, people, channels,
                responses=tuple(uow.meetings.responses(meeting.id)), response=response,
                customer_names=customer_names(uow, meeting.customers)))
            uow.commit()
        return Answered(response)

    def _within_hours(self, meeting: Meeting, proposed_at: datetime, zone: str,
                      now: datetime) -> None:
        local = proposed_at.astimezone(ZoneInfo(zone))
        _, problems = check_slot(local.date(), local.time(), meeting.minutes, zone, now,
                                 self.policy)
        # The duration is the meeting's own, not the proposer's to fix.
        problems = [p for p in problems if p.where != DURATION]
        if problems:
            raise MeetingRefused(problems)

    def _answerable(self, meeting: Meeting | None, user_id: str, now: datetime,
                    shown: datetime | None = None) -> Meeting:
        if meeting is None:
            raise AnswerRefused(N_("This meeting no longer exists."))
        # Who first, and without the title: meeting numbers run in order, and a forged
        # click on each would list every meeting's title to anyone.
        if user_id not in self.invitees.people(meeting):
            raise AnswerRefused(N_("You are not invited to this meeting: only the people it "
                                   "invites answer it. Ask the organiser, {organiser}, to "
                                   "add you."), organiser=meeting.organiser)
        if meeting.state is MeetingState.CANCELLED:
            raise AnswerRefused(N_("“{title}” was cancelled: there is nothing to answer."),
                                title=meeting.title)
        if meeting.starts_at <= now:
            raise AnswerRefused(N_("“{title}” has already started: answers are closed."),
                                title=meeting.title)
        if shown is not None and shown != meeting.starts_at:
            # Its answers were cleared when it moved: one given to the old time, from a
            # list still on screen, is no answer to the new.
            raise AnswerRefused(N_(
                "“{title}” has moved to {when} since this was shown, so your answer was "
                "not recorded: answer again for the new time, from the invitation or "
                "`/credit meetings`."), title=meeting.title,
                when=Moment(meeting.starts_at, meeting.zone))
        return meeting
