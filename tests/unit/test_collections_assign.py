"""Assignment use cases on the fake unit of work: assigning, reassigning (both told),
refusals that say why, unassigning, and the alerts job's automatic assignment by rules
and by the weighted round-robin (least open overdue first, ties in app.yaml's order)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.access import AccessDenied, CreditDataAccess, Member
from domain.aging import AgingBuckets
from domain.collections.assignment import (
    AssignmentPolicy,
    AssignRule,
    OverdueAccount,
    plan,
)
from domain.collections.model import (
    AssignmentStatus,
    CollectionChanged,
    LegalCase,
    Promise,
    PromiseState,
)
from domain.collections.use_cases import (
    AssignmentChange,
    Assignments,
    AssignRefused,
    NotAnAssigner,
)
from domain.customer_match import CustomerMatch
from domain.errors import CustomerNotFound, DomainError
from domain.model import Customer, Invoice
from domain.money import Money
from domain.ports import Outbox
from domain.positions import CreditPolicyContext
from tests.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
MANAGER = Member("U02CREDITMG", roles=frozenset({"credit_manager"}))
ANNA, BEN, CARL = "U04COLLECT1", "U04COLLECT2", "U04COLLECT3"
COLLECTORS = {u: Member(u, roles=frozenset({"collector"})) for u in (ANNA, BEN, CARL)}
SALES = Member("U01SALESAMY", roles=frozenset({"sales"}), departments=frozenset({"sales"}))


def customer(cid: str, name: str, **kw: object) -> Customer:
    return Customer(cid, name, Money(Decimal(100000), "USD"), 30, **kw)  # type: ignore[arg-type]


def overdue(cid: str, amount: str, days: int = 10) -> Invoice:
    due = TODAY - timedelta(days=days)
    return Invoice(f"I-{cid}-{amount}", cid, due - timedelta(days=30), due,
                   Money(Decimal(amount), "USD"), Money(Decimal(amount), "USD"))


class Told:
    def __init__(self) -> None:
        self.changes: list[AssignmentChange] = []

    def queue(self, outbox: Outbox, change: AssignmentChange) -> None:
        self.changes.append(change)

    def queue_by_rules(self, outbox: Outbox, changes: Sequence[AssignmentChange]) -> None:
        self.changes.extend(changes)


def service(uow: FakeUnitOfWork, policy: AssignmentPolicy | None = None) -> Assignments:
    return Assignments(
        uow, CreditDataAccess(), CreditPolicyContext("USD", AgingBuckets()),
        policy or AssignmentPolicy(collectors=(ANNA, BEN), assigners=frozenset({
            MANAGER.user_id})),
        lambda user: COLLECTORS.get(user) or (SALES if user == SALES.user_id else
                                              Member(user)),
        lambda: NOW, ZoneInfo("Asia/Shanghai"), Told())


def world() -> FakeUnitOfWork:
    return FakeUnitOfWork(
        [customer("C1", "Acme <!channel>", owner_slack_id=SALES.user_id),
         customer("C2", "Beta"), customer("C3", "Gamma", country="cn"),
         customer("C4", "Delta", group_id="HUAXIA"), customer("C5", "Paid Up")],
        [overdue("C1", "500"), overdue("C2", "300"), overdue("C3", "200"),
         overdue("C4", "100"), overdue("C5", "50", days=-5)])


def test_assign_then_reassign_tells_both_and_audits_each():
    uow = world()
    assignments = service(uow)
    first = assignments.assign(MANAGER, "acme", ANNA)
    assert (first.customer.customer_id, first.assignment.collector, first.previous) == (
        "C1", ANNA, None)
    assert first.assignment.status is AssignmentStatus.OPEN
    assert first.assignment.next_action_on == TODAY
    again = assignments.assign(MANAGER, "C1", BEN)
    assert (again.assignment.collector, again.previous) == (BEN, ANNA)
    assert [(a.action, a.subject, a.details) for a in uow.audit.entries] == [
        ("collections.assigned", "C1", {"collector": ANNA}),
        ("collections.reassigned", "C1", {"collector": BEN, "previous": ANNA})]
    assert [(e.name, e.payload()["collector"], e.payload()["previous"])
            for e in uow.events.recorded] == [("collections.assigned", ANNA, None),
                                              ("collections.assigned", BEN, ANNA)]
    told = assignments.notices.changes  # type: ignore[attr-defined]
    assert [(c.assignment.collector, c.previous) for c in told] == [(ANNA, None), (BEN, ANNA)]
    assert told[0].position is not None
    assert told[0].position.aging.overdue == Money(Decimal(500), "USD")
    assert [a.collector for a in uow.collections.assignments] == [BEN]


def test_refusals_say_why_and_change_nothing():
    uow = world()
    assignments = service(uow)
    assignments.assign(MANAGER, "C1", ANNA)
    with pytest.raises(AssignRefused) as same:
        assignments.assign(MANAGER, "C1", ANNA)
    assert str(same.value) == f"Acme <!channel> is already assigned to <@{ANNA}>."
    with pytest.raises(AssignRefused) as outsider:
        assignments.assign(MANAGER, "C1", "U0OUTSIDE1")
    assert str(outsider.value) == (
        "<@U0OUTSIDE1> may not see credit data, so cannot collect an account. Pick someone "
        "listed under access.credit_data in app.yaml, or ask a credit manager to give them "
        "access.")
    with pytest.raises(AssignRefused) as not_a_person:
        assignments.assign(MANAGER, "C1", "maria")
    assert str(not_a_person.value) == (
        "“maria” is not a person. Name the collector with @, e.g. `/credit assign acme "
        "@maria`, or give their Slack user id such as U0123ABCDE.")
    with pytest.raises(NotAnAssigner) as sales:
        assignments.assign(SALES, "C1", BEN)
    assert sales.value.assigners == (MANAGER.user_id,)
    with pytest.raises(AccessDenied):
        assignments.assign(Member("U0VISITOR1"), "C1", BEN)
    with pytest.raises(CustomerNotFound):
        assignments.assign(MANAGER, "zzz nobody", BEN)
    assert [a.collector for a in uow.collections.assignments] == [ANNA]
    assert len(uow.audit.entries) == 1


def test_unassign_closes_and_tells_the_collector():
    uow = world()
    assignments = service(uow)
    assignments.assign(MANAGER, "C2", ANNA)
    done = assignments.unassign(MANAGER, "beta")
    assert done.assignment.status is AssignmentStatus.CLOSED
    assert done.assignment.closed_by == MANAGER.user_id
    assert uow.collections.open_assignments(ANNA) == []
    assert uow.audit.entries[-1].action == "collections.unassigned"
    last = assignments.notices.changes[-1]  # type: ignore[attr-defined]
    assert (last.closed, last.previous) == (True, ANNA)
    with pytest.raises(AssignRefused) as nobody:
        assignments.unassign(MANAGER, "beta")
    assert str(nobody.value) == (
        "Nobody collects Beta (C2) now, so there is nothing to unassign; `/credit assign C2 "
        "@collector` gives it a collector.")


def test_auto_assign_follows_rules_then_the_least_loaded_collector():
    uow = world()
    policy = AssignmentPolicy(
        collectors=(ANNA, BEN), assigners=frozenset({MANAGER.user_id}),
        rules=(AssignRule(CARL, CustomerMatch.of(countries=["CN"])),
               AssignRule(BEN, CustomerMatch.of(groups=["HUAXIA"]))))
    assignments = service(uow, policy)
    assert assignments.auto_assign() == {"assigned": 4}
    by_customer = {a.customer_id: a.collector for a in uow.collections.assignments}
    # C3 (country cn) and C4 (group HUAXIA) by the rules; C1 (500) to Anna, the first
    # listed at a tie; C2 (300) to Ben, who had C4's 100 only. C5 is not overdue.
    assert by_customer == {"C1": ANNA, "C2": BEN, "C3": CARL, "C4": BEN}
    assert all(a.assigned_by == "rules" for a in uow.collections.assignments)
    assert {e.subject: e.details["rule"] for e in uow.audit.entries} == {
        "C1": None, "C2": None, "C3": 0, "C4": 1}
    # Nothing new to assign the second time.
    assert assignments.auto_assign() == {"assigned": 0}


def test_auto_assign_weighs_what_each_collector_already_has():
    uow = world()
    assignments = service(uow)
    assignments.assign(MANAGER, "C1", ANNA)   # Anna holds 500 overdue already
    assert assignments.auto_assign() == {"assigned": 3}
    by_customer = {a.customer_id: a.collector for a in uow.collections.assignments}
    # Ben takes C2 (0 < 500) and C3 (300 < 500); at 500 each, Anna, listed first, C4.
    assert by_customer == {"C1": ANNA, "C2": BEN, "C3": BEN, "C4": ANNA}


def test_plan_without_collectors_leaves_unmatched_accounts_alone():
    account = OverdueAccount(customer("C1", "Acme"), Decimal(10))
    assert plan([account], AssignmentPolicy(), {}) == []


def test_auto_assign_writes_again_without_an_account_assigned_by_hand_meanwhile():
    uow = world()
    assignments = service(uow)
    store = uow.collections
    real_add = store.add_assignment
    raced: list[str] = []

    def add(assignment):  # type: ignore[no-untyped-def]
        if not raced:
            # A manager assigns C1 by hand between the job's read and its write.
            raced.append(assignment.customer_id)
            real_add(dataclasses.replace(assignment, collector=CARL,
                                         assigned_by=MANAGER.user_id))
            store.commit()
            raise CollectionChanged("assignment of C1")
        return real_add(assignment)

    store.add_assignment = add  # type: ignore[method-assign]
    assert assignments.auto_assign() == {"assigned": 3}
    by_customer = {a.customer_id: (a.collector, a.assigned_by)
                   for a in uow.collections.assignments}
    assert raced == ["C1"]
    assert by_customer["C1"] == (CARL, MANAGER.user_id)
    # The rest as planned before the race (C1's 500 to Anna, so C2 and C3 to Ben).
    assert {c: who for c, (who, by) in by_customer.items() if by == "rules"} == {
        "C2": BEN, "C3": BEN, "C4": ANNA}


def test_auto_assign_leaves_unassigned_and_legal_accounts_until_new_debt_falls_due():
    uow = world()
    assignments = service(uow)
    assignments.assign(MANAGER, "C2", ANNA)
    assignments.unassign(MANAGER, "C2")
    uow.collections.add_legal_case(LegalCase("C3", MANAGER.user_id, NOW - timedelta(days=9),
                                             outcome="settled", closed_at=NOW))
    uow.commit()
    assert assignments.auto_assign() == {"assigned": 2}
    assert {a.customer_id for a in uow.collections.open_assignments()} == {"C1", "C4"}
    # An invoice of C2's falls due after the unassignment: new debt, collected again.
    later = TODAY + timedelta(days=3)
    uow.receivables.invoices.append(Invoice(
        "I-C2-new", "C2", TODAY - timedelta(days=20), later,
        Money(Decimal(80), "USD"), Money(Decimal(80), "USD")))
    assert assignments.auto_assign(later) == {"assigned": 0}  # due today: not yet overdue
    assert assignments.auto_assign(later + timedelta(days=1)) == {"assigned": 1}
    assert {a.customer_id for a in uow.collections.open_assignments()} == {"C1", "C2", "C4"}


def test_auto_assign_starts_from_the_portfolio_the_job_read_when_it_is_todays():
    from domain.positions import Portfolio

    assignments = service(world())
    read = assignments.portfolio()
    # Today's, with only C1 in it: assigned from it, not read again.
    only_c1 = Portfolio(read.as_of, [e for e in read.entries if e.customer.customer_id == "C1"])
    assert assignments.auto_assign(portfolio=only_c1) == {"assigned": 1}
    # Another day's: read again, the other three overdue accounts assigned.
    assert assignments.auto_assign(portfolio=Portfolio(read.as_of.replace(year=2000), [])
                                   ) == {"assigned": 3}


def test_an_account_assigned_again_keeps_its_open_promise_or_dispute():
    # Unassigned with a promise open, assigned again (by hand or by the morning's rules):
    # the card and the worklist said "open" beside "promise to pay due …".
    uow = world()
    assignments = service(uow)
    assignments.assign(MANAGER, "C2", ANNA)
    uow.collections.add_promise(Promise("C2", Money(Decimal(50), "USD"), TODAY, (),
                                        PromiseState.OPEN, ANNA, NOW))
    uow.commit()
    assignments.unassign(MANAGER, "C2")
    assert assignments.assign(MANAGER, "C2", BEN).assignment.status is \
        AssignmentStatus.PROMISED
    assignments.unassign(MANAGER, "C2")
    uow.receivables.invoices.append(Invoice(
        "I-C2-new", "C2", TODAY - timedelta(days=20), TODAY + timedelta(days=1),
        Money(Decimal(80), "USD"), Money(Decimal(80), "USD")))
    assignments.auto_assign(TODAY + timedelta(days=2))
    assert uow.collections.open_assignment("C2").status is AssignmentStatus.PROMISED


def test_an_account_legal_holds_cannot_be_unassigned():
    uow = world()
    assignments = service(uow)
    assignments.assign(MANAGER, "C2", ANNA)
    uow.collections.add_legal_case(LegalCase("C2", ANNA, NOW))
    uow.commit()
    with pytest.raises(DomainError) as refused:
        assignments.unassign(MANAGER, "C2")
    assert str(refused.value) == ("C2 is with legal (case #1 since 2026-11-30): legal records "
                                  "its outcome first.")
    assert uow.collections.open_assignment("C2") is not None


def test_an_account_in_a_currency_without_a_rate_is_assigned_by_its_rule(caplog):
    """A customer billed in CNY without a CNY rate fell out of the assignment altogether,
    although the rule for its country names the collector; the job said nothing."""
    def yuan(cid: str, country: str) -> Customer:
        return Customer(cid, f"Yuan {cid}", Money(Decimal(900000), "CNY"), 30,
                        country=country)

    def owed(cid: str, amount: str) -> Invoice:
        due = TODAY - timedelta(days=92)
        money = Money(Decimal(amount), "CNY")
        return Invoice(f"I-{cid}", cid, due - timedelta(days=30), due, money, money)

    uow = FakeUnitOfWork([yuan("C1", "CN"), yuan("C2", "SG"), customer("C3", "Usd Co")],
                         [owed("C1", "420000"), owed("C2", "95000"), overdue("C3", "300")])
    policy = AssignmentPolicy(collectors=(ANNA, BEN), assigners=frozenset({MANAGER.user_id}),
                              rules=(AssignRule(CARL, CustomerMatch.of(countries=["CN"])),))
    with caplog.at_level(logging.WARNING, logger="creditbot.collections"):
        assert service(uow, policy).auto_assign() == {"assigned": 2}
    assert {a.customer_id: a.collector for a in uow.collections.assignments} == {
        "C1": CARL, "C3": ANNA}
    assert [r.getMessage() for r in caplog.records] == [
        "1 overdue account(s) not assigned: no rule names their collector, and sharing "
        "them by load needs their amount in USD, for which their currency has no exchange "
        "rate (C2); import the rate"]


def test_accounts_of_a_collector_app_yaml_let_go_are_reassigned_by_the_rules():
    # Carl was removed from app.yaml: he may no longer see credit data, yet kept his
    # accounts, their reminders and broken promises, and no rule gave them to anyone.
    uow = world()
    assignments = service(uow)
    assignments.assign(MANAGER, "C1", CARL)
    assignments.assign(MANAGER, "C2", ANNA)
    with uow:
        carl_held = uow.collections.open_assignment("C1")
        assert carl_held is not None
        uow.collections.save_assignment(dataclasses.replace(
            carl_held, status=AssignmentStatus.PROMISED,
            next_action_on=TODAY + timedelta(days=3)))
        uow.commit()
    after = dataclasses.replace(assignments, people=lambda user: (
        Member(user) if user == CARL else COLLECTORS.get(user) or Member(user)))
    assert after.auto_assign() == {"assigned": 3}
    by_customer = {a.customer_id: a.collector for a in uow.collections.open_assignments()}
    # C1 (500) to Ben, who held nothing; Anna kept C2 (300) and took C3 and C4.
    assert by_customer == {"C1": BEN, "C2": ANNA, "C3": ANNA, "C4": ANNA}
    moved = uow.collections.open_assignment("C1")
    assert moved is not None
    assert (moved.status, moved.next_action_on, moved.assigned_by) == (
        AssignmentStatus.PROMISED, TODAY + timedelta(days=3), "rules")
    assert [(e.action, e.details) for e in uow.audit.entries if e.subject == "C1"][-1] == (
        "collections.reassigned", {"collector": BEN, "rule": None, "previous": CARL,
                                   "why": "the previous collector may no longer see "
                                          "credit data"})
    told = [c for c in after.notices.changes if c.customer.customer_id == "C1"][-1]  # type: ignore[attr-defined]
    assert (told.assignment.collector, told.previous, told.tell_previous) == (BEN, CARL, False)
    # Anna, who may still collect, keeps hers; nothing moves on the next run.
    assert after.auto_assign() == {"assigned": 0}
