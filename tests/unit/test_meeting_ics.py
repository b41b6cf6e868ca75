"""The calendar files of a recurring series, read the way a calendar client reads them:
the series' first file (RRULE) makes the event; every later file is merged by UID —
an override or a cancel of one occurrence (RECURRENCE-ID) changes only that one, a
cancel without RECURRENCE-ID removes the event, and a file whose SEQUENCE is not higher
than what the client has is ignored; a strict client also forgets what it knew of single
occurrences when a series' master comes again. Also: the VTIMEZONE covers the series (a DST
change a year ahead is right in UTC), and a Slack id is never shown as a name."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import icalendar
import pytest
from dateutil.rrule import rrulestr

from domain.meetings.model import Meeting, MeetingKind, MeetingState, Recurrence
from handlers.meetings import ics

ORGANISER, AMY = "U02CREDITMG", "U02CREDITAN"
NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
# Wednesday 2 December 2026, 10:00 in Shanghai; weekly.
FIRST = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def series(**changes: Any) -> Meeting:
    base = Meeting(kind=MeetingKind.CREDIT_COMMITTEE, title="Weekly credit",
                   organiser=ORGANISER, starts_at=FIRST, minutes=60, zone="Asia/Shanghai",
                   recurrence=Recurrence.WEEKLY, created_at=NOW, id=1, version=1)
    return dataclasses.replace(base, **changes)


def occurrence(number: int, **changes: Any) -> Meeting:
    """The job's ``number``-th occurrence (1 = the week after the first)."""
    return series(**{"id": 1 + number, "series_id": 1, "starts_at": FIRST + number * WEEK,
                     "series_start": FIRST, "occurrence": number, **changes})


class Client:
    """A calendar's view of the events it imported, one entry per UID. ``strict``: one
    that rebuilds a series whose master comes again, forgetting what earlier files said
    of single occurrences (Outlook's way when a rule changes)."""

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict
        self.masters: dict[str, icalendar.Event] = {}
        self.sequence: dict[str, int] = {}
        self.moved: dict[str, dict[datetime, datetime]] = {}
        self.cancelled: dict[str, set[datetime]] = {}
        self.removed: set[str] = set()

    def open(self, content: bytes) -> None:
        cal = icalendar.Calendar.from_ical(content)
        events = cal.walk("VEVENT")
        key, seq = str(events[0]["uid"]), max(int(e["sequence"]) for e in events)
        if key in self.sequence and seq <= self.sequence[key]:
            return  # an older revision than the one we have
        self.sequence[key] = seq
        for event in events:
            rid = event.decoded("recurrence-id").astimezone(UTC) \
                if "recurrence-id" in event else None
            if str(cal["method"]) == "CANCEL" or str(event["status"]) == "CANCELLED":
                if rid is None:
                    self.removed.add(key)
                else:
                    self.cancelled.setdefault(key, set()).add(rid)
            elif rid is not None:
                self.moved.setdefault(key, {})[rid] = event.decoded("dtstart").astimezone(UTC)
            else:
                if self.strict:
                    self.moved.pop(key, None)
                    self.cancelled.pop(key, None)
                self.masters[key] = event
                for listed in _exdates(event):
                    self.cancelled.setdefault(key, set()).add(listed)

    def starts(self, key: str, count: int = 5) -> list[datetime]:
        if key in self.removed:
            return []
        master = self.masters[key]
        start = master.decoded("dtstart")
        if "rrule" in master:
            rule = rrulestr(master["rrule"].to_ical().decode(), dtstart=start)
            slots = [s.astimezone(UTC) for s in list(rule.xafter(start - timedelta(1),
                                                                  count=count))]
        else:
            slots = [start.astimezone(UTC)]
        moved, gone = self.moved.get(key, {}), self.cancelled.get(key, set())
        return [moved.get(s, s) for s in slots if s not in gone]


def _exdates(event: icalendar.Event) -> list[datetime]:
    found = event.get("exdate")
    if found is None:
        return []
    return [d.dt.astimezone(UTC) for listed in (found if isinstance(found, list) else [found])
            for d in listed.dts]


def made(meeting: Meeting, at: datetime, **kwargs: Any) -> bytes:
    return ics.calendar(meeting, [ORGANISER, AMY], "", at, **kwargs)


