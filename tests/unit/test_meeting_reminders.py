"""The meetings job on the fake unit of work with a controlled clock: reminders once,
late rather than never, never after the start, not for a cancelled meeting; recurring
series' next occurrences created once, each invited with its own agenda; task reminders
from the start of the working day."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.access import CreditDataAccess, Member
from domain.aging import AgingBuckets
from domain.meetings.model import MeetingKind, MeetingState, Recurrence, Task
from domain.meetings.people import Department, Invitees
from domain.meetings.ports import Happened, MeetingChange
from domain.meetings.reminders import MeetingsJob, due_lead, reminder_key
from domain.meetings.schedule import SchedulingPolicy
from domain.meetings.tasks import Tasks, due_key
from domain.meetings.use_cases import Draft, Meetings, Scope
from domain.model import Customer, Invoice
from domain.money import Money
from domain.ports import Outbox
from domain.positions import CreditPolicyContext
from handlers.meetings.notices import MeetingNotices
from tests.fakes import FakeUnitOfWork

SH = "Asia/Shanghai"
ZONE = ZoneInfo(SH)
# Monday Nov 30 2026, 09:00 in Shanghai; the committee meets Tuesdays at 10:00.
SCHEDULED_AT = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
START = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)  # Tue Dec 8 10:00 Shanghai
ORGANISER = Member("U0ORGANISE", frozenset({"credit_manager"}), frozenset({"credit"}))
SALES = Member("U0SALES001", frozenset({"sales"}), frozenset({"sales"}))
PEOPLE = {m.user_id: m for m in (ORGANISER, SALES)}
DEPARTMENTS = {
    "credit": Department("Credit", "C0CREDIT01", ("U0ORGANISE",)),
    "sales": Department("Sales", "C0SALES001", ("U0SALES001",)),
}


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Told:
    """The Slack notices, recording each change they were given."""

    slack: MeetingNotices
    changes: list[MeetingChange] = field(default_factory=list)

    def queue(self, outbox: Outbox, change: MeetingChange) -> None:
        self.changes.append(change)
        self.slack.queue(outbox, change)

    def of(self, happened: Happened) -> list[MeetingChange]:
        return [c for c in self.changes if c.happened is happened]


@dataclass
class World:
    uow: FakeUnitOfWork
    clock: Clock
    told: Told
    meetings: Meetings
    job: MeetingsJob


@pytest.fixture
def world() -> World:
    uow = FakeUnitOfWork(
        [Customer("C0009", "Lakeside Furniture", Money(Decimal("100000"), "USD"), 30)],
        [Invoice("INV-1", "C0009", date(2026, 10, 1), date(2026, 10, 31),
                 Money(Decimal("102697"), "USD"), Money(Decimal("102697"), "USD"))])
    clock = Clock(SCHEDULED_AT)
    told = Told(MeetingNotices(lambda to: "en-US", ZONE, {}, clock))
    access = CreditDataAccess(roles=frozenset({"credit_manager", "sales"}),
                              share_channels=frozenset({"C0CREDIT01", "C0SALES001"}))
    meetings = Meetings(uow, access, Invitees(DEPARTMENTS),
                        lambda user: PEOPLE.get(user, Member(user)), clock,
                        SchedulingPolicy(), CreditPolicyContext("USD", AgingBuckets((30, 60, 90))),
                        told, zone=ZONE)
    tasks = Tasks(uow, lambda user: frozenset(), clock, ZONE)
    return World(uow, clock, told, meetings, MeetingsJob(meetings, tasks))


def schedule(world: World, recurrence: Recurrence = Recurrence.NONE) -> int:
    meeting = world.meetings.schedule(ORGANISER, Draft(
        MeetingKind.CREDIT_COMMITTEE, "Weekly credit", date(2026, 12, 8), time(10), 60, SH,
        departments=("credit", "sales"), recurrence=recurrence))
    return meeting.id


def run_at(world: World, moment: datetime) -> dict[str, int]:
    world.clock.now = moment
    return world.job.run()


def reminders(world: World) -> list[tuple[int, timedelta | None]]:
    return [(c.meeting.id, c.lead) for c in world.told.of(Happened.REMINDER)]


def test_each_reminder_goes_once_across_runs_with_the_refreshed_agenda(world: World) -> None:
    meeting_id = schedule(world)
    assert run_at(world, START - timedelta(days=2))["reminders"] == 0
    first = run_at(world, START - timedelta(days=1))
    again = run_at(world, START - timedelta(days=1) + timedelta(minutes=5))
    assert (first["reminders"], again["reminders"]) == (1, 0)
    assert reminders(world) == [(meeting_id, timedelta(days=1))]
    change = world.told.of(Happened.REMINDER)[0]
    assert change.people == ("U0ORGANISE", "U0SALES001")
    assert change.channels == ("C0CREDIT01", "C0SALES001")
    # Built at the reminder, not the invitation.
    assert change.agenda is not None and change.agenda.built_at == START - timedelta(days=1)
    assert [i.customer_id for i in change.agenda.items] == ["C0009"]
    # Every destination was reminded once, under its key.
    for destination in ("C0CREDIT01", "C0SALES001", "U0ORGANISE", "U0SALES001"):
        assert world.uow.outbox.id_of(reminder_key(change.meeting, timedelta(days=1),
                                                   destination)) is not None
    assert [e.action for e in world.uow.audit.entries].count("meeting.reminded") == 1

    assert run_at(world, START - timedelta(minutes=15))["reminders"] == 1
    assert run_at(world, START - timedelta(minutes=10))["reminders"] == 0
    assert reminders(world) == [(meeting_id, timedelta(days=1)),
                                (meeting_id, timedelta(minutes=15))]


def test_a_late_run_still_reminds_before_the_start_but_never_after(world: World) -> None:
    meeting_id = schedule(world)
    # Nothing ran for a day: 16 minutes before the start, the 1-day reminder is late.
    assert run_at(world, START - timedelta(minutes=16))["reminders"] == 1
    assert reminders(world) == [(meeting_id, timedelta(days=1))]
    # 3 minutes before: the 15-minute one, late.
    assert run_at(world, START - timedelta(minutes=3))["reminders"] == 1
    # At the start and after: nothing more.
    assert run_at(world, START)["reminders"] == 0
    assert run_at(world, START + timedelta(minutes=1))["reminders"] == 0
    assert len(reminders(world)) == 2


def test_a_missed_reminder_gives_way_to_the_next_one(world: World) -> None:
    meeting_id = schedule(world)
    # The job did not run between a day and 15 minutes before: "starts in 1 day" would
    # be wrong now; only the 15-minute reminder goes.
    assert run_at(world, START - timedelta(minutes=5))["reminders"] == 1
    assert reminders(world) == [(meeting_id, timedelta(minutes=15))]


def test_a_cancelled_meeting_is_not_reminded(world: World) -> None:
    meeting_id = schedule(world)
    world.meetings.cancel(ORGANISER, meeting_id)
    assert run_at(world, START - timedelta(days=1))["reminders"] == 0
    assert run_at(world, START - timedelta(minutes=15))["reminders"] == 0
    assert reminders(world) == []


def test_no_one_day_reminder_for_a_meeting_scheduled_hours_ahead(world: World) -> None:
    world.clock.now = START - timedelta(hours=3)
    meeting_id = schedule(world)
    assert run_at(world, START - timedelta(hours=2))["reminders"] == 0
    assert run_at(world, START - timedelta(minutes=15))["reminders"] == 1
    assert reminders(world) == [(meeting_id, timedelta(minutes=15))]


def test_due_lead_windows() -> None:
    leads = (timedelta(days=1), timedelta(minutes=15))
    from domain.meetings.model import Meeting
    meeting = Meeting(MeetingKind.OTHER, "x", "U1", START, 60, SH, created_at=SCHEDULED_AT)
    assert due_lead(meeting, leads, START - timedelta(days=1, seconds=1)) is None
    assert due_lead(meeting, leads, START - timedelta(days=1)) == timedelta(days=1)
    assert due_lead(meeting, leads, START - timedelta(minutes=15, seconds=1)) \
        == timedelta(days=1)
    assert due_lead(meeting, leads, START - timedelta(minutes=15)) == timedelta(minutes=15)
    assert due_lead(meeting, leads, START - timedelta(seconds=1)) == timedelta(minutes=15)
    assert due_lead(meeting, leads, START) is None
    assert due_lead(replace(meeting, state=MeetingState.CANCELLED), leads,
                    START - timedelta(minutes=5)) is None


def test_a_rescheduled_meeting_is_reminded_of_its_new_time(world: World) -> None:
    from domain.meetings.use_cases import Move
    meeting_id = schedule(world)
    run_at(world, START - timedelta(days=1))
    world.meetings.reschedule(ORGANISER, meeting_id, Move(date(2026, 12, 9), time(10), 60, SH))
    assert run_at(world, START + timedelta(minutes=1))["reminders"] == 1
    assert [lead for _, lead in reminders(world)] == [timedelta(days=1), timedelta(days=1)]


def test_the_next_occurrence_is_created_once_with_its_own_agenda_and_invitation(
        world: World) -> None:
    first_id = schedule(world, Recurrence.WEEKLY)
    assert run_at(world, START - timedelta(minutes=1))["occurrences"] == 0
    started = run_at(world, START + timedelta(minutes=5))
    again = run_at(world, START + timedelta(minutes=10))
    assert (started["occurrences"], again["occurrences"]) == (1, 0)
    stored = world.uow.meetings.meetings
    assert [(m.id, m.series_id, m.starts_at, m.recurrence) for m in stored] == [
        (first_id, None, START, Recurrence.WEEKLY),
        (first_id + 1, first_id, START + timedelta(days=7), Recurrence.WEEKLY)]
    nxt = stored[1]
    assert (nxt.title, nxt.departments, nxt.organiser, nxt.minutes, nxt.created_at) == (
        "Weekly credit", ("credit", "sales"), "U0ORGANISE", 60, START + timedelta(minutes=5))
    invited = world.told.of(Happened.INVITED)
    assert [c.meeting.id for c in invited] == [first_id, nxt.id]
    assert invited[1].agenda is not None
    assert invited[1].agenda.built_at == START + timedelta(minutes=5)
    assert invited[1].people == ("U0ORGANISE", "U0SALES001")
    # Its own cards, in each channel and DM.
    from handlers.meetings.notices import card_key
    assert world.uow.outbox.id_of(card_key(nxt.id, "C0SALES001")) is not None
    audit = [e for e in world.uow.audit.entries if e.subject == f"meeting:{nxt.id}"]
    assert [(e.actor, e.action, e.details["occurrence"], e.details["shifted"])
            for e in audit] == [("creditbot", "meeting.scheduled", 1, False)]
    # A week later the one after it.
    assert run_at(world, START + timedelta(days=7, minutes=5))["occurrences"] == 1
    assert world.uow.meetings.meetings[-1].starts_at == START + timedelta(days=14)


def test_an_occurrence_cancelled_alone_keeps_the_series_a_cancelled_series_ends(
        world: World) -> None:
    first_id = schedule(world, Recurrence.WEEKLY)
    run_at(world, START + timedelta(minutes=5))
    second = world.uow.meetings.meetings[-1]
    world.meetings.cancel(ORGANISER, second.id)  # this one only
    assert run_at(world, second.starts_at + timedelta(minutes=5))["occurrences"] == 1
    third = world.uow.meetings.meetings[-1]
    assert (third.series_id, third.starts_at, third.state) == (
        first_id, START + timedelta(days=14), MeetingState.SCHEDULED)
    world.clock.now = third.starts_at - timedelta(days=2)
    world.meetings.cancel(ORGANISER, third.id, Scope.SERIES)
    assert run_at(world, third.starts_at + timedelta(minutes=5))["occurrences"] == 0
    assert run_at(world, third.starts_at + timedelta(days=8))["occurrences"] == 0
    assert len(world.uow.meetings.meetings) == 3


def test_an_occurrence_cancelled_before_its_day_is_followed_by_the_next_at_once(
        world: World) -> None:
    # The series' one occurrence cancelled a week ahead: until that day nothing of the
    # series was in anyone's /credit meetings, and its organiser had no "Cancel the
    # series" to press.
    first_id = schedule(world, Recurrence.WEEKLY)
    world.meetings.cancel(ORGANISER, first_id)
    assert run_at(world, SCHEDULED_AT + timedelta(minutes=5))["occurrences"] == 1
    assert run_at(world, SCHEDULED_AT + timedelta(minutes=10))["occurrences"] == 0
    assert [(m.series_id, m.starts_at, m.state) for m in world.uow.meetings.meetings] == [
        (None, START, MeetingState.CANCELLED),
        (first_id, START + timedelta(days=7), MeetingState.SCHEDULED)]
    # Its day comes: nothing more until the next one has started.
    assert run_at(world, START + timedelta(minutes=5))["occurrences"] == 0


def test_a_one_off_meeting_creates_nothing(world: World) -> None:
    schedule(world)
    assert run_at(world, START + timedelta(minutes=5))["occurrences"] == 0
    assert len(world.uow.meetings.meetings) == 1


def test_task_reminders_wait_for_the_working_day(world: World) -> None:
    today = date(2026, 12, 8)
    with world.uow:
        task = world.uow.meetings.add_task(Task("Call Lakeside", "U0SALES001", today,
                                                "U0ORGANISE", SCHEDULED_AT))
        world.uow.commit()
    early = run_at(world, datetime(2026, 12, 7, 23, 0, tzinfo=UTC))  # 07:00 Shanghai
    assert early["task_reminders"] == 0
    later = run_at(world, datetime(2026, 12, 8, 0, 5, tzinfo=UTC))  # 08:05
    assert later["task_reminders"] == 1
    assert world.uow.outbox.id_of(due_key(task, today)) is None  # no Slack notices here


def test_a_series_whose_only_occurrence_was_cancelled_alone_goes_on(world: World) -> None:
    # The series' one scheduled row is the cancelled one: the job still finds the series.
    first_id = schedule(world, Recurrence.WEEKLY)
    world.meetings.cancel(ORGANISER, first_id)
    assert run_at(world, START + timedelta(minutes=5))["occurrences"] == 1
    stored = world.uow.meetings.meetings
    assert [(m.id, m.series_id, m.starts_at, m.state, m.recurrence) for m in stored] == [
        (first_id, None, START, MeetingState.CANCELLED, Recurrence.WEEKLY),
        (first_id + 1, first_id, START + timedelta(days=7), MeetingState.SCHEDULED,
         Recurrence.WEEKLY)]
    assert run_at(world, START + timedelta(minutes=10))["occurrences"] == 0


def test_moving_only_the_first_occurrence_leaves_the_series_time_and_duration(
        world: World) -> None:
    from domain.meetings.use_cases import Move
    first_id = schedule(world, Recurrence.WEEKLY)
    # The first one moves to Wednesday 15:00 for 90 minutes; the series stays Tue 10:00, 1h.
    world.meetings.reschedule(ORGANISER, first_id, Move(date(2026, 12, 9), time(15), 90, SH))
    moved = datetime(2026, 12, 9, 7, 0, tzinfo=UTC)
    assert run_at(world, moved + timedelta(minutes=5))["occurrences"] == 1
    nxt = world.uow.meetings.meetings[-1]
    assert (nxt.starts_at, nxt.minutes, nxt.occurrence) == (
        START + timedelta(days=7), 60, 1)


def test_a_monthly_occurrence_moved_late_in_its_month_does_not_skip_the_next_month(
        world: World) -> None:
    from domain.meetings.use_cases import Move
    first_id = world.meetings.schedule(ORGANISER, Draft(
        MeetingKind.CREDIT_COMMITTEE, "Monthly credit", date(2026, 12, 1), time(10), 60, SH,
        departments=("credit",), recurrence=Recurrence.MONTHLY)).id
    first = world.uow.meetings.get_meeting(first_id)
    assert first is not None
    run_at(world, first.starts_at + timedelta(minutes=5))
    january = world.uow.meetings.meetings[-1]
    assert january.starts_at == datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    world.clock.now = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    # Moved from Fri Jan 1 to Wed Jan 20: still January's occurrence.
    world.meetings.reschedule(ORGANISER, january.id, Move(date(2027, 1, 20), time(10), 60, SH))
    assert run_at(world, datetime(2027, 1, 20, 2, 5, tzinfo=UTC))["occurrences"] == 1
    february = world.uow.meetings.meetings[-1]
    assert (february.starts_at, february.occurrence) == (
        datetime(2027, 2, 1, 2, 0, tzinfo=UTC), 2)


def test_a_reminder_lead_longer_than_the_reschedules_notice_is_skipped(world: World) -> None:
    from domain.meetings.use_cases import Move
    meeting_id = schedule(world)
    # On Monday 09:00 it moves to 11:00 that day: no "starts in 1 day" two hours ahead.
    world.clock.now = START - timedelta(days=1, hours=1)
    soon = world.clock.now + timedelta(hours=2)
    local = soon.astimezone(ZONE)
    world.meetings.reschedule(ORGANISER, meeting_id,
                              Move(local.date(), local.time(), 60, SH))
    assert run_at(world, soon - timedelta(hours=1))["reminders"] == 0
    assert run_at(world, soon - timedelta(minutes=15))["reminders"] == 1
    assert reminders(world) == [(meeting_id, timedelta(minutes=15))]


def test_an_occurrence_on_a_day_off_is_kept_and_the_audit_says_so(world: World) -> None:
    # Monthly from Thu Dec 31 2026: Jan 31 2027 is a Sunday.
    world.clock.now = datetime(2026, 12, 30, 1, 0, tzinfo=UTC)
    world.meetings.schedule(ORGANISER, Draft(
        MeetingKind.CREDIT_COMMITTEE, "Month end", date(2026, 12, 31), time(10), 60, SH,
        departments=("credit",), recurrence=Recurrence.MONTHLY))
    assert run_at(world, datetime(2026, 12, 31, 2, 5, tzinfo=UTC))["occurrences"] == 1
    sunday = world.uow.meetings.meetings[-1]
    assert sunday.starts_at == datetime(2027, 1, 31, 2, 0, tzinfo=UTC)
    [entry] = [e for e in world.uow.audit.entries if e.subject == f"meeting:{sunday.id}"]
    assert (entry.details["working_day"], entry.details["weekday"]) == (False, "sun")
    # Its organiser is told, not only the operators' log.
    assert organiser_notes(world) == [
        ":warning: The series' next meeting, Credit committee “Month end” on "
        "<!date^1801360800^{date_short_pretty} {time}|Jan 31, 2027, 10:00\u202fAM>, falls on a "
        "Sunday, not a working day. It stays as the series has it: move or cancel it with "
        "`/credit meetings` if it should not be held then."]


def organiser_notes(world: World) -> list[str]:
    """The warnings its organiser got by direct message (not the notes everyone got)."""
    return [m.text for m in world.uow.outbox.messages if m.channel == ORGANISER.user_id
            and m.kind == "meetings.note" and m.text.startswith(":warning:")]


def test_an_occurrence_that_clashes_with_a_moved_one_is_made_and_its_organiser_told(
        world: World) -> None:
    from domain.meetings.use_cases import Move
    first_id = schedule(world, Recurrence.WEEKLY)  # Tue Dec 8 10:00
    # The first occurrence moves to Dec 15 09:30; once it starts, the series' next one
    # (Dec 15 10:00, as the rule has it) is made over it, for the same people.
    world.clock.now = START - timedelta(days=1)
    world.meetings.reschedule(ORGANISER, first_id, Move(date(2026, 12, 15), time(9, 30), 60,
                                                        SH))
    assert organiser_notes(world) == []
    assert run_at(world, START + timedelta(days=7, minutes=-25))["occurrences"] == 1
    assert [m.starts_at for m in world.uow.meetings.meetings] == [
        START + timedelta(days=7, minutes=-30), START + timedelta(days=7)]
    assert organiser_notes(world) == [
        ":warning: The series' next meeting, Credit committee “Weekly credit” on "
        "<!date^1797300000^{date_short_pretty} {time}|Dec 15, 2026, 10:00\u202fAM>, clashes with "
        "“Weekly credit” (<!date^1797298200^{date_short_pretty} {time}|Dec 15, 2026, 9:30\u202f"
        "AM>) for <@U0ORGANISE>, <@U0SALES001>. It stays as the series has it: move or "
        "cancel it with `/credit meetings` if it should not be held then."]


def test_a_moved_occurrence_is_followed_by_the_next_number_once_it_started(
        world: World) -> None:
    from domain.meetings.use_cases import Move
    first_id = schedule(world, Recurrence.WEEKLY)
    run_at(world, START + timedelta(minutes=5))  # number 1: Tue Dec 15
    run_at(world, START + timedelta(days=7, minutes=5))  # number 2: Tue Dec 22
    second = next(m for m in world.uow.meetings.meetings if m.occurrence == 1)
    # Number 1 already took place; number 2 moves to Wed Dec 23: the run after Dec 22
    # finds number 2 not started and creates nothing; after Dec 23, number 3 (Dec 29).
    third = next(m for m in world.uow.meetings.meetings if m.occurrence == 2)
    world.meetings.reschedule(ORGANISER, third.id, Move(date(2026, 12, 23), time(10), 60, SH))
    assert run_at(world, START + timedelta(days=14, minutes=5))["occurrences"] == 0
    assert run_at(world, START + timedelta(days=15, minutes=5))["occurrences"] == 1
    assert [(m.occurrence, m.starts_at) for m in world.uow.meetings.series(first_id)][-1] \
        == (3, START + timedelta(days=21))
    assert second.starts_at == START + timedelta(days=7)


def test_an_occurrence_moved_past_the_next_ones_date_does_not_skip_it(world: World) -> None:
    from domain.meetings.use_cases import Move
    first_id = schedule(world, Recurrence.WEEKLY)  # Tue Dec 8 10:00
    # Moved to Wed Dec 16, past the series' Tue Dec 15: everyone's calendar file has
    # Dec 15 from the rule, so the job makes it at once, not once Dec 16 has started.
    world.clock.now = START - timedelta(days=1)
    world.meetings.reschedule(ORGANISER, first_id, Move(date(2026, 12, 16), time(10), 60, SH))
    assert run_at(world, START - timedelta(days=1, minutes=-5))["occurrences"] == 1
    assert run_at(world, START + timedelta(minutes=5))["occurrences"] == 0
    assert [(m.occurrence, m.starts_at) for m in world.uow.meetings.series(first_id)] == [
        (1, START + timedelta(days=7)), (0, START + timedelta(days=8))]
    # Dec 15's start then brings Dec 22, as for any series.
    assert run_at(world, START + timedelta(days=7, minutes=5))["occurrences"] == 1
    assert run_at(world, START + timedelta(days=8, minutes=5))["occurrences"] == 0
    assert [m.starts_at for m in world.uow.meetings.series(first_id)][-1] \
        == START + timedelta(days=14)


def test_an_occurrence_moved_onto_a_later_slot_is_not_doubled(world: World) -> None:
    from domain.meetings.use_cases import Move
    first_id = schedule(world, Recurrence.WEEKLY)  # Tue Dec 8 10:00
    run_at(world, START + timedelta(minutes=5))  # number 1: Tue Dec 15
    second = world.uow.meetings.meetings[-1]
    # "Skip this week": number 1 moves onto number 2's slot, Dec 22 10:00. Nothing is made
    # before it starts, and then not a second meeting at the same time: number 3, Dec 29.
    world.meetings.reschedule(ORGANISER, second.id, Move(date(2026, 12, 22), time(10), 60, SH))
    assert run_at(world, START + timedelta(days=7, minutes=5))["occurrences"] == 0
    assert run_at(world, START + timedelta(days=14, minutes=5))["occurrences"] == 1
    assert [(m.occurrence, m.starts_at) for m in world.uow.meetings.series(first_id)] == [
        (0, START), (1, START + timedelta(days=14)), (3, START + timedelta(days=21))]


def test_the_next_occurrence_steps_over_a_slot_a_moved_one_holds(world: World) -> None:
    from domain.meetings.use_cases import Move
    first_id = schedule(world, Recurrence.WEEKLY)  # Tue Dec 8 10:00
    run_at(world, START + timedelta(minutes=5))  # number 1: Tue Dec 15
    second = world.uow.meetings.meetings[-1]
    # Number 1 moves two weeks on, onto number 3's slot (Dec 29): number 2 (Dec 22) is
    # made at once; after it, number 3's slot is the moved meeting's, so number 4 (Jan 5).
    world.meetings.reschedule(ORGANISER, second.id, Move(date(2026, 12, 29), time(10), 60, SH))
    assert run_at(world, START + timedelta(days=1))["occurrences"] == 1
    assert run_at(world, START + timedelta(days=14, minutes=5))["occurrences"] == 1
    assert [(m.occurrence, m.starts_at) for m in world.uow.meetings.series(first_id)] == [
        (0, START), (2, START + timedelta(days=14)), (1, START + timedelta(days=21)),
        (4, START + timedelta(days=28))]



def test_an_occurrence_on_a_holiday_is_kept_and_its_organiser_told_so(world: World) -> None:
    # Weekly on Fridays; the organisation's holidays hold Friday 29 January 2027.
    world.meetings = dataclasses.replace(world.meetings, policy=SchedulingPolicy(
        holidays=frozenset({date(2027, 1, 29)})))
    world.job = MeetingsJob(world.meetings, world.job.tasks)
    world.clock.now = datetime(2026, 12, 30, 1, 0, tzinfo=UTC)
    world.meetings.schedule(ORGANISER, Draft(
        MeetingKind.CREDIT_COMMITTEE, "Friday review", date(2027, 1, 22), time(10), 60, SH,
        departments=("credit",), recurrence=Recurrence.WEEKLY))
    assert run_at(world, datetime(2027, 1, 22, 2, 5, tzinfo=UTC))["occurrences"] == 1
    holiday = world.uow.meetings.meetings[-1]
    assert holiday.starts_at == datetime(2027, 1, 29, 2, 0, tzinfo=UTC)
    [entry] = [e for e in world.uow.audit.entries if e.subject == f"meeting:{holiday.id}"]
    assert (entry.details["working_day"], entry.details["weekday"]) == (False, "fri")
    assert organiser_notes(world) == [
        ":warning: The series' next meeting, Credit committee “Friday review” on "
        f"<!date^{int(holiday.starts_at.timestamp())}^{{date_short_pretty}} {{time}}|Jan 29, "
        "2027, 10:00\u202fAM>, falls on a "
        "holiday. It stays as the series has it: move or cancel it with `/credit meetings` "
        "if it should not be held then."]
