"""The ``meetings`` section of app.yaml: when meetings may be held (in each organiser's
own time zone), how long they last, and when the reminders go out.

```yaml
meetings:
  working_hours: {start: "08:00", end: "19:00"}   # a meeting starts and ends inside
  working_days: [mon, tue, wed, thu, fri]
  default_minutes: 60                             # the form's duration to start with
  longest_minutes: 240
  reminders_before: ["1d", "15m"]                 # d days, h hours, m minutes
  holidays: [2027-01-01]                          # left out: the approvals' holidays
```
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from bot.config.fields import shown
from bot.config.section import Section
from bot.config.working_time import (
    Weekdays,
    WorkingHoursSetting,
    read_holidays,
    weekdays_field,
)
from domain.meetings.schedule import SHORTEST_MINUTES, SchedulingPolicy

_LEAD = re.compile(r"(\d{1,4})([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_LEAD_HINT = ('a number and a unit: "1d" (days), "2h" (hours) or "15m" (minutes), '
              'e.g. ["1d", "15m"]')
_LONGEST = 24 * 60


def _error(message: str, **context: object) -> PydanticCustomError:
    return PydanticCustomError("meetings", message, dict(context))


def lead_time(value: object) -> timedelta:
    """``"1d"``, ``"2h"``, ``"15m"`` as a duration; a clear error for anything else."""
    found = _LEAD.fullmatch(value.strip().lower()) if isinstance(value, str) else None
    if found is None or int(found[1]) == 0:
        raise _error("write each reminder as {hint}; got {shown}", hint=_LEAD_HINT,
                     shown=shown(value))
    amount = int(found[1])
    lead = timedelta(**{_UNITS[found[2]]: amount})
    if lead > timedelta(days=30):
        raise _error("a reminder goes out at most 30 days before the meeting; got {shown}",
                     shown=shown(value))
    return lead


class MeetingSettings(Section):
    working_hours: WorkingHoursSetting = Field(
        default=WorkingHoursSetting(), description='a section with start and end, e.g. '
        '{start: "08:00", end: "19:00"}')
    working_days: Weekdays = weekdays_field()
    default_minutes: int = Field(
        default=60, description=f"a whole number of minutes from {SHORTEST_MINUTES}, e.g. 60")
    longest_minutes: int = Field(
        default=240, description=f"a whole number of minutes from {SHORTEST_MINUTES} to "
        f"{_LONGEST}, e.g. 240")
    reminders_before: list[str] = Field(
        default=["1d", "15m"], description=f"a list of reminders, each {_LEAD_HINT}",
        json_schema_extra={"items": [_LEAD_HINT]})
    # Left out: approvals.working_time's (one list of the organisation's holidays).
    holidays: list[date] | None = Field(
        default=None, description="a list of dates, each a date as YYYY-MM-DD, e.g. "
        "2027-01-01", json_schema_extra={"items": ["a date as YYYY-MM-DD, e.g. 2027-01-01"]})

    @field_validator("holidays", mode="before")
    @classmethod
    def _holidays(cls, value: object) -> object:
        return None if value is None else read_holidays(value)

    @field_validator("reminders_before", mode="before")
    @classmethod
    def _reminders(cls, value: object) -> object:
        if not isinstance(value, list):
            raise _error("write the reminders as a list, each {hint}; got {shown}",
                         hint=_LEAD_HINT, shown=shown(value))
        for lead in value:
            lead_time(lead)
        return [str(lead).strip().lower() for lead in value]

    # Each on its own field, so that it is said beside the other fields' problems (a
    # model check runs only once every field is valid: one round more to learn of it).
    @field_validator("longest_minutes", "default_minutes")
    @classmethod
    def _minutes(cls, value: int) -> int:
        if not SHORTEST_MINUTES <= value <= _LONGEST:
            raise _error("must be from {shortest} to {longest} minutes; got {got}",
                         shortest=SHORTEST_MINUTES, longest=_LONGEST, got=value)
        return value

    @model_validator(mode="after")
    def _durations(self) -> MeetingSettings:
        if not SHORTEST_MINUTES <= self.default_minutes <= self.longest_minutes:
            raise _error("default_minutes must be from {shortest} to longest_minutes "
                         "({longest}); got {got}", shortest=SHORTEST_MINUTES,
                         longest=self.longest_minutes, got=self.default_minutes)
        return self

    def policy(self, holidays: Iterable[date] = ()) -> SchedulingPolicy:
        """``holidays``: the organisation's, when this section names none."""
        hours = self.working_hours.hours(self.working_days)
        leads = sorted({lead_time(r) for r in self.reminders_before}, reverse=True)
        return SchedulingPolicy(hours, self.default_minutes, self.longest_minutes,
                                tuple(leads), frozenset(
                                    self.holidays if self.holidays is not None else holidays))
