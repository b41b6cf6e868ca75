"""The credit requests use cases on the in-memory unit of work: filing (what it
snapshots, what it refuses), the state machine through every level, cancelling,
listing, history, delegations, and the limit change final approval records."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.access import AccessDenied, CreditDataAccess, Member
from domain.approvals.answering import AnswerRefused, AnswerTextProblem
from domain.approvals.context import Roster
from domain.approvals.filing import Filing, FilingRefused
from domain.approvals.model import (
    AskedIn,
    ChangeKind,
    CreditRequest,
    Delegation,
    Level,
    Outcome,
    RequestKind,
    RequestState,
    effective_limit,
)
from domain.approvals.policy import ApprovalPolicy
from domain.approvals.ports import Happened, RequestChange
from domain.approvals.rules import Authority, NotDecidable
from domain.approvals.use_cases import CreditRequests
from domain.errors import DomainError, MissingRate, SeveralProblems
from domain.model import Customer, Order, OrderStatus
from domain.money import Money
from domain.ports import Outbox
from handlers.errors import explain
from handlers.i18n import translator
from tests.fakes import FakeCustomers, FakeUnitOfWork

ZONE = ZoneInfo("Asia/Shanghai")
REP, CM, FD, CFO, STAND_IN = ("U0REP00001", "U0CM000001", "U0FD000001", "U0CFO00001",
                              "U0STANDIN1")
ROSTER = Roster({"sales": [REP], "credit_manager": [CM], "finance_director": [FD],
                 "cfo": [CFO], "credit_analyst": [STAND_IN]})


@pytest.fixture(autouse=True)
def examples_of_november(monkeypatch: pytest.MonkeyPatch) -> None:
    """The examples' days are next month's: these tests read them as of 30 November
    2026 (through 31 December), whatever the machine's date."""
    monkeypatch.setattr("domain.text.example_today", lambda: date(2026, 11, 30))


def member(user: str) -> Member:
    return ROSTER.member(user)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Notices:
    def __init__(self) -> None:
        self.changes: list[RequestChange] = []
        # (stand-in, roles, requests waiting) per delegation granted
        self.delegations: list[tuple[str, tuple[str, ...], int | None]] = []

    def queue(self, outbox: Outbox, change: RequestChange) -> None:
        self.changes.append(change)

    def delegated(self, outbox: Outbox, delegation: Delegation, roles: Sequence[str],
                  waiting: int | None) -> None:
        self.delegations.append((delegation.delegate, tuple(roles), waiting))

    def delegation_ended(self, outbox: Outbox, delegation: Delegation) -> None:
        return None

    def has_card(self, outbox: Outbox, request: CreditRequest, person: str) -> bool:
        return False


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def world() -> tuple[CreditRequests, FakeUnitOfWork, Clock, Notices]:
    customers = [
        Customer("C0001", "Acme Industrial", usd("100000"), 30, owner_slack_id=REP),
        Customer("C0002", "Huaxia Logistics", Money(Decimal("800000"), "CNY"), 60),
        Customer("C0003", "Newco", usd("0"), 30),
    ]
    orders = [Order("SO-1", "C0001", date(2026, 11, 28), usd("30000")),
              Order("SO-2", "C0001", date(2026, 11, 1), usd("5000"), OrderStatus.SHIPPED)]
    uow = FakeUnitOfWork(customers, orders=orders, rates={"CNY": Decimal("0.14")})
    clock = Clock()
    notices = Notices()
    requests = CreditRequests(uow, CreditDataAccess(), ApprovalPolicy("USD"), ROSTER, clock,
                              ZONE, notices)
    return requests, uow, clock, notices


def refused(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(DomainError) as raised:
        call(*args, **kwargs)  # type: ignore[operator]
    return str(raised.value)


def test_filing_snapshots_the_limit_normalises_an_increase_and_routes_it():
    requests, uow, clock, notices = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE,
                                              "  larger   Q1 orders ", "+100k"))
    assert (filed.id, filed.customer_id, filed.customer_name, filed.requested_by) == (
        1, "C0001", "Acme Industrial", REP)
    assert (filed.current_limit, filed.new_limit, filed.increase, filed.measured) == (
        usd("100000"), usd("200000"), usd("100000"), usd("200000.00"))
    assert filed.reason == "larger Q1 orders"
    assert [level.role for level in filed.route] == ["credit_manager", "finance_director"]
    assert (filed.state, filed.level, filed.level_since, filed.version) == (
        RequestState.OPEN, 1, clock.now, 1)
    [entry] = uow.audit.entries
    assert (entry.actor, entry.action, entry.subject) == (REP, "requests.filed", "C0001")
    assert entry.details["new_limit"] == {"amount": "200000.00", "currency": "USD"}
    assert entry.details["levels"] == ["credit_manager", "finance_director"]
    # The rule it was routed by, as app.yaml had it then: an auditor could not tell the
    # band, the basis or the deadlines once the policy had changed.
    assert entry.details["policy"] == {
        "basis": "total", "band_up_to": "500000", "remind_before_hours": 4, "levels": [
            {"role": "credit_manager", "deadline_hours": 24, "escalate_to": None,
             "post_to": None},
            {"role": "finance_director", "deadline_hours": 48, "escalate_to": None,
             "post_to": None}]}
    assert [e.name for e in uow.events.recorded] == ["requests.filed"]
    assert [c.happened for c in notices.changes] == [Happened.FILED]
    assert uow.writing


