"""The meetings port (``uow.meetings``): meetings, answers, minutes and tasks in
creditbot's own tables (migration 0012)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.meetings.model import (
    Answer,
    Meeting,
    MeetingChanged,
    MeetingKind,
    MeetingState,
    Minutes,
    Recurrence,
    Response,
    Task,
    TaskState,
)
from storage.models import MeetingMinutesRow, MeetingResponseRow, MeetingRow, MeetingTaskRow
from storage.versioned import VersionedStore

_M: Table = MeetingRow.__table__  # type: ignore[assignment]
_R: Table = MeetingResponseRow.__table__  # type: ignore[assignment]
_N: Table = MeetingMinutesRow.__table__  # type: ignore[assignment]
_T: Table = MeetingTaskRow.__table__  # type: ignore[assignment]
_CHUNK = 500
_OPEN = TaskState.OPEN.value



def _meeting_values(m: Meeting) -> dict[str, Any]:
    return {"kind": m.kind.value, "title": m.title, "organiser": m.organiser,
            "starts_at": m.starts_at, "ends_at": m.ends_at, "minutes": m.minutes,
            "zone": m.zone, "departments": list(m.departments),
            "attendees": list(m.attendees), "customers": list(m.customers),
            "recurrence": m.recurrence.value, "state": m.state.value,
            "series_id": m.series_id, "created_at": m.created_at,
            "cancelled_at": m.cancelled_at, "cancelled_by": m.cancelled_by,
            "series_start": m.series_start, "series_minutes": m.series_minutes,
            "occurrence": m.occurrence, "rescheduled_at": m.rescheduled_at}


def _meeting(r: Any) -> Meeting:
    return Meeting(MeetingKind(r.kind), r.title, r.organiser, r.starts_at, r.minutes,
                   r.zone, tuple(r.departments or ()), tuple(r.attendees or ()),
                   tuple(r.customers or ()), Recurrence(r.recurrence),
                   MeetingState(r.state), r.series_id, r.created_at, r.cancelled_at,
                   r.cancelled_by, r.id, r.version, r.series_start, r.series_minutes,
                   r.occurrence or 0, r.rescheduled_at)


def _task_values(t: Task) -> dict[str, Any]:
    return {"what": t.what, "owner": t.owner, "due_on": t.due_on,
            "created_by": t.created_by, "created_at": t.created_at,
            "meeting_id": t.meeting_id, "customer_id": t.customer_id,
            "state": t.state.value, "done_at": t.done_at, "done_by": t.done_by}


def _task(r: Any) -> Task:
    return Task(r.what, r.owner, r.due_on, r.created_by, r.created_at, r.meeting_id,
                r.customer_id, TaskState(r.state), r.done_at, r.done_by, r.id, r.version)


def _response(r: Any) -> Response:
    return Response(r.meeting_id, r.user_id, Answer(r.answer), r.at, r.proposed_at, r.note)


def _minutes(r: Any) -> Minutes:
    return Minutes(r.meeting_id, r.decisions, r.recorded_by, r.recorded_at, r.id)


class SqlMeetingStore(VersionedStore):
    changed = MeetingChanged

    # Meetings
    def add_meeting(self, meeting: Meeting) -> Meeting:
        return self._add(_M, _meeting_values(meeting), meeting)

    def save_meeting(self, meeting: Meeting) -> Meeting:
        return self._save(_M, _meeting_values(meeting), meeting, f"meeting {meeting.id}")

    def get_meeting(self, meeting_id: int) -> Meeting | None:
        row = self._execute(select(_M).where(_M.c.id == meeting_id)).first()
        return None if row is None else _meeting(row)

    def lock_meeting(self, meeting_id: int) -> Meeting | None:
        # PostgreSQL: a row lock; SQLite: the write transaction already serialises.
        row = self._execute(select(_M).where(_M.c.id == meeting_id).with_for_update()).first()
        return None if row is None else _meeting(row)

    def meetings_between(self, start: datetime, end: datetime) -> list[Meeting]:
        rows = self._execute(select(_M).where(
            _M.c.state == MeetingState.SCHEDULED.value, _M.c.starts_at < end,
            _M.c.ends_at > start).order_by(_M.c.starts_at, _M.c.id))
        return [_meeting(r) for r in rows]

    def recurring_series(self, start: datetime, end: datetime) -> list[int]:
        series = func.coalesce(_M.c.series_id, _M.c.id)
        rows = self._execute(select(series).where(
            _M.c.recurrence != Recurrence.NONE.value, _M.c.starts_at >= start,
            _M.c.starts_at < end).distinct().order_by(series))
        return [int(r[0]) for r in rows]

    def series(self, series_id: int) -> list[Meeting]:
        rows = self._execute(select(_M).where(
            (_M.c.id == series_id) | (_M.c.series_id == series_id)
        ).order_by(_M.c.starts_at, _M.c.id))
        return [_meeting(r) for r in rows]

    # Answers
    def set_response(self, response: Response) -> Response:
        # An upsert: two clicks at once leave one answer (the later), never a
        # unique-key error.
        dialect = self._session.get_bind().dialect.name
        insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
        values = {"meeting_id": response.meeting_id, "user_id": response.user_id,
                  "answer": response.answer.value, "at": response.at,
                  "proposed_at": response.proposed_at, "note": response.note}
        statement = insert_(_R).values(**values)
        self._execute(statement.on_conflict_do_update(
            index_elements=["meeting_id", "user_id"],
            set_={k: statement.excluded[k] for k in ("answer", "at", "proposed_at", "note")}))
        self.wrote = True
        return response

    def responses(self, meeting_id: int) -> list[Response]:
        rows = self._execute(select(_R).where(_R.c.meeting_id == meeting_id)
                             .order_by(_R.c.user_id))
        return [_response(r) for r in rows]

    # Minutes
    def add_minutes(self, minutes: Minutes) -> Minutes:
        self.wrote = True
        row = self._execute(insert(_N).returning(_N.c.id), {
            "meeting_id": minutes.meeting_id, "decisions": minutes.decisions,
            "recorded_by": minutes.recorded_by, "recorded_at": minutes.recorded_at}).first()
        return dataclasses.replace(minutes, id=int(row.id))

    def minutes_of(self, meeting_id: int) -> list[Minutes]:
        rows = self._execute(select(_N).where(_N.c.meeting_id == meeting_id)
                             .order_by(_N.c.recorded_at, _N.c.id))
        return [_minutes(r) for r in rows]

    # Tasks
    def add_task(self, task: Task) -> Task:
        return self._add(_T, _task_values(task), task)

    def save_task(self, task: Task) -> Task:
        return self._save(_T, _task_values(task), task, f"task {task.id}")

    def get_task(self, task_id: int) -> Task | None:
        row = self._execute(select(_T).where(_T.c.id == task_id)).first()
        return None if row is None else _task(row)

    def open_tasks(self, owner: str | None = None, due_by: date | None = None,
                   customer_ids: Sequence[str] | None = None) -> list[Task]:
        query = select(_T).where(_T.c.state == _OPEN)
        if owner is not None:
            query = query.where(_T.c.owner == owner)
        if due_by is not None:
            query = query.where(_T.c.due_on <= due_by)
        if customer_ids is None:
            rows = list(self._execute(query))
        else:
            ids, rows = list(customer_ids), []
            chunked = query.where(_T.c.customer_id.in_(bindparam("ids", expanding=True)))
            for start in range(0, len(ids), _CHUNK):
                rows += list(self._execute(chunked, {"ids": ids[start:start + _CHUNK]}))
        return sorted((_task(r) for r in rows), key=lambda t: (t.due_on, t.id))

    def tasks_of(self, meeting_id: int) -> list[Task]:
        rows = self._execute(select(_T).where(_T.c.meeting_id == meeting_id)
                             .order_by(_T.c.id))
        return [_task(r) for r in rows]

    def clear_responses(self, meeting_id: int, keep: Sequence[str] = ()) -> None:
        self._execute(_R.delete().where(_R.c.meeting_id == meeting_id,
                                        _R.c.user_id.not_in(list(keep))))
        self.wrote = True

    def lock_calendar(self) -> None:
        # SQLite: the unit of work's BEGIN IMMEDIATE already lets one writer in at a
        # time. PostgreSQL: one transaction-scoped advisory lock for the deployment
        # (scheduling is rare; the meetings' rows stay free for answers).
        if self._session.get_bind().dialect.name == "postgresql":
            self._execute(select(func.pg_advisory_xact_lock(
                func.hashtext("creditbot.meetings.calendar"))))
