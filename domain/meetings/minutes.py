"""Recording what a meeting decided: the minutes, and one tracked task per action item.

Minutes may be recorded more than once (what was forgotten, what came after): a later
record is *further minutes*, posted in the same thread as such, and the form shows what
was recorded before (``so_far``). An action item identical to one still open from the
same meeting (the same what, owner and due day) is refused beside its field, so a form
sent again with its old rows does not create the same tasks twice.

Who records: the organiser, or someone the meeting invited who may see credit data (the
minutes and their tasks name customers). Only once the meeting has started, and never
for a cancelled one. Every wrong field is named in one round (``MinutesRefused``), so the
form shows each problem beside its field. Audited ``meeting.minutes_recorded``; the
minutes go to the meeting's thread and each task's owner is told
(``Happened.MINUTES``), in the same transaction as the records."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from domain.access import CreditDataAccess, Member
from domain.days import upcoming_day_problem
from domain.errors import CustomerLookupError, DomainError, FieldProblem, FormRefused
from domain.lookup import resolve_customer
from domain.meetings.model import Meeting, MeetingState, Minutes, Task, TaskState
from domain.meetings.ports import Happened, MeetingChange, MeetingNotices, NoMeetingNotices
from domain.meetings.use_cases import customer_names
from domain.model import AuditEntry
from domain.organisation_day import OrganisationDay
from domain.people import is_user_id
from domain.ports import UnitOfWork
from domain.text import N_, CommandName

# What a section shows whole beside its heading (Slack cuts a section at 3,000), and so
# what the form takes.
MAX_DECISIONS = 2500
MAX_WHAT = 300
# How far back ``/credit minutes`` looks for meetings to record.
RECENT = timedelta(days=14)

# Form fields a refusal belongs to; an item's are numbered from 0 (``what_2``).
DECISIONS = "decisions"
WHAT, OWNER, DUE, CUSTOMER = "what", "owner", "due", "customer"

# Who is invited to a meeting (people by user id) and the channels it is posted in.
Invitees = Callable[[Meeting], tuple[tuple[str, ...], tuple[str, ...]]]


def item_field(name: str, index: int) -> str:
    return f"{name}_{index}"


class MinutesRefused(FormRefused):
    """Minutes that cannot be recorded as given: every problem, field by field."""


class MayNotRecord(DomainError):
    """The person, or the meeting's state, does not allow minutes now."""


class AlreadyRecorded(DomainError):
    """The same form was sent again (a double click, a retry): recorded once."""

    def __init__(self) -> None:
        super().__init__(N_("These minutes were already recorded."))


@dataclass(frozen=True)
class ActionItem:
    """One action item as typed in the form; a row left wholly empty is no item."""

    what: str = ""
    owner: str | None = None
    due_on: date | None = None
    customer: str = ""

    @property
    def empty(self) -> bool:
        return not (self.what.strip() or self.owner or self.due_on or self.customer.strip())


@dataclass(frozen=True)
class Recorded:
    meeting: Meeting
    minutes: Minutes
    tasks: tuple[Task, ...]
    further: bool = False  # minutes had been recorded before these


@dataclass(frozen=True)
class SoFar:
    """A meeting's minutes recorded so far (the earliest first) and its tasks."""

    minutes: tuple[Minutes, ...] = ()
    tasks: tuple[Task, ...] = ()


def _same_item(what: str, owner: str, due_on: date) -> tuple[str, str, date]:
    return " ".join(what.split()).casefold(), owner, due_on


