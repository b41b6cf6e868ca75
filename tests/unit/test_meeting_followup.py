"""Minutes and tasks: recording minutes creates the tasks, every wrong field is named,
only the right people record or close, Done twice changes nothing, reminders once a day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.access import CreditDataAccess, Member
from domain.meetings.minutes import (
    ActionItem,
    AlreadyRecorded,
    MayNotRecord,
    MinutesKeeping,
    MinutesRefused,
)
from domain.meetings.model import Meeting, MeetingKind, MeetingState, TaskState
from domain.meetings.ports import Happened, MeetingChange
from domain.meetings.reminders import last_working_day
from domain.meetings.tasks import NotYourTask, TaskLine, Tasks
from domain.messages import OutgoingMessage
from domain.model import Customer
from domain.money import Money
from domain.ports import Outbox
from domain.refs import CustomerRef
from handlers.meetings.followup_notices import FollowUpNotices
from tests.fakes import FakeUnitOfWork

ORGANISER = "U0ORGANISE1"
ANALYST = "U0ANALYST01"
SALES = "U0SALESREP1"
MANAGER = "U0MANAGER01"
STRANGER = "U0STRANGER1"
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TODAY = NOW.date()
ACCESS = CreditDataAccess(roles=frozenset({"credit_analyst", "credit_manager"}))
ROLES = {ORGANISER: frozenset({"credit_manager"}), ANALYST: frozenset({"credit_analyst"}),
         MANAGER: frozenset({"credit_manager"}), SALES: frozenset({"sales"})}


def member(user: str) -> Member:
    return Member(user, ROLES.get(user, frozenset()))


class Recorder:
    def __init__(self) -> None:
        self.changes: list[MeetingChange] = []

    def queue(self, outbox: Outbox, change: MeetingChange) -> None:
        self.changes.append(change)


class TaskRecorder:
    def __init__(self) -> None:
        self.due_keys: list[str] = []
        self.overdue_calls: list[tuple[str, list[int], str]] = []
        self.done_calls: list[tuple[int, str, str]] = []

    def due(self, outbox: Outbox, line: TaskLine, today: date, dedup_key: str) -> None:
        self.due_keys.append(dedup_key)
        outbox.add(OutgoingMessage(channel=line.task.owner, kind="meetings.task", text="due",
                                   dedup_key=dedup_key))

    def overdue(self, outbox: Outbox, organiser: str, lines: Sequence[TaskLine],
                today: date, dedup_key: str) -> None:
        self.overdue_calls.append((organiser, [ln.task.id for ln in lines], dedup_key))
        outbox.add(OutgoingMessage(channel=organiser, kind="meetings.task", text="late",
                                   dedup_key=dedup_key))

    def done(self, outbox: Outbox, line: TaskLine, actor: str, to: str) -> None:
        self.done_calls.append((line.task.id, actor, to))


@pytest.fixture
def uow() -> FakeUnitOfWork:
    work = FakeUnitOfWork([Customer("C0001", "Acme Packaging", Money(Decimal(100000), "USD"),
                                    30)])
    with work:
        work.meetings.add_meeting(Meeting(
            MeetingKind.CREDIT_COMMITTEE, "Weekly credit", ORGANISER,
            NOW - timedelta(hours=1), 60, "UTC", attendees=(ANALYST, SALES)))
        work.meetings.add_meeting(Meeting(
            MeetingKind.OTHER, "Later", ORGANISER, NOW + timedelta(hours=1), 60, "UTC"))
        work.commit()
    return work


def keeping(uow: FakeUnitOfWork, clock: datetime = NOW) -> tuple[MinutesKeeping, Recorder]:
    notices = Recorder()
    return MinutesKeeping(uow, ACCESS, lambda m: ((m.organiser, *m.attendees), ("C0CREDIT01",)),
                          member, lambda: clock, UTC, notices), notices


def tasks(uow: FakeUnitOfWork, clock: datetime = NOW) -> tuple[Tasks, TaskRecorder]:
    notices = TaskRecorder()
    return Tasks(uow, lambda u: ROLES.get(u, frozenset()), lambda: clock, UTC,
                 notices), notices


def test_minutes_create_one_task_per_item_audit_and_notice(uow: FakeUnitOfWork) -> None:
    use, notices = keeping(uow)
    recorded = use.record_minutes(member(ANALYST), 1, "  Raise Acme to 150k.  ", [
        ActionItem("Send the new terms", ANALYST, TODAY + timedelta(days=3), "acme"),
        ActionItem(),
        ActionItem("Tell the warehouse", ORGANISER, TODAY),
    ])
    assert [(t.id, t.what, t.owner, t.due_on, t.customer_id, t.meeting_id, t.state)
            for t in uow.meetings.tasks] == [
        (1, "Send the new terms", ANALYST, TODAY + timedelta(days=3), "C0001", 1,
         TaskState.OPEN),
        (2, "Tell the warehouse", ORGANISER, TODAY, None, 1, TaskState.OPEN)]
    assert recorded.minutes.decisions == "Raise Acme to 150k."
    assert uow.meetings.minutes_of(1) == [recorded.minutes]
    entry = uow.audit.entries[-1]
    assert (entry.action, entry.subject, entry.actor) == (
        "meeting.minutes_recorded", "meeting:1", ANALYST)
    assert entry.details == {"minutes": 1, "decisions": "Raise Acme to 150k.", "items": [
        {"task": 1, "what": "Send the new terms", "owner": ANALYST,
         "due_on": "2026-12-04", "customer": "C0001"},
        {"task": 2, "what": "Tell the warehouse", "owner": ORGANISER,
         "due_on": "2026-12-01", "customer": None}]}
    [change] = notices.changes
    assert change.happened is Happened.MINUTES
    assert change.minutes == recorded.minutes and change.tasks == recorded.tasks
    assert change.channels == ("C0CREDIT01",)


def test_every_wrong_field_is_named_and_nothing_is_written(uow: FakeUnitOfWork) -> None:
    use, notices = keeping(uow)
    with pytest.raises(MinutesRefused) as refused:
        use.record_minutes(member(ORGANISER), 1, " ", [
            ActionItem("", None, TODAY - timedelta(days=1), "no such customer zzz"),
            ActionItem("x" * 301, "U0SALESREP1", TODAY + timedelta(days=366), "acme"),
        ])
    assert {k: str(p) for k, p in refused.value.by_field().items()} == {
        "decisions": "Write what the meeting decided (a line per decision).",
        "what_0": "Say what is to be done, e.g. “Call the CFO about the March invoices”.",
        "owner_0": "Pick the person who owns this action item.",
        "due_0": "2026-11-30 has passed (today is 2026-12-01): pick today or a later day.",
        "customer_0": "No customer matches “no such customer zzz”.",
        "what_1": "An action item takes at most 300 characters; this one has 301.",
        "due_1": "2027-12-02 is more than a year ahead: pick a day on or before 2027-12-01.",
        "owner_1": "<@U0SALESREP1> may not see credit data, and this item is about a "
                   "customer: pick someone who may, or leave the customer empty.",
    }
    assert uow.meetings.tasks == [] and uow.meetings.minutes_of(1) == []
    assert notices.changes == [] and uow.audit.entries == []
    # The form's limit, the same here (the domain took 3,000 where the form took 2,500).
    with pytest.raises(MinutesRefused) as refused:
        use.record_minutes(member(ORGANISER), 1, "d" * 2501, [])
    assert str(refused.value.by_field()["decisions"]) == (
        "The decisions take at most 2500 characters; there are 2501.")


@pytest.mark.parametrize(("actor", "meeting_id", "said"), [
    (SALES, 1, "Minutes name customers and their credit data, which you may not see: ask "
               "<@U0ORGANISE1> or a credit manager to record them."),
    (MANAGER, 1, "Only the organiser, <@U0ORGANISE1>, or someone the meeting invited who "
                 "may see credit data records its minutes."),
    (ORGANISER, 2, "“Later” has not started yet: record its minutes once it has."),
    # Someone it did not invite learns nothing of its title from its state.
    (MANAGER, 2, "Only the organiser, <@U0ORGANISE1>, or someone the meeting invited who "
                 "may see credit data records its minutes."),
    (ORGANISER, 9, "There is no meeting #9; `/credit minutes` lists the meetings held "
                   "lately."),
])
def test_who_may_record(uow: FakeUnitOfWork, actor: str, meeting_id: int, said: str) -> None:
    use, _ = keeping(uow)
    with pytest.raises(MayNotRecord) as refused:
        use.record_minutes(member(actor), meeting_id, "Decided", [])
    assert str(refused.value) == said


def test_a_cancelled_meeting_takes_no_minutes(uow: FakeUnitOfWork) -> None:
    with uow:
        meeting = uow.meetings.get_meeting(1)
        assert meeting is not None
        uow.meetings.save_meeting(replace(meeting, state=MeetingState.CANCELLED))
        uow.commit()
    use, _ = keeping(uow)
    with pytest.raises(MayNotRecord) as refused:
        use.check(member(ORGANISER), 1)
    assert str(refused.value) == "“Weekly credit” was cancelled: it has no minutes to record."


def _two_tasks(uow: FakeUnitOfWork) -> None:
    use, _ = keeping(uow)
    use.record_minutes(member(ORGANISER), 1, "Decided", [
        ActionItem("Call Acme", ANALYST, TODAY, "C0001"),
        ActionItem("Update the limit", SALES, TODAY + timedelta(days=2))])


def test_mine_lists_my_open_tasks_with_meeting_and_customer(uow: FakeUnitOfWork) -> None:
    _two_tasks(uow)
    use, _ = tasks(uow)
    [line] = use.mine(ANALYST)
    assert (line.task.what, line.customer, line.meeting and line.meeting.title) == (
        "Call Acme", CustomerRef("C0001", "Acme Packaging"), "Weekly credit")


def test_the_organiser_and_a_credit_manager_have_others_tasks_to_close(
        uow: FakeUnitOfWork) -> None:
    _two_tasks(uow)
    use, _ = tasks(uow)
    assert [ln.task.id for ln in use.others_to_close(ORGANISER)] == [1, 2]
    assert [ln.task.id for ln in use.others_to_close(MANAGER)] == [1, 2]
    # The owner's own is on their own list, not this one; a stranger has none.
    assert [ln.task.id for ln in use.others_to_close(ANALYST)] == []
    assert use.others_to_close(STRANGER) == []
    use.complete(ORGANISER, 1)
    assert [ln.task.id for ln in use.others_to_close(ORGANISER)] == [2]


def test_done_twice_says_who_closed_it_and_changes_nothing(uow: FakeUnitOfWork) -> None:
    _two_tasks(uow)
    use, notices = tasks(uow)
    first = use.complete(ANALYST, 1)
    later, _ = tasks(uow, NOW + timedelta(minutes=5))
    second = later.complete(ANALYST, 1)
    assert not first.already and second.already
    assert (second.line.task.done_by, second.line.task.done_at) == (ANALYST, NOW)
    assert [e.action for e in uow.audit.entries].count("meeting.task_done") == 1
    # The organiser hears it once, from someone else's Done.
    assert notices.done_calls == [(1, ANALYST, ORGANISER)]
    assert use.mine(ANALYST) == []


def test_who_may_close_a_task(uow: FakeUnitOfWork) -> None:
    _two_tasks(uow)
    use, notices = tasks(uow)
    with pytest.raises(NotYourTask) as refused:
        use.complete(STRANGER, 1)
    assert str(refused.value) == ("Only the task's owner, <@U0ANALYST01>, the meeting's "
                                  "organiser or a credit manager can mark it done.")
    assert use.complete(MANAGER, 1).line.task.done_by == MANAGER
    assert use.complete(ORGANISER, 2).line.task.state is TaskState.DONE
    assert notices.done_calls == [(1, MANAGER, ORGANISER)]


def test_reminders_once_per_task_per_day_and_overdue_digest(uow: FakeUnitOfWork) -> None:
    _two_tasks(uow)
    use, notices = tasks(uow)
    assert (use.due_reminders(NOW), use.due_reminders(NOW + timedelta(hours=3))) == (1, 0)
    assert notices.due_keys == ["meetings.task_due:1:2026-12-01"]
    assert use.overdue_for_organisers(NOW) == 0
    # Four days later: both overdue, one digest to the organiser keyed by the day.
    later = NOW + timedelta(days=4)
    assert (use.overdue_for_organisers(later), use.overdue_for_organisers(later)) == (1, 0)
    assert notices.overdue_calls == [
        (ORGANISER, [1, 2], "meetings.tasks_overdue:U0ORGANISE1:2026-12-05")]


def test_recent_lists_the_started_meetings_i_may_record(uow: FakeUnitOfWork) -> None:
    use, _ = keeping(uow)
    assert [m.title for m in use.recent(member(ANALYST))] == ["Weekly credit"]
    assert use.recent(member(SALES)) == []  # invited, but may not see credit data
    later, _ = keeping(uow, NOW + timedelta(days=15))
    assert later.recent(member(ORGANISER)) == []


def test_the_same_form_sent_twice_records_once(uow: FakeUnitOfWork) -> None:
    use, notices = keeping(uow)
    with pytest.raises(MinutesRefused):  # refused: the form may be corrected and resent
        use.record_minutes(member(ORGANISER), 1, "", [], submission="V1")
    use.record_minutes(member(ORGANISER), 1, "Decided", [
        ActionItem("Call Acme", ANALYST, TODAY)], submission="V1")
    with pytest.raises(AlreadyRecorded):
        use.record_minutes(member(ORGANISER), 1, "Decided", [
            ActionItem("Call Acme", ANALYST, TODAY)], submission="V1")
    assert len(uow.meetings.tasks) == 1 and len(notices.changes) == 1
    assert [e.action for e in uow.audit.entries] == ["meeting.minutes_recorded"]


def test_further_minutes_refuse_an_item_still_open_but_not_one_done(
        uow: FakeUnitOfWork) -> None:
    use, notices = keeping(uow)
    first = use.record_minutes(member(ORGANISER), 1, "Raise Acme.", [
        ActionItem("Send the terms", ANALYST, TODAY), ActionItem("Tell the warehouse",
                                                                 ANALYST, TODAY)])
    assert not first.further and notices.changes[0].earlier_minutes == ()
    # The second task is done: the same item may be given again.
    with uow:
        done = uow.meetings.get_task(2)
        assert done is not None
        uow.meetings.save_task(replace(done, state=TaskState.DONE))
        uow.commit()
    with pytest.raises(MinutesRefused) as refused:
        use.record_minutes(member(ORGANISER), 1, "More.", [
            ActionItem("send the  TERMS", ANALYST, TODAY),
            ActionItem("Call Acme", ANALYST, TODAY),
            ActionItem("Call Acme", ANALYST, TODAY)])
    assert {k: str(v) for k, v in refused.value.by_field().items()} == {
        f"what_{i}": "This action item is already open from this meeting (the same what, "
                     "owner and due day): leave the row empty, or change it."
        for i in (0, 2)}
    assert len(uow.meetings.minutes_of(1)) == 1
    second = use.record_minutes(member(ORGANISER), 1, "More.", [
        ActionItem("Send the terms", ANALYST, TODAY + timedelta(days=1)),
        ActionItem("Tell the warehouse", ANALYST, TODAY)])
    assert second.further and len(second.tasks) == 2
    assert notices.changes[-1].earlier_minutes == (first.minutes,)
    assert list(use.so_far([1, 2])) == [1]  # meeting 2 has no minutes
    assert [m.decisions for m in use.so_far([1])[1].minutes] == ["Raise Acme.", "More."]


def test_an_organiser_who_lost_credit_data_access_records_no_minutes(
        uow: FakeUnitOfWork) -> None:
    use, notices = keeping(uow)
    demoted = Member(ORGANISER, frozenset({"sales"}))
    for attempt in (lambda: use.check(demoted, 1),
                    lambda: use.record_minutes(demoted, 1, "Decided", [])):
        with pytest.raises(MayNotRecord) as refused:
            attempt()
        assert str(refused.value) == (
            "Minutes name customers and their credit data, which you may not see: ask "
            "<@U0ORGANISE1> or a credit manager to record them.")
    assert use.recent(demoted) == []
    assert uow.meetings.minutes_of(1) == [] and notices.changes == []


def test_minutes_without_an_open_channel_go_only_to_people_cleared_for_credit_data(
        uow: FakeUnitOfWork) -> None:
    notices = FollowUpNotices(lambda destination: "en-US", UTC)
    use = MinutesKeeping(uow, ACCESS, lambda m: ((m.organiser, *m.attendees), ()),
                         member, lambda: NOW, UTC, notices)
    use.record_minutes(member(ANALYST), 1, "Raise Acme to 150k.", [])
    # The sales rep is invited but may not see credit data: the minutes name customers.
    assert sorted(m.channel for m in uow.outbox.messages if m.kind == "meetings.minutes") == \
        sorted([ANALYST, ORGANISER])


def test_a_task_due_on_a_day_off_is_reminded_on_the_next_working_day(
        uow: FakeUnitOfWork) -> None:
    # The job reminds nobody at the weekend: without the catch-up the owner of a task
    # due on Saturday heard of it from nobody (only the organiser, in Monday's digest).
    saturday = date(2026, 12, 5)
    keeping(uow)[0].record_minutes(member(ORGANISER), 1, "Decided", [
        ActionItem("Call Acme", ANALYST, saturday)])
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    use, notices = tasks(uow, monday)
    assert use.due_reminders(monday) == 0  # today's only, as before
    friday = last_working_day(monday.date(), frozenset(range(5)))
    assert friday == date(2026, 12, 4)
    assert (use.due_reminders(monday, friday), use.due_reminders(monday, friday)) == (1, 0)
    assert notices.due_keys == ["meetings.task_due:1:2026-12-07"]
    tuesday = monday + timedelta(days=1)
    assert use.due_reminders(tuesday, monday.date()) == 0


def test_the_working_day_before() -> None:
    weekdays = frozenset(range(5))
    assert last_working_day(date(2026, 12, 8), weekdays) == date(2026, 12, 7)  # Tue → Mon
    assert last_working_day(date(2026, 12, 7), frozenset({0})) == date(2026, 11, 30)
    assert last_working_day(date(2026, 12, 6), frozenset({5, 6})) == date(2026, 12, 5)
    # A holiday is skipped: Tuesday after a Monday holiday looks back to Friday.
    assert last_working_day(date(2026, 12, 8), weekdays,
                            frozenset({date(2026, 12, 7)})) == date(2026, 12, 4)