def test_a_new_total_in_another_currency_is_converted_to_the_limit_currency():
    requests, _, _, _ = world()
    filed = requests.file(member(REP), Filing("C0002", RequestKind.LIMIT_INCREASE,
                                              "expansion", "USD 140k"))
    # USD 140,000 at 0.14 USD per CNY is CNY 1,000,000; measured back in USD. One USD is
    # 1 / 0.14 = 7.142857142857… CNY, kept to 12 places.
    per_usd = Decimal("7.142857142857")
    assert (filed.new_limit, filed.increase, filed.measured, filed.asked_in) == (
        Money(Decimal("1000000.00"), "CNY"), Money(Decimal("200000.00"), "CNY"),
        usd("140000.00"), AskedIn(usd("140000"), increase=False, rate=per_usd))
    second, _, _, _ = world()
    in_yuan = second.file(member(REP), Filing("C0002", RequestKind.LIMIT_INCREASE,
                                              "expansion", "100万"))
    # Typed in the limit's own currency: nothing to show beside it.
    assert (in_yuan.new_limit, in_yuan.asked_in) == (Money(Decimal("1000000"), "CNY"), None)
    third, _, _, _ = world()
    assert third.file(member(REP), Filing("C0002", RequestKind.LIMIT_INCREASE, "expansion",
                                          "+USD 14k")).asked_in == \
        AskedIn(usd("14000"), increase=True, rate=per_usd)


def test_a_missing_rate_is_said_to_the_person():
    requests, _, _, _ = world()
    with pytest.raises(MissingRate):
        requests.file(member(REP), Filing("C0001", RequestKind.LIMIT_INCREASE, "x",
                                          "JPY 30m"))


def test_what_filing_refuses_says_what_to_write():
    requests, uow, _, _ = world()
    rep = member(REP)
    assert refused(requests.file, rep, Filing("C0001", RequestKind.LIMIT_INCREASE, " ",
                                              "+100k")) == (
        "Say why: a request needs a reason, e.g. “larger orders for the Q1 season”.")
    assert refused(requests.file, rep, Filing("C0001", RequestKind.LIMIT_INCREASE, "x")) == (
        "Give the new limit or the increase, e.g. 250000 or +100k.")
    assert refused(requests.file, rep, Filing("C0001", RequestKind.LIMIT_INCREASE, "x",
                                              "lots")) == (
        "“lots” is not an amount: write it like 120000, 120,000, 120000.50, 120k, 1.2m, "
        "USD 120k or 120k EUR.")
    assert refused(requests.file, rep, Filing("C0001", RequestKind.LIMIT_INCREASE, "x",
                                              "80000")) == (
        "USD 80,000.00 is not above the current limit of USD 100,000.00: a limit increase "
        "must raise it. For an increase of that much, write +80000.")
    assert refused(requests.file, rep, Filing("C0001", RequestKind.FIRST_LIMIT, "x",
                                              "50000")) == (
        "Acme Industrial already has a limit of USD 100,000.00: ask for a limit increase "
        "instead.")
    assert refused(requests.file, rep, Filing("C0001", RequestKind.TEMPORARY_LIMIT, "x",
                                              "+50k")) == (
        "A temporary limit needs the last day it applies, e.g. 2027-11-30.")
    assert refused(requests.file, rep, Filing("C0001", RequestKind.TEMPORARY_LIMIT, "x",
                                              "+50k", expires_on=date(2026, 11, 29))) == (
        "A temporary limit must last until today (2026-11-30) or later; 2026-11-29 is "
        "already past.")
    # A year at most: through 9999 it would be a permanent raise nobody decided as one.
    assert refused(requests.file, rep, Filing("C0001", RequestKind.TEMPORARY_LIMIT, "x",
                                              "+50k", expires_on=date(9999, 12, 31))) == (
        "A temporary limit runs for a year at most: its last day must be before 2027-11-30, and "
        "9999-12-31 is not. For longer, ask for a limit increase.")
    assert refused(requests.file, rep, Filing("C0001", RequestKind.ORDER_RELEASE, "x",
                                              order_id="SO-9")) == (
        "Acme Industrial has no order “SO-9”, and no held order to release.")
    assert refused(requests.file, rep, Filing("C0001", RequestKind.ORDER_RELEASE, "x",
                                              order_id="SO-2")) == (
        "Order SO-2 is not held (shipped): there is nothing to release.")
    assert refused(requests.file, rep, Filing("C0001", RequestKind.TERMS_CHANGE, "x")) == (
        "Give the new payment terms in days, from 0 to 365, e.g. 60.")
    assert refused(requests.file, rep, Filing("C0001", RequestKind.TERMS_CHANGE, "x",
                                              terms_days=30)) == (
        "Acme Industrial's terms are already 30 days.")
    assert uow.audit.entries == [] and uow.credit_requests.open_requests() == []


