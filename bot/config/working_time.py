"""Working hours and days in app.yaml, shared by the sections that count on them:
``meetings`` (when meetings are held) and ``approvals.working_time`` (what deadlines
count).

```yaml
approvals:
  working_time:
    hours: {start: "09:00", end: "18:00"}
    days: [mon, tue, wed, thu, fri]
    holidays: [2027-01-01, 2027-02-17]
```
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, tzinfo
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from bot.config.fields import shown
from bot.config.section import Section
from domain.imports.fields import iso_date_meant
from domain.working_time import WEEKDAYS, WorkingHours, WorkingTime

_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A weekday as three letters or in full: "monkey" is no Monday.
_DAY_NAMES = frozenset(WEEKDAYS) | frozenset(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
# The shortest working day deadlines may count: with at least an hour a week, the longest
# deadline (720 hours) ends within domain.working_time's horizon.
_SHORTEST_MINUTES = 60


def _error(message: str, **context: object) -> PydanticCustomError:
    return PydanticCustomError("working_time", message, dict(context))


def clock_time(value: object) -> time:
    """``"08:00"`` as a time; a clear error for anything else."""
    if isinstance(value, str) and (found := _CLOCK.fullmatch(value.strip())):
        return time(int(found[1]), int(found[2]))
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        # YAML 1.1 reads an unquoted 18:00 as a number in base 60.
        raise _error('write the time of day in quotes, e.g. "{clock}": unquoted, YAML '
                     "reads it as the number {shown}", clock=f"{value // 60:02d}:"
                     f"{value % 60:02d}", shown=shown(value))
    raise _error('write a time of day as "HH:MM" on the 24-hour clock, e.g. "08:00" or '
                 '"19:00", got {shown}', shown=shown(value))


def weekdays(value: object) -> list[str]:
    """``[mon, Tuesday, …]`` as three-letter weekdays; a clear error for anything else."""
    if not isinstance(value, list) or not value:
        raise _error("write the working days as a list of weekdays, e.g. [mon, tue, wed, "
                     "thu, fri]; got {shown}", shown=shown(value))
    for day in value:
        if not isinstance(day, str) or day.strip().lower() not in _DAY_NAMES:
            raise _error("{shown} is not a weekday; write mon, tue, wed, thu, fri, sat "
                         "or sun", shown=shown(day))
    return [day.strip().lower()[:3] for day in value]


# Working days as app.yaml writes them, checked by ``weekdays``; Monday to Friday unless
# written (``weekdays_field``).
Weekdays = Annotated[list[str], BeforeValidator(weekdays)]


def weekdays_field() -> Any:
    return Field(default=list(WEEKDAYS[:5]), description="a list of weekdays, e.g. [mon, "
                 "tue, wed, thu, fri]", json_schema_extra={"items": [
                     "a weekday: mon, tue, wed, thu, fri, sat or sun"]})


class WorkingHoursSetting(Section):
    start: str = Field(default="08:00", description='a time of day such as "08:00"')
    end: str = Field(default="19:00", description='a time of day such as "19:00"')

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock(cls, value: object) -> str:
        clock_time(value)
        return str(value).strip()

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHoursSetting:
        start, end = clock_time(self.start), clock_time(self.end)
        minutes = (end.hour - start.hour) * 60 + end.minute - start.minute
        if 0 < minutes < _SHORTEST_MINUTES:
            raise _error("the working hours must last an hour at least, e.g. start \"08:00\" "
                         "and end \"19:00\"; got {start} to {end}",
                         start=self.start, end=self.end)
        if end <= start:
            raise _error("the working hours must end after they start (both on the same "
                         'day), e.g. start "08:00" and end "19:00"; got {start} to {end}',
                         start=self.start, end=self.end)
        return self

    def hours(self, days: Sequence[str]) -> WorkingHours:
        return WorkingHours(clock_time(self.start), clock_time(self.end),
                            frozenset(WEEKDAYS.index(d) for d in days))


_HOLIDAY_HINT = "YYYY-MM-DD, e.g. 2027-01-01"


def read_holidays(value: object) -> list[date]:
    """A list of holidays as app.yaml writes them (YAML dates or YYYY-MM-DD strings);
    every date that is none said at once."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _error("write the holidays as a list of dates, e.g. [2027-01-01, "
                     "2027-02-17]; got {shown}", shown=shown(value))
    days, wrong = [], []
    for day in value:
        if isinstance(day, date) and not isinstance(day, datetime):
            days.append(day)
            continue
        if not isinstance(day, str | int):
            # A list or mapping (aliases can nest them a billion deep) is no date,
            # and is not written out in full to find that out.
            wrong.append(day)
            continue
        try:
            if not _ISO_DATE.fullmatch(str(day).strip()):
                raise ValueError(day)
            days.append(date.fromisoformat(str(day).strip()))
        except ValueError:
            wrong.append(day)
    if len(wrong) == 1:
        # 24.12.2026 as Germany writes it: told the one date it can be.
        meant = iso_date_meant(str(wrong[0]).strip()) if isinstance(wrong[0], str) \
            else None
        if meant:  # that date, not the form again beside it
            raise _error("{shown} is not a date; write it {day} (each holiday as "
                         "YYYY-MM-DD)", shown=shown(wrong[0]), day=meant)
        raise _error("{shown} is not a date; write each holiday as {hint}",
                     shown=shown(wrong[0]), hint=_HOLIDAY_HINT)
    if wrong:  # every one, not only the first to be put right
        raise _error("{shown} are not dates; write each holiday as {hint}",
                     shown=", ".join(shown(day) for day in wrong), hint=_HOLIDAY_HINT)
    return days


class WorkingTimeSettings(Section):
    """The hours that count toward an approval level's deadline and its reminder, in the
    organisation's time zone."""

    hours: WorkingHoursSetting = Field(
        default=WorkingHoursSetting(start="09:00", end="18:00"),
        description='a section with start and end, e.g. {start: "09:00", end: "18:00"}')
    days: Weekdays = weekdays_field()
    holidays: list[date] = Field(
        default_factory=list, description=f"a list of dates, each {_HOLIDAY_HINT}",
        json_schema_extra={"items": [_HOLIDAY_HINT]})

    @field_validator("holidays", mode="before")
    @classmethod
    def _holidays(cls, value: object) -> object:
        return read_holidays(value)

    def working_time(self, zone: tzinfo) -> WorkingTime:
        return WorkingTime(self.hours.hours(self.days), zone, frozenset(self.holidays))
