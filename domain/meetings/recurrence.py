"""When a recurring series meets next, on its organiser's wall clock in the meeting's
zone. Pure.

Every occurrence is counted from the series' first one (its *anchor*), not from the
previous occurrence: a monthly series that began on Jan 31 meets on Feb 28 (29), Mar 31,
Apr 30…, where stepping from occurrence to occurrence would drift to the 28th for good;
and an occurrence someone moved by a day does not move the ones after it.

The local time of day is kept across DST changes (a 09:00 meeting stays at 09:00, its UTC
time moves by an hour). A local time that does not exist that day (the clocks spring
forward over it) moves forward by the gap, and ``Occurrence.shifted`` says so; a time
that happens twice (the clocks fall back) is the first of the two.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.meetings.model import Recurrence

_DAYS = {Recurrence.WEEKLY: 7, Recurrence.BIWEEKLY: 14}


@dataclass(frozen=True)
class Occurrence:
    """The ``number``-th occurrence after the anchor (1 = the one after it), starting at
    ``starts_at`` (UTC). ``shifted`` is True when the series' local time did not exist
    that day and the start moved forward by the clocks' gap."""

    number: int
    starts_at: datetime
    shifted: bool = False


def _day(anchor: date, recurrence: Recurrence, number: int) -> date:
    if recurrence in _DAYS:
        return anchor + timedelta(days=_DAYS[recurrence] * number)
    if recurrence is Recurrence.MONTHLY:
        months = anchor.month - 1 + number
        year, month = anchor.year + months // 12, months % 12 + 1
        return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))
    raise ValueError(f"a series that does not recur has no next occurrence ({recurrence})")


def occurrence(anchor: datetime, zone: str, recurrence: Recurrence,
               number: int) -> Occurrence:
    """The ``number``-th occurrence of a series whose first occurrence starts at
    ``anchor`` (aware), on the wall clock of ``zone``."""
    tz = ZoneInfo(zone)
    first = anchor.astimezone(tz)
    naive = datetime.combine(_day(first.date(), recurrence, number), first.time())
    start = naive.replace(tzinfo=tz, fold=0)
    in_utc = start.astimezone(UTC)
    # A time in the gap is read with the offset from before the gap (fold=0), which puts
    # it after the gap by exactly its length: the meeting moves forward, as it should.
    # Such a time does not survive the round trip through UTC, which is how we know.
    shifted = in_utc.astimezone(tz).replace(tzinfo=None) != naive
    return Occurrence(number, in_utc, shifted)


def next_after(anchor: datetime, zone: str, recurrence: Recurrence, latest: int,
               now: datetime) -> Occurrence:
    """The occurrence after number ``latest`` (the series' latest, by its stored number:
    an occurrence moved within or beyond its period still stands for its slot), or, when
    that one is already past ``now`` (nobody ran the job for a while), the first one
    still to come: a missed occurrence is not created after the fact."""
    found = occurrence(anchor, zone, recurrence, latest + 1)
    while found.starts_at <= now:
        found = occurrence(anchor, zone, recurrence, found.number + 1)
    return found