def test_one_occurrence_cancelled_or_moved_changes_only_that_occurrence() -> None:
    client = Client()
    client.open(made(series(), NOW))
    key = "meeting-1@creditbot"
    weekly = [FIRST + n * WEEK for n in range(5)]
    assert client.starts(key) == weekly
    # The job invites the next occurrence: its file changes nothing (it is the series').
    client.open(made(occurrence(1), FIRST + timedelta(minutes=5)))
    client.open(made(occurrence(2), FIRST + WEEK + timedelta(minutes=5)))
    assert client.starts(key) == weekly
    # Occurrence #2 cancelled alone: only it is gone.
    client.open(made(occurrence(2, state=MeetingState.CANCELLED, version=2),
                     FIRST + WEEK + timedelta(hours=1)))
    assert client.starts(key) == [weekly[0], weekly[1], weekly[3], weekly[4]]
    # Occurrence #3 moved two hours later: only it moves, from its place in the series.
    moved = FIRST + 3 * WEEK + timedelta(hours=2)
    client.open(made(occurrence(3, starts_at=moved, version=2, rescheduled_at=NOW),
                     FIRST + WEEK + timedelta(hours=2)))
    assert client.starts(key) == [weekly[0], weekly[1], moved, weekly[4]]
    # The first occurrence moved: only it moves (the rule keeps its anchor).
    first_moved = FIRST + timedelta(hours=1)
    client.open(made(series(starts_at=first_moved, version=2, rescheduled_at=NOW),
                     FIRST + WEEK + timedelta(hours=3)))
    assert client.starts(key) == [first_moved, weekly[1], moved, weekly[4]]


def test_an_occurrence_file_has_a_recurrence_id_no_rule_and_a_rising_sequence() -> None:
    master = icalendar.Calendar.from_ical(made(series(), NOW)).walk("VEVENT")[0]
    later = icalendar.Calendar.from_ical(made(occurrence(1), NOW + WEEK)).walk("VEVENT")[0]
    assert str(later["uid"]) == str(master["uid"]) == "meeting-1@creditbot"
    assert "rrule" not in later and "recurrence-id" not in master
    assert later.decoded("recurrence-id").astimezone(UTC) == FIRST + WEEK
    # The job's occurrence is version 1 like the master, yet its file is newer.
    assert int(later["sequence"]) > int(master["sequence"])


def test_a_series_cancelled_from_its_first_occurrence_removes_the_event() -> None:
    client = Client()
    client.open(made(series(), NOW))
    client.open(made(occurrence(1), FIRST + timedelta(minutes=5)))
    # A series cancel ends the rule (recurrence none) on the occurrence it was made on.
    cancel = made(series(state=MeetingState.CANCELLED, recurrence=Recurrence.NONE,
                         version=2), FIRST + timedelta(hours=3), rule_ended=Recurrence.WEEKLY)
    parsed = icalendar.Calendar.from_ical(cancel)
    [event] = parsed.walk("VEVENT")
    assert (str(parsed["method"]), str(event["uid"]), "recurrence-id" in event) == (
        "CANCEL", "meeting-1@creditbot", False)
    client.open(cancel)
    assert client.starts("meeting-1@creditbot") == []


