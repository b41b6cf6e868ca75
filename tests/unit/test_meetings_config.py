"""The meetings section of app.yaml: the shipped settings, what they mean to the
scheduling rules, and what config check says of bad values."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from pathlib import Path

from bot.config import AppConfig, load_config
from domain.meetings.schedule import SchedulingPolicy
from domain.working_time import WorkingHours
from tests.conftest import ROOT
from tests.unit.test_config import GOOD, line_of, problems

# The shipped app.yaml without its meetings section, to write another.
BASE = re.sub(r"\nmeetings:\n(?:[ #].*\n|\n)*", "\n", GOOD)


def _section_line(text: str) -> int:
    """The top-level ``meetings:`` line (schedules name a job ``meetings`` too)."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if line == "meetings:")


def test_the_shipped_settings_are_the_defaults():
    config = load_config(ROOT / "app.yaml")
    assert config.meetings.policy() == SchedulingPolicy(
        WorkingHours(time(8), time(19), frozenset(range(5))), 60, 240,
        (timedelta(days=1), timedelta(minutes=15)))
    assert AppConfig.model_validate({**config.model_dump(), "meetings": {}}).meetings == \
        config.meetings


def test_settings_are_read(tmp_path: Path):
    path = tmp_path / "app.yaml"
    path.write_text(BASE + '\nmeetings:\n  working_hours: {start: "09:30", end: "17:00"}\n'
                    "  working_days: [Mon, wednesday, sat]\n  default_minutes: 30\n"
                    '  longest_minutes: 90\n  reminders_before: ["15m", "2H", "3d"]\n',
                    encoding="utf-8")
    assert load_config(path).meetings.policy() == SchedulingPolicy(
        WorkingHours(time(9, 30), time(17), frozenset({0, 2, 5})), 30, 90,
        (timedelta(days=3), timedelta(hours=2), timedelta(minutes=15)))


def test_bad_values_say_what_to_write(tmp_path: Path):
    text = (BASE + '\nmeetings:\n  working_hours: {start: "8am", end: "19:00"}\n'
            "  working_days: [mon, funday]\n"
            '  reminders_before: ["1 day", "15m"]\n  longest_minutes: 2000\n')
    assert problems(tmp_path, text) == [
        f"line {line_of(text, '8am')}: meetings.working_hours.start: write a time of day as "
        '"HH:MM" on the 24-hour clock, e.g. "08:00" or "19:00", got "8am"',
        f"line {line_of(text, 'funday')}: meetings.working_days: \"funday\" is not a "
        "weekday; write mon, tue, wed, thu, fri, sat or sun",
        f"line {line_of(text, '1 day')}: meetings.reminders_before: write each reminder as a "
        'number and a unit: "1d" (days), "2h" (hours) or "15m" (minutes), e.g. ["1d", '
        '"15m"]; got "1 day"',
        # Said with the others, not once they are mended.
        f"line {line_of(text, '2000')}: meetings.longest_minutes: must be from 15 to 1440 "
        "minutes; got 2000",
    ]
    text = (BASE + '\nmeetings:\n  working_hours: {start: "19:00", end: "08:00"}\n')
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'working_hours')}: meetings.working_hours: the working hours "
        'must end after they start (both on the same day), e.g. start "08:00" and end '
        '"19:00"; got 19:00 to 08:00']
    text = BASE + "\nmeetings:\n  longest_minutes: 2000\n  default_minutes: 10\n"
    assert problems(tmp_path, text) == [
        f"line {line_of(text, '2000')}: meetings.longest_minutes: must be from 15 to "
        "1440 minutes; got 2000",
        f"line {line_of(text, 'default_minutes: 10')}: meetings.default_minutes: must be "
        "from 15 to 1440 minutes; got 10"]
    text = BASE + "\nmeetings:\n  longest_minutes: 45\n"
    assert problems(tmp_path, text) == [
        f"line {_section_line(text)}: meetings: default_minutes must be from 15 to "
        "longest_minutes (45); got 60"]


def test_holidays_are_the_meetings_own_or_else_the_approvals(tmp_path: Path):
    path = tmp_path / "app.yaml"
    # The shipped approvals' working time names none: neither do meetings.
    assert load_config(ROOT / "app.yaml").meeting_policy().holidays == frozenset()
    with_approvals = BASE.replace("    holidays: []", "    holidays: [2027-01-01, 2027-02-17]")
    assert with_approvals != BASE
    path.write_text(with_approvals, encoding="utf-8")
    assert load_config(path).meeting_policy().holidays == frozenset(
        {date(2027, 1, 1), date(2027, 2, 17)})
    path.write_text(with_approvals + "\nmeetings:\n  holidays: [2027-05-01]\n",
                    encoding="utf-8")
    assert load_config(path).meeting_policy().holidays == frozenset({date(2027, 5, 1)})
    text = BASE + "\nmeetings:\n  holidays: [2027-05-01, may day]\n"
    assert problems(tmp_path, text) == [
        f"line {_section_line(text) + 1}: meetings.holidays: \"may day\" is not a date; "
        "write each holiday as YYYY-MM-DD, e.g. 2027-01-01"]