def test_an_amount_and_a_last_day_both_wrong_are_refused_together():
    requests, uow, _, _ = world()
    rep = member(REP)
    filing = Filing("C0001", RequestKind.TEMPORARY_LIMIT, "x", "80000",
                    expires_on=date(2026, 11, 29))
    for call in (requests.check, requests.file):
        with pytest.raises(SeveralProblems) as raised:
            call(rep, filing)
        assert [str(p) for p in raised.value.problems] == [
            "USD 80,000.00 is not above the current limit of USD 100,000.00: a temporary "
            "limit must raise it. For an increase of that much, write +80000.",
            "A temporary limit must last until today (2026-11-30) or later; 2026-11-29 is "
        "already past."]
        # One line where only one fits (the CLI, a log): both, in order.
        assert str(raised.value) == " ".join(str(p) for p in raised.value.problems)
    # One wrong field is refused as itself; a right filing passes the check unwritten.
    with pytest.raises(FilingRefused):
        requests.check(rep, Filing("C0001", RequestKind.TEMPORARY_LIMIT, "x", "+1k"))
    requests.check(rep, Filing("C0001", RequestKind.TEMPORARY_LIMIT, "x", "+1k",
                               expires_on=date(2026, 12, 24)))
    assert uow.audit.entries == [] and uow.credit_requests.open_requests() == []


def test_filing_twice_gives_one_request():
    requests, uow, _, _ = world()
    requests.file(member(REP), Filing("C0001", RequestKind.LIMIT_INCREASE, "x", "+100k"))
    # A modal submitted twice, or the same limit asked again under another kind.
    assert refused(requests.file, member(REP), Filing(
        "C0001", RequestKind.TEMPORARY_LIMIT, "x", "+100k", expires_on=date(2027, 1, 31))) == (
        "You already filed an open limit increase request for Acme Industrial (#1): it must be "
        "decided or cancelled first (`/credit requests` lists it).")
    assert len(uow.credit_requests.open_requests()) == 1
    # An order and the terms are other things to ask about.
    requests.file(member(REP), Filing("C0001", RequestKind.ORDER_RELEASE, "urgent",
                                      order_id="SO-1"))
    requests.file(member(REP), Filing("C0001", RequestKind.TERMS_CHANGE, "x", terms_days=45))
    assert len(uow.credit_requests.open_requests()) == 3


def test_every_level_in_turn_then_the_limit_takes_effect_in_creditbots_own_table():
    requests, uow, clock, notices = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "x",
                                              "+100k"))
    clock.now += timedelta(hours=1)
    first = requests.decide(member(CM), filed.id, 1, Outcome.APPROVED)
    assert (first.request.state, first.request.level, first.request.level_since) == (
        RequestState.OPEN, 2, clock.now)
    assert uow.credit_requests.limit_changes("C0001") == []
    clock.now += timedelta(hours=1)
    final = requests.decide(member(FD), filed.id, 2, Outcome.APPROVED, "ok for Q1")
    assert (final.request.state, final.request.closed_by, final.request.closed_at) == (
        RequestState.APPROVED, FD, clock.now)
    assert [(d.level, d.role, d.decided_by, d.comment) for d in final.decisions] == [
        (1, "credit_manager", CM, None), (2, "finance_director", FD, "ok for Q1")]
    [change] = uow.credit_requests.limit_changes("C0001")
    assert (change.kind, change.limit, change.previous, change.request_id,
            change.approved_by) == (ChangeKind.PERMANENT, usd("200000"), usd("100000"),
                                    filed.id, FD)
    assert uow.credit_requests.effective_limits(None, date(2026, 11, 30)) == {
        "C0001": change}
    # The ERP's column is untouched.
    assert uow.customers.get("C0001").credit_limit == usd("100000")  # type: ignore[union-attr]
    assert [(e.action, e.actor) for e in uow.audit.entries] == [
        ("requests.filed", REP), ("requests.approved", CM), ("requests.approved", FD),
        ("limits.changed", FD)]
    assert uow.audit.entries[-1].details == {
        "request": 1, "kind": "permanent", "limit": "200000.00", "currency": "USD",
        "previous": "100000", "previous_currency": "USD", "erp_limit": "100000",
        "erp_currency": "USD", "expires_on": None, "applies_from": None}
    assert [e.name for e in uow.events.recorded] == [
        "requests.filed", "requests.level_approved", "requests.level_approved",
        "limits.changed"]
    assert [c.happened for c in notices.changes] == [Happened.FILED, Happened.ADVANCED,
                                                     Happened.APPROVED]
    assert notices.changes[-1].limit_change == change
    # The next request starts from the limit creditbot approved.
    again = requests.file(member(REP), Filing("C0001", RequestKind.LIMIT_INCREASE, "x",
                                              "+10k"))
    assert (again.current_limit, again.new_limit) == (usd("200000"), usd("210000.00"))


