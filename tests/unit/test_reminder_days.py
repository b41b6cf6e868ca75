"""The day the collections job reminds of a next step: its first run on or after the
step's day that is no holiday. A collector told "you are reminded that day" of a
Saturday heard on Monday."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.wiring import reminder_days

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_weekend_or_a_holiday_is_reminded_on_the_next_run() -> None:
    reminded_on = reminder_days("0 7 * * mon-fri", SHANGHAI, frozenset({date(2027, 1, 1)}))
    assert reminded_on(date(2026, 12, 9)) == date(2026, 12, 9)  # a Wednesday: that day
    assert reminded_on(date(2026, 12, 12)) == date(2026, 12, 14)  # Saturday: Monday
    assert reminded_on(date(2026, 12, 13)) == date(2026, 12, 14)  # Sunday: Monday
    # New Year's Day, a Friday holiday: the Monday after.
    assert reminded_on(date(2027, 1, 1)) == date(2027, 1, 4)


def test_a_schedule_app_yaml_sets_is_the_one_followed() -> None:
    every_day = reminder_days("30 6 * * *", SHANGHAI, frozenset())
    assert every_day(date(2026, 12, 12)) == date(2026, 12, 12)
    tuesdays = reminder_days("0 7 * * tue", SHANGHAI, frozenset())
    assert tuesdays(date(2026, 12, 9)) == date(2026, 12, 15)
