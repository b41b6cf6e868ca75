"""Tracked action items: mine (``/credit tasks``), Done, and what the meetings job sends
about them (the owner on the due date; each organiser their meetings' overdue items in
one digest).

Done is for the owner, the meeting's organiser or a credit manager; a second click finds
the task done and says by whom and when, changing nothing. The organiser hears when
someone else closes one of their meeting's tasks. Reminders are queued once per task
(or organiser) per day: the outbox's dedup key carries the day, so a job run twice, or
by two schedulers, sends each once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol

from domain.errors import DomainError
from domain.meetings.model import Meeting, MeetingChanged, Task, TaskState
from domain.meetings.use_cases import customer_names
from domain.model import AuditEntry
from domain.organisation_day import OrganisationDay
from domain.ports import Outbox, UnitOfWork
from domain.refs import CustomerRef
from domain.retry import retried
from domain.text import N_

# The role that may close anyone's task.
MANAGER_ROLE = "credit_manager"
# The most tasks one list or digest shows; the rest are counted.
SHOWN = 50


@dataclass(frozen=True)
class TaskLine:
    """A task with what its line shows: its meeting and its customer (with its names)."""

    task: Task
    meeting: Meeting | None = None
    customer: CustomerRef | None = None

    def overdue(self, today: date) -> bool:
        return self.task.state is TaskState.OPEN and self.task.due_on < today


@dataclass(frozen=True)
class Completed:
    line: TaskLine
    # True when the task was already done (a double click): nothing changed.
    already: bool


class NotYourTask(DomainError):
    """Someone who may not close the task pressed Done."""


class TaskNotices(Protocol):
    """Queues the messages about tasks on the unit of work's outbox."""

    def due(self, outbox: Outbox, line: TaskLine, today: date, dedup_key: str) -> None: ...

    def overdue(self, outbox: Outbox, organiser: str, lines: Sequence[TaskLine],
                today: date, dedup_key: str) -> None: ...

    def done(self, outbox: Outbox, line: TaskLine, actor: str, to: str) -> None: ...


class NoTaskNotices:
    def due(self, outbox: Outbox, line: TaskLine, today: date, dedup_key: str) -> None:
        return None

    def overdue(self, outbox: Outbox, organiser: str, lines: Sequence[TaskLine],
                today: date, dedup_key: str) -> None:
        return None

    def done(self, outbox: Outbox, line: TaskLine, actor: str, to: str) -> None:
        return None


def due_key(task: Task, day: date) -> str:
    return f"meetings.task_due:{task.id}:{day.isoformat()}"


def overdue_key(organiser: str, day: date) -> str:
    return f"meetings.tasks_overdue:{organiser}:{day.isoformat()}"


