"""app.yaml's schedules and scheduler sections, as `creditbot config check` reports them."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_config
from bot.config.schema import cron_trigger
from tests.conftest import ROOT
from tests.unit.test_config import line_of, problems

GOOD = (ROOT / "app.yaml").read_text(encoding="utf-8")
CRON = ('must be a cron expression "minute hour day month weekday" in the organisation\'s '
        'time zone, weekdays by name, e.g. "15 3 * * *" (03:15 every day) or '
        '"0 8 * * mon-fri", got {}')


def test_the_shipped_schedules():
    config = load_config(ROOT / "app.yaml")
    assert config.schedules.of("housekeeping") == "15 3 * * *"
    assert config.schedules.of("orders") == "*/15 * * * *"
    assert config.schedules.of("approvals") == "*/15 * * * *"
    assert config.schedules.of("report") == "0 9 * * mon"
    assert config.schedules.of("collections") == "0 7 * * mon-fri"
    assert config.schedules.of("meetings") == "*/5 * * * *"
    assert config.scheduler.lease_seconds == 45


def test_both_sections_are_optional(tmp_path):
    text = GOOD.split("\nschedules:")[0]
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    assert config.schedules.of("housekeeping") is None
    assert config.scheduler.lease_seconds == 45


@pytest.mark.parametrize(("expression", "why"), [
    # The field and its range: "25" alone did not say which field, nor what it takes.
    ("61 3 * * *", "its minute field, “61”, is out of range: minutes run 0 to 59"),
    ("0 25 * * mon", "its hour field, “25”, is out of range: hours run 0 to 23"),
    ("15 3 * *", "a cron expression has 5 fields, not 4"),
    # Weekday numbers mean different days in crontab and APScheduler 3.
    ("15 3 * * 1-5", "write weekdays by name (mon-fri), not by number"),
    ("0 8 * * fun", "its weekday field, “fun”, is not one: write mon, tue, wed, thu, fri, "
     "sat or sun, a range (mon-fri) or a list (sat,sun)"),
    ("0 0 31 2 *", "day 31 of month 2 never comes round"),
    ("0 0 5-1 * *", "its day field, “5-1”, is a range that runs backwards: write it "
     "low-high"),
    # Out of range first: it was said to run backwards.
    ("60-5 * * * *", "its minute field, “60-5”, is out of range: minutes run 0 to 59"),
    ("every day", "a cron expression has 5 fields, not 2"),
    ("0 0 * * * 2027", "“2027” reads as a year, and a cron expression has no year field: "
     "a schedule repeats every year"),
    ("x 1 * * *", "its minute field, “x”, is not one: write a number, * (every), */15 "
     "(every 15th), a range (1-5) or a list (1,15)"),
])
def test_a_bad_cron_expression_is_reported_with_its_line(tmp_path, expression, why):
    text = GOOD.replace('housekeeping: "15 3 * * *"', f'housekeeping: "{expression}"')
    assert problems(tmp_path, text) == [
        f"line {line_of(text, expression)}: schedules.housekeeping: "
        + CRON.format(f'"{expression}"') + f": {why}"]


def test_a_schedule_for_an_unknown_job_and_a_short_lease(tmp_path):
    text = (GOOD.replace('  housekeeping: "15 3 * * *"',
                         '  housekeeping: "15 3 * * *"\n  hosekeeping: "0 4 * * *"')
                .replace("lease_seconds: 45", "lease_seconds: 1"))
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'hosekeeping')}: schedules.hosekeeping: is not a setting "
        "creditbot knows: did you mean housekeeping? The settings here are: alerts, "
        "approvals, orders, people, housekeeping, report, collections, meetings",
        f"line {line_of(text, 'lease_seconds: 1')}: scheduler.lease_seconds: must be a whole "
        "number of seconds from 3 to 3600, e.g. 45, got 1",
    ]


def test_cron_runs_in_the_given_zone_with_optional_seconds_and_named_weekdays():
    shanghai = ZoneInfo("Asia/Shanghai")
    monday_noon = datetime(2026, 11, 30, 4, tzinfo=UTC)  # 12:00 in Shanghai
    nightly = cron_trigger("15 3 * * *", shanghai)
    assert nightly.get_next_fire_time(None, monday_noon) == datetime(2026, 12, 1, 3, 15,
                                                                     tzinfo=shanghai)
    weekdays = cron_trigger("0 8 * * sat,sun", shanghai)
    assert weekdays.get_next_fire_time(None, monday_noon) == datetime(2026, 12, 5, 8,
                                                                      tzinfo=shanghai)
    every_second = cron_trigger("*/1 * * * * *", shanghai)
    assert every_second.get_next_fire_time(None, monday_noon) == monday_noon