@pytest.mark.parametrize("strict", [False, True])
def test_a_series_cancelled_from_a_later_occurrence_keeps_the_meetings_held(
        strict: bool) -> None:
    # A CANCEL of the series' UID took the meetings already held out of everyone's
    # calendar too. The file carries the whole series: a calendar that rebuilds a series
    # whose rule changed (strict) showed again the occurrence cancelled before and put
    # the moved one back at its old time.
    client = Client(strict)
    key = "meeting-1@creditbot"
    client.open(made(series(), NOW))
    second = occurrence(1, state=MeetingState.CANCELLED, version=2)
    client.open(made(occurrence(1), FIRST + timedelta(minutes=5)))
    client.open(made(second, FIRST + timedelta(hours=1)))
    moved = FIRST + 2 * WEEK + timedelta(days=1)
    third = occurrence(2, starts_at=moved, version=2, rescheduled_at=NOW)
    client.open(made(occurrence(2), FIRST + WEEK + timedelta(minutes=5)))
    client.open(made(third, FIRST + WEEK + timedelta(hours=2)))
    fourth = occurrence(3, version=1)
    client.open(made(fourth, FIRST + 2 * WEEK + timedelta(minutes=5)))
    # Cancelled from the fourth (ends the rule), all the series as it then stands.
    gone = dataclasses.replace(fourth, state=MeetingState.CANCELLED,
                               recurrence=Recurrence.NONE, version=2)
    cancel = made(gone, FIRST + 3 * WEEK - timedelta(days=1), rule_ended=Recurrence.WEEKLY,
                  series=[series(), second, third, gone])
    parsed = icalendar.Calendar.from_ical(cancel)
    master, *overrides = parsed.walk("VEVENT")
    assert (str(parsed["method"]), str(master["uid"]), "recurrence-id" in master) == (
        "REQUEST", key, False)
    # The series' own start and length, its rule ending the second before the
    # occurrence cancelled (its place in the series).
    assert (master.decoded("dtstart").astimezone(UTC),
            master.decoded("dtend") - master.decoded("dtstart")) == (FIRST, timedelta(hours=1))
    assert master["rrule"]["UNTIL"] == [FIRST + 3 * WEEK - timedelta(seconds=1)]
    assert _exdates(master) == [FIRST + WEEK]
    assert [(str(o["uid"]), o.decoded("recurrence-id").astimezone(UTC),
             o.decoded("dtstart").astimezone(UTC), str(o["status"])) for o in overrides] == [
        (key, FIRST + 2 * WEEK, moved, "CONFIRMED")]
    client.open(cancel)
    assert client.starts(key) == [FIRST, moved]


def test_an_occurrence_moved_past_the_cut_goes_with_the_series() -> None:
    # The series cancelled from its second occurrence while the third, moved to the day
    # before, still stood: its override was outside the rule, and nothing withdrew it.
    client = Client()
    key = "meeting-1@creditbot"
    client.open(made(series(), NOW))
    client.open(made(occurrence(1), FIRST + timedelta(minutes=5)))
    client.open(made(occurrence(2), FIRST + WEEK + timedelta(minutes=5)))
    early = FIRST + 2 * WEEK - timedelta(days=1)
    client.open(made(occurrence(2, starts_at=early, version=2, rescheduled_at=NOW),
                     FIRST + WEEK + timedelta(hours=1)))
    second, third = (occurrence(n, state=MeetingState.CANCELLED, recurrence=Recurrence.NONE,
                                version=3, **({"starts_at": early} if n == 2 else {}))
                     for n in (1, 2))
    cancel = made(second, FIRST + WEEK + timedelta(hours=2), rule_ended=Recurrence.WEEKLY,
                  series=[series(), second, third])
    [override] = icalendar.Calendar.from_ical(cancel).walk("VEVENT")[1:]
    assert (override.decoded("recurrence-id").astimezone(UTC), str(override["status"])) == (
        FIRST + 2 * WEEK, "CANCELLED")
    client.open(cancel)
    assert client.starts(key) == [FIRST]


def _local(naive: datetime, zone: tzinfo) -> datetime:
    return naive.replace(tzinfo=zone).astimezone(UTC)


