"""The next occurrence of a recurring meeting on its organiser's wall clock."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.meetings.model import Recurrence
from domain.meetings.recurrence import next_after, occurrence

LONDON = "Europe/London"
NEW_YORK = "America/New_York"


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))  # type: ignore[misc]


def test_weekly_keeps_the_local_time_across_the_clocks_going_back() -> None:
    # Tue Oct 20 2026 10:00 BST (09:00 UTC); the clocks go back on Sun Oct 25.
    anchor = local(LONDON, 2026, 10, 20, 10, 0)
    after = occurrence(anchor, LONDON, Recurrence.WEEKLY, 1)
    assert after.starts_at == datetime(2026, 10, 27, 10, 0, tzinfo=UTC)  # 10:00 GMT
    assert after.starts_at.astimezone(ZoneInfo(LONDON)).hour == 10
    assert not after.shifted


def test_weekly_keeps_the_local_time_across_the_clocks_going_forward() -> None:
    # Thu Mar 5 2026 09:00 EST (14:00 UTC); the clocks spring forward on Sun Mar 8.
    anchor = local(NEW_YORK, 2026, 3, 5, 9, 0)
    after = occurrence(anchor, NEW_YORK, Recurrence.WEEKLY, 1)
    assert after.starts_at == datetime(2026, 3, 12, 13, 0, tzinfo=UTC)  # 09:00 EDT
    assert not after.shifted


def test_a_local_time_the_clocks_skip_moves_forward_and_says_so() -> None:
    # Sundays at 02:30 in New York: on Mar 8 2026 the clocks jump from 02:00 to 03:00.
    anchor = local(NEW_YORK, 2026, 3, 1, 2, 30)
    skipped = occurrence(anchor, NEW_YORK, Recurrence.WEEKLY, 1)
    assert skipped.shifted
    assert skipped.starts_at.astimezone(ZoneInfo(NEW_YORK)).replace(tzinfo=None) \
        == datetime(2026, 3, 8, 3, 30)
    assert skipped.starts_at == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    # The week after, 02:30 exists again and the series is back at it.
    back = occurrence(anchor, NEW_YORK, Recurrence.WEEKLY, 2)
    assert back.starts_at == datetime(2026, 3, 15, 6, 30, tzinfo=UTC) and not back.shifted


def test_a_local_time_that_happens_twice_is_the_first_of_the_two() -> None:
    anchor = local(NEW_YORK, 2026, 10, 25, 1, 30)  # Sunday 01:30 EDT
    twice = occurrence(anchor, NEW_YORK, Recurrence.WEEKLY, 1)  # Nov 1: 01:30 twice
    assert twice.starts_at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    assert not twice.shifted


def test_every_two_weeks() -> None:
    anchor = local(LONDON, 2026, 12, 1, 9, 0)
    assert occurrence(anchor, LONDON, Recurrence.BIWEEKLY, 1).starts_at \
        == datetime(2026, 12, 15, 9, 0, tzinfo=UTC)
    assert occurrence(anchor, LONDON, Recurrence.BIWEEKLY, 3).starts_at \
        == datetime(2027, 1, 12, 9, 0, tzinfo=UTC)


def test_monthly_from_january_31_takes_each_months_last_day_and_comes_back() -> None:
    anchor = local("Asia/Shanghai", 2027, 1, 31, 10, 0)
    days = [occurrence(anchor, "Asia/Shanghai", Recurrence.MONTHLY, n).starts_at
            .astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat() for n in range(1, 6)]
    assert days == ["2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30"]
    leap = local("Asia/Shanghai", 2028, 1, 31, 10, 0)
    assert occurrence(leap, "Asia/Shanghai", Recurrence.MONTHLY, 1).starts_at \
        == datetime(2028, 2, 29, 2, 0, tzinfo=UTC)
    # Across the year's end.
    assert occurrence(local("Asia/Shanghai", 2026, 11, 30, 10, 0), "Asia/Shanghai",
                      Recurrence.MONTHLY, 2).starts_at == datetime(2027, 1, 30, 2, 0, tzinfo=UTC)


def test_a_series_that_does_not_recur_has_no_next_occurrence() -> None:
    with pytest.raises(ValueError):
        occurrence(local(LONDON, 2026, 12, 1, 9, 0), LONDON, Recurrence.NONE, 1)


def test_the_next_occurrence_counts_from_the_stored_number_wherever_one_was_moved() -> None:
    anchor = local(LONDON, 2026, 12, 1, 9, 0)  # Tuesdays
    # The second occurrence (number 1) was moved from Tue Dec 8 to Thu Dec 10.
    moved = local(LONDON, 2026, 12, 10, 15, 0)
    found = next_after(anchor, LONDON, Recurrence.WEEKLY, 1, now=moved)
    assert (found.number, found.starts_at) == (2, datetime(2026, 12, 15, 9, 0, tzinfo=UTC))
    # Moved a day earlier (Mon Dec 7): still number 1, so next is Dec 15, not Dec 8.
    early = local(LONDON, 2026, 12, 7, 9, 0)
    assert next_after(anchor, LONDON, Recurrence.WEEKLY, 1,
                      now=early).starts_at == datetime(2026, 12, 15, 9, 0, tzinfo=UTC)


def test_a_monthly_occurrence_moved_to_the_20th_is_followed_by_the_next_month() -> None:
    anchor = local(LONDON, 2027, 1, 1, 9, 0)
    # February's (number 1) moved to Feb 20: closer to March 1 by date, still February's.
    moved = local(LONDON, 2027, 2, 20, 9, 0)
    found = next_after(anchor, LONDON, Recurrence.MONTHLY, 1, now=moved)
    assert (found.number, found.starts_at) == (2, datetime(2027, 3, 1, 9, 0, tzinfo=UTC))


def test_occurrences_missed_while_nothing_ran_are_not_created_after_the_fact() -> None:
    anchor = local(LONDON, 2026, 12, 1, 9, 0)
    found = next_after(anchor, LONDON, Recurrence.WEEKLY, 0,
                       now=local(LONDON, 2026, 12, 20, 12, 0))
    assert (found.number, found.starts_at) == (3, datetime(2026, 12, 22, 9, 0, tzinfo=UTC))
