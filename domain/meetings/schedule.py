"""When a meeting may be held: a date and a time typed in the organiser's time zone,
checked against the clock, the working hours and the duration bounds, and the other
meetings of the same people it would clash with. Pure: the records come in as arguments.

Each refusal names the form field it belongs to (``DATE``, ``TIME``, ``DURATION``…), so
the Slack form shows every problem beside its field in one round."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import FieldProblem, FormRefused
from domain.meetings.model import Meeting, MeetingState
from domain.text import N_, Phrase
from domain.working_time import WorkingHours

# Form fields a refusal belongs to.
KIND = "kind"
TITLE = "title"
DEPARTMENTS = "departments"
ATTENDEES = "attendees"
CUSTOMERS = "customers"
DATE = "date"
TIME = "time"
DURATION = "duration"

_DAY_NAMES = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
              N_("Saturday"), N_("Sunday"))
SHORTEST_MINUTES = 15


class MeetingRefused(FormRefused):
    """A meeting that cannot be scheduled as given: every problem, field by field."""


@dataclass(frozen=True)
class SchedulingPolicy:
    # When meetings are held, in each organiser's own time zone: a meeting starts and
    # ends inside them.
    hours: WorkingHours = field(default_factory=WorkingHours)
    default_minutes: int = 60
    longest_minutes: int = 240
    # Reminders before each meeting (the meetings job sends them), longest first.
    reminders: tuple[timedelta, ...] = (timedelta(days=1), timedelta(minutes=15))
    # Days off on the organiser's calendar although their weekday is a working one.
    holidays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.hours.days and day not in self.holidays


@dataclass(frozen=True)
class Conflict:
    """Another scheduled meeting at an overlapping time, and who would be in both."""

    meeting: Meeting
    people: tuple[str, ...]


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone ``name``; a FieldProblem on the time when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldProblem(TIME, N_("{zone} is not a time zone creditbot knows; set your "
                                    "time zone in Slack's preferences."), zone=name) from None


def local_start(day: date, at: time, zone_name: str) -> datetime:
    """``day`` at ``at`` on the wall clock of ``zone_name``, as an aware datetime.
    Refused when the clocks skip that time (spring forward) or show it twice (fall
    back): either way nobody could be sure when to come."""
    zone = zone_named(zone_name)
    naive = datetime.combine(day, at.replace(second=0, microsecond=0))
    early, late = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)

    def exists(moment: datetime) -> bool:
        return moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive

    if not exists(early) and not exists(late):
        raise FieldProblem(TIME, N_("{time} does not exist on {day} in {zone}: the clocks "
                                    "move forward then. Pick another time, e.g. an hour "
                                    "later."), time=at.strftime("%H:%M"), day=day,
                           zone=zone_name)
    if early.utcoffset() != late.utcoffset():
        raise FieldProblem(TIME, N_("{time} happens twice on {day} in {zone}: the clocks go "
                                    "back then. Pick another time so that nobody comes an "
                                    "hour early or late."), time=at.strftime("%H:%M"),
                           day=day, zone=zone_name)
    return early


def check_slot(day: date | None, at: time | None, minutes: int | None, zone_name: str,
               now: datetime, policy: SchedulingPolicy) -> tuple[datetime | None,
                                                                 list[FieldProblem]]:
    """The start of a meeting on ``day`` at ``at`` (the organiser's wall clock) lasting
    ``minutes``, and every problem found: a missing or nonexistent time, a time passed,
    a day off, hours outside the working hours, a duration out of bounds. The start is
    None when there is no valid one."""
    problems: list[FieldProblem] = []
    if minutes is None:
        problems.append(FieldProblem(DURATION, N_("Pick how long the meeting lasts.")))
    elif not SHORTEST_MINUTES <= minutes <= policy.longest_minutes:
        problems.append(FieldProblem(
            DURATION, N_("A meeting lasts from {shortest} to {longest} minutes; {minutes} "
                         "is not in that range."), shortest=SHORTEST_MINUTES,
            longest=policy.longest_minutes, minutes=minutes))
    if day is None:
        problems.append(FieldProblem(DATE, N_("Pick the day of the meeting.")))
    if at is None:
        problems.append(FieldProblem(TIME, N_("Pick the time the meeting starts.")))
    if day is None or at is None:
        return None, problems
    hours = policy.hours
    try:
        start: datetime | None = local_start(day, at, zone_name)
        skipped = None
    except FieldProblem as problem:
        # 02:30 on the Sunday the clocks move: said alone, the Sunday and the hours came
        # only on the next try, after "e.g. an hour later" (03:30, refused in its turn).
        start, skipped = None, problem
    if start is not None and start <= now:
        problems.append(FieldProblem(
            TIME, N_("{day} {time} ({zone}) has already passed; pick a later time."),
            day=day, time=at.strftime("%H:%M"), zone=zone_name))
        return None, problems
    if day.weekday() not in hours.days:
        problems.append(FieldProblem(
            DATE, N_("{day} is a {weekday}; meetings are held on {days}."), day=day,
            weekday=Phrase(_DAY_NAMES[day.weekday()]),
            days=_Days(tuple(_DAY_NAMES[d] for d in sorted(hours.days)))))
    elif day in policy.holidays:
        problems.append(FieldProblem(DATE, N_("{day} is a holiday; pick another day."),
                                     day=day))
    # Both, on a Sunday at 19:00: the hours were said only once the day was mended. Not
    # of a duration out of bounds, which is said already: its end means nothing.
    outside = False
    if minutes is not None and SHORTEST_MINUTES <= minutes <= policy.longest_minutes:
        # On the wall clock: a time the clocks skip has no instant to count from.
        begins = datetime.combine(day, at.replace(second=0, microsecond=0))
        end_local = (start + timedelta(minutes=minutes)).astimezone(start.tzinfo) \
            if start is not None else begins + timedelta(minutes=minutes)
        if begins.time() < hours.start or end_local.date() != day \
                or end_local.time() > hours.end:
            outside = True
            problems.append(FieldProblem(
                TIME, N_("Meetings are held between {start} and {end} ({zone}); "
                         "{begins}–{ends} is outside those hours."),
                start=hours.start.strftime("%H:%M"), end=hours.end.strftime("%H:%M"),
                zone=zone_name, begins=at.strftime("%H:%M"),
                ends=end_local.strftime("%H:%M")))
    if skipped is not None and not outside:
        problems.append(skipped)
    if start is None or problems:
        return None, problems
    return start.astimezone(UTC), problems


def within_hours(starts_at: datetime, minutes: int, zone: tzinfo, hours: WorkingHours) -> bool:
    """Whether a meeting from ``starts_at`` for ``minutes`` lies inside ``hours`` of a
    working day on the clock of ``zone`` (an invitee's, who may live elsewhere)."""
    start = starts_at.astimezone(zone)
    end = (starts_at + timedelta(minutes=minutes)).astimezone(zone)
    return (start.weekday() in hours.days and hours.start <= start.time()
            and end.date() == start.date() and end.time() <= hours.end)


class _Days:
    """Weekday names joined, each in the reader's language."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names

    def shown_by(self, tr: Any) -> str:
        return str(tr.listing(Phrase(n) for n in self.names))

    def __str__(self) -> str:
        return ", ".join(self.names)


class Moment:
    """A point in time as a message shows it: in each reader's own zone by Slack, the
    fallback in ``zone`` (``Translator.moment``)."""

    def __init__(self, at: datetime, zone: str) -> None:
        self.at, self.zone = at, zone

    def shown_by(self, tr: Any) -> str:
        return str(tr.moment(self.at, ZoneInfo(self.zone)))

    def __str__(self) -> str:
        return f"{self.at.astimezone(ZoneInfo(self.zone)):%Y-%m-%d %H:%M} ({self.zone})"


class Span:
    """A meeting's day and hours on a wall clock, as the reader's language writes a date
    (``Dec 3, 2026, 10:00–11:00``), like the rest of the meetings' messages."""

    def __init__(self, meeting: Meeting, zone: str) -> None:
        local = ZoneInfo(zone)
        self.start = meeting.starts_at.astimezone(local)
        self.end = meeting.ends_at.astimezone(local)

    def shown_by(self, tr: Any) -> str:
        # Through the catalogue: Chinese writes no comma after a date.
        return str(tr._("{day}, {start}–{end}", day=tr.date(self.start.date()),
                        start=f"{self.start:%H:%M}", end=f"{self.end:%H:%M}"))

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"


def conflicts(start: datetime, minutes: int, people: Iterable[str],
              others: Iterable[Meeting], people_of: Callable[[Meeting], Iterable[str]],
              ignore: Iterable[int] = ()) -> list[Conflict]:
    """The scheduled meetings among ``others`` that overlap [start, start + minutes) and
    share someone with ``people``, each with the people shared (``ignore``: ids of the
    meeting being moved)."""
    end = start + timedelta(minutes=minutes)
    wanted, skipped = set(people), set(ignore)
    found = []
    for other in others:
        if other.id in skipped or other.state is not MeetingState.SCHEDULED \
                or not (other.starts_at < end and other.ends_at > start):
            continue
        shared = tuple(sorted(wanted & set(people_of(other))))
        if shared:
            found.append(Conflict(other, shared))
    return found