def test_an_erp_limit_committed_during_the_final_approval_overtakes_the_change():
    # On PostgreSQL each statement sees what is committed: a customers import raising the
    # ERP's limit to 300k between the check that the request still raises the limit and
    # the change's own read made the 200k change stand on the ERP's 300k, and lower it.
    requests, uow, _, _ = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "x",
                                              "+100k"))
    requests.decide(member(CM), filed.id, 1, Outcome.APPROVED)
    customers = uow.customers
    before = customers.rows["C0001"]
    reads = []

    def get(customer_id: str) -> Customer | None:
        reads.append(customer_id)
        if len(reads) > 1:  # the import commits after the first read
            customers.rows["C0001"] = dataclasses.replace(before, credit_limit=usd("300000"))
        return FakeCustomers.get(customers, customer_id)

    customers.get = get  # type: ignore[method-assign]
    requests.decide(member(FD), filed.id, 2, Outcome.APPROVED)
    assert len(reads) > 1
    [change] = uow.credit_requests.limit_changes("C0001")
    assert (change.limit, change.previous) == (usd("200000"), usd("100000"))
    # Standing on the ERP limit it was checked against, it gives way to the ERP's new one.
    assert uow.credit_requests.effective_limits(None, date(2026, 11, 30)) == {}


def test_a_double_click_gives_one_decision_and_the_second_hears_who_decided():
    requests, uow, _, _ = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "x",
                                              "+100k"))
    requests.decide(member(CM), filed.id, 1, Outcome.APPROVED)
    assert refused(requests.decide, member(CM), filed.id, 1, Outcome.APPROVED) == (
        "Level 1 of request #1 was already approved by <@U0CM000001>.")
    assert [e.action for e in uow.audit.entries].count("requests.approved") == 1


def test_a_rejection_ends_the_request_and_changes_no_limit():
    requests, uow, _, notices = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "x",
                                              "+100k"))
    requests.decide(member(CM), filed.id, 1, Outcome.APPROVED)
    assert refused(requests.decide, member(FD), filed.id, 2, Outcome.REJECTED, " ") == (
        "Say why you reject it: a rejection needs a comment, which the requester will "
        "read.")
    done = requests.decide(member(FD), filed.id, 2, Outcome.REJECTED, "90+ days overdue")
    assert (done.request.state, done.request.closed_by) == (RequestState.REJECTED, FD)
    assert uow.credit_requests.limit_changes("C0001") == []
    assert uow.audit.entries[-1].action == "requests.rejected"
    assert uow.audit.entries[-1].details["comment"] == "90+ days overdue"
    assert notices.changes[-1].happened is Happened.REJECTED
    assert refused(requests.decide, member(CFO), filed.id, 3, Outcome.APPROVED) == (
        "Request #1 was already rejected by <@U0FD000001> at level 2, so there is nothing "
        "left to decide.")


def test_a_temporary_limit_applies_through_its_last_day_then_reverts():
    requests, uow, _, _ = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.TEMPORARY_LIMIT, "season",
                                              "150000", expires_on=date(2026, 12, 31)))
    assert [level.role for level in filed.route] == ["credit_manager", "finance_director"]
    requests.decide(member(CM), filed.id, 1, Outcome.APPROVED)
    requests.decide(member(FD), filed.id, 2, Outcome.APPROVED)
    [change] = uow.credit_requests.limit_changes("C0001")
    assert (change.kind, change.limit, change.expires_on) == (
        ChangeKind.TEMPORARY, usd("150000"), date(2026, 12, 31))
    assert effective_limit([change], date(2026, 12, 31)) == change
    assert effective_limit([change], date(2027, 1, 1)) is None
    assert uow.credit_requests.effective_limits(["C0001"], date(2027, 1, 1)) == {}


def test_order_release_and_terms_change_are_audited_on_final_approval():
    requests, uow, _, _ = world()
    order = requests.file(member(REP), Filing("acme", RequestKind.ORDER_RELEASE, "urgent",
                                              order_id="SO-1"))
    assert (order.order_amount, order.measured, order.route) == (
        usd("30000"), usd("30000.00"), (Level("credit_manager", 4),))
    requests.decide(member(CM), order.id, 1, Outcome.APPROVED)
    terms = requests.file(member(REP), Filing("acme", RequestKind.TERMS_CHANGE, "x",
                                              terms_days=60))
    requests.decide(member(CM), terms.id, 1, Outcome.APPROVED)
    assert [(e.action, e.details.get("order"), e.details.get("terms_days"))
            for e in uow.audit.entries if e.action in ("orders.released", "terms.changed")] \
        == [("orders.released", "SO-1", None), ("terms.changed", None, 60)]
    assert uow.credit_requests.limit_changes("C0001") == []


