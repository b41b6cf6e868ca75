"""Scheduling use cases on the fake unit of work: who may organise and change a
meeting, every problem of a form found in one round, conflicts flagged unless the
organiser insists, what is stored, audited, recorded and told (with the agenda), and
the list of upcoming meetings."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.access import AccessDenied, CreditDataAccess, Member
from domain.aging import AgingBuckets
from domain.errors import DomainError
from domain.meetings.model import Answer, MeetingKind, MeetingState, Recurrence, Response
from domain.meetings.people import Department, Invitees
from domain.meetings.ports import Happened, MeetingChange
from domain.meetings.reminders import MeetingsJob
from domain.meetings.schedule import MeetingRefused, SchedulingPolicy
from domain.meetings.use_cases import (
    AlreadySubmitted,
    Draft,
    Meetings,
    Move,
    NotYours,
    Scope,
)
from domain.model import Customer
from domain.money import Money
from domain.ports import Outbox
from domain.positions import CreditPolicyContext
from domain.refs import CustomerRef
from tests.fakes import FakeUnitOfWork

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Shanghai
SH = "Asia/Shanghai"
ORGANISER = Member("U0ORGANISE", frozenset({"credit_analyst"}), frozenset({"credit"}))
MANAGER = Member("U0MANAGER1", frozenset({"credit_manager"}), frozenset({"credit"}))
SALES = Member("U0SALES001", frozenset({"sales"}), frozenset({"sales"}))
STRANGER = Member("U0STRANGER")
PEOPLE = {m.user_id: m for m in (ORGANISER, MANAGER, SALES)}
DEPARTMENTS = {
    "credit": Department("Credit", "C0CREDIT01", ("U0ORGANISE", "U0MANAGER1")),
    "sales": Department("Sales", "C0SALES001", ("U0SALES001",)),
    "hr": Department("HR", "C0HR000001", ("U0HR000001",)),
}


@dataclass
class Told:
    changes: list[MeetingChange] = field(default_factory=list)

    def queue(self, outbox: Outbox, change: MeetingChange) -> None:
        self.changes.append(change)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork([
        Customer("C1042", "Acme Industrial Supply", Money(Decimal("100000"), "USD"), 30),
        Customer("C2001", "Bergmann GmbH", Money(Decimal("50000"), "EUR"), 60),
        Customer("C2002", "Bergmann Service GmbH", Money(Decimal("10000"), "EUR"), 30),
    ])


@pytest.fixture
def told() -> Told:
    return Told()


@pytest.fixture
def meetings(uow: FakeUnitOfWork, told: Told) -> Meetings:
    access = CreditDataAccess(roles=frozenset({"credit_analyst", "credit_manager", "sales"}),
                              contacts=("<@U0MANAGER1>",),
                              share_channels=frozenset({"C0CREDIT01", "C0SALES001"}))
    return Meetings(uow, access, Invitees(DEPARTMENTS),
                    lambda user: PEOPLE.get(user, Member(user)), lambda: NOW,
                    SchedulingPolicy(), CreditPolicyContext("USD", AgingBuckets((30, 60, 90))),
                    told, zone=ZoneInfo(SH))


def draft(**changes: object) -> Draft:
    values: dict[str, object] = {
        "kind": MeetingKind.OTHER, "title": "Credit committee", "day": date(2026, 12, 2),
        "at": time(10), "minutes": 60, "zone": SH, "departments": ("credit", "sales"),
        "attendees": (), "customers": ""}
    values.update(changes)
    return Draft(**values)  # type: ignore[arg-type]


def test_a_meeting_is_stored_audited_recorded_and_its_invitation_queued(meetings, uow, told):
    meeting = meetings.schedule(ORGANISER, draft(
        kind=MeetingKind.CREDIT_COMMITTEE, customers="C1042, bergmann service",
        recurrence=Recurrence.WEEKLY))
    assert uow.meetings.meetings == [meeting]
    assert (meeting.organiser, meeting.starts_at, meeting.minutes, meeting.zone) == (
        "U0ORGANISE", datetime(2026, 12, 2, 2, 0, tzinfo=UTC), 60, SH)
    assert meeting.customers == ("C1042", "C2002")
    assert (meeting.recurrence, meeting.version, meeting.created_at) == (
        Recurrence.WEEKLY, 1, NOW)
    [entry] = uow.audit.entries
    assert (entry.action, entry.actor, entry.subject) == (
        "meeting.scheduled", "U0ORGANISE", f"meeting:{meeting.id}")
    assert entry.details["starts_at"] == "2026-12-02T02:00:00+00:00"
    assert [e.name for e in uow.events.recorded] == ["meeting.scheduled"]
    [change] = told.changes
    assert change.happened is Happened.INVITED and change.meeting == meeting
    assert change.people == ("U0ORGANISE", "U0MANAGER1", "U0SALES001")
    assert change.channels == ("C0CREDIT01", "C0SALES001")
    assert change.agenda is not None and change.agenda.built_at == NOW
    assert change.customer_names == {
        "C1042": CustomerRef("C1042", "Acme Industrial Supply"),
        "C2002": CustomerRef("C2002", "Bergmann Service GmbH")}
    assert change.readers == frozenset({"U0ORGANISE", "U0MANAGER1", "U0SALES001"})


def test_only_people_cleared_for_credit_data_are_readers_of_the_agenda(uow, told):
    # Credit data by role: the sales member of an invited department is not cleared.
    access = CreditDataAccess(roles=frozenset({"credit_analyst", "credit_manager"}),
                              share_channels=frozenset({"C0CREDIT01", "C0SALES001"}))
    meetings = Meetings(uow, access, Invitees(DEPARTMENTS),
                        lambda user: PEOPLE.get(user, Member(user)), lambda: NOW,
                        SchedulingPolicy(), CreditPolicyContext("USD",
                                                                AgingBuckets((30, 60, 90))),
                        told, zone=ZoneInfo(SH))
    meetings.schedule(ORGANISER, draft())
    [change] = told.changes
    assert change.people == ("U0ORGANISE", "U0MANAGER1", "U0SALES001")
    assert change.readers == frozenset({"U0ORGANISE", "U0MANAGER1"})


def test_a_customer_gone_from_the_erp_is_left_out_of_the_names(meetings, uow, told):
    meeting = meetings.schedule(ORGANISER, draft(customers="C1042, C2001"))
    del uow.customers.rows["C2001"]
    meetings.reschedule(ORGANISER, meeting.id, Move(date(2026, 12, 3), time(15), 60, SH))
    assert told.changes[-1].customer_names == {
        "C1042": CustomerRef("C1042", "Acme Industrial Supply")}


def test_reschedule_and_cancel_read_the_meeting_under_its_lock(meetings, uow, told):
    meeting = meetings.schedule(ORGANISER, draft())
    locked: list[tuple[int, bool]] = []
    read = uow.meetings.get_meeting

    def lock(meeting_id: int):  # type: ignore[no-untyped-def]
        locked.append((meeting_id, uow.writing))
        return read(meeting_id)

    uow.meetings.lock_meeting = lock  # type: ignore[method-assign]
    uow.meetings.get_meeting = lambda _: pytest.fail("read without the lock")  # type: ignore
    meetings.reschedule(ORGANISER, meeting.id, Move(date(2026, 12, 3), time(15), 60, SH))
    uow.writing = False
    meetings.cancel(ORGANISER, meeting.id)
    assert locked == [(meeting.id, True), (meeting.id, True)]


def test_every_wrong_field_is_reported_in_one_round_and_nothing_is_stored(meetings, uow, told):
    with pytest.raises(MeetingRefused) as refused:
        meetings.schedule(ORGANISER, draft(
            title="  ", departments=("credit", "finance", "hr"), attendees=("U0STRANGER",),
            kind=MeetingKind.CUSTOMER_REVIEW, customers="", day=date(2026, 12, 5),
            minutes=600))
    assert [(p.where, str(p)) for p in refused.value.problems] == [
        ("departments", "finance is not a department of app.yaml; pick from credit, sales, "
                        "hr."),
        ("departments", "The channel of HR is not open to credit data "
                        "(access.credit_data.share_channels), so the agenda cannot go there; "
                        "invite those of its people who may see credit data as attendees "
                        "instead."),
        ("attendees", "<@U0STRANGER> may not see credit data, so cannot be sent the agenda "
                      "(who may is app.yaml's access.credit_data); invite someone who may."),
        ("title", "Give the meeting a title, e.g. “Credit committee, December”."),
        ("customers", "A customer review is about exactly one customer: name it by id or "
                      "name, e.g. C1042 or Acme."),
        ("duration", "A meeting lasts from 15 to 240 minutes; 600 is not in that range."),
        ("date", "2026-12-05 is a Saturday; meetings are held on Monday, Tuesday, "
                 "Wednesday, Thursday, Friday."),
    ]
    assert uow.meetings.meetings == [] and uow.audit.entries == [] and told.changes == []


def test_an_unknown_or_unclear_customer_is_refused_beside_the_customers(meetings):
    with pytest.raises(MeetingRefused) as unknown:
        meetings.schedule(ORGANISER, draft(customers="Zeta Corp"))
    assert [p.where for p in unknown.value.problems] == ["customers"]
    assert str(unknown.value.problems[0]) == "No customer matches “Zeta Corp”."
    with pytest.raises(MeetingRefused) as unclear:
        meetings.schedule(ORGANISER, draft(customers="Bergmann"))
    assert str(unclear.value.by_field()["customers"]) == (
        "“Bergmann” matches several customers: Bergmann GmbH (C2001), Bergmann Service GmbH "
        "(C2002). Which one?")


def test_a_clash_is_flagged_naming_the_meeting_and_people_unless_insisted(meetings, uow, told):
    first = meetings.schedule(ORGANISER, draft(title="Sales sync", departments=("sales",)))
    with pytest.raises(MeetingRefused) as clash:
        meetings.schedule(MANAGER, draft(at=time(10, 30), departments=("sales",),
                                         title="Collections"))
    assert [(p.where, str(p)) for p in clash.value.problems] == [(
        "time", "Clashes with “Sales sync” (2026-12-02 10:00–11:00) for <@U0SALES001>. Pick "
                "another time, or tick “Schedule even if it conflicts”.")]
    second = meetings.schedule(MANAGER, draft(at=time(10, 30), departments=("sales",),
                                              title="Collections", despite_conflicts=True))
    assert uow.audit.entries[-1].details["conflicts"] == [first.id]
    assert [m.id for m in uow.meetings.meetings] == [first.id, second.id]
    # Back to back is no clash.
    meetings.schedule(ORGANISER, draft(at=time(11, 30), departments=("sales",), title="Next"))


def test_who_may_not_see_credit_data_may_not_organise(meetings, uow):
    with pytest.raises(AccessDenied):
        meetings.schedule(STRANGER, draft())
    assert uow.meetings.meetings == []
    assert [e.action for e in uow.audit.entries] == ["meeting.schedule_refused"]


def test_the_organiser_reschedules_and_everyone_is_told_with_the_old_time(meetings, uow, told):
    meeting = meetings.schedule(ORGANISER, draft(recurrence=Recurrence.WEEKLY))
    moved = meetings.reschedule(ORGANISER, meeting.id, Move(date(2026, 12, 3), time(15), 90,
                                                            SH))
    assert (moved.starts_at, moved.minutes, moved.version) == (
        datetime(2026, 12, 3, 7, 0, tzinfo=UTC), 90, 2)
    assert moved.recurrence is Recurrence.WEEKLY
    change = told.changes[-1]
    assert change.happened is Happened.RESCHEDULED and change.previous == meeting
    assert change.agenda is not None
    entry = uow.audit.entries[-1]
    assert (entry.action, entry.details["previous_starts_at"]) == (
        "meeting.rescheduled", "2026-12-02T02:00:00+00:00")


def test_a_reschedule_is_checked_like_a_new_meeting_and_ignores_its_own_old_time(meetings):
    meeting = meetings.schedule(ORGANISER, draft())
    # Overlapping its own old slot is fine.
    meetings.reschedule(ORGANISER, meeting.id, Move(date(2026, 12, 2), time(10, 30), 60, SH))
    with pytest.raises(MeetingRefused) as refused:
        meetings.reschedule(ORGANISER, meeting.id, Move(date(2026, 12, 1), time(8), 60, SH))
    assert [(p.where, str(p)) for p in refused.value.problems] == [
        ("time", "2026-12-01 08:00 (Asia/Shanghai) has already passed; pick a later time.")]


def test_only_the_organiser_or_a_credit_manager_may_change_a_meeting(meetings, uow, told):
    meeting = meetings.schedule(ORGANISER, draft())
    with pytest.raises(NotYours) as refused:
        meetings.cancel(SALES, meeting.id)
    assert str(refused.value) == ("Only the organiser (<@U0ORGANISE>) or a credit manager "
                                  "can change this meeting.")
    with pytest.raises(NotYours):
        meetings.reschedule(SALES, meeting.id, Move(date(2026, 12, 3), time(10), 60, SH))
    assert uow.meetings.get_meeting(meeting.id) == meeting
    assert [e.action for e in uow.audit.entries] == [
        "meeting.scheduled", "meeting.change_refused", "meeting.change_refused"]
    [cancelled] = meetings.cancel(MANAGER, meeting.id)
    assert (cancelled.state, cancelled.cancelled_by) == (MeetingState.CANCELLED, "U0MANAGER1")
    assert told.changes[-1].happened is Happened.CANCELLED
    with pytest.raises(DomainError, match="was already cancelled"):
        meetings.cancel(ORGANISER, meeting.id)


def test_cancelling_a_series_ends_this_and_later_occurrences_and_the_rule(meetings, uow, told):
    first = meetings.schedule(ORGANISER, draft(recurrence=Recurrence.WEEKLY))
    later = [uow.meetings.add_meeting(
        first.__class__(**{**first.__dict__, "id": 0, "version": 0, "series_id": first.id,
                           "starts_at": first.starts_at + timedelta(days=7 * n)}))
        for n in (1, 2)]
    uow.commit()
    only_second = meetings.cancel(ORGANISER, later[0].id, Scope.THIS)
    assert [m.recurrence for m in only_second] == [Recurrence.WEEKLY]
    done = meetings.cancel(ORGANISER, first.id, Scope.SERIES)
    assert [m.id for m in done] == [first.id, later[1].id]
    assert all(m.state is MeetingState.CANCELLED and m.recurrence is Recurrence.NONE
               for m in done)
    # One change for the series (one note each), naming the later occurrence it ended.
    change = told.changes[-1]
    assert (change.happened, change.meeting, change.later, change.series_ended) == (
        Happened.CANCELLED, done[0], (done[1],), True)
    # With the whole series as it now stands, for the calendar file that ends it.
    assert [(m.id, m.state) for m in change.series] == [
        (first.id, MeetingState.CANCELLED), (later[0].id, MeetingState.CANCELLED),
        (later[1].id, MeetingState.CANCELLED)]
    this = told.changes[-2]
    assert (this.meeting.id, this.later, this.series_ended, this.series) == (
        later[0].id, (), False, ())
    assert len(told.changes) == 3


def test_a_series_cancelled_from_an_occurrence_moved_past_the_next_ends_both(
        meetings, uow, told):
    # The second occurrence moved a week and a half on, past the third: the series
    # cancelled from it kept the third in creditbot (earlier in time), while the calendar
    # file, ending the rule at the second's place, took it out of calendars.
    first = meetings.schedule(ORGANISER, draft(recurrence=Recurrence.WEEKLY))
    second, third = (uow.meetings.add_meeting(dataclasses.replace(
        first, id=0, version=0, series_id=first.id, occurrence=n,
        starts_at=first.starts_at + timedelta(days=7 * n))) for n in (1, 2))
    uow.meetings.save_meeting(dataclasses.replace(
        second, starts_at=third.starts_at + timedelta(days=3)))
    uow.commit()
    done = meetings.cancel(ORGANISER, second.id, Scope.SERIES)
    assert [m.id for m in done] == [second.id, third.id]
    assert [(m.id, m.state) for m in uow.meetings.series(first.id)
            if m.state is MeetingState.SCHEDULED] == [(first.id, MeetingState.SCHEDULED)]


@pytest.mark.parametrize("recurrence, series_words", [
    (Recurrence.NONE, ""),
    (Recurrence.WEEKLY, "; to end the series, cancel it from its next meeting in "
                        "`/credit meetings`, listed there within minutes of this one's "
                        "start")])
def test_a_meeting_being_held_is_neither_moved_nor_cancelled(meetings, uow, told,
                                                               recurrence, series_words):
    # Cancelled (or its series cancelled) while it ran, the meeting held was recorded as
    # cancelled and its minutes could never be written; moved, its people were asked
    # again about the meeting they sat in.
    meeting = meetings.schedule(ORGANISER, draft(recurrence=recurrence))
    running = uow.meetings.save_meeting(dataclasses.replace(
        meeting, starts_at=NOW - timedelta(minutes=30)))
    uow.commit()
    refused = ("“Credit committee” has started: a meeting being held can no longer be "
               "moved or cancelled. Record its minutes once it is over" + series_words + ".")
    for change in (lambda: meetings.cancel(ORGANISER, running.id, Scope.THIS),
                   lambda: meetings.cancel(MANAGER, running.id, Scope.SERIES),
                   lambda: meetings.reschedule(ORGANISER, running.id,
                                               Move(date(2026, 12, 3), time(10), 60, SH))):
        with pytest.raises(DomainError) as error:
            change()
        assert str(error.value) == refused
    assert uow.meetings.get_meeting(running.id) == running
    assert [c.happened for c in told.changes] == [Happened.INVITED]


def test_upcoming_lists_the_meetings_one_is_invited_to_and_all_for_a_manager(meetings):
    sales = meetings.schedule(ORGANISER, draft(departments=("sales",), title="Sales"))
    credit = meetings.schedule(ORGANISER, draft(departments=("credit",), title="Credit",
                                                day=date(2026, 12, 2), at=time(8)))
    meetings.cancel(ORGANISER, meetings.schedule(
        ORGANISER, draft(title="Gone", at=time(15))).id)
    assert [m.id for m in meetings.upcoming(SALES)] == [sales.id]
    assert [m.id for m in meetings.upcoming(ORGANISER)] == [credit.id, sales.id]
    assert [m.id for m in meetings.upcoming(MANAGER)] == [credit.id, sales.id]
    assert meetings.upcoming(STRANGER) == []


def test_someone_barred_from_credit_data_is_listed_the_meetings_they_are_invited_to(uow,
                                                                                      told):
    # Sales may not see credit data here, and its department is invited: its members got
    # their invitations (the agenda's figures locked), and their list shows them.
    closed = Meetings(uow, CreditDataAccess(
        roles=frozenset({"credit_analyst", "credit_manager"}),
        share_channels=frozenset({"C0CREDIT01", "C0SALES001"})),
                      Invitees(DEPARTMENTS), lambda user: PEOPLE.get(user, Member(user)),
                      lambda: NOW, SchedulingPolicy(),
                      CreditPolicyContext("USD", AgingBuckets((30, 60, 90))), told,
                      zone=ZoneInfo(SH))
    sales = closed.schedule(ORGANISER, draft(departments=("sales",), title="Sales"))
    closed.schedule(ORGANISER, draft(departments=("credit",), title="Credit", at=time(8)))
    assert [m.id for m in closed.upcoming(SALES)] == [sales.id]
    assert closed.upcoming(STRANGER) == []


def test_the_same_form_sent_twice_schedules_once(meetings, uow, told):
    meeting = meetings.schedule(ORGANISER, draft(), submission="meetings.form:V1")
    with pytest.raises(AlreadySubmitted) as again:
        meetings.schedule(ORGANISER, draft(), submission="meetings.form:V1")
    assert str(again.value) == "This form was already sent; it was done once."
    assert uow.meetings.meetings == [meeting]
    assert [c.happened for c in told.changes] == [Happened.INVITED]
    assert [e.action for e in uow.audit.entries] == ["meeting.scheduled"]
    # Another form is another meeting.
    meetings.schedule(ORGANISER, draft(at=time(14)), submission="meetings.form:V2")
    assert len(uow.meetings.meetings) == 2


def test_a_refused_form_corrected_and_sent_again_schedules(meetings, uow, told):
    with pytest.raises(MeetingRefused):
        meetings.schedule(ORGANISER, draft(title=" "), submission="meetings.form:V1")
    meeting = meetings.schedule(ORGANISER, draft(), submission="meetings.form:V1")
    assert uow.meetings.meetings == [meeting]


def test_the_same_reschedule_form_sent_twice_moves_and_tells_once(meetings, uow, told):
    meeting = meetings.schedule(ORGANISER, draft())
    move = Move(date(2026, 12, 3), time(15), 60, SH)
    moved = meetings.reschedule(ORGANISER, meeting.id, move, submission="meetings.form:V9")
    with pytest.raises(AlreadySubmitted):
        meetings.reschedule(ORGANISER, meeting.id, move, submission="meetings.form:V9")
    assert uow.meetings.get_meeting(meeting.id) == moved
    assert [c.happened for c in told.changes] == [Happened.INVITED, Happened.RESCHEDULED]


def test_scheduling_holds_the_calendar_before_it_looks_for_clashes(meetings, uow):
    # Two organisers booking the same people at once would otherwise both find the
    # time free: the clash check runs with the calendar held, in a write transaction.
    seen: list[str] = []
    between = uow.meetings.meetings_between
    uow.meetings.lock_calendar = lambda: seen.append(  # type: ignore[method-assign]
        f"lock writing={uow.writing}")

    def looked(start: datetime, end: datetime):  # type: ignore[no-untyped-def]
        seen.append("clash check")
        return between(start, end)

    uow.meetings.meetings_between = looked  # type: ignore[method-assign]
    meeting = meetings.schedule(ORGANISER, draft())
    uow.writing = False
    meetings.reschedule(ORGANISER, meeting.id, Move(date(2026, 12, 3), time(15), 60, SH))
    assert seen == ["lock writing=True", "clash check"] * 2


def test_a_reschedule_clears_every_answer_but_the_organisers_and_the_movers(meetings, uow,
                                                                           told):
    meeting = meetings.schedule(ORGANISER, draft())
    for user, answer in (("U0ORGANISE", Answer.ACCEPTED), ("U0MANAGER1", Answer.ACCEPTED),
                         ("U0SALES001", Answer.DECLINED)):
        uow.meetings.set_response(Response(meeting.id, user, answer, NOW))
    other = meetings.schedule(ORGANISER, draft(at=time(14), title="Other"))
    uow.meetings.set_response(Response(other.id, "U0SALES001", Answer.ACCEPTED, NOW))
    uow.commit()
    meetings.reschedule(MANAGER, meeting.id, Move(date(2026, 12, 4), time(16), 60, SH))
    kept = [(r.user_id, r.answer) for r in uow.meetings.responses(meeting.id)]
    # The manager who moved it is not asked to answer again (no note goes to them).
    assert kept == [("U0MANAGER1", Answer.ACCEPTED), ("U0ORGANISE", Answer.ACCEPTED)]
    # The card edit and notes count the answers after the move, not before.
    assert [(r.user_id, r.answer) for r in told.changes[-1].responses] == kept
    assert [(r.user_id, r.answer) for r in uow.meetings.responses(other.id)] == [
        ("U0SALES001", Answer.ACCEPTED)]


def test_who_proposed_the_time_a_meeting_moves_to_has_accepted_it(meetings, uow, told):
    # Chen proposed Thursday 16:00 and the organiser moved it there: Chen's answer was
    # cleared with the others', and he was asked to accept the time he had asked for.
    meeting = meetings.schedule(ORGANISER, draft())
    thursday = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai
    for user, proposed in (("U0MANAGER1", thursday),
                           ("U0SALES001", thursday + timedelta(hours=1))):
        uow.meetings.set_response(Response(meeting.id, user, Answer.PROPOSED, NOW,
                                           proposed_at=proposed))
    uow.commit()
    meetings.reschedule(ORGANISER, meeting.id, Move(date(2026, 12, 3), time(16), 60, SH))
    # The time stays on the answer: the note tells Chen it was his.
    assert [(r.user_id, r.answer, r.proposed_at)
            for r in uow.meetings.responses(meeting.id)] == [
        ("U0MANAGER1", Answer.ACCEPTED, thursday)]
    assert [(r.user_id, r.answer) for r in told.changes[-1].responses] == [
        ("U0MANAGER1", Answer.ACCEPTED)]


def test_a_refused_reschedule_keeps_the_answers(meetings, uow):
    meeting = meetings.schedule(ORGANISER, draft())
    uow.meetings.set_response(Response(meeting.id, "U0SALES001", Answer.ACCEPTED, NOW))
    uow.commit()
    with pytest.raises(MeetingRefused):
        meetings.reschedule(ORGANISER, meeting.id, Move(date(2026, 12, 1), time(8), 60, SH))
    assert [r.user_id for r in uow.meetings.responses(meeting.id)] == ["U0SALES001"]


def test_a_reschedule_to_the_meetings_own_time_is_refused_and_keeps_the_answers(
        meetings, uow, told):
    # The form submitted as it opened: everyone's answers were cleared and every channel
    # told it "moved from Dec 8, 10:00 AM to Dec 8, 10:00 AM".
    meeting = meetings.schedule(ORGANISER, draft())
    uow.meetings.set_response(Response(meeting.id, "U0SALES001", Answer.ACCEPTED, NOW))
    uow.commit()
    changes = len(told.changes)
    local = meeting.starts_at.astimezone(ZoneInfo(SH))
    with pytest.raises(MeetingRefused) as refused:
        meetings.reschedule(ORGANISER, meeting.id, Move(local.date(), local.time(),
                                                        meeting.minutes, SH))
    assert [(p.where, str(p)) for p in refused.value.problems] == [
        ("time", "That is the meeting's time already: pick another day, time or length, "
                 "or press Cancel to leave it as it is.")]
    assert [r.user_id for r in uow.meetings.responses(meeting.id)] == ["U0SALES001"]
    assert len(told.changes) == changes
    assert uow.meetings.get_meeting(meeting.id) == meeting
    # Another length at the same time is a change, and the answers to that time stand.
    longer = meetings.reschedule(ORGANISER, meeting.id, Move(local.date(), local.time(),
                                                             meeting.minutes + 30, SH))
    assert longer.minutes == meeting.minutes + 30
    assert [r.user_id for r in uow.meetings.responses(meeting.id)] == ["U0SALES001"]
    from handlers.i18n import translator
    from handlers.meetings.invitation import rescheduled_note
    assert rescheduled_note(translator("en-US"), longer, meeting, ZoneInfo(SH),
                            "U0ORGANISE") == (
        ":calendar: <@U0ORGANISE> changed Meeting “Credit committee” on "
        "<!date^1796176800^{date_short_pretty} {time}|Dec 2, 2026, 10:00\u202fAM>: it now "
        "lasts 1 h 30 min (it was 1 hour). Answers stand.")


def test_a_channel_closed_to_credit_data_since_scheduling_is_no_longer_told(uow, told):
    def meetings_with(channels: frozenset[str]) -> Meetings:
        access = CreditDataAccess(roles=frozenset({"credit_analyst", "credit_manager",
                                                   "sales"}), share_channels=channels)
        return Meetings(uow, access, Invitees(DEPARTMENTS),
                        lambda user: PEOPLE.get(user, Member(user)), lambda: NOW,
                        SchedulingPolicy(),
                        CreditPolicyContext("USD", AgingBuckets((30, 60, 90))), told,
                        zone=ZoneInfo(SH))

    meeting = meetings_with(frozenset({"C0CREDIT01", "C0SALES001"})).schedule(
        ORGANISER, draft())
    assert told.changes[-1].channels == ("C0CREDIT01", "C0SALES001")
    # app.yaml changed: the sales channel is no longer open to credit data.
    closed = meetings_with(frozenset({"C0CREDIT01"}))
    assert closed.channels(meeting) == ("C0CREDIT01",)
    closed.reschedule(ORGANISER, meeting.id, Move(date(2026, 12, 3), time(15), 60, SH))
    closed.cancel(ORGANISER, meeting.id)
    assert [(c.happened, c.channels) for c in told.changes[1:]] == [
        (Happened.RESCHEDULED, ("C0CREDIT01",)), (Happened.CANCELLED, ("C0CREDIT01",))]
    # Its people are still invited (by direct message).
    assert told.changes[-1].people == ("U0ORGANISE", "U0MANAGER1", "U0SALES001")


def test_reminders_and_the_next_occurrence_skip_a_channel_closed_since(uow, told):
    now = [NOW]

    def meetings_with(channels: frozenset[str]) -> Meetings:
        access = CreditDataAccess(roles=frozenset({"credit_analyst", "credit_manager",
                                                   "sales"}), share_channels=channels)
        return Meetings(uow, access, Invitees(DEPARTMENTS),
                        lambda user: PEOPLE.get(user, Member(user)), lambda: now[0],
                        SchedulingPolicy(),
                        CreditPolicyContext("USD", AgingBuckets((30, 60, 90))), told,
                        zone=ZoneInfo(SH))

    meeting = meetings_with(frozenset({"C0CREDIT01", "C0SALES001"})).schedule(
        ORGANISER, draft(recurrence=Recurrence.WEEKLY))
    job = MeetingsJob(meetings_with(frozenset({"C0CREDIT01"})))
    now[0] = meeting.starts_at - timedelta(minutes=15)
    job.run()
    now[0] = meeting.starts_at + timedelta(minutes=5)
    job.run()
    assert [(c.happened, c.channels) for c in told.changes[1:]] == [
        (Happened.REMINDER, ("C0CREDIT01",)), (Happened.INVITED, ("C0CREDIT01",))]
    assert told.changes[-1].people == ("U0ORGANISE", "U0MANAGER1", "U0SALES001")
