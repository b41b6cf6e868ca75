"""The meetings store on SQLite and PostgreSQL: every record comes back exactly (hostile
text and a non-UTC zone included), a stale version is refused and writes nothing,
meetings_between returns what overlaps a half-open range, one answer per person, and
open tasks filtered and ordered as the reminders and worklists read them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

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
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
HOSTILE = "<!channel> *x* 会议 \u202e'; DROP TABLE meetings; --"
NINE = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def uow(engine: Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(unit_of_work_factory(engine))


def meeting(starts_at: datetime = NINE, minutes: int = 60, **changes: object) -> Meeting:
    base = Meeting(MeetingKind.CREDIT_COMMITTEE, "Credit committee", "U0ORGANISE",
                   starts_at, minutes, "Asia/Shanghai", ("finance", "sales"),
                   ("U0GUEST001",), ("C1", "C2"), Recurrence.WEEKLY, created_at=NOW)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def task(what: str = "Call the customer", owner: str = "U0OWNER001",
         due_on: date = TODAY, **changes: object) -> Task:
    return dataclasses.replace(Task(what, owner, due_on, "U0ORGANISE", NOW),
                               **changes)  # type: ignore[arg-type]


def test_a_meeting_comes_back_exactly_and_a_save_bumps_its_version(engine):
    with uow(engine) as work:
        first = work.meetings.add_meeting(meeting(title=HOSTILE))
        work.commit()
    assert first.version == 1 and first.id > 0
    with uow(engine) as work:
        stored = work.meetings.get_meeting(first.id)
        assert stored == first
        assert stored is not None and stored.starts_at.utcoffset() == timedelta(0)
        assert work.meetings.get_meeting(first.id + 100) is None
        cancelled = work.meetings.save_meeting(dataclasses.replace(
            first, state=MeetingState.CANCELLED, cancelled_at=NOW, cancelled_by="U0BOSS001",
            starts_at=datetime(2026, 12, 3, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))))
        work.commit()
    assert cancelled.version == 2
    with uow(engine) as work:
        assert work.meetings.get_meeting(first.id) == cancelled


def test_a_stale_meeting_or_task_is_refused_and_nothing_is_written(engine):
    with uow(engine) as work:
        first = work.meetings.add_meeting(meeting())
        todo = work.meetings.add_task(task())
        work.commit()
    with uow(engine) as work:
        work.meetings.save_meeting(dataclasses.replace(first, title="Moved"))
        work.commit()
    with uow(engine) as work:
        with pytest.raises(MeetingChanged):
            work.meetings.save_meeting(dataclasses.replace(first, title="Lost"))
        work.meetings.save_task(dataclasses.replace(todo, state=TaskState.DONE, done_at=NOW,
                                                    done_by="U0OWNER001"))
        with pytest.raises(MeetingChanged):
            work.meetings.save_task(dataclasses.replace(todo, what="Lost"))
        work.commit()
    with uow(engine) as work:
        stored = work.meetings.get_meeting(first.id)
        assert stored is not None and (stored.title, stored.version) == ("Moved", 2)
        done = work.meetings.get_task(todo.id)
        assert done is not None and (done.state, done.what, done.version) == (
            TaskState.DONE, "Call the customer", 2)


def test_meetings_between_is_overlap_of_half_open_ranges_and_skips_cancelled(engine):
    with uow(engine) as work:
        before = work.meetings.add_meeting(meeting(NINE - timedelta(hours=1)))  # 8-9
        inside = work.meetings.add_meeting(meeting(NINE + timedelta(minutes=15), 30))
        around = work.meetings.add_meeting(meeting(NINE - timedelta(minutes=30), 180))
        tail = work.meetings.add_meeting(meeting(NINE + timedelta(minutes=45)))  # 9:45-10:45
        after = work.meetings.add_meeting(meeting(NINE + timedelta(hours=1)))  # 10-11
        work.meetings.add_meeting(meeting(NINE, state=MeetingState.CANCELLED))
        work.commit()
    with uow(engine) as work:
        found = work.meetings.meetings_between(NINE, NINE + timedelta(hours=1))
    assert [m.id for m in found] == [around.id, inside.id, tail.id]
    assert before.id not in [m.id for m in found] and after.id not in [m.id for m in found]


def test_a_series_is_its_first_occurrence_and_the_ones_pointing_to_it(engine):
    with uow(engine) as work:
        first = work.meetings.add_meeting(meeting())
        third = work.meetings.add_meeting(meeting(NINE + timedelta(days=14),
                                                  series_id=first.id))
        second = work.meetings.add_meeting(meeting(NINE + timedelta(days=7),
                                                   series_id=first.id,
                                                   state=MeetingState.CANCELLED))
        other = work.meetings.add_meeting(meeting(NINE + timedelta(days=1)))
        work.commit()
    with uow(engine) as work:
        assert work.meetings.series(first.id) == [first, second, third]
        assert work.meetings.series(other.id) == [other]


def test_one_answer_per_person_the_later_replaces_the_earlier(engine):
    with uow(engine) as work:
        first = work.meetings.add_meeting(meeting())
        other = work.meetings.add_meeting(meeting(NINE + timedelta(days=1)))
        work.commit()
    proposed = Response(first.id, "U0B", Answer.PROPOSED, NOW + timedelta(minutes=1),
                        NINE + timedelta(hours=2), HOSTILE)
    with uow(engine) as work:
        work.meetings.set_response(Response(first.id, "U0B", Answer.ACCEPTED, NOW))
        work.meetings.set_response(Response(first.id, "U0A", Answer.DECLINED, NOW))
        work.meetings.set_response(Response(other.id, "U0B", Answer.ACCEPTED, NOW))
        work.commit()
    with uow(engine) as work:
        assert work.meetings.set_response(proposed) == proposed
        work.commit()
    with uow(engine) as work:
        assert work.meetings.responses(first.id) == [
            Response(first.id, "U0A", Answer.DECLINED, NOW), proposed]
        assert work.meetings.responses(other.id) == [
            Response(other.id, "U0B", Answer.ACCEPTED, NOW)]
        assert work.meetings.responses(other.id + 1) == []


def test_minutes_come_back_oldest_first_for_their_meeting_only(engine):
    with uow(engine) as work:
        first = work.meetings.add_meeting(meeting())
        other = work.meetings.add_meeting(meeting(NINE + timedelta(days=1)))
        work.commit()
    with uow(engine) as work:
        later = work.meetings.add_minutes(Minutes(first.id, "Raise C1 to 2M",
                                                  "U0ORGANISE", NOW + timedelta(hours=1)))
        earlier = work.meetings.add_minutes(Minutes(first.id, HOSTILE + "\n" + "x" * 3000,
                                                    "U0ORGANISE", NOW))
        work.meetings.add_minutes(Minutes(other.id, "Nothing", "U0ORGANISE", NOW))
        work.commit()
    assert earlier.id > later.id > 0
    with uow(engine) as work:
        assert work.meetings.minutes_of(first.id) == [earlier, later]


def test_open_tasks_filters_by_owner_due_date_and_customers_ordered_by_due_then_id(engine):
    with uow(engine) as work:
        held = work.meetings.add_meeting(meeting())
        work.commit()
    with uow(engine) as work:
        late = work.meetings.add_task(task("Late", due_on=TODAY - timedelta(days=3),
                                           meeting_id=held.id, customer_id="C1"))
        today_b = work.meetings.add_task(task("Today B", owner="U0OWNER002",
                                              customer_id="C2"))
        today_a = work.meetings.add_task(task(HOSTILE))
        later = work.meetings.add_task(task("Later", due_on=TODAY + timedelta(days=5),
                                            meeting_id=held.id, customer_id="C1"))
        done = work.meetings.add_task(task("Done", state=TaskState.DONE, done_at=NOW,
                                           done_by="U0OWNER001", meeting_id=held.id))
        work.commit()
    with uow(engine) as work:
        store = work.meetings
        assert store.open_tasks() == [late, today_b, today_a, later]
        assert store.open_tasks(owner="U0OWNER001") == [late, today_a, later]
        assert store.open_tasks(due_by=TODAY) == [late, today_b, today_a]
        assert store.open_tasks(owner="U0OWNER001", due_by=TODAY) == [late, today_a]
        assert store.open_tasks(customer_ids=["C1", "C9"]) == [late, later]
        assert store.open_tasks(customer_ids=[]) == []
        assert store.tasks_of(held.id) == [late, later, done]
        assert store.get_task(today_a.id) == today_a
        assert store.get_task(done.id + 100) is None


def test_recurring_series_finds_series_through_cancelled_occurrences_in_the_range(engine):
    with uow(engine) as work:
        alone = work.meetings.add_meeting(meeting(state=MeetingState.CANCELLED))
        first = work.meetings.add_meeting(meeting(NINE - timedelta(days=7)))
        work.meetings.add_meeting(meeting(NINE, series_id=first.id))
        work.meetings.add_meeting(meeting(NINE + timedelta(hours=1), series_id=first.id,
                                          state=MeetingState.CANCELLED))
        work.meetings.add_meeting(meeting(NINE, recurrence=Recurrence.NONE))
        ended = work.meetings.add_meeting(meeting(NINE, recurrence=Recurrence.NONE,
                                                  state=MeetingState.CANCELLED))
        later = work.meetings.add_meeting(meeting(NINE + timedelta(days=2)))
        work.commit()
    with uow(engine) as work:
        found = work.meetings.recurring_series(NINE, NINE + timedelta(days=2))
    assert found == sorted([alone.id, first.id])
    assert ended.id not in found and later.id not in found


def test_the_series_rule_number_and_last_move_come_back_apart_from_the_occurrence(engine):
    moved_at = NOW + timedelta(hours=3)
    with uow(engine) as work:
        first = work.meetings.add_meeting(meeting())
        assert (first.series_start, first.series_minutes, first.occurrence) == (NINE, 60, 0)
        moved = work.meetings.save_meeting(dataclasses.replace(
            first, starts_at=NINE + timedelta(days=1, hours=5), minutes=90,
            rescheduled_at=moved_at))
        later = work.meetings.add_meeting(meeting(NINE + timedelta(days=7),
                                                  series_id=first.id, occurrence=1))
        work.commit()
    with uow(engine) as work:
        stored = work.meetings.get_meeting(first.id)
        assert stored == moved
        assert stored is not None and (stored.series_start, stored.series_minutes,
                                       stored.starts_at, stored.minutes,
                                       stored.rescheduled_at) == (
            NINE, 60, NINE + timedelta(days=1, hours=5), 90, moved_at)
        assert work.meetings.get_meeting(later.id) == later