def test_the_vtimezone_covers_the_series_across_dst_a_year_ahead() -> None:
    # 09:00 in New York every week from Tuesday 1 December 2026: 14:00 UTC in winter,
    # 13:00 UTC from 14 March 2027, 14:00 again from 7 November 2027.
    new_york = series(zone="America/New_York",
                      starts_at=datetime(2026, 12, 1, 14, 0, tzinfo=UTC))
    cal = icalendar.Calendar.from_ical(made(new_york, NOW))
    [vtimezone] = cal.walk("VTIMEZONE")
    zone = vtimezone.to_tz()  # the file's own VTIMEZONE, not the machine's tz database
    [event] = cal.walk("VEVENT")
    assert event["rrule"].to_ical() == b"FREQ=WEEKLY"  # no end: it runs until cancelled
    naive = event.decoded("dtstart").replace(tzinfo=None)
    wall = rrulestr(event["rrule"].to_ical().decode(), dtstart=naive)
    starts = {d.date(): _local(d, zone) for d in wall.between(
        datetime(2026, 12, 1), datetime(2027, 12, 31), inc=True)}
    assert starts[date(2026, 12, 1)] == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert starts[date(2027, 3, 9)] == datetime(2027, 3, 9, 14, 0, tzinfo=UTC)
    assert starts[date(2027, 3, 16)] == datetime(2027, 3, 16, 13, 0, tzinfo=UTC)
    assert starts[date(2027, 11, 2)] == datetime(2027, 11, 2, 13, 0, tzinfo=UTC)
    assert starts[date(2027, 11, 9)] == datetime(2027, 11, 9, 14, 0, tzinfo=UTC)
    assert starts[date(2027, 11, 30)] == datetime(2027, 11, 30, 14, 0, tzinfo=UTC)
    # Its transitions reach thirty years ahead, not three: a DST change in 2055 too.
    assert str(vtimezone["comment"]) == (
        "This timezone only works from 2026-11-30 to 2056-11-30.")
    summer_2055 = _local(datetime(2055, 7, 6, 9, 0), zone)
    assert summer_2055 == datetime(2055, 7, 6, 13, 0, tzinfo=UTC)


def test_a_slack_id_is_never_a_name() -> None:
    unnamed = icalendar.Calendar.from_ical(made(series(), NOW)).walk("VEVENT")[0]
    assert "CN" not in unnamed["organizer"].params
    assert "CN" not in unnamed["attendee"].params
    named = icalendar.Calendar.from_ical(ics.calendar(
        series(), [ORGANISER, AMY], "", NOW,
        {ORGANISER: "Mei Chen", AMY: "Ana Lima"}.get)).walk("VEVENT")[0]
    assert (named["organizer"].params["CN"], named["attendee"].params["CN"]) == (
        "Mei Chen", "Ana Lima")


def test_a_monthly_series_from_a_months_end_meets_when_creditbot_says_in_calendars() -> None:
    # A bare FREQ=MONTHLY from the 31st skips Feb, Apr, Jun…: calendars missed the
    # occurrences creditbot holds on the last day of shorter months.
    from domain.meetings.recurrence import occurrence as held

    for day in (date(2026, 12, 31), date(2027, 1, 30), date(2027, 1, 29), date(2027, 1, 28)):
        # 17:30 in Shanghai.
        first = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9, minutes=30)
        meeting = series(starts_at=first, recurrence=Recurrence.MONTHLY)
        client = Client()
        client.open(made(meeting, NOW))
        expected = [held(first, "Asia/Shanghai", Recurrence.MONTHLY, n).starts_at
                    for n in range(14)]
        assert client.starts(ics.uid(meeting), count=14) == expected, day
        if day.day == 31:
            assert [(s + timedelta(hours=8)).date().isoformat() for s in expected[:5]] == [
                "2026-12-31", "2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]


def test_a_long_series_with_many_people_ends_in_a_file_of_bounded_size() -> None:
    # 300 people on each of 110 moved occurrences made a 2.2 MB file: over the outbox's
    # limit, the cancel failed with it, and the series stayed. Seventeen years of weekly
    # moves: the oldest give way.
    people = [ORGANISER, *(f"U{n:010d}" for n in range(300))]
    moved = [occurrence(n, starts_at=FIRST + n * WEEK + timedelta(hours=1), version=2,
                        rescheduled_at=NOW) for n in range(1, 900)]
    gone = occurrence(900, state=MeetingState.CANCELLED, recurrence=Recurrence.NONE,
                      version=2)
    content = ics.calendar(gone, people, "", FIRST + 900 * WEEK - timedelta(days=1),
                           rule_ended=Recurrence.WEEKLY, series=[series(), *moved, gone])
    assert len(content) <= ics.ENDING_BYTES
    master, *overrides = icalendar.Calendar.from_ical(content).walk("VEVENT")
    # Everyone on the series' own event; its overrides inherit them.
    assert len(master.get("attendee")) == 300
    assert all("attendee" not in o for o in overrides)
    # The newest moves are kept, up to the last before the cut.
    kept = [o.decoded("recurrence-id").astimezone(UTC) for o in overrides]
    assert kept == [FIRST + n * WEEK for n in range(900 - len(kept), 900)]
    assert 100 < len(kept) < 899
