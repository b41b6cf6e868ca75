"""Working time (domain.working_time) and the approval deadlines that count it: four
hours given late on a Friday end on Monday morning, holidays do not count, summer time
changes nothing, and the reminder falls in working time before the deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.approvals.deadlines import due
from domain.approvals.model import CreditRequest, Level, RequestKind
from domain.approvals.policy import ApprovalPolicy
from domain.money import Money
from domain.working_time import WorkingHours, WorkingTime

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NINE_TO_SIX = WorkingHours(time(9), time(18), frozenset(range(5)))
OFFICE = WorkingTime(NINE_TO_SIX, SHANGHAI, frozenset({date(2027, 1, 1)}))


def at(zone: ZoneInfo, *when: int) -> datetime:
    return datetime(*when, tzinfo=zone)  # type: ignore[misc]


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@pytest.mark.parametrize(("start", "n", "end"), [
    # Inside one day.
    (at(SHANGHAI, 2026, 12, 1, 10, 0), 4, at(SHANGHAI, 2026, 12, 1, 14, 0)),
    # Up to the close exactly: the close is the deadline, not the next morning.
    (at(SHANGHAI, 2026, 12, 1, 14, 0), 4, at(SHANGHAI, 2026, 12, 1, 18, 0)),
    # Across the night: 1 hour on Tuesday, 3 on Wednesday.
    (at(SHANGHAI, 2026, 12, 1, 17, 0), 4, at(SHANGHAI, 2026, 12, 2, 12, 0)),
    # Filed at night: counting starts at the next opening.
    (at(SHANGHAI, 2026, 12, 1, 22, 6), 4, at(SHANGHAI, 2026, 12, 2, 13, 0)),
    (at(SHANGHAI, 2026, 12, 2, 2, 0), 4, at(SHANGHAI, 2026, 12, 2, 13, 0)),
    # Friday at five: Monday at noon.
    (at(SHANGHAI, 2026, 12, 4, 17, 0), 4, at(SHANGHAI, 2026, 12, 7, 12, 0)),
    # The README's worked example: 1 + 9 + 9 + 5 hours.
    (at(SHANGHAI, 2026, 12, 4, 17, 0), 24, at(SHANGHAI, 2026, 12, 9, 14, 0)),
    # Filed on a Sunday: Monday's hours.
    (at(SHANGHAI, 2026, 12, 6, 11, 0), 8, at(SHANGHAI, 2026, 12, 7, 17, 0)),
    # 24 hours are nearly three working days of nine.
    (at(SHANGHAI, 2026, 12, 1, 9, 0), 24, at(SHANGHAI, 2026, 12, 3, 15, 0)),
    # New Year's Day, a Friday, is a holiday: Thursday 17:00 + 4 h is Monday 12:00.
    (at(SHANGHAI, 2026, 12, 31, 17, 0), 4, at(SHANGHAI, 2027, 1, 4, 12, 0)),
])
def test_hours_count_inside_the_working_hours_only(start: datetime, n: int,
                                                   end: datetime) -> None:
    assert OFFICE.add(start, hours(n)) == end
    # And back: the same hours before the deadline lead to where counting started,
    # or to the opening it waited for.
    assert OFFICE.subtract(end, hours(n)) == max(start, _opening_after(start))


def _opening_after(moment: datetime) -> datetime:
    return OFFICE.add(moment, timedelta(0))


def test_a_change_of_summer_time_is_counted_in_real_hours() -> None:
    # Berlin goes from CET to CEST on Sunday 28 March 2027; hours 09:00-18:00 local on
    # Friday and Monday. Friday 16:00 + 4 h: 2 h on Friday, 2 h on Monday, 11:00 CEST.
    berlin = WorkingTime(NINE_TO_SIX, BERLIN)
    end = berlin.add(at(BERLIN, 2027, 3, 26, 16, 0), hours(4))
    assert end == at(BERLIN, 2027, 3, 29, 11, 0)
    assert end.astimezone(UTC) == datetime(2027, 3, 29, 9, 0, tzinfo=UTC)


def test_a_calendar_without_working_days_says_so_rather_than_looping() -> None:
    never = WorkingTime(WorkingHours(time(9), time(18), frozenset()), SHANGHAI)
    with pytest.raises(ValueError, match="no working time within 3660 days"):
        never.add(at(SHANGHAI, 2026, 12, 1, 9, 0), hours(1))


REP = "U01SALESAMY"
FRIDAY_5PM = at(SHANGHAI, 2026, 12, 4, 17, 0)


def _request(level: Level, policy: ApprovalPolicy) -> CreditRequest:
    return CreditRequest(RequestKind.ORDER_RELEASE, "C0001", "Acme", REP, FRIDAY_5PM, "x",
                         Money(Decimal(1), "USD"), (level,), level_since=FRIDAY_5PM,
                         level_deadline=policy.deadline(FRIDAY_5PM, level.deadline_hours),
                         id=1)


def test_the_policy_counts_working_time_when_it_has_one_and_the_clock_otherwise() -> None:
    clock = ApprovalPolicy("USD")
    working = ApprovalPolicy("USD", working_time=OFFICE)
    assert clock.deadline(FRIDAY_5PM, 4) == at(SHANGHAI, 2026, 12, 4, 21, 0)
    assert working.deadline(FRIDAY_5PM, 4) == at(SHANGHAI, 2026, 12, 7, 12, 0)
    # The README's: 24 hours from Friday 17:00, reminded 4 working hours before.
    assert working.reminder(working.deadline(FRIDAY_5PM, 24)) == \
        at(SHANGHAI, 2026, 12, 9, 10, 0)
    assert clock.reminder(clock.deadline(FRIDAY_5PM, 24)) == at(SHANGHAI, 2026, 12, 5, 13, 0)


def test_a_friday_evening_request_is_reminded_and_overdue_in_working_time() -> None:
    policy = ApprovalPolicy("USD", remind_before_hours=2, working_time=OFFICE)
    request = _request(Level("credit_manager", 4), policy)
    assert request.deadline() == at(SHANGHAI, 2026, 12, 7, 12, 0)
    # Nothing over the weekend: the reminder is two working hours before Monday noon.
    for moment in (at(SHANGHAI, 2026, 12, 4, 21, 0), at(SHANGHAI, 2026, 12, 5, 10, 0),
                   at(SHANGHAI, 2026, 12, 7, 9, 59)):
        assert due(request, moment.astimezone(UTC), policy) is None
    reminded = due(request, at(SHANGHAI, 2026, 12, 7, 10, 0), policy)
    assert reminded is not None and reminded.action == "remind"
    overdue = due(request, at(SHANGHAI, 2026, 12, 7, 12, 0), policy)
    assert overdue is not None and (overdue.action, overdue.overdue_days) == ("overdue", 0)


def test_an_overdue_level_is_not_nagged_at_the_weekend() -> None:
    policy = ApprovalPolicy("USD", working_time=OFFICE)
    request = _request(Level("credit_manager", 4), policy)  # due Monday 7 Dec, noon
    saturday = due(request, at(SHANGHAI, 2026, 12, 12, 12, 0), policy)
    monday = due(request, at(SHANGHAI, 2026, 12, 14, 12, 0), policy)
    assert saturday is None
    assert monday is not None and (monday.action, monday.overdue_days) == ("overdue", 7)
    # Escalation is not held back: it lands at a deadline, inside working time anyway.
    escalating = _request(Level("credit_manager", 4, "cfo"), policy)
    late = due(escalating, at(SHANGHAI, 2026, 12, 12, 12, 0), policy)
    assert late is not None and late.action == "escalate"


def test_a_request_filed_before_deadlines_were_kept_counts_the_clock() -> None:
    policy = ApprovalPolicy("USD", working_time=OFFICE)
    old = CreditRequest(RequestKind.ORDER_RELEASE, "C0001", "Acme", REP, FRIDAY_5PM, "x",
                        Money(Decimal(1), "USD"), (Level("credit_manager", 4),),
                        level_since=FRIDAY_5PM, id=1)
    assert old.deadline() == at(SHANGHAI, 2026, 12, 4, 21, 0)
    assert policy.deadline(FRIDAY_5PM, 4) != old.deadline()