@dataclass
class MinutesKeeping(OrganisationDay):
    unit_of_work: Callable[[], UnitOfWork]
    access: CreditDataAccess
    invitees: Invitees
    people: Callable[[str], Member]
    clock: Callable[[], datetime]
    zone: tzinfo
    notices: MeetingNotices = field(default_factory=NoMeetingNotices)

    def check(self, actor: Member, meeting_id: int) -> Meeting:
        """The meeting, if ``actor`` may record its minutes now (the button opens the
        form only then); else ``MayNotRecord``."""
        with self.unit_of_work() as uow:
            return self._recordable(uow.meetings.get_meeting(meeting_id), actor,
                                    self.clock(), meeting_id)

    def so_far(self, meeting_ids: Sequence[int]) -> dict[int, SoFar]:
        """What each meeting's minutes hold already (meetings without minutes are left
        out)."""
        found: dict[int, SoFar] = {}
        with self.unit_of_work() as uow:
            for meeting_id in meeting_ids:
                minutes = uow.meetings.minutes_of(meeting_id)
                if minutes:
                    found[meeting_id] = SoFar(
                        tuple(sorted(minutes, key=lambda m: (m.recorded_at, m.id))),
                        tuple(uow.meetings.tasks_of(meeting_id)))
        return found

    def recent(self, actor: Member) -> list[Meeting]:
        """The meetings of the last two weeks that have started and whose minutes
        ``actor`` may record, the latest first."""
        now = self.clock()
        with self.unit_of_work() as uow:
            held = uow.meetings.meetings_between(now - RECENT, now)
        found = []
        for meeting in held:
            try:
                found.append(self._recordable(meeting, actor, now, meeting.id))
            except MayNotRecord:
                continue
        return sorted(found, key=lambda m: (m.starts_at, m.id), reverse=True)

    def record_minutes(self, actor: Member, meeting_id: int, decisions: str,
                       items: Sequence[ActionItem], submission: str | None = None
                       ) -> Recorded:
        """``submission``: the form's key (its view id): the same form sent twice
        records once (``AlreadyRecorded``), while a form refused beside a field can be
        corrected and sent again (the claim rolls back with the refusal)."""
        now = self.clock()
        today = now.astimezone(self.zone).date()
        with self.unit_of_work() as uow:
            uow.begin_write()
            meeting = self._recordable(uow.meetings.get_meeting(meeting_id), actor, now,
                                       meeting_id)
            # Claimed first: the same form sent again after it was recorded must close,
            # not be refused for repeating its own action items. A refusal below rolls
            # the claim back, so a corrected form can be sent.
            if submission is not None \
                    and not uow.collections.claim_submission(submission, now):
                raise AlreadyRecorded()
            problems: list[FieldProblem] = []
            text = (decisions or "").strip()
            if not text:
                problems.append(FieldProblem(DECISIONS, N_(
                    "Write what the meeting decided (a line per decision).")))
            elif len(text) > MAX_DECISIONS:
                problems.append(FieldProblem(DECISIONS, N_(
                    "The decisions take at most {limit} characters; there are {length}."),
                    limit=MAX_DECISIONS, length=len(text)))
            earlier = tuple(uow.meetings.minutes_of(meeting.id))
            taken = {_same_item(t.what, t.owner, t.due_on)
                     for t in uow.meetings.tasks_of(meeting.id) if t.state is TaskState.OPEN}
            planned: list[tuple[ActionItem, str | None]] = []
            for index, item in enumerate(items):
                if item.empty:
                    continue
                found, customer = self._check_item(uow, index, item, today)
                if not found and item.owner and item.due_on:
                    key = _same_item(item.what, item.owner, item.due_on)
                    if key in taken:
                        found.append(FieldProblem(item_field(WHAT, index), N_(
                            "This action item is already open from this meeting (the same "
                            "what, owner and due day): leave the row empty, or change "
                            "it.")))
                    taken.add(key)
                problems.extend(found)
                planned.append((item, customer))
            if problems:
                raise MinutesRefused(problems)
            minutes = uow.meetings.add_minutes(Minutes(
                meeting_id=meeting.id, decisions=text, recorded_by=actor.user_id,
                recorded_at=now))
            tasks = tuple(
                uow.meetings.add_task(Task(
                    what=item.what.strip(), owner=item.owner or "",
                    due_on=item.due_on or today, created_by=actor.user_id, created_at=now,
                    meeting_id=meeting.id, customer_id=customer))
                for item, customer in planned)
            uow.audit.append(AuditEntry(now, actor.user_id, "meeting.minutes_recorded",
                                        f"meeting:{meeting.id}", {
                                            "minutes": minutes.id, "decisions": text,
                                            "items": [_audited(t) for t in tasks]}))
            people, channels = self.invitees(meeting)
            self.notices.queue(uow.outbox, MeetingChange(
                Happened.MINUTES, meeting, actor.user_id, people, channels,
                readers=frozenset(p for p in people
                                  if self.access.allows(self.people(p))),
                minutes=minutes, tasks=tasks, customer_names=customer_names(
                    uow, [*meeting.customers, *(t.customer_id for t in tasks)]),
                earlier_minutes=earlier))
            uow.commit()
        return Recorded(meeting, minutes, tasks, further=bool(earlier))

    def _check_item(self, uow: UnitOfWork, index: int, item: ActionItem,
                    today: date) -> tuple[list[FieldProblem], str | None]:
        problems: list[FieldProblem] = []
        what = item.what.strip()
        if not what:
            problems.append(FieldProblem(item_field(WHAT, index), N_(
                "Say what is to be done, e.g. “Call the CFO about the March invoices”.")))
        elif len(what) > MAX_WHAT:
            problems.append(FieldProblem(item_field(WHAT, index), N_(
                "An action item takes at most {limit} characters; this one has {length}."),
                limit=MAX_WHAT, length=len(what)))
        if not item.owner or not is_user_id(item.owner):
            problems.append(FieldProblem(item_field(OWNER, index), N_(
                "Pick the person who owns this action item.")))
        if item.due_on is None:
            problems.append(FieldProblem(item_field(DUE, index), N_(
                "Pick the day this action item is due.")))
        elif (late := upcoming_day_problem(item_field(DUE, index), item.due_on, today)):
            problems.append(late)
        customer: str | None = None
        if item.customer.strip():
            try:
                customer = resolve_customer(item.customer, uow.customers).customer_id
            except DomainError as error:
                problem = FieldProblem(item_field(CUSTOMER, index), error.template,
                                  **error.params)
                # Kept so that the form can say how to write the customer.
                problem.lookup = error if isinstance(error, CustomerLookupError) else None
                problems.append(problem)
            else:
                if item.owner and is_user_id(item.owner) \
                        and not self.access.allows(self.people(item.owner)):
                    # The task and its reminders name the customer to its owner.
                    problems.append(FieldProblem(item_field(OWNER, index), N_(
                        "<@{owner}> may not see credit data, and this item is about a "
                        "customer: pick someone who may, or leave the customer empty."),
                        owner=item.owner))
        return problems, customer

    def _recordable(self, meeting: Meeting | None, actor: Member, now: datetime,
                    meeting_id: int) -> Meeting:
        if meeting is None:
            raise MayNotRecord(N_("There is no meeting #{number}; `{minutes}` lists the "
                                  "meetings held lately."), number=str(meeting_id),
                               minutes=CommandName("minutes"))
        # Who first, and without the title: meeting numbers run in order, and asking for
        # each would list every meeting's title to anyone. Access before the invitation:
        # an organiser who has since lost access to credit data must not write minutes
        # and tasks that name customers.
        if not self.access.allows(actor):
            raise MayNotRecord(N_("Minutes name customers and their credit data, which you "
                                  "may not see: ask <@{organiser}> or a credit manager to "
                                  "record them."), organiser=meeting.organiser)
        if actor.user_id != meeting.organiser and actor.user_id not in self.invitees(meeting)[0]:
            raise MayNotRecord(N_("Only the organiser, <@{organiser}>, or someone the "
                                  "meeting invited who may see credit data records its "
                                  "minutes."), organiser=meeting.organiser)
        if meeting.state is MeetingState.CANCELLED:
            raise MayNotRecord(N_("“{title}” was cancelled: it has no minutes to record."),
                               title=meeting.title)
        if meeting.starts_at > now:
            raise MayNotRecord(N_("“{title}” has not started yet: record its minutes once "
                                  "it has."), title=meeting.title)
        return meeting


def _audited(task: Task) -> dict[str, object]:
    return {"task": task.id, "what": task.what, "owner": task.owner,
            "due_on": task.due_on.isoformat(), "customer": task.customer_id}