def test_only_the_requester_cancels_and_only_while_open():
    requests, uow, _, notices = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "x",
                                              "+10k"))
    assert refused(requests.cancel, member(CM), filed.id) == (
        "Only <@U0REP00001>, who filed request #1, can cancel it.")
    cancelled = requests.cancel(member(REP), filed.id)
    assert (cancelled.state, cancelled.closed_by) == (RequestState.CANCELLED, REP)
    assert uow.audit.entries[-1].action == "requests.cancelled"
    assert notices.changes[-1].happened is Happened.CANCELLED
    assert refused(requests.cancel, member(REP), filed.id) == (
        "Request #1 is already cancelled: only an open request can be cancelled.")
    # In the reader's words: the state was the English value inside Chinese text.
    with pytest.raises(DomainError) as again:
        requests.cancel(member(REP), filed.id)
    assert explain(again.value, translator("zh-CN")) == (
        "申请 #1 当前状态为“已撤销”：只能撤销待审批的申请。")
    assert refused(requests.decide, member(CM), filed.id, 1, Outcome.APPROVED) == (
        "Request #1 was cancelled by <@U0REP00001>, so there is nothing left to decide.")
    assert refused(requests.decide, member(CM), 99, 1, Outcome.APPROVED) == (
        "There is no credit request #99.")


def test_mine_waiting_for_me_and_history():
    requests, _, _, _ = world()
    first = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "x",
                                              "+10k"))
    second = requests.file(member(REP), Filing("C0003", RequestKind.FIRST_LIMIT, "new",
                                               "600k"))
    assert [r.request.id for r in requests.mine(member(REP))] == [second.id, first.id]
    assert [(w.record.request.id, w.right) for w in requests.waiting_for(member(CM))] == [
        (first.id, Authority()), (second.id, Authority())]
    assert requests.waiting_for(member(FD)) == []
    requests.decide(member(CM), second.id, 1, Outcome.APPROVED)
    assert [w.record.request.id for w in requests.waiting_for(member(CM))] == [first.id]
    assert [w.record.request.id for w in requests.waiting_for(member(FD))] == [second.id]
    history = requests.history(member(CM), "newco")
    assert history.customer.customer_id == "C0003"
    assert [(r.request.id, len(r.decisions)) for r in history.requests] == [(second.id, 1)]
    assert history.limit_changes == []
    assert requests.check_decider(member(FD), second.id, 2, "approved").record.request.id \
        == second.id
    with pytest.raises(NotDecidable):
        requests.check_decider(member(REP), second.id, 2, "rejected")


def test_a_delegate_decides_for_the_delegator_until_the_last_day():
    requests, uow, clock, _ = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "x",
                                              "+100k"))
    requests.decide(member(CM), filed.id, 1, Outcome.APPROVED)
    assert refused(requests.decide, member(STAND_IN), filed.id, 2, Outcome.APPROVED) == (
        "You can't decide this: level 2 is for the finance director: <@U0FD000001>, or "
        "someone they delegated their approvals to.")
    granted = requests.delegate(member(FD), STAND_IN, date(2026, 12, 5)).granted
    assert (granted.delegator, granted.delegate, granted.starts_on, granted.until) == (
        FD, STAND_IN, date(2026, 11, 30), date(2026, 12, 5))
    assert [d.delegate for d in requests.delegations(member(STAND_IN))] == [STAND_IN]
    assert [(w.record.request.id, w.right) for w in requests.waiting_for(
        member(STAND_IN))] == [(filed.id, Authority(on_behalf_of=FD))]
    # A stand-in's question says whom they asked for, as their decision does.
    requests.ask_info(member(STAND_IN), filed.id, 2, "Which orders?")
    done = requests.decide(member(STAND_IN), filed.id, 2, Outcome.APPROVED)
    assert done.decisions[-1].on_behalf_of == FD
    [asked] = requests.history(member(CM), "acme").requests[0].questions
    assert (asked.asked_by, asked.on_behalf_of, asked.level) == (STAND_IN, FD, 2)
    assert uow.audit.entries[-2].details["on_behalf_of"] == FD
    assert [e.action for e in uow.audit.entries].count("delegations.granted") == 1
    assert requests.end_delegation(member(FD)) == 1
    assert requests.delegations(member(FD)) == []
    clock.now += timedelta(days=30)
    assert requests.delegations(member(STAND_IN)) == []


def test_a_stand_in_refused_outside_the_delegation_is_told_it_ended_or_has_not_begun():
    # The day after a delegation ended, its stand-in was refused as anyone is ("level 2
    # is for the finance director…"), from a list shown before midnight: nothing said the
    # delegation was over.
    requests, _, clock, _ = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "x",
                                              "+100k"))
    requests.decide(member(CM), filed.id, 1, Outcome.APPROVED)
    requests.delegate(member(FD), STAND_IN, date(2026, 12, 10), starts_on=date(2026, 12, 3))
    assert refused(requests.decide, member(STAND_IN), filed.id, 2, Outcome.APPROVED) == (
        "You can't decide this yet: you stand in for <@U0FD000001> from 2026-12-03. Level 2 "
        "is for the finance director: <@U0FD000001>, or someone they delegated their "
        "approvals to.")
    clock.now += timedelta(days=11)  # Dec 11 in Shanghai: the last day was Dec 10
    assert refused(requests.decide, member(STAND_IN), filed.id, 2, Outcome.APPROVED) == (
        "You can't decide this: you stood in for <@U0FD000001> through 2026-12-10, and "
        "that delegation has ended. Level 2 is for the finance director: <@U0FD000001>, or "
        "someone they delegated their approvals to.")


