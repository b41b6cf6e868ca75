"""Working time (domain.working_time) and the approval deadlines that count it: four
hours given late on a Friday end on Monday morning, holidays do not count, summer time
changes nothing, and the reminder falls in working time before the deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.approvals.model import CreditRequest, Level, RequestKind
from domain.approvals.policy import ApprovalPolicy
from domain.money import Money
from domain.working_time import WorkingHours, WorkingTime
from tests.unit.test_deadlines import one_due

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
    with pytest.raises(ValueError, match="no working time within 7320 days"):
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
        assert one_due(request, moment.astimezone(UTC), policy) is None
    reminded = one_due(request, at(SHANGHAI, 2026, 12, 7, 10, 0), policy)
    assert reminded is not None and reminded.action == "remind"
    overdue = one_due(request, at(SHANGHAI, 2026, 12, 7, 12, 0), policy)
    assert overdue is not None and (overdue.action, overdue.overdue_days) == ("overdue", 0)


def test_an_overdue_level_is_not_nagged_at_the_weekend() -> None:
    policy = ApprovalPolicy("USD", working_time=OFFICE)
    request = _request(Level("credit_manager", 4), policy)  # due Monday 7 Dec, noon
    friday = one_due(request, at(SHANGHAI, 2026, 12, 11, 12, 0), policy)
    saturday = one_due(request, at(SHANGHAI, 2026, 12, 12, 12, 0), policy)
    monday_morning = one_due(request, at(SHANGHAI, 2026, 12, 14, 9, 5), policy)
    monday = one_due(request, at(SHANGHAI, 2026, 12, 14, 12, 0), policy)
    # One a working day, numbered in working days: Tuesday to Friday are 1 to 4.
    assert friday is not None and (friday.action, friday.overdue_days) == ("overdue", 4)
    assert saturday is None
    # Monday before the deadline's time of day: not Friday's again nor Monday's early (a
    # new user got both on a Monday, at 09:05 and at 15:05).
    assert monday_morning is None
    assert monday is not None and (monday.action, monday.overdue_days) == ("overdue", 5)
    assert monday.key != friday.key
    # Escalation is not held back: it lands at a deadline, inside working time anyway.
    escalating = _request(Level("credit_manager", 4, "cfo"), policy)
    late = one_due(escalating, at(SHANGHAI, 2026, 12, 12, 12, 0), policy)
    assert late is not None and late.action == "escalate"


def test_a_request_filed_before_deadlines_were_kept_counts_the_clock() -> None:
    policy = ApprovalPolicy("USD", working_time=OFFICE)
    old = CreditRequest(RequestKind.ORDER_RELEASE, "C0001", "Acme", REP, FRIDAY_5PM, "x",
                        Money(Decimal(1), "USD"), (Level("credit_manager", 4),),
                        level_since=FRIDAY_5PM, id=1)
    assert old.deadline() == at(SHANGHAI, 2026, 12, 4, 21, 0)
    assert policy.deadline(FRIDAY_5PM, 4) != old.deadline()


def test_a_level_starting_a_few_seconds_past_the_minute_ends_that_day() -> None:
    # A new user's held order at 14:00 and a few seconds, 4 working hours: the deadline
    # read Tuesday 09:00, not Friday 18:00, five seconds having spilled over the weekend.
    policy = ApprovalPolicy("USD", working_time=OFFICE)
    late = FRIDAY_5PM - timedelta(hours=3) + timedelta(seconds=5)
    assert policy.deadline(late, 4) == at(SHANGHAI, 2026, 12, 4, 18, 0)


def test_a_level_no_longer_than_the_reminder_window_gets_no_reminder() -> None:
    # Filed at night with 4 hours and reminders 4 hours ahead: the level counts from the
    # opening, the reminder would fall on that same opening.
    policy = ApprovalPolicy("USD", remind_before_hours=4, working_time=OFFICE)
    night = at(SHANGHAI, 2026, 12, 1, 22, 30)
    request = CreditRequest(RequestKind.ORDER_RELEASE, "C0001", "Acme", REP, night, "x",
                            Money(Decimal(1), "USD"), (Level("credit_manager", 4),),
                            level_since=night, level_deadline=policy.deadline(night, 4), id=1)
    assert request.deadline() == at(SHANGHAI, 2026, 12, 2, 13, 0)
    for moment in (at(SHANGHAI, 2026, 12, 2, 9, 0), at(SHANGHAI, 2026, 12, 2, 12, 59)):
        assert one_due(request, moment, policy) is None


def test_a_deadline_kept_from_before_is_told_of_in_working_hours() -> None:
    # Filed before deadlines were kept: 4 hours on the clock from Monday 22:06, due at
    # 02:06. Not at 02:06 nor at 08:59, but at the opening; the next at the next opening.
    policy = ApprovalPolicy("USD", working_time=OFFICE)
    night = at(SHANGHAI, 2026, 11, 30, 22, 6)
    old = CreditRequest(RequestKind.ORDER_RELEASE, "C0001", "Acme", REP, night, "x",
                        Money(Decimal(1), "USD"), (Level("credit_manager", 4),),
                        level_since=night, id=1)
    assert old.deadline() == at(SHANGHAI, 2026, 12, 1, 2, 6)
    for moment in (at(SHANGHAI, 2026, 12, 1, 2, 6), at(SHANGHAI, 2026, 12, 1, 8, 59)):
        assert one_due(old, moment, policy) is None
    first = one_due(old, at(SHANGHAI, 2026, 12, 1, 9, 0), policy)
    second = one_due(old, at(SHANGHAI, 2026, 12, 2, 9, 0), policy)
    assert first is not None and first.overdue_days == 0
    assert second is not None and second.overdue_days == 1


def test_a_deadline_kept_from_after_closing_is_told_of_at_the_next_opening() -> None:
    # Due Monday 20:00 (kept from before the hours were shortened to 18:00): not in the
    # evening, then at Tuesday's opening, and the next one at Wednesday's (a reviewer got
    # Monday 23:00 and then none until Wednesday evening).
    policy = ApprovalPolicy("USD", working_time=OFFICE)
    since = at(SHANGHAI, 2026, 11, 30, 16, 0)
    old = CreditRequest(RequestKind.ORDER_RELEASE, "C0001", "Acme", REP, since, "x",
                        Money(Decimal(1), "USD"), (Level("credit_manager", 4),),
                        level_since=since, level_deadline=at(SHANGHAI, 2026, 11, 30, 20, 0),
                        id=1)
    for moment in (at(SHANGHAI, 2026, 11, 30, 20, 0), at(SHANGHAI, 2026, 11, 30, 23, 0),
                   at(SHANGHAI, 2026, 12, 1, 8, 59)):
        assert one_due(old, moment, policy) is None
    tuesday = [one_due(old, at(SHANGHAI, 2026, 12, 1, *when), policy)
               for when in ((9, 0), (18, 5))]
    wednesday = one_due(old, at(SHANGHAI, 2026, 12, 2, 9, 0), policy)
    assert [(d.action, d.overdue_days) for d in tuesday if d] == [("overdue", 0)] * 2
    assert wednesday is not None and (wednesday.action, wednesday.overdue_days) == (
        "overdue", 1)


def test_a_deadline_on_a_saturday_is_told_of_on_monday_as_its_first_day() -> None:
    policy = ApprovalPolicy("USD", working_time=OFFICE)
    saturday = at(SHANGHAI, 2026, 12, 5, 11, 0)
    old = CreditRequest(RequestKind.ORDER_RELEASE, "C0001", "Acme", REP, saturday, "x",
                        Money(Decimal(1), "USD"), (Level("credit_manager", 4),),
                        level_since=saturday - timedelta(hours=4), level_deadline=saturday,
                        id=1)
    assert one_due(old, at(SHANGHAI, 2026, 12, 6, 12, 0), policy) is None
    monday = one_due(old, at(SHANGHAI, 2026, 12, 7, 9, 0), policy)
    assert monday is not None and (monday.action, monday.overdue_days) == ("overdue", 0)


def test_a_moment_is_working_time_inside_the_hours_of_a_working_day() -> None:
    assert OFFICE.is_working(at(SHANGHAI, 2026, 12, 1, 9, 0))
    assert OFFICE.is_working(at(SHANGHAI, 2026, 12, 1, 17, 59))
    assert not OFFICE.is_working(at(SHANGHAI, 2026, 12, 1, 18, 0))  # the close
    assert not OFFICE.is_working(at(SHANGHAI, 2026, 12, 1, 0, 5))
    assert not OFFICE.is_working(at(SHANGHAI, 2026, 12, 5, 10, 0))  # a Saturday
    assert not OFFICE.is_working(at(SHANGHAI, 2027, 1, 1, 10, 0))  # a holiday
    # Asked in another zone: 02:00 UTC is 10:00 in Shanghai.
    assert OFFICE.is_working(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))


def test_a_meeting_within_an_invitees_working_hours_on_their_own_clock() -> None:
    from domain.meetings.schedule import within_hours

    eight_to_seven = WorkingHours(time(8), time(19), frozenset(range(5)))
    new_york = ZoneInfo("America/New_York")
    tuesday_ten_shanghai = at(SHANGHAI, 2026, 12, 1, 10, 0)
    assert within_hours(tuesday_ten_shanghai, 60, SHANGHAI, eight_to_seven)
    assert not within_hours(tuesday_ten_shanghai, 60, new_york, eight_to_seven)  # Mon 21:00
    # 18:30 for an hour ends past the close; 23:30 for an hour ends the next day.
    assert not within_hours(at(SHANGHAI, 2026, 12, 1, 18, 30), 60, SHANGHAI, eight_to_seven)
    assert not within_hours(at(SHANGHAI, 2026, 12, 1, 23, 30), 60, SHANGHAI,
                            WorkingHours(time(0), time(23, 59), frozenset(range(7))))
    # 15:00 in London on a Saturday is no working day there.
    assert not within_hours(at(BERLIN, 2026, 12, 5, 16, 0), 60, ZoneInfo("Europe/London"),
                            eight_to_seven)
