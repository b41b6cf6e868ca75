"""The approvals deadlines use case on the in-memory unit of work: a reminder before a
level's deadline, once per level; escalation after it, once; a level with nobody to
escalate to reminded as overdue every 24 hours; a temporary limit's end announced once,
and only when it was the limit in force."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.access import CreditDataAccess
from domain.approvals.context import Roster
from domain.approvals.deadlines import Deadlines, Due, Overdue, Reverted, due
from domain.approvals.deciders import left_to_escalation
from domain.approvals.filing import Filing
from domain.approvals.model import CreditRequest, Level, Outcome, RequestKind
from domain.approvals.policy import DEFAULT_POLICIES, ApprovalPolicy, Band, KindPolicy
from domain.approvals.ports import Happened, NoNotices, RequestChange
from domain.approvals.rules import Authority
from domain.approvals.use_cases import CreditRequests
from domain.model import Customer
from domain.money import Money
from domain.ports import Outbox
from domain.working_time import WorkingHours, WorkingTime
from handlers.approvals.request_render import _may_expire_first, deciders, stage
from handlers.i18n import translator
from tests.fakes import FakeUnitOfWork

ZONE = ZoneInfo("Asia/Shanghai")
REP, OWNER, CM, FD, CFO = "U0REP00001", "U0OWNER001", "U0CM000001", "U0FD000001", "U0CFO00001"
ROSTER = Roster({"sales": [REP, OWNER], "credit_manager": [CM], "finance_director": [FD],
                 "cfo": [CFO]})
T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
# Limit requests: up to 50,000 the credit manager alone (24 h, nobody above); above, the
# credit manager (24 h, then the finance director may decide too) and the CFO (48 h).
LIMITS = KindPolicy((
    Band(Decimal(50_000), (Level("credit_manager", 24),)),
    Band(None, (Level("credit_manager", 24, escalate_to="finance_director"),
                Level("cfo", 48))),
))
REMIND_4H = ApprovalPolicy("USD", remind_before_hours=4)
POLICY = ApprovalPolicy("USD", {**DEFAULT_POLICIES, RequestKind.LIMIT_INCREASE: LIMITS,
                                RequestKind.TEMPORARY_LIMIT: LIMITS})


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def one_due(request: CreditRequest, now: datetime, policy: ApprovalPolicy) -> Due | None:
    """What a run at ``now`` does about ``request``, when it is one thing or nothing."""
    found = due(request, now, policy)
    assert len(found) <= 1, found
    return found[0] if found else None


def counts(reminded: int = 0, escalated: int = 0, reverted: int = 0,
           stand_in_cards: int = 0) -> dict[str, int]:
    """What ``Deadlines.run`` answers."""
    return {"reminded": reminded, "escalated": escalated, "reverted": reverted,
            "stand_in_cards": stand_in_cards}


class Notices(NoNotices):
    """Records each change; tells no stand-in of a delegation."""

    def __init__(self) -> None:
        self.changes: list[RequestChange] = []

    def queue(self, outbox: Outbox, change: RequestChange) -> None:
        self.changes.append(change)


class LimitNotes:
    def __init__(self) -> None:
        self.overdues: list[Overdue] = []
        self.reverts: list[Reverted] = []

    def overdue(self, outbox: Outbox, overdue: Overdue) -> None:
        self.overdues.append(overdue)

    def reverted(self, outbox: Outbox, reverted: Reverted) -> str | None:
        self.reverts.append(reverted)
        return reverted.owner


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


class World:
    def __init__(self, policy: ApprovalPolicy = POLICY) -> None:
        self.uow = FakeUnitOfWork([
            Customer("C0001", "Acme Industrial", usd("100000"), 30, owner_slack_id=OWNER),
            Customer("C0002", "Beta", usd("10000"), 30)])
        self.clock = Clock()
        self.notices = Notices()
        self.notes = LimitNotes()
        self.requests = CreditRequests(self.uow, CreditDataAccess(), policy, ROSTER,
                                       self.clock, ZONE, self.notices)
        self.deadlines = Deadlines(self.uow, policy, ROSTER, self.clock, ZONE, self.notices,
                                   self.notes)

    def file(self, amount: str, customer: str = "C0001",
             kind: RequestKind = RequestKind.LIMIT_INCREASE, until: date | None = None) -> int:
        return self.requests.file(ROSTER.member(REP), Filing(
            customer, kind, "season", amount=amount, expires_on=until)).id

    def at(self, delta: timedelta) -> dict[str, int]:
        self.clock.now = T0 + delta
        return self.deadlines.run()

    def happened(self) -> list[tuple[Happened, int, int]]:
        return [(c.happened, c.request.id, c.request.level) for c in self.notices.changes
                if c.happened in (Happened.REMINDED, Happened.ESCALATED)]

    def audited(self, action: str) -> list[dict[str, object]]:
        return [e.details for e in self.uow.audit.entries if e.action == action]


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def test_a_level_is_reminded_once_before_its_deadline_then_escalates_once():
    world = World()
    request_id = world.file("+100k")  # 200,000: two levels, the first escalates
    nothing = counts()
    assert world.at(hours(19.9)) == nothing
    assert world.at(hours(20)) == {**nothing, "reminded": 1}
    assert world.at(hours(20.25)) == nothing
    assert world.at(hours(23.9)) == nothing
    assert world.happened() == [(Happened.REMINDED, request_id, 1)]
    [reminded] = world.audited("requests.reminded")
    assert reminded == {"request": request_id, "level": 1, "role": "credit_manager",
                        "deadline": (T0 + hours(24)).isoformat(), "overdue_days": None}
    [entry] = [e for e in world.uow.audit.entries if e.action == "requests.reminded"]
    assert (entry.actor, entry.subject) == ("creditbot", "C0001")
    assert world.at(hours(24)) == {**nothing, "escalated": 1}
    assert world.at(hours(30)) == nothing
    assert world.happened()[1:] == [(Happened.ESCALATED, request_id, 1)]
    # Nobody decided in the day after: the chase goes on, both roles' holders together
    # (it stopped at the escalation, and a finance director away left it waiting).
    assert world.at(hours(48)) == {**nothing, "reminded": 1}
    assert world.at(hours(60)) == nothing
    assert [(o.request.id, o.deciders, o.days, o.roles) for o in world.notes.overdues] == [
        (request_id, (CM, FD), 1, ("credit_manager", "finance_director"))]
    assert [d["overdue_days"] for d in world.audited("requests.reminded")] == [None, 1]
    world.notes.overdues.clear()
    assert world.audited("requests.escalated") == [{
        "request": request_id, "level": 1, "role": "credit_manager",
        "deadline": (T0 + hours(24)).isoformat(), "escalate_to": "finance_director"}]
    assert [e.name for e in world.uow.events.recorded][-3:] == [
        "requests.reminded", "requests.escalated", "requests.reminded"]
    # The finance director's list says why the level is theirs, and every list says
    # who may decide it now.
    [waiting] = world.requests.waiting_for(ROSTER.member(FD))
    assert (waiting.record.request.id, waiting.right) == (request_id,
                                                          Authority(escalated=True))
    assert stage(waiting.record.request, world.requests, translator("en-US"), ZONE) == (
        f"level 1 of 2: credit manager (<@{CM}>), overdue since "
        "<!date^1796090400^{date_short_pretty} {time}|Dec 1, 2026, 10:00\u202fAM>, so "
        f"finance director (<@{FD}>) may decide it too")
    # The finance director, now allowed, approves level 1: level 2 (the CFO, 48 h) has
    # its own reminder, and nobody above it: overdue after its deadline.
    world.requests.decide(ROSTER.member(FD), request_id, 1, Outcome.APPROVED)
    decided = world.clock.now
    assert world.deadlines.run() == nothing
    world.clock.now = decided + hours(44)
    assert world.deadlines.run() == {**nothing, "reminded": 1}
    assert world.happened()[-1] == (Happened.REMINDED, request_id, 2)
    world.clock.now = decided + hours(48)
    assert world.deadlines.run() == {**nothing, "reminded": 1}
    [overdue] = world.notes.overdues
    assert (overdue.request.id, overdue.request.level, overdue.deciders, overdue.days) == (
        request_id, 2, (CFO,), 0)


def test_an_overdue_level_carries_the_questions_left_unanswered():
    # The requester heard only that the deciders were reminded while the credit
    # manager's question waited for their answer.
    world = World()
    request_id = world.file("40000", customer="C0002")
    world.clock.now = T0 + hours(2)
    world.requests.ask_info(ROSTER.member(CM), request_id, 1, "Which orders?")
    world.at(hours(24))
    [overdue] = world.notes.overdues
    assert [(q.asked_by, q.text, q.answered_at) for q in overdue.unanswered] == [
        (CM, "Which orders?", None)]
    [question] = overdue.unanswered
    world.clock.now = T0 + hours(30)
    world.requests.answer(ROSTER.member(REP), question.id, "the Q1 ones")
    world.at(hours(48))
    assert world.notes.overdues[-1].unanswered == ()


def test_an_overdue_level_without_escalation_is_reminded_every_24_hours():
    world = World()
    # One level, the credit manager, with nobody above.
    request_id = world.file("40000", customer="C0002")
    world.at(hours(20))
    assert world.notes.overdues == []
    assert world.at(hours(24)) == counts(reminded=1)
    assert world.at(hours(47.9))["reminded"] == 0
    assert world.at(hours(48))["reminded"] == 1
    assert world.at(hours(48.25))["reminded"] == 0
    assert world.at(hours(100))["reminded"] == 1  # the run after a day missed: once
    assert [(o.request.id, o.deciders, o.days) for o in world.notes.overdues] == [
        (request_id, (CM,), 0), (request_id, (CM,), 1), (request_id, (CM,), 3)]
    assert [d["overdue_days"] for d in world.audited("requests.reminded")] == [None, 0, 1, 3]
    # The credit manager's stand-in is reminded too while the delegation runs.
    world.clock.now = T0 + hours(110)
    world.requests.delegate(ROSTER.member(CM), FD, date(2026, 12, 31))
    assert world.at(hours(120))["reminded"] == 1
    assert world.notes.overdues[-1].deciders == (CM, FD)
    # Nothing escalates: there is no one to escalate to.
    assert world.audited("requests.escalated") == []
    # Decided: no more reminders.
    world.requests.decide(ROSTER.member(CM), request_id, 1, Outcome.APPROVED)
    assert world.at(hours(200)) == counts()


def test_a_level_shorter_than_the_reminder_window_is_not_reminded():
    level = Level("credit_manager", 3)
    filed = CreditRequest(RequestKind.LIMIT_INCREASE, "C0001", "Acme", REP, T0, "x",
                          usd("1"), (level,), level_since=T0, id=1)
    assert one_due(filed, T0 + hours(1), REMIND_4H) is None
    assert one_due(filed, T0 + hours(3),
               REMIND_4H).action == "overdue"  # type: ignore[union-attr]
    # A run that comes only after the deadline skips the reminder and escalates.
    escalating = CreditRequest(RequestKind.LIMIT_INCREASE, "C0001", "Acme", REP, T0, "x",
                               usd("1"), (Level("credit_manager", 24, "cfo"),),
                               level_since=T0, id=2)
    assert one_due(escalating, T0 + hours(30),
               REMIND_4H).action == "escalate"  # type: ignore[union-attr]
    # Two days late, it escalates first, then chases with the day's overdue reminder.
    assert [(d.action, d.overdue_days, d.key) for d in due(escalating, T0 + hours(72),
                                                           REMIND_4H)] == [
        ("escalate", None, "escalate:2:1"), ("overdue", 2, "overdue:2:1:2")]


def test_a_mark_another_run_left_means_nothing_is_done_twice():
    world = World()
    world.file("+100k")
    world.uow.credit_requests.mark("remind:1:1", 1, T0)
    world.uow.commit()
    assert world.at(hours(21)) == counts()
    assert world.audited("requests.reminded") == []


def test_a_temporary_limit_is_announced_once_after_its_last_day():
    world = World()
    request_id = world.file("45000", kind=RequestKind.TEMPORARY_LIMIT,
                            until=date(2026, 12, 31), customer="C0002")
    world.requests.decide(ROSTER.member(CM), request_id, 1, Outcome.APPROVED)
    temporary = world.file("180000", kind=RequestKind.TEMPORARY_LIMIT,
                           until=date(2026, 12, 15))
    world.requests.decide(ROSTER.member(CM), temporary, 1, Outcome.APPROVED)
    world.requests.decide(ROSTER.member(CFO), temporary, 2, Outcome.APPROVED)
    # 23:59 on 31 December in Shanghai: C0001's ended on the 15th, C0002's runs today.
    world.clock.now = datetime(2026, 12, 31, 15, 59, tzinfo=UTC)
    assert world.deadlines.run()["reverted"] == 1
    [acme] = world.notes.reverts
    assert (acme.change.request_id, acme.customer_name, acme.owner, acme.limit_now) == (
        temporary, "Acme Industrial", OWNER, usd("100000"))
    world.clock.now = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # 1 January
    assert world.deadlines.run()["reverted"] == 1
    assert world.deadlines.run()["reverted"] == 0
    beta = world.notes.reverts[1]
    assert (beta.customer_name, beta.owner, beta.limit_now, beta.change.expires_on) == (
        "Beta", None, usd("10000"), date(2026, 12, 31))
    assert world.audited("limits.reverted") == [
        {"request": temporary, "change": 2, "limit": "180000.00", "currency": "USD",
         "expires_on": "2026-12-15", "limit_now": "100000", "currency_now": "USD",
         "told": OWNER, "overtaken": False},
        {"request": request_id, "change": 1, "limit": "45000.00", "currency": "USD",
         "expires_on": "2026-12-31", "limit_now": "10000", "currency_now": "USD",
         "told": None, "overtaken": False}]
    [entry] = [e for e in world.uow.audit.entries if e.action == "limits.reverted"][:1]
    assert (entry.actor, entry.subject) == ("creditbot", "C0001")


def test_with_working_time_a_limits_end_is_told_at_the_next_working_moment():
    # The run at 00:05 on New Year's Day pinged the owner's phone; a holiday and a
    # weekend later is when the office hears of it.
    office = WorkingTime(WorkingHours(time(9), time(18), frozenset(range(5))), ZONE,
                         frozenset({date(2027, 1, 1)}))
    world = World(dataclasses.replace(POLICY, working_time=office))
    temporary = world.file("180000", kind=RequestKind.TEMPORARY_LIMIT,
                           until=date(2026, 12, 31))
    world.requests.decide(ROSTER.member(CM), temporary, 1, Outcome.APPROVED)
    world.requests.decide(ROSTER.member(CFO), temporary, 2, Outcome.APPROVED)
    for local in (datetime(2027, 1, 1, 0, 5), datetime(2027, 1, 1, 10, 0),  # a holiday
                  datetime(2027, 1, 2, 10, 0), datetime(2027, 1, 4, 8, 55)):
        world.clock.now = local.replace(tzinfo=ZONE)
        assert world.deadlines.run()["reverted"] == 0, local
    world.clock.now = datetime(2027, 1, 4, 9, 5, tzinfo=ZONE)
    assert world.deadlines.run()["reverted"] == 1
    [ended] = world.notes.reverts
    assert (ended.owner, ended.change.expires_on, ended.limit_now) == (
        OWNER, date(2026, 12, 31), usd("100000"))


def test_a_temporary_limit_replaced_before_its_end_is_not_announced():
    world = World()
    temporary = world.file("45000", kind=RequestKind.TEMPORARY_LIMIT,
                           until=date(2026, 12, 15), customer="C0002")
    world.requests.decide(ROSTER.member(CM), temporary, 1, Outcome.APPROVED)
    world.clock.now += hours(1)
    permanent = world.file("48000", customer="C0002")
    world.requests.decide(ROSTER.member(CM), permanent, 1, Outcome.APPROVED)
    world.clock.now = datetime(2026, 12, 20, 2, tzinfo=UTC)
    assert world.deadlines.run()["reverted"] == 0
    assert world.notes.reverts == []


@pytest.mark.parametrize("state", ["cancel", "decide"])
def test_a_request_closed_meanwhile_is_left_alone(state):
    world = World()
    request_id = world.file("40000", customer="C0002")
    if state == "cancel":
        world.requests.cancel(ROSTER.member(REP), request_id)
    else:
        world.requests.decide(ROSTER.member(CM), request_id, 1, Outcome.APPROVED)
    assert world.at(hours(21)) == counts()
    assert world.at(hours(30)) == counts()


def test_a_level_whose_only_holder_filed_the_request_is_escalated_at_once_and_reminded_there():
    # The credit manager asks for more on an account: their own level has nobody else.
    # It waited for its deadline, and "1 reminded" spoke of a reminder nobody got.
    world = World()
    world.requests.file(ROSTER.member(CM), Filing("C0001", RequestKind.LIMIT_INCREASE,
                                                  "season", amount="+100k"))
    # The escalation role may decide it from the start, not after the deadline: it was
    # escalated as it was filed, and its reminder is the finance director's.
    assert world.audited("requests.escalated") == [
        {"request": 1, "level": 1, "role": "credit_manager", "escalate_to": "finance_director",
         "at_once": True}]
    world.clock.now = T0 + hours(1)
    decidable = world.requests.check_decider(ROSTER.member(FD), 1, 1, "approved")
    assert decidable.record.request.id == 1
    assert world.at(hours(20)) == counts(reminded=1)
    assert [d["level"] for d in world.audited("requests.reminded")] == [1]
    assert world.happened() == [(Happened.REMINDED, 1, 1)]
    assert world.at(hours(21)) == counts()  # marked: not looked at again
    # The deadline escalates nothing more: it is the finance director's overdue
    # reminder (it was nobody's, and nothing chased the level after it).
    assert world.at(hours(24)) == counts(reminded=1)
    assert world.at(hours(30)) == counts()
    assert world.at(hours(48)) == counts(reminded=1)
    assert len(world.audited("requests.escalated")) == 1
    assert [(o.deciders, o.days, o.roles) for o in world.notes.overdues] == [
        ((FD,), 0, ("finance_director",)), ((FD,), 1, ("finance_director",))]


def test_a_one_level_temporary_limit_that_may_expire_first_is_not_warned_of_twice():
    # Filed with its last day today, the answer said both "decides by the end of Nov 30,
    # when the request expires" and "it decides by Dec 1, 1:00 PM".
    world = World()
    filed = world.requests.file(ROSTER.member(REP), Filing(
        "C0002", RequestKind.TEMPORARY_LIMIT, "fair", amount="+5k",
        expires_on=date(2026, 11, 30)))
    assert len(filed.route) == 1
    english = translator("en")
    assert world.requests.latest_decision(filed).astimezone(ZONE).date() > date(2026, 11, 30)
    assert _may_expire_first(filed, world.requests, english) == []
    assert stage(filed, world.requests, english, ZONE) == (
        f"level 1 of 1: {deciders(filed, world.requests, english)} decides by the end of "
        f"Nov 30, 2026 ({ZONE}), when the request expires")


def test_a_level_goes_to_its_escalation_role_at_once_only_if_someone_there_may_decide():
    level = Level("finance_director", 48, escalate_to="cfo")
    holders = {"finance_director": [FD], "cfo": [CFO]}
    assert left_to_escalation(level, holders, FD, ())
    assert not left_to_escalation(level, holders, REP, ())
    # The finance director is the CFO too: nobody is left in either role.
    assert not left_to_escalation(level, {"finance_director": [FD], "cfo": [FD]}, FD, ())
    assert not left_to_escalation(Level("finance_director", 48), holders, FD, ())


def test_a_reminder_that_would_reach_nobody_is_neither_counted_nor_audited():
    # The roster changed after filing: the requester is now the role's only holder.
    world = World()
    world.file("+10k", customer="C0002")  # one level: the credit manager's, no escalation
    alone = Roster({"sales": [OWNER], "credit_manager": [REP]})
    world.deadlines = Deadlines(world.uow, POLICY, alone, world.clock, ZONE, world.notices,
                                world.notes)
    assert world.at(hours(20)) == counts()
    assert world.audited("requests.reminded") == [] and world.happened() == []