def test_on_29_february_the_example_and_the_cap_are_28_february_next_year():
    # today.replace(year=+1) raised ValueError on a leap day: the filing failed.
    requests, _, clock, _ = world()
    clock.now = datetime(2028, 2, 29, 2, 0, tzinfo=UTC)
    rep = member(REP)
    assert refused(requests.file, rep, Filing("C0001", RequestKind.TEMPORARY_LIMIT, "x",
                                              "+50k")) == (
        "A temporary limit needs the last day it applies, e.g. 2029-02-28.")
    assert refused(requests.file, rep, Filing("C0001", RequestKind.TEMPORARY_LIMIT, "x",
                                              "+50k", expires_on=date(2029, 2, 28))) == (
        "A temporary limit runs for a year at most: its last day must be before 2029-02-28, and "
        "2029-02-28 is not. For longer, ask for a limit increase.")
    assert requests.file(rep, Filing("C0001", RequestKind.TEMPORARY_LIMIT, "x", "+50k",
                                     expires_on=date(2029, 2, 27))).expires_on == date(
        2029, 2, 27)


def test_what_delegating_refuses():
    requests, _, _, _ = world()
    until = date(2026, 12, 5)
    assert refused(requests.delegate, member(FD), FD, until) == (
        "You can't delegate to yourself: name the person who stands in for you.")
    assert refused(requests.delegate, member(FD), STAND_IN, date(2026, 11, 29)) == (
        "The last day 2026-11-29 is already past: a delegation runs up to today or a later "
        "day, e.g. `/credit delegate @mei until 2026-12-31`.")
    assert refused(requests.delegate, member(REP), STAND_IN, until) == (
        "You hold no role that decides credit requests, so there is nothing to delegate.")
    assert refused(requests.delegate, member(FD), "U0NOBODY01", until) == (
        "<@U0NOBODY01> may not see credit data, so they can't decide credit requests for "
        "you. Ask a credit manager to give them access first.")
    # A year at most, starting within a year: 9999-12-31 was a standing grant.
    year = ("A delegation runs for a year at most, starting within a year: {} through {} "
            "is longer or later. Hand your approvals over for the absence, e.g. `/credit "
            "delegate @mei until 2026-12-31`, and again when it ends if need be.")
    assert refused(requests.delegate, member(FD), STAND_IN, date(9999, 12, 31)) == (
        year.format("2026-11-30", "9999-12-31"))
    assert refused(requests.delegate, member(FD), STAND_IN, date(2028, 1, 5),
                   date(2027, 12, 31)) == year.format("2027-12-31", "2028-01-05")
    # A year counts both ends: from 30 November through 29 November, not the 30th.
    assert refused(requests.delegate, member(FD), STAND_IN, date(2027, 11, 30)) == (
        year.format("2026-11-30", "2027-11-30"))
    assert refused(requests.delegate, member(FD), STAND_IN, date(2027, 12, 3),
                   date(2027, 11, 30)) == year.format("2027-11-30", "2027-12-03")
    assert requests.delegate(member(FD), STAND_IN, date(2027, 11, 29)).granted.until == date(
        2027, 11, 29)


def test_people_who_may_not_see_credit_data_can_do_nothing_and_are_audited():
    requests, uow, _, _ = world()
    outsider = Member("U0OUTSIDE1")
    with pytest.raises(AccessDenied):
        requests.file(outsider, Filing("acme", RequestKind.LIMIT_INCREASE, "x", "+1"))
    with pytest.raises(AccessDenied):
        requests.decide(outsider, 1, 1, Outcome.APPROVED)
    assert [(e.actor, e.action) for e in uow.audit.entries] == [
        ("U0OUTSIDE1", "requests.file_refused"), ("U0OUTSIDE1", "requests.decide_refused")]
    # Recorded as the rules' refusals are: what was tried, and why it was refused (the
    # entry had no details, so a filter on `act` or `level` missed it).
    assert uow.audit.entries[-1].details == {"request": 1, "level": 1, "act": "approved",
                                             "rule": "credit_data"}
    assert uow.credit_requests.open_requests() == []


def test_an_open_temporary_limit_past_its_last_day_expires():
    requests, uow, clock, notices = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.TEMPORARY_LIMIT, "season",
                                              "+20k", expires_on=date(2026, 12, 1)))
    other = requests.file(member(REP), Filing("C0003", RequestKind.FIRST_LIMIT, "new", "10k"))
    assert requests.expire() == []
    clock.now += timedelta(days=2)
    assert refused(requests.decide, member(CM), filed.id, 1, Outcome.APPROVED) == (
        "Request #1 expired: the temporary limit would have ended on 2026-12-01, so there "
        "is nothing left to decide.")
    [expired] = requests.expire()
    assert (expired.id, expired.state, expired.closed_by) == (
        filed.id, RequestState.EXPIRED, "creditbot")
    assert [r.id for r in uow.credit_requests.open_requests()] == [other.id]
    assert (uow.audit.entries[-1].actor, uow.audit.entries[-1].action) == (
        "creditbot", "requests.expired")
    assert notices.changes[-1].happened is Happened.EXPIRED
    assert refused(requests.decide, member(CM), filed.id, 1, Outcome.APPROVED) == (
        "Request #1 expired: the temporary limit would have ended on 2026-12-01, so there "
        "is nothing left to decide.")


