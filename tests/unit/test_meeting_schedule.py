"""Checking a proposed meeting time: the organiser's wall clock (DST gaps and folds
refused), the past, working days and hours, duration bounds; and conflicts of the same
people at overlapping times."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain.meetings.model import Meeting, MeetingKind, MeetingState
from domain.meetings.schedule import (
    DATE,
    DURATION,
    TIME,
    FieldProblem,
    SchedulingPolicy,
    Span,
    WorkingHours,
    check_slot,
    conflicts,
    local_start,
)
from handlers.i18n import translator

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Shanghai
POLICY = SchedulingPolicy(WorkingHours(time(8), time(19), frozenset(range(5))),
                          longest_minutes=240)
SH = "Asia/Shanghai"


def messages(problems: list[FieldProblem]) -> list[tuple[str, str]]:
    return [(p.where, str(p)) for p in problems]


def test_a_time_in_the_organisers_zone_is_stored_as_the_moment_it_is():
    start, problems = check_slot(date(2026, 12, 2), time(10, 30), 60, SH, NOW, POLICY)
    assert problems == []
    assert start == datetime(2026, 12, 2, 2, 30, tzinfo=UTC)
    assert start is not None and start.tzinfo is not None


def test_a_time_the_clocks_skip_or_show_twice_is_refused():
    with pytest.raises(FieldProblem) as gap:
        local_start(date(2027, 3, 28), time(2, 30), "Europe/Berlin")
    assert (gap.value.where, str(gap.value)) == (TIME, (
        "02:30 does not exist on 2027-03-28 in Europe/Berlin: the clocks move forward then. "
        "Pick another time, e.g. an hour later."))
    with pytest.raises(FieldProblem) as fold:
        local_start(date(2027, 10, 31), time(2, 30), "Europe/Berlin")
    assert str(fold.value) == (
        "02:30 happens twice on 2027-10-31 in Europe/Berlin: the clocks go back then. Pick "
        "another time so that nobody comes an hour early or late.")
    assert local_start(date(2027, 10, 31), time(4, 0), "Europe/Berlin") == datetime(
        2027, 10, 31, 3, 0, tzinfo=UTC)


def test_a_time_the_clocks_skip_is_refused_with_every_other_problem_at_once():
    # 02:30 on Berlin's spring Sunday was refused for the clocks alone, "e.g. an hour
    # later"; the next try then learnt of the Sunday and of the hours.
    berlin = "Europe/Berlin"
    _, problems = check_slot(date(2027, 3, 28), time(2, 30), 60, berlin, NOW, POLICY)
    assert messages(problems) == [
        (DATE, "2027-03-28 is a Sunday; meetings are held on Monday, Tuesday, Wednesday, "
               "Thursday, Friday."),
        (TIME, "Meetings are held between 08:00 and 19:00 (Europe/Berlin); 02:30–03:30 is "
               "outside those hours.")]
    # Within the hours (a bureau open round the clock), the clocks are the problem.
    always = SchedulingPolicy(WorkingHours(time(0), time(23, 59), frozenset(range(7))),
                              longest_minutes=240)
    start, problems = check_slot(date(2027, 3, 28), time(2, 30), 60, berlin, NOW, always)
    assert start is None and messages(problems) == [
        (TIME, "02:30 does not exist on 2027-03-28 in Europe/Berlin: the clocks move "
               "forward then. Pick another time, e.g. an hour later.")]
    _, fold = check_slot(date(2027, 10, 31), time(2, 30), 60, berlin, NOW, always)
    assert [p.where for p in fold] == [TIME] and "happens twice" in str(fold[0])


def test_a_time_passed_is_refused():
    start, problems = check_slot(date(2026, 12, 1), time(8, 30), 60, SH, NOW, POLICY)
    assert start is None
    assert messages(problems) == [
        (TIME, "2026-12-01 08:30 (Asia/Shanghai) has already passed; pick a later time.")]


def test_a_day_off_and_hours_outside_the_working_hours_are_refused_naming_them():
    _, weekend = check_slot(date(2026, 12, 5), time(10), 60, SH, NOW, POLICY)
    assert messages(weekend) == [
        (DATE, "2026-12-05 is a Saturday; meetings are held on Monday, Tuesday, Wednesday, "
               "Thursday, Friday.")]
    _, late = check_slot(date(2026, 12, 2), time(18, 30), 60, SH, NOW, POLICY)
    assert messages(late) == [
        (TIME, "Meetings are held between 08:00 and 19:00 (Asia/Shanghai); 18:30–19:30 is "
               "outside those hours.")]
    _, early = check_slot(date(2026, 12, 2), time(7, 45), 30, SH, NOW, POLICY)
    assert messages(early) == [
        (TIME, "Meetings are held between 08:00 and 19:00 (Asia/Shanghai); 07:45–08:15 is "
               "outside those hours.")]
    # A day off at a late hour: both at once, not the hours only once the day is mended.
    _, both = check_slot(date(2026, 12, 6), time(19), 60, SH, NOW, POLICY)
    assert messages(both) == [
        (DATE, "2026-12-06 is a Sunday; meetings are held on Monday, Tuesday, Wednesday, "
               "Thursday, Friday."),
        (TIME, "Meetings are held between 08:00 and 19:00 (Asia/Shanghai); 19:00–20:00 is "
               "outside those hours.")]
    start, edge = check_slot(date(2026, 12, 2), time(18), 60, SH, NOW, POLICY)
    assert edge == [] and start is not None


def test_the_day_names_read_in_the_readers_language():
    _, weekend = check_slot(date(2026, 12, 5), time(10), 60, SH, NOW, POLICY)
    zh = translator("zh-CN")
    assert zh._(weekend[0].template, **weekend[0].params).startswith("2026年12月5日")
    assert "星期一" in zh._(weekend[0].template, **weekend[0].params)


def test_duration_bounds_and_missing_fields_each_get_their_own_problem():
    _, problems = check_slot(None, None, 300, SH, NOW, POLICY)
    assert messages(problems) == [
        (DURATION, "A meeting lasts from 15 to 240 minutes; 300 is not in that range."),
        (DATE, "Pick the day of the meeting."),
        (TIME, "Pick the time the meeting starts."),
    ]
    _, short = check_slot(date(2026, 12, 2), time(10), 10, SH, NOW, POLICY)
    assert [p.where for p in short] == [DURATION]


def meeting(id_: int, start: datetime, minutes: int, attendees: tuple[str, ...],
            state: MeetingState = MeetingState.SCHEDULED) -> Meeting:
    return Meeting(MeetingKind.OTHER, f"M{id_}", "U0ORG00001", start, minutes, SH,
                   attendees=attendees, state=state, id=id_)


def test_conflicts_are_overlapping_meetings_sharing_someone_with_who_is_shared():
    ten = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    others = [
        meeting(1, ten - timedelta(minutes=30), 30, ("U0A0000001",)),     # ends as we start
        meeting(2, ten + timedelta(minutes=30), 60, ("U0A0000001", "U0B0000001")),
        meeting(3, ten, 60, ("U0C0000001",)),                             # nobody shared
        meeting(4, ten, 60, ("U0B0000001",), MeetingState.CANCELLED),
        meeting(5, ten + timedelta(minutes=59), 15, ("U0B0000001",)),
        meeting(6, ten, 60, ("U0A0000001",)),                             # the one moved
    ]
    found = conflicts(ten, 60, ["U0A0000001", "U0B0000001"], others,
                      lambda m: m.attendees, ignore=[6])
    assert [(c.meeting.id, c.people) for c in found] == [
        (2, ("U0A0000001", "U0B0000001")), (5, ("U0B0000001",))]


def test_a_meetings_span_reads_as_each_language_writes_a_date_and_hours():
    """Chinese wrote "（2026年12月9日, 15:00–16:00）", an English comma in Chinese."""
    meeting = Meeting(kind=MeetingKind.COLLECTION_REVIEW, title="t", organiser="U1",
                      starts_at=datetime(2026, 12, 9, 7, tzinfo=UTC), minutes=60,
                      zone="Asia/Shanghai")
    span = Span(meeting, "Asia/Shanghai")
    assert span.shown_by(translator("zh-CN")) == "2026年12月9日 15:00–16:00"
    assert span.shown_by(translator("en-US")) == "Dec 9, 2026, 15:00–16:00"


def test_a_holiday_is_refused_like_a_day_off():
    # Meetings ignored the organisation's holidays: a committee was set on New Year's Day.
    policy = dataclasses.replace(POLICY, holidays=frozenset({date(2026, 12, 3)}))
    start, problems = check_slot(date(2026, 12, 3), time(10), 60, SH, NOW, policy)
    assert start is None
    assert messages(problems) == [(DATE, "2026-12-03 is a holiday; pick another day.")]
    zh = translator("zh-CN")
    assert [zh._(p.template, **p.params) for p in problems] == [
        "2026年12月3日是节假日，请另选一天。"]
    assert check_slot(date(2026, 12, 2), time(10), 60, SH, NOW, policy)[1] == []