@dataclass
class Tasks(OrganisationDay):
    unit_of_work: Callable[[], UnitOfWork]
    # Roles by user id (app.yaml's), to know the credit managers.
    roles_of: Callable[[str], frozenset[str]]
    clock: Callable[[], datetime]
    zone: tzinfo
    notices: TaskNotices = field(default_factory=NoTaskNotices)

    def mine(self, user_id: str) -> list[TaskLine]:
        """My open tasks, the most overdue first (by due date, then id)."""
        with self.unit_of_work() as uow:
            return _lines(uow, uow.meetings.open_tasks(owner=user_id))

    def others_to_close(self, user_id: str) -> list[TaskLine]:
        """Open tasks of others that ``user_id`` may mark done (``complete``): those of
        the meetings they organised, and, for a credit manager, every meeting's; the most
        overdue first. Without it they could close them only in principle: Done was on
        the owner's own list alone."""
        manager = MANAGER_ROLE in self.roles_of(user_id)
        with self.unit_of_work() as uow:
            lines = _lines(uow, [t for t in uow.meetings.open_tasks() if t.owner != user_id
                                 and t.meeting_id is not None])
        return [ln for ln in lines
                if ln.meeting is not None and (manager or ln.meeting.organiser == user_id)]

    def complete(self, user_id: str, task_id: int) -> Completed:
        return retried(lambda: self._complete(user_id, task_id), MeetingChanged)

    def _complete(self, user_id: str, task_id: int) -> Completed:
        now = self.clock()
        with self.unit_of_work() as uow:
            uow.begin_write()
            task = uow.meetings.get_task(task_id)
            if task is None:
                raise NotYourTask(N_("This task no longer exists."))
            meeting = uow.meetings.get_meeting(task.meeting_id) if task.meeting_id else None
            organiser = meeting.organiser if meeting is not None else None
            if user_id not in (task.owner, organiser) \
                    and MANAGER_ROLE not in self.roles_of(user_id):
                raise NotYourTask(N_("Only the task's owner, <@{owner}>, the meeting's "
                                     "organiser or a credit manager can mark it done."),
                                  owner=task.owner)
            if task.state is TaskState.DONE:
                return Completed(_lines(uow, [task])[0], already=True)
            done = uow.meetings.save_task(replace(task, state=TaskState.DONE, done_at=now,
                                                  done_by=user_id))
            uow.audit.append(AuditEntry(now, user_id, "meeting.task_done", f"task:{done.id}",
                                        {"what": done.what, "owner": done.owner,
                                         "meeting": done.meeting_id}))
            line = _lines(uow, [done])[0]
            if organiser is not None and organiser != user_id:
                self.notices.done(uow.outbox, line, user_id, organiser)
            uow.commit()
        return Completed(line, already=False)

    def due_reminders(self, now: datetime | None = None,
                      last_working_day: date | None = None) -> int:
        """Queues a reminder to each owner of an open task due today that was not
        reminded today yet; returns how many were queued by this call. With
        ``last_working_day`` (the working day before today), a task that fell due on
        the days off since then is reminded too: its owner would otherwise never hear of
        it, the job reminding nobody on a day off."""
        today = (now or self.clock()).astimezone(self.zone).date()
        after = last_working_day or today - timedelta(days=1)
        with self.unit_of_work() as uow:
            uow.begin_write()
            due = [t for t in uow.meetings.open_tasks(due_by=today)
                   if after < t.due_on <= today
                   and uow.outbox.id_of(due_key(t, today)) is None]
            for line in _lines(uow, due):
                self.notices.due(uow.outbox, line, today, due_key(line.task, today))
            uow.commit()
        return len(due)

    def overdue_for_organisers(self, now: datetime | None = None) -> int:
        """Queues one digest per organiser of their meetings' open tasks past their due
        date, once a day; returns how many digests were queued by this call."""
        today = (now or self.clock()).astimezone(self.zone).date()
        with self.unit_of_work() as uow:
            uow.begin_write()
            late = [t for t in uow.meetings.open_tasks(due_by=today - timedelta(days=1))
                    if t.meeting_id is not None]
            by_organiser: dict[str, list[TaskLine]] = defaultdict(list)
            for line in _lines(uow, late):
                if line.meeting is not None:
                    by_organiser[line.meeting.organiser].append(line)
            queued = 0
            for organiser, lines in sorted(by_organiser.items()):
                key = overdue_key(organiser, today)
                if uow.outbox.id_of(key) is None:
                    self.notices.overdue(uow.outbox, organiser, lines, today, key)
                    queued += 1
            uow.commit()
        return queued


def _lines(uow: UnitOfWork, tasks: Sequence[Task]) -> list[TaskLine]:
    meetings: dict[int, Meeting | None] = {}
    names = customer_names(uow, sorted({t.customer_id for t in tasks if t.customer_id}))
    lines = []
    for task in tasks:
        if task.meeting_id is not None and task.meeting_id not in meetings:
            meetings[task.meeting_id] = uow.meetings.get_meeting(task.meeting_id)
        lines.append(TaskLine(task, meetings.get(task.meeting_id) if task.meeting_id
                              else None,
                              names.get(task.customer_id) if task.customer_id else None))
    return lines
