"""Working time: the hours of the working days, in one time zone, without holidays.

Meetings are held inside working hours (``domain.meetings.schedule``); approval
deadlines and reminders may count working time only (``domain.approvals.policy``), so
that four hours given at five on a Friday afternoon end on Monday morning, not in the
night.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far working time is searched for (twenty years): a calendar of holidays and few
# working days cannot make a deadline loop for ever, and 720 hours at an hour a week (the
# least app.yaml allows) end within it.
_FARTHEST_DAYS = 7_320


@dataclass(frozen=True)
class WorkingHours:
    """From ``start`` to ``end`` on ``days`` (0 = Monday)."""

    start: time = time(8)
    end: time = time(19)
    days: frozenset[int] = frozenset(range(5))


@dataclass(frozen=True)
class WorkingTime:
    """``hours`` on the clock of ``zone``, except on ``holidays``."""

    hours: WorkingHours
    zone: tzinfo
    holidays: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.hours.days and day not in self.holidays

    def is_working(self, moment: datetime) -> bool:
        """Whether ``moment`` falls inside the working hours of a working day."""
        day = moment.astimezone(self.zone).date()
        if not self.is_working_day(day):
            return False
        opens, closes = self._window(day)
        return opens <= moment.astimezone(UTC) < closes

    def _window(self, day: date) -> tuple[datetime, datetime]:
        # In UTC: aware datetimes sharing a tzinfo subtract as wall-clock times, which is
        # an hour off across a change of summer time.
        return (datetime.combine(day, self.hours.start, tzinfo=self.zone).astimezone(UTC),
                datetime.combine(day, self.hours.end, tzinfo=self.zone).astimezone(UTC))

    def _days(self, first: date, step: int) -> Iterator[date]:
        for n in range(_FARTHEST_DAYS):
            day = first + timedelta(days=n * step)
            if self.is_working_day(day):
                yield day
        raise ValueError(f"no working time within {_FARTHEST_DAYS} days of {first}")

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment ``duration`` of working time after ``start``: counting begins at
        the next opening when ``start`` is outside working time."""
        moment, left = start.astimezone(UTC), duration
        for day in self._days(start.astimezone(self.zone).date(), 1):
            opens, closes = self._window(day)
            begin = max(opens, moment)
            if begin >= closes:
                continue
            if begin + left <= closes:
                return begin + left
            left -= closes - begin
        raise AssertionError("unreachable")  # _days raises first

    def subtract(self, end: datetime, duration: timedelta) -> datetime:
        """The moment ``duration`` of working time before ``end``."""
        moment, left = end.astimezone(UTC), duration
        for day in self._days(end.astimezone(self.zone).date(), -1):
            opens, closes = self._window(day)
            finish = min(closes, moment)
            if finish <= opens:
                continue
            if finish - left >= opens:
                return finish - left
            left -= finish - opens
        raise AssertionError("unreachable")

    def days_after(self, first: datetime, now: datetime) -> int:
        """How many working days after ``first``'s day, up to ``now``'s, have reached
        ``first``'s time of day by ``now`` (on this zone's clock)."""
        start, end = first.astimezone(self.zone), now.astimezone(self.zone)
        count, day = 0, start.date() + timedelta(days=1)
        while day <= end.date():
            # Same tzinfo: compared as wall-clock times, the time of day we mean.
            if self.is_working_day(day) and \
                    datetime.combine(day, start.time(), tzinfo=self.zone) <= end:
                count += 1
            day += timedelta(days=1)
        return count