def asked(requests: CreditRequests, question: str) -> CreditRequest:
    """Acme's +100k filed by the rep, and the credit manager's ``question`` about it."""
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "Q1",
                                              "+100k"))
    requests.ask_info(member(CM), filed.id, 1, question)
    return filed


def test_a_decider_asks_for_info_audited_and_the_request_unchanged():
    requests, uow, _, notices = world()
    filed = asked(requests, "  Which orders?\nAnd when?  ")
    change = notices.changes[-1]
    assert change.happened is Happened.INFO_ASKED and change.asked is not None
    assert (change.asked.asked_by, change.asked.text, change.asked.id) == (
        CM, "Which orders?\nAnd when?", 1)
    entry = uow.audit.entries[-1]
    assert (entry.actor, entry.action, entry.subject, entry.details) == (
        CM, "requests.info_asked", "C0001",
        {"request": filed.id, "level": 1, "question": "Which orders?\nAnd when?"})
    assert [e.name for e in uow.events.recorded][-1] == "requests.info_asked"
    unchanged = requests.get(member(CM), filed.id)
    assert (unchanged.request.version, unchanged.decisions) == (filed.version, ())


def test_asking_for_info_is_refused_as_deciding_is_and_needs_a_question():
    requests, uow, _, notices = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "Q1",
                                              "+100k"))
    assert refused(requests.ask_info, member(REP), filed.id, 1, "?") == (
        "You can't decide this request: you filed it. Someone else must decide it.")
    assert refused(requests.ask_info, member(FD), filed.id, 1, "?") == (
        "You can't decide this: level 1 is for the credit manager: <@U0CM000001>, or "
        "someone they delegated their approvals to.")
    assert refused(requests.ask_info, member(CM), filed.id, 1, "   ") == (
        "Write the question the requester should answer.")
    assert refused(requests.ask_info, member(CM), filed.id, 1, "x" * 2001) == (
        "A question takes at most 2000 characters; this one has 2001.")
    # 2,000 is at most 2,000: asked ("under 2000" said otherwise).
    requests.ask_info(member(CM), filed.id, 1, "x" * 2000)
    # The two attempts against the rules that keep duties apart are on record, as
    # refusals; a question without words is no attempt.
    assert [(e.actor, e.action, e.subject, e.details) for e in uow.audit.entries] == [
        (REP, "requests.filed", "C0001", uow.audit.entries[0].details),
        (REP, "requests.decide_refused", f"request:{filed.id}",
         {"request": filed.id, "level": 1, "act": "ask_info", "rule": "own_request"}),
        (FD, "requests.decide_refused", f"request:{filed.id}",
         {"request": filed.id, "level": 1, "act": "ask_info", "rule": "not_your_level"}),
        (CM, "requests.info_asked", "C0001", uow.audit.entries[-1].details)]
    assert [c.happened for c in notices.changes] == [Happened.FILED, Happened.INFO_ASKED]


def test_an_attempt_to_decide_against_the_separation_of_duties_is_on_record():
    # An auditor saw nobody try: the refusal left no entry at all.
    requests, uow, _, _ = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "Q1",
                                              "+100k"))
    assert refused(requests.decide, member(REP), filed.id, 1, Outcome.APPROVED) == (
        "You can't decide this request: you filed it. Someone else must decide it.")
    requests.decide(member(CM), filed.id, 1, Outcome.APPROVED)
    assert refused(requests.decide, member(CM), filed.id, 2, Outcome.REJECTED, "no") == (
        "You can't decide level 2: you already approved level 1 of this request, and each "
        "level needs another person.")
    # A double click is no attempt against the rules: not recorded as one.
    refused(requests.decide, member(CM), filed.id, 1, Outcome.APPROVED)
    [approved] = [e for e in uow.audit.entries if e.action == "requests.approved"]
    assert (approved.details["role"], approved.details["decider_roles"]) == (
        "credit_manager", ["credit_manager"])
    assert [(e.actor, e.details) for e in uow.audit.entries
            if e.action == "requests.decide_refused"] == [
        (REP, {"request": filed.id, "level": 1, "act": "approved", "rule": "own_request"}),
        (CM, {"request": filed.id, "level": 2, "act": "rejected", "rule": "second_level"})]
    assert [e.action for e in uow.audit.entries if e.action.startswith("requests.")] == [
        "requests.filed", "requests.decide_refused", "requests.approved",
        "requests.decide_refused"]


def test_a_button_pressed_against_the_rules_is_on_record_as_the_attempt():
    # Approve, Reject and Ask for info check the presser before their form opens: someone
    # refused there never reaches the form, so the refusals at the press were the only
    # ones, and none was recorded.
    requests, uow, _, _ = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "Q1",
                                              "+100k"))
    for who, act in ((REP, "approved"), (FD, "rejected"), (FD, "ask_info")):
        with pytest.raises(NotDecidable):
            requests.check_decider(member(who), filed.id, 1, act)
    assert requests.check_decider(member(CM), filed.id, 1, "approved").record.request.id \
        == filed.id
    assert [(e.actor, e.details) for e in uow.audit.entries
            if e.action == "requests.decide_refused"] == [
        (REP, {"request": filed.id, "level": 1, "act": "approved", "rule": "own_request"}),
        (FD, {"request": filed.id, "level": 1, "act": "rejected", "rule": "not_your_level"}),
        (FD, {"request": filed.id, "level": 1, "act": "ask_info", "rule": "not_your_level"})]
    # A level already decided, pressed again, is no attempt against the rules.
    requests.decide(member(CM), filed.id, 1, Outcome.APPROVED)
    with pytest.raises(NotDecidable):
        requests.check_decider(member(CM), filed.id, 1, "approved")
    assert len([e for e in uow.audit.entries if e.action == "requests.decide_refused"]) == 3


def test_every_change_carries_the_customers_standing_for_the_cards():
    requests, _, _, notices = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "Q1",
                                              "+100k"))
    requests.decide(member(CM), filed.id, 1, Outcome.APPROVED)
    requests.cancel(member(REP), filed.id)
    for change in notices.changes:
        assert change.standing is not None
        # No positions context in this world: terms and owner, no figures.
        assert (change.standing.position, change.standing.payment_terms_days,
                change.standing.owner, change.standing.contracts) == (None, 30, REP, ())


def test_handing_over_anew_to_the_same_stand_in_deals_no_card_again():
    requests, _, _, notices = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "x",
                                              "+100k"))
    requests.decide(member(CM), filed.id, 1, Outcome.APPROVED)
    requests.delegate(member(FD), STAND_IN, date(2026, 12, 5))
    requests.delegate(member(FD), STAND_IN, date(2026, 12, 6))  # a longer absence
    dealt = [c.stand_in for c in notices.changes if c.happened is Happened.STOOD_IN]
    assert dealt == [STAND_IN]
    assert notices.delegations == [(STAND_IN, ("finance_director",), 1),
                                   (STAND_IN, ("finance_director",), 1)]


def test_a_dollar_sign_for_a_customer_billed_in_canadian_dollars_is_asked_about():
    # "$200k more" was filed as CA$200,000 at a company whose reps write $ for USD.
    uow = FakeUnitOfWork([Customer("C0009", "Maple Leaf Builders",
                                   Money(Decimal("150000"), "CAD"), 30)],
                         rates={"CAD": Decimal("0.72")})
    requests = CreditRequests(uow, CreditDataAccess(), ApprovalPolicy("USD"), ROSTER,
                              Clock(), ZONE, Notices())
    for typed in ("+$50k", "+ $50k", "+50k$"):  # "+ $50k" slipped past at first
        assert refused(requests.file, member(REP), Filing(
            "C0009", RequestKind.LIMIT_INCREASE, "more", typed)) == (
            f"“{typed}”: $ is both CAD (the customer's currency) and USD; write the "
            "currency's code after the amount instead, e.g. +50,000 CAD or +50,000 USD.")
    assert uow.audit.entries == []
    filed = requests.file(member(REP), Filing("C0009", RequestKind.LIMIT_INCREASE, "more",
                                              "+$50k", currency="CAD"))
    assert filed.new_limit == Money(Decimal("200000"), "CAD")


def test_the_requester_answers_a_question_once_while_the_request_is_open():
    requests, uow, _, notices = world()
    filed = asked(requests, "Which orders?")
    with pytest.raises(AnswerTextProblem) as long:
        requests.answer(member(REP), 1, "x" * 2001)
    assert str(long.value) == "An answer takes at most 2000 characters; this one has 2001."
    with pytest.raises(AnswerRefused) as other:
        requests.answer(member(CM), 1, "PO-7")
    assert str(other.value) == f"Only <@{REP}>, who filed request #1, answers its questions."
    with pytest.raises(AnswerRefused) as unknown:
        requests.answer(member(REP), 9, "PO-7")
    assert str(unknown.value) == "This question is not in creditbot's records any more."
    requests.answer(member(REP), 1, "  PO-7  ")
    change = notices.changes[-1]
    assert change.happened is Happened.INFO_ANSWERED and change.asked is not None
    assert (change.asked.id, change.asked.answer, change.asked.asked_by) == (1, "PO-7", CM)
    assert change.asker_withheld is False
    assert uow.audit.entries[-1].action == "requests.info_answered"
    # A second question, then the request cancelled: nothing waits for an answer.
    requests.ask_info(member(CM), filed.id, 1, "And the season?")
    requests.cancel(member(REP), filed.id)
    with pytest.raises(AnswerRefused) as closed:
        requests.answer(member(REP), 2, "spring")
    assert str(closed.value) == ("Request #1 is closed: nothing waits for your answer any "
                                 "more.")


def test_an_asker_app_yaml_let_go_is_withheld_from_the_answer():
    requests, _, _, notices = world()
    asked(requests, "Which orders?")
    # app.yaml now opens credit data to sales only: the credit manager who asked is out.
    requests = dataclasses.replace(requests, access=CreditDataAccess(
        roles=frozenset({"sales"})))
    requests.answer(member(REP), 1, "PO-7")
    assert notices.changes[-1].asker_withheld is True
