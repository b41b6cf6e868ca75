"""The collector's day use cases on the in-memory unit of work."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.access import CreditDataAccess, Member
from domain.aging import AgingBuckets
from domain.collections.day import WorkPolicy
from domain.collections.dunning import DunningLevel, Step
from domain.collections.model import (
    ActionKind,
    Assignment,
    AssignmentStatus,
    CollectionAction,
    CollectionChanged,
    Dispute,
    LegalCase,
    Promise,
    PromiseState,
)
from domain.collections.record import History
from domain.collections.refusals import NotAnOverseer, NotYourAccount
from domain.collections.reminders import CollectionsJob, nudge_key, stale_key
from domain.collections.work import CollectorsDay
from domain.collections.worklist import LastAction, WorkItem
from domain.errors import DomainError, FormRefused
from domain.messages import OutgoingMessage
from domain.model import Customer, Invoice, InvoiceStatus
from domain.money import Money
from domain.ports import Outbox
from domain.text import People
from tests.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
MEI = Member("U0MEI0001", roles=frozenset({"collector"}))
LEAD = Member("U0LEAD0001", roles=frozenset({"collections_lead"}))
OTHER = Member("U0OTHER001", roles=frozenset({"collector"}))


def usd(x: str | int) -> Money:
    return Money(Decimal(x), "USD")


def customer(cid: str) -> Customer:
    return Customer(cid, f"Customer {cid}", usd(100_000), 30, owner_slack_id="U0OWNER001")


def invoice(iid: str, cid: str, days_late: int, amount: int) -> Invoice:
    due = TODAY - timedelta(days=days_late)
    return Invoice(iid, cid, due - timedelta(days=30), due, usd(amount), usd(amount))


class Notices:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def _post(self, outbox: Outbox, kind: str, to: str, key: str | None = None) -> None:
        outbox.add(OutgoingMessage(channel=to, kind=kind, text=kind, dedup_key=key))

    def dispute_opened(self, outbox: Outbox, dispute: Dispute, customer: Customer,
                       channel: str | None) -> None:
        self.calls.append(("dispute", (dispute.invoice_ids, channel)))
        self._post(outbox, "collections.dispute", channel or "U0LEAD0001")

    def dispute_settled(self, outbox: Outbox, dispute: Dispute, customer: Customer,
                        channel: str | None, collector: str | None, key: str) -> bool:
        self.calls.append(("settled", (dispute.id, channel, collector)))
        to = channel or dispute.owner or collector
        return to is not None and outbox.add_new(OutgoingMessage(
            channel=to, kind="collections.dispute_settled", text="settled",
            dedup_key=key + to)) is not None

    def dispute_resolved(self, outbox: Outbox, dispute: Dispute, customer: Customer,
                         channel: str | None, tell: Sequence[str] = (),
                         with_legal: bool = False, collected: bool = True) -> None:
        self.calls.append(("resolved", (dispute.id, channel, *tell)))
        if with_legal:
            self.calls.append(("resolved_with_legal", dispute.id))
        if not collected:
            self.calls.append(("resolved_uncollected", dispute.id))

    def legal_case(self, outbox: Outbox, case: LegalCase, history: History,
                   channel: str | None, told: Sequence[str] = ()) -> None:
        self.calls.append(("legal", history))
        if told:
            self.calls.append(("legal_told", tuple(told)))
        self._post(outbox, "collections.legal", channel or "U0LEAD0001")

    def legal_outcome(self, outbox: Outbox, case: LegalCase, customer: Customer,
                      channel: str | None, recorded_by: str,
                      told: Mapping[str, People | None] | None = None) -> None:
        self.calls.append(("legal_outcome", (case.id, channel, recorded_by, dict(told or {}))))

    def recorded_for(self, outbox: Outbox, collector: str, actor: str, customer: Customer,
                     record: CollectionAction | Promise,
                     replaced: Sequence[Promise] = (), paid: Money | None = None) -> None:
        self.calls.append(("recorded_for", (collector, actor, customer.customer_id,
                                            type(record).__name__,
                                            *(p.id for p in replaced))))

    def promise_broken(self, outbox: Outbox, promise: Promise, customer: Customer,
                       collector: str, owner: str | None, paid: Money | None = None, *,
                       assigned: bool = True, collector_told: bool = True,
                       recorder: str | None = None) -> None:
        self.calls.append(("broken", (promise.id, collector if collector_told else None,
                                      owner)))
        if recorder is not None:
            self.calls.append(("broken_recorder", (promise.id, recorder)))
        if not assigned:
            self.calls.append(("broken_unassigned", (promise.id,)))
        if paid is not None:
            self.calls.append(("broken_paid", (promise.id, paid)))
        self._post(outbox, "collections.broken", collector)

    def promise_kept(self, outbox: Outbox, promise: Promise, customer: Customer,
                     collector: str) -> None:
        self.calls.append(("kept", (promise.id, collector)))

    def nudge(self, outbox: Outbox, collector: str,
              due: Sequence[tuple[Assignment, Customer]], key: str) -> None:
        self.calls.append(("nudge", tuple(a.customer_id for a, _ in due)))
        self._post(outbox, "collections.nudge", collector, key)

    def stale(self, outbox: Outbox, lead: str,
              stale: Sequence[tuple[Assignment, Customer, int]], key: str) -> None:
        self.calls.append(("stale", tuple((a.customer_id, days) for a, _, days in stale)))
        self._post(outbox, "collections.stale", lead, key)


@pytest.fixture
def clock() -> list[datetime]:
    return [NOW]


@pytest.fixture
def uow() -> FakeUnitOfWork:
    customers = [customer(c) for c in ("C1", "C2", "C3")]
    invoices = [invoice("I1", "C1", 10, 1000), invoice("I2", "C1", 100, 500),
                invoice("I3", "C2", 60, 20_000), invoice("I4", "C3", 5, 100)]
    work = FakeUnitOfWork(customers, invoices)
    for cid in ("C1", "C2", "C3"):
        work.collections.add_assignment(Assignment(cid, MEI.user_id, AssignmentStatus.OPEN,
                                                   "rules", NOW - timedelta(days=1)))
    work.commit()
    return work


@pytest.fixture
def notices() -> Notices:
    return Notices()


@pytest.fixture
def day(uow: FakeUnitOfWork, notices: Notices, clock: list[datetime]) -> CollectorsDay:
    return CollectorsDay(uow, CreditDataAccess(), WorkPolicy(lead=LEAD.user_id, grace_days=2,
                                                             stale_after_days=14),
                         AgingBuckets(), "USD", lambda: clock[0], UTC, notices,
                         {"legal": "C0LEGAL001", "sales": "C0SALES001"}, legal_owner="U0LAWYER01",
                         people=lambda user: STAFF.get(user) or Member(
                             user, departments=frozenset(
                                 {"sales"} if user in ("U0SALES001", "U0OWNER001") else ())))


STAFF = {m.user_id: m for m in (MEI, LEAD, OTHER)}


def test_the_worklist_orders_by_amount_times_days_and_shows_levels(day: CollectorsDay) -> None:
    listed = day.worklist(MEI).page
    # C2: 20,000 × 60; C1: 1,000 × 10 + 500 × 100; C3: 100 × 5
    assert [it.customer_id for it in listed.items] == ["C2", "C1", "C3"]
    c1 = listed.items[1]
    assert c1.overdue == (("1-30", usd(1000)), ("90+", usd(500)))
    assert c1.level is not None and c1.level.step is Step.LEGAL
    assert c1.weight == Decimal(60_000)


def test_a_dispute_pauses_dunning_for_its_invoices_and_posts_to_the_department(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices) -> None:
    day.dispute(MEI, "C1", ["I2"], "wrong price", "sales", "U0SALES001")
    assert notices.calls == [("dispute", (("I2",), "C0SALES001"))]
    assert [m.channel for m in uow.outbox.messages] == ["C0SALES001"]
    item = next(it for it in day.worklist(MEI).page.items if it.customer_id == "C1")
    assert item.level is not None and item.level.step is Step.REMINDER
    assert item.open_disputes == 1 and item.status == "disputed"
    assert item.oldest_dispute_on == TODAY
    assert uow.audit.entries[-1].action == "collections.disputed"


def test_only_the_collector_or_the_lead_records(day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotYourAccount) as refused:
        day.log_action(OTHER, "C1", ActionKind.CALL, "hello", None)
    assert str(refused.value) == ("Customer C1 (C1) is collected by <@U0MEI0001>; only they or the "
                                  "collections lead can record against it.")
    day.log_action(LEAD, "C1", ActionKind.NOTE, "checked", None)
    assert uow.commits == 2


def test_an_account_without_collector_names_whom_to_ask_to_whoever_may_not_assign(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    # The collector's form was open when the account was unassigned: `/credit assign`
    # would only refuse them, so they are told whom to ask; an assigner gets the command.
    day = replace(day, assigners=frozenset({"U0MGR00002", "U0MGR00001"}))
    opened = uow.collections.open_assignment("C1")
    assert opened is not None
    uow.collections.save_assignment(replace(opened, status=AssignmentStatus.CLOSED,
                                            closed_at=NOW))
    uow.commit()
    with pytest.raises(NotYourAccount) as refused:
        day.log_action(MEI, "C1", ActionKind.CALL, "hello", None)
    assert str(refused.value) == ("Nobody collects Customer C1 (C1) now: ask U0MGR00001, "
                                  "U0MGR00002 to assign a collector.")
    assert refused.value.params["who"] == People(("U0MGR00001", "U0MGR00002"))
    with pytest.raises(NotYourAccount) as told:
        day.log_action(Member("U0MGR00001", roles=frozenset({"credit_manager"})), "C1",
                       ActionKind.CALL, "hello", None)
    assert str(told.value) == ("Nobody collects Customer C1 (C1) now: assign a collector "
                               "first with `/credit assign C1 @someone`.")
    nobody = replace(day, assigners=frozenset())
    with pytest.raises(NotYourAccount) as alone:
        nobody.log_action(MEI, "C1", ActionKind.CALL, "hello", None)
    assert str(alone.value) == ("Nobody collects Customer C1 (C1) now: ask your credit "
                                "manager to assign a collector.")


def test_an_account_the_erp_no_longer_has_is_said_to_be_gone(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    # Log action on an old card of a customer since removed: it said "Nobody collects
    # C9999 now: assign a collector first with `/credit assign C9999 @someone`".
    lead = Member("U0MGR00001", roles=frozenset({"credit_manager"}))
    before = uow.commits
    with pytest.raises(DomainError) as refused:
        replace(day, assigners=frozenset({"U0MGR00001"})).log_action(
            lead, "C9999", ActionKind.CALL, "hello", None)
    assert str(refused.value) == "Customer C9999 no longer exists."
    assert uow.commits == before


def test_unknown_invoices_are_refused_with_nothing_written(day: CollectorsDay,
                                                           uow: FakeUnitOfWork) -> None:
    with pytest.raises(FormRefused) as refused:
        day.promise(MEI, "C1", usd(100), TODAY, ["I9", "I3"])
    assert [str(p) for p in refused.value.problems] == [
        "I9, I3 are not open invoices of C1: name invoices from the account's open ones, "
        "separated by commas."]
    assert uow.collections.committed["promises"] == {}


def test_a_day_passed_or_over_a_year_ahead_is_refused_by_the_use_case_itself(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    # The forms checked it; any other caller could record a promise already due.
    with pytest.raises(FormRefused) as past:
        day.promise(MEI, "C1", usd(100), TODAY - timedelta(days=1), ["I9"])
    assert [(p.where, str(p)) for p in past.value.problems] == [
        ("due", "2026-11-29 has passed (today is 2026-11-30): pick today or a later day."),
        ("invoices", "I9 is not an open invoice of C1: name invoices from the account's "
                     "open ones, separated by commas.")]
    with pytest.raises(FormRefused) as far:
        day.log_action(MEI, "C1", ActionKind.CALL, "call back", TODAY + timedelta(days=366))
    assert [(p.where, str(p)) for p in far.value.problems] == [
        ("next", "2027-12-01 is more than a year ahead: pick a day on or before "
                 "2027-11-30.")]
    assert uow.collections.committed["promises"] == {}
    assert not uow.collections.committed.get("actions")


def test_accounts_due_together_come_in_one_reminder_once_per_date(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices,
        clock: list[datetime]) -> None:
    later = TODAY + timedelta(days=2)
    for cid in ("C2", "C1", "C3"):
        day.log_action(MEI, cid, ActionKind.CALL, "call back", later)
    clock[0] = NOW + timedelta(days=2)
    job = CollectionsJob(day)
    assert job.run().nudged == 3
    # One message for the three, in a stable order; each account marked for its date.
    assert [c for c in notices.calls if c[0] == "nudge"] == [("nudge", ("C1", "C2", "C3"))]
    assert {a.customer_id: a.reminded_for for a in uow.collections.open_assignments()} == {
        "C1": later, "C2": later, "C3": later}
    assert job.run().nudged == 0
    # A new date for one of them: reminded of that one alone, on its day.
    day.log_action(MEI, "C2", ActionKind.CALL, "again", later + timedelta(days=1))
    clock[0] = NOW + timedelta(days=3)
    assert job.run().nudged == 1
    assert [c for c in notices.calls if c[0] == "nudge"][-1] == ("nudge", ("C2",))


def test_a_reminder_keyed_before_the_upgrade_is_not_sent_again(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices,
        clock: list[datetime]) -> None:
    day.log_action(MEI, "C1", ActionKind.CALL, "call back", TODAY + timedelta(days=2))
    [assignment] = [a for a in uow.collections.open_assignments() if a.customer_id == "C1"]
    # How the job marked a reminder before migration 0015: a message keyed per account.
    uow.outbox.add(OutgoingMessage(channel=MEI.user_id, kind="collections.nudge",
                                   text="old", dedup_key=nudge_key(assignment)))
    uow.commit()
    clock[0] = NOW + timedelta(days=2)
    assert CollectionsJob(day).run().nudged == 0


def test_a_logged_call_sets_the_next_date_and_the_nudge_comes_once(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices,
        clock: list[datetime]) -> None:
    day.log_action(MEI, "C1", ActionKind.CALL, "will pay Friday", TODAY + timedelta(days=2))
    job = CollectionsJob(day)
    assert job.run().nudged == 0
    clock[0] = NOW + timedelta(days=2)
    assert job.run().nudged == 1
    assert job.run().nudged == 0
    assert [c for c in notices.calls if c[0] == "nudge"] == [("nudge", ("C1",))]
    last = day.worklist(MEI).page.items
    assert last[0].customer_id == "C1"  # its action is due: first
    assert last[0].last_action is not None and last[0].last_action.outcome == "will pay Friday"


def test_the_job_sends_nothing_on_the_organisations_holiday_and_catches_up_after(
        day: CollectorsDay, notices: Notices, clock: list[datetime]) -> None:
    # On 1 January the job flagged accounts and reminded collectors nobody was at work.
    day.log_action(MEI, "C1", ActionKind.CALL, "will pay Friday", TODAY + timedelta(days=2))
    holiday = (NOW + timedelta(days=2)).astimezone(day.zone).date()
    job = CollectionsJob(replace(day, policy=replace(day.policy,
                                                      holidays=frozenset({holiday}))))
    clock[0] = NOW + timedelta(days=2)
    done = job.run()
    assert done.as_dict() == {"holiday": 1}
    assert [c for c in notices.calls if c[0] == "nudge"] == []
    clock[0] = NOW + timedelta(days=3)
    assert job.run().nudged == 1  # the day after, the step that fell due then


def test_an_account_assigned_today_is_not_nudged_for_today_until_tomorrow(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices,
        clock: list[datetime]) -> None:
    # The assignment's message says its step is due today; the collections job run an
    # hour later said so again ("下一步已到期" right after "下一步均为今天到期").
    with uow:
        c1, c2 = (uow.collections.open_assignment(c) for c in ("C1", "C2"))
        uow.collections.save_assignment(replace(c1, next_action_on=TODAY))
        uow.collections.save_assignment(replace(c2, next_action_on=TODAY, assigned_at=NOW))
        uow.commit()
    job = CollectionsJob(day)
    assert job.run().nudged == 1  # C1, assigned yesterday: its step is due today
    assert [c for c in notices.calls if c[0] == "nudge"] == [("nudge", ("C1",))]
    clock[0] = NOW + timedelta(days=1)
    assert job.run().nudged == 1
    assert [c for c in notices.calls if c[0] == "nudge"][-1] == ("nudge", ("C2",))


def test_a_promise_broken_after_grace_tells_collector_and_owner_once(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices,
        clock: list[datetime]) -> None:
    made = day.promise(MEI, "C2", usd(20_000), TODAY + timedelta(days=3), ["I3"]).promise
    job = CollectionsJob(day)
    clock[0] = NOW + timedelta(days=5)  # due + 2 grace days: still the last day to pay
    assert job.run().broken == 0
    clock[0] = NOW + timedelta(days=6)
    assert job.run().broken == 1
    assert job.run().broken == 0
    assert ("broken", (made.id, "U0MEI0001", "U0OWNER001")) in notices.calls
    assert uow.collections.promises("C2")[0].state is PromiseState.BROKEN
    assert uow.collections.open_assignment("C2").status is AssignmentStatus.OPEN
    assert [e.action for e in uow.audit.entries].count("collections.promise_broken") == 1
    # The money still overdue, following it up is the step of the day the promise broke:
    # left on the promise's day, reminded on it, nobody was reminded of the account again.
    assert uow.collections.open_assignment("C2").next_action_on == TODAY + timedelta(days=6)
    assert [c for c in notices.calls if c[0] == "nudge"] == [
        ("nudge", ("C2",)), ("nudge", ("C2",))]


def test_a_promise_before_the_collectors_own_next_step_says_the_step_moved(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    # A call set for Friday, then a promise for Wednesday: the worklist showed Wednesday,
    # and Friday's date was gone without a word.
    day.log_action(MEI, "C2", ActionKind.CALL, "payment run on Friday",
                   TODAY + timedelta(days=5))
    promised = day.promise(MEI, "C2", usd(1_000), TODAY + timedelta(days=2), [])
    assert promised.step_moved_from == TODAY + timedelta(days=5)
    assert uow.collections.open_assignment("C2").next_action_on == TODAY + timedelta(days=2)
    # A step before the promise's day stays, and nothing moved.
    day.log_action(MEI, "C1", ActionKind.CALL, "call back Monday", TODAY + timedelta(days=1))
    assert day.promise(MEI, "C1", usd(500), TODAY + timedelta(days=3),
                       []).step_moved_from is None


def test_a_promise_the_lead_recorded_is_told_to_the_lead_when_broken(
        day: CollectorsDay, notices: Notices, clock: list[datetime]) -> None:
    # The lead took the promise on the phone for Mei: only Mei and the owner heard it
    # was broken. Mei's own promise tells nobody twice.
    for_mei = day.promise(LEAD, "C2", usd(20_000), TODAY + timedelta(days=3), ["I3"]).promise
    own = day.promise(MEI, "C1", usd(500), TODAY + timedelta(days=3), []).promise
    clock[0] = NOW + timedelta(days=6)
    assert CollectionsJob(day).run().broken == 2
    assert [c for c in notices.calls if c[0] == "broken_recorder"] == [
        ("broken_recorder", (for_mei.id, LEAD.user_id))]
    assert ("broken", (own.id, "U0MEI0001", "U0OWNER001")) in notices.calls


def test_a_broken_promise_no_longer_reads_as_running_but_still_dates_the_last_action(
        day: CollectorsDay, uow: FakeUnitOfWork, clock: list[datetime]) -> None:
    # The worklist went on saying "Last action: promise to pay $20,000.00 by Dec 3" as if
    # the promise still ran.
    day.promise(MEI, "C2", usd(20_000), TODAY + timedelta(days=3), ["I3"])
    clock[0] = NOW + timedelta(days=6)
    assert CollectionsJob(day).run().broken == 1
    with day.unit_of_work() as reading:
        assert day.last_done(reading, "C2") == (NOW, LastAction(
            "promise", "", "U0MEI0001", TODAY, promised=usd(20_000),
            due=TODAY + timedelta(days=3), broken_on=TODAY + timedelta(days=6),
            paid=usd(0)))


def test_a_broken_promise_reaches_no_owner_credit_data_is_closed_to(
        day: CollectorsDay, notices: Notices, clock: list[datetime],
        caplog: pytest.LogCaptureFixture) -> None:
    # The ERP names the owner: a warehouse clerk named there got the promise's figures.
    closed = replace(day, access=CreditDataAccess(roles=frozenset({"collector"})),
                     people=lambda user: STAFF.get(user) or Member(user, departments=frozenset(
                         {"warehouse"} if user == "U0OWNER001" else ())))
    made = closed.promise(MEI, "C2", usd(20_000), TODAY + timedelta(days=3), ["I3"]).promise
    clock[0] = NOW + timedelta(days=6)
    with caplog.at_level("WARNING"):
        assert CollectionsJob(closed).run().broken == 1
    assert ("broken", (made.id, "U0MEI0001", None)) in notices.calls
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "broken promise of C2 not sent to its owner U0OWNER001: an owner in the ERP named "
        "them, and credit data is not open to them (app.yaml's access.credit_data)"]


def test_a_promise_broken_on_an_account_no_longer_assigned_is_still_told(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices,
        clock: list[datetime]) -> None:
    # Legal's outcome (or an unassign) closed the assignment: the broken promise was
    # recorded, and nobody told, the account's owner included.
    made = day.promise(MEI, "C2", usd(20_000), TODAY + timedelta(days=3), ["I3"]).promise
    assignment = uow.collections.open_assignment("C2")
    with uow:
        uow.collections.save_assignment(replace(assignment, status=AssignmentStatus.CLOSED,
                                                closed_at=NOW, closed_by="U0LEGAL001"))
        uow.commit()
    with uow:
        assert uow.collections.open_assignment("C2") is None
    clock[0] = NOW + timedelta(days=6)
    assert CollectionsJob(day).run().broken == 1
    # Whoever recorded the promise hears of it in the collector's place, and the notes
    # do not call them its collector.
    assert ("broken", (made.id, "U0MEI0001", "U0OWNER001")) in notices.calls
    assert ("broken_unassigned", (made.id,)) in notices.calls


def test_a_promise_paid_is_kept_and_is_the_last_thing_done(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices,
        clock: list[datetime]) -> None:
    day.promise(MEI, "C2", usd(20_000), TODAY + timedelta(days=3), ["I3"])
    uow.receivables.invoices = [i for i in uow.receivables.invoices if i.invoice_id != "I3"]
    job = CollectionsJob(day)
    assert job.run().kept == 0  # checked from the promise's date on
    clock[0] = NOW + timedelta(days=3)
    assert job.run().kept == 1
    assert job.run().kept == 0
    assert uow.collections.promises("C2")[0].state is PromiseState.KEPT
    # No note in English by creditbot: the promise's state says it, in every language.
    assert uow.collections.actions("C2") == []
    with day.unit_of_work() as reading:
        assert day.last_done(reading, "C2") == (NOW + timedelta(days=3), LastAction(
            "promise_kept", "", "U0MEI0001", TODAY + timedelta(days=3),
            promised=usd(20_000), due=TODAY + timedelta(days=3)))
    assert not [c for c in notices.calls if c[0] == "broken"]
    assert ("kept", (1, "U0MEI0001")) in notices.calls


@pytest.mark.parametrize(("eur", "kept"), [(Decimal(500), 1), (Decimal(400), 0)])
def test_a_payment_in_another_currency_counts_towards_the_promise_converted(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices,
        clock: list[datetime], eur: Decimal, kept: int) -> None:
    """A customer billed in dollars and euros paid $500 and €500 (at 1.10, $550) on a
    promise of $1,000: it was broken, "only $500.00 of it was paid"."""
    uow.rates.rates = {"EUR": Decimal("1.10")}
    day.promise(MEI, "C2", usd(1000), TODAY + timedelta(days=1), [])
    uow.receivables.payments = [("C2", TODAY, usd(500), "I3"),
                                ("C2", TODAY + timedelta(days=1), Money(eur, "EUR"), None),
                                # Another customer's euros are not C2's.
                                ("C1", TODAY, Money(Decimal(900), "EUR"), None)]
    clock[0] = NOW + timedelta(days=4)
    result = CollectionsJob(day).run()
    assert (result.kept, result.broken) == (kept, 1 - kept)
    [promise] = uow.collections.promises("C2")
    # €400 is $440: $940 paid, said as such when broken.
    assert promise.paid_when_checked == (Decimal(1050) if kept else Decimal(940))


@pytest.mark.parametrize(("promised", "then", "later", "paid_later", "verdict"), [
    # €1,000 paid that morning at 1.10 ($1,100, before the promise of $1,000), then
    # $1,000: kept, though the euro fell to 1.00 by the check ("only $900.00 of it was
    # paid").
    (1000, Decimal("1.10"), Decimal("1.00"), usd(1000), PromiseState.KEPT),
    # Nothing paid after the promise of $100, the euro up to 1.20: broken, not "kept" by
    # the morning's euros counted again at the new rate ($1,200 - $1,100).
    (100, Decimal("1.10"), Decimal("1.20"), None, PromiseState.BROKEN)])
def test_a_payment_made_before_the_promise_counts_the_same_whatever_the_rates_did(
        day: CollectorsDay, uow: FakeUnitOfWork, clock: list[datetime], promised: int,
        then: Decimal, later: Decimal, paid_later: Money | None,
        verdict: PromiseState) -> None:
    uow.rates.from_day = {TODAY: {"EUR": then}, TODAY + timedelta(days=1): {"EUR": later}}
    uow.receivables.payments = [("C2", TODAY, Money(Decimal(1000), "EUR"), None)]
    day.promise(MEI, "C2", usd(promised), TODAY + timedelta(days=1), [])
    if paid_later is not None:
        uow.receivables.payments.append(("C2", TODAY + timedelta(days=1), paid_later, "I3"))
    clock[0] = NOW + timedelta(days=4)
    CollectionsJob(day).run()
    [promise] = uow.collections.promises("C2")
    assert promise.state is verdict
    assert promise.paid_when_checked == (paid_later.amount if paid_later else 0)


@pytest.mark.parametrize(("day_rate", "paid_later", "verdict"), [
    # The morning's €100,000 was $108,619.57 at the day before's rate when the promise
    # of $500 was made; the day's own rate (1.20) came in afterwards: $120,000 at the
    # check, and the $11,380.43 between them kept a promise nothing was paid towards.
    (Decimal("1.20"), None, PromiseState.BROKEN),
    # The other way (the day's rate 1.00: $100,000): $500 paid later is the whole of it,
    # not $500 less the $8,619.57 the morning's euros lost.
    (Decimal("1.00"), usd(500), PromiseState.KEPT)])
def test_a_rate_for_the_promises_day_imported_after_it_changes_nothing_paid_before(
        day: CollectorsDay, uow: FakeUnitOfWork, clock: list[datetime], day_rate: Decimal,
        paid_later: Money | None, verdict: PromiseState) -> None:
    uow.rates.from_day = {TODAY - timedelta(days=1): {"EUR": Decimal("1.08619565")}}
    uow.receivables.payments = [("C2", TODAY, Money(Decimal(100_000), "EUR"), None)]
    day.promise(MEI, "C2", usd(500), TODAY + timedelta(days=1), [])
    uow.rates.from_day[TODAY] = {"EUR": day_rate}
    if paid_later is not None:
        uow.receivables.payments.append(("C2", TODAY + timedelta(days=1), paid_later, None))
    clock[0] = NOW + timedelta(days=4)
    CollectionsJob(day).run()
    [promise] = uow.collections.promises("C2")
    assert promise.paid_before == (Money(Decimal(100_000), "EUR"),)
    assert promise.state is verdict
    assert promise.paid_when_checked == (paid_later.amount if paid_later else 0)


@pytest.mark.parametrize(("rate", "paid_later", "state", "paid"), [
    # Its one figure ($110,000: that morning's €100,000 at 1.10) was taken off the
    # dollars paid alone, so the morning's euros kept a promise nothing was paid towards.
    (Decimal("1.10"), None, PromiseState.BROKEN, 0),
    # The day's rate corrected to 1.09 after it: $110,000 taken off $109,000 and the
    # $600 paid next day read "only -$400.00 of it was paid"; never below nothing.
    (Decimal("1.09"), usd(600), PromiseState.BROKEN, 0)])
def test_a_promise_made_before_payments_were_kept_by_currency_is_checked_as_then(
        day: CollectorsDay, uow: FakeUnitOfWork, clock: list[datetime], rate: Decimal,
        paid_later: Money | None, state: PromiseState, paid: int) -> None:
    uow.rates.from_day = {TODAY: {"EUR": rate}}
    uow.receivables.payments = [("C2", TODAY, Money(Decimal(100_000), "EUR"), None)]
    made = day.promise(MEI, "C2", usd(500), TODAY + timedelta(days=1), []).promise
    with uow:
        uow.collections.save_promise(replace(made, paid_before=(),
                                             paid_before_converted=Decimal(110_000)))
        uow.commit()
    if paid_later is not None:
        uow.receivables.payments.append(("C2", TODAY + timedelta(days=1), paid_later, None))
    clock[0] = NOW + timedelta(days=4)
    CollectionsJob(day).run()
    [promise] = uow.collections.promises("C2")
    assert (promise.state, promise.paid_when_checked) == (state, paid)


def test_a_payment_in_a_currency_without_a_rate_is_left_out_of_the_promise(
        day: CollectorsDay, uow: FakeUnitOfWork, clock: list[datetime]) -> None:
    day.promise(MEI, "C2", usd(1000), TODAY, [])
    uow.receivables.payments = [("C2", TODAY, usd(500), "I3"),
                                ("C2", TODAY, Money(Decimal(900), "GBP"), None)]
    clock[0] = NOW + timedelta(days=3)
    assert CollectionsJob(day).run().broken == 1
    assert uow.collections.promises("C2")[0].paid_when_checked == Decimal(500)


def test_a_stale_account_is_flagged_to_the_lead_once_per_stretch(
        day: CollectorsDay, notices: Notices, clock: list[datetime]) -> None:
    job = CollectionsJob(day)
    clock[0] = NOW + timedelta(days=13)
    assert job.run().flagged == 3
    # One message to the lead for the three, longest without action first.
    assert [c for c in notices.calls if c[0] == "stale"] == [
        ("stale", (("C1", 14), ("C2", 14), ("C3", 14)))]
    assert job.run().flagged == 0
    day.log_action(MEI, "C1", ActionKind.EMAIL, "sent statement", None)
    clock[0] = NOW + timedelta(days=27)
    assert job.run().flagged == 1
    assert [c for c in notices.calls if c[0] == "stale"][-1] == ("stale", (("C1", 14),))


def test_an_account_with_nothing_overdue_is_not_flagged_stale(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices,
        clock: list[datetime]) -> None:
    # Assigned by hand with nothing to collect, it was "14 days without action".
    uow.receivables.invoices = [i for i in uow.receivables.invoices if i.customer_id != "C3"]
    clock[0] = NOW + timedelta(days=13)
    assert CollectionsJob(day).run().flagged == 2
    assert [c for c in notices.calls if c[0] == "stale"] == [
        ("stale", (("C1", 14), ("C2", 14)))]


def test_a_promise_or_a_dispute_is_work_on_the_account_not_staleness(
        day: CollectorsDay, notices: Notices, clock: list[datetime]) -> None:
    clock[0] = NOW + timedelta(days=12)
    day.promise(MEI, "C2", usd(20_000), TODAY + timedelta(days=30), ["I3"])
    day.dispute(MEI, "C1", ["I2"], "wrong price", "sales", "U0SALES001")
    clock[0] = NOW + timedelta(days=13)
    assert CollectionsJob(day).run().flagged == 1
    assert [c for c in notices.calls if c[0] == "stale"] == [("stale", (("C3", 14),))]
    [promised] = [i for i in day.worklist(MEI).page.items if i.customer_id == "C2"]
    assert promised.last_action is not None and promised.last_action.kind == "promise"
    # Fourteen days after each, they are stale in turn.
    clock[0] = NOW + timedelta(days=26)
    assert CollectionsJob(day).run().flagged == 2
    assert [c for c in notices.calls if c[0] == "stale"][-1] == (
        "stale", (("C1", 14), ("C2", 14)))


def test_a_flag_keyed_before_the_upgrade_is_not_sent_again(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices,
        clock: list[datetime]) -> None:
    # How the job marked a flag before migration 0015: a message keyed per account.
    since = (NOW - timedelta(days=1)).date()
    uow.outbox.add(OutgoingMessage(channel=LEAD.user_id, kind="collections.stale",
                                   text="old", dedup_key=stale_key("C2", since)))
    uow.commit()
    clock[0] = NOW + timedelta(days=13)
    assert CollectionsJob(day).run().flagged == 2
    assert [c for c in notices.calls if c[0] == "stale"] == [
        ("stale", (("C1", 14), ("C3", 14)))]


def test_an_account_acted_on_while_the_job_runs_is_not_flagged(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices,
        clock: list[datetime]) -> None:
    clock[0] = NOW + timedelta(days=13)
    begin = uow.begin_write

    def acted_first() -> None:
        # The collector logs a call after the job found C1 stale, before it writes.
        uow.collections.add_action(CollectionAction("C1", ActionKind.CALL, "spoke to AP",
                                                    MEI.user_id, clock[0]))
        uow.begin_write = begin  # type: ignore[method-assign]
        begin()

    uow.begin_write = acted_first  # type: ignore[method-assign]
    assert CollectionsJob(day).run().flagged == 2
    assert [c for c in notices.calls if c[0] == "stale"] == [
        ("stale", (("C2", 14), ("C3", 14)))]


def test_logging_an_action_reads_the_account_again_when_the_job_changed_it(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    save = uow.collections.save_assignment

    def changed_once(assignment: Assignment) -> Assignment:
        uow.collections.save_assignment = save  # type: ignore[method-assign]
        raise CollectionChanged("assignment of C1")

    uow.collections.save_assignment = changed_once  # type: ignore[method-assign]
    day.log_action(MEI, "C1", ActionKind.CALL, "will pay", TODAY + timedelta(days=2))
    assert [a.outcome for a in uow.collections.actions("C1")] == ["will pay"]


def test_escalation_moves_the_account_to_legal_with_its_history(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices) -> None:
    day = replace(day, assigners=frozenset({"U0MGR00001", LEAD.user_id}))
    day.log_action(MEI, "C2", ActionKind.CALL, "no answer", TODAY + timedelta(days=2))
    day.promise(MEI, "C2", usd(1000), TODAY, [])
    day.escalate_to_legal(MEI, "C2", "ignores us")
    kind, history = notices.calls[-2]
    assert kind == "legal" and isinstance(history, History)
    # The owner heard of it only when legal closed the case, selling to the account
    # meanwhile; the lead is told too, not Mei who did it.
    assert notices.calls[-1] == ("legal_told", ("U0OWNER001", LEAD.user_id))
    assert [i.invoice_id for i in history.invoices] == ["I3"]
    assert [a.outcome for a in history.actions] == ["no answer"]
    assert len(history.promises) == 1
    moved = uow.collections.open_assignment("C2")
    # The collector's next-step day is not legal's (legal was told it "stays due").
    assert moved is not None and (moved.status, moved.collector, moved.next_action_on) == (
        AssignmentStatus.ESCALATED, "U0LAWYER01", None)
    assert uow.outbox.messages[-1].channel == "C0LEGAL001"
    closed = day.record_legal_outcome(Member("U0LAWYER01", roles=frozenset({"legal"})), "C2",
                                      "settled for 80%")
    assert closed.outcome == "settled for 80%"
    assert uow.collections.open_assignment("C2") is None
    # Who escalated it and the account's owner hear of it (only #legal did: the account
    # left collection with $185k still owed, and nobody followed the instalments).
    # Each with whom to ask to assign it again (the lead may do it themselves).
    assert notices.calls[-1] == ("legal_outcome", (closed.id, "C0LEGAL001", "U0LAWYER01", {
        MEI.user_id: People([LEAD.user_id, "U0MGR00001"]),
        "U0OWNER001": People([LEAD.user_id, "U0MGR00001"]), LEAD.user_id: None}))


def test_legal_is_reminded_of_the_next_step_it_sets(
        day: CollectorsDay, notices: Notices, clock: list[datetime]) -> None:
    # Legal logging a call with a date was told "you are reminded that day", and the job
    # skipped every account with legal: nobody was.
    lawyer = Member("U0LAWYER01", roles=frozenset({"legal"}))
    others = day.people
    day = replace(day, people=lambda user: lawyer if user == lawyer.user_id else others(user))
    day.escalate_to_legal(MEI, "C2", "ignores us")
    day.log_action(lawyer, "C2", ActionKind.CALL, "letter sent", TODAY + timedelta(days=2))
    clock[0] = NOW + timedelta(days=2)
    assert CollectionsJob(day).run().nudged == 1
    assert [c for c in notices.calls if c[0] == "nudge"] == [("nudge", ("C2",))]


def test_an_account_whose_overdue_is_all_disputed_is_nudged_once_the_dispute_is_resolved(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices,
        clock: list[datetime]) -> None:
    # The dispute's post said reminders were paused; the next morning the collector was
    # reminded of the account's step all the same.
    with uow:
        for cid in ("C1", "C2"):
            current = uow.collections.open_assignment(cid)
            uow.collections.save_assignment(replace(current, next_action_on=TODAY))
        uow.commit()
    whole = day.dispute(MEI, "C2", ["I3"], "short delivery", "sales", "U0SALES001")
    day.dispute(MEI, "C1", ["I2"], "wrong price", "sales", "U0SALES001")  # I1 still due
    job = CollectionsJob(day)
    assert job.run().nudged == 1
    assert [c for c in notices.calls if c[0] == "nudge"] == [("nudge", ("C1",))]
    day.resolve_dispute(Member("U0SALES001", roles=frozenset({"sales"})), whole.id, "C2",
                        "found the pallets")
    clock[0] = NOW + timedelta(days=1)
    assert job.run().nudged == 1
    assert [c for c in notices.calls if c[0] == "nudge"][-1] == ("nudge", ("C2",))


def test_a_step_the_collector_sets_during_a_dispute_is_reminded(
        day: CollectorsDay, notices: Notices, clock: list[datetime]) -> None:
    # "Call the buyer on the 2nd", logged with the dispute open, was never reminded.
    day.dispute(MEI, "C2", ["I3"], "short delivery", "sales", "U0SALES001")
    clock[0] = NOW + timedelta(hours=1)
    day.log_action(MEI, "C2", ActionKind.NOTE, "call the buyer about the pallets",
                   TODAY + timedelta(days=2))
    clock[0] = NOW + timedelta(days=2)
    assert CollectionsJob(day).run().nudged == 1
    assert [c for c in notices.calls if c[0] == "nudge"] == [("nudge", ("C2",))]


def test_a_dispute_whose_invoices_the_erp_settles_is_pointed_out_once_not_closed(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices) -> None:
    # It stayed open and aged on, unseen, after the ERP showed its invoice paid.
    opened = day.dispute(MEI, "C1", ["I1", "I2"], "wrong price", "sales", "U0SALES001")
    notices.calls.clear()
    job = CollectionsJob(day)

    def pay(invoice_id: str) -> None:
        uow.receivables.invoices = [
            replace(i, open_amount=usd(0), status=InvoiceStatus.PAID)
            if i.invoice_id == invoice_id else i for i in uow.receivables.invoices]

    pay("I1")
    assert job.run().settled == 0  # I2 is still owed: there is a dispute still
    pay("I2")
    counts = job.run()
    assert counts.settled == 1 and counts.as_dict()["disputes_settled"] == 1
    assert notices.calls == [("settled", (opened.id, "C0SALES001", MEI.user_id))]
    assert uow.audit.entries[-1].action == "collections.dispute_settled"
    assert uow.audit.entries[-1].details == {"dispute_id": opened.id,
                                             "invoices": ["I1", "I2"]}
    # Once: the next run finds the message's key; the dispute is the resolver's to close.
    assert job.run().settled == 0 and len(notices.calls) == 1
    assert [d.is_open for d in uow.collections.disputes("C1")] == [True]


def test_a_disputed_invoice_missing_from_the_import_is_no_news_of_a_payment(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices) -> None:
    # Read from the open invoices, one a partial import left out counted as settled.
    day.dispute(MEI, "C1", ["I2"], "wrong price", "sales", "U0SALES001")
    uow.receivables.invoices = [i for i in uow.receivables.invoices if i.invoice_id != "I2"]
    assert CollectionsJob(day).run().settled == 0
    assert not [call for call in notices.calls if call[0] == "settled"]


def test_a_settled_dispute_nobody_can_be_told_of_is_neither_counted_nor_audited(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices) -> None:
    # No department channel, no owner, no collector: it was counted and audited on every
    # run, and nobody heard of it.
    day = replace(day, channels={})
    day.dispute(MEI, "C1", ["I2"], "wrong price", None, None)
    uow.collections.save_assignment(replace(uow.collections.open_assignment("C1"),
                                            status=AssignmentStatus.CLOSED, closed_at=NOW))
    uow.receivables.invoices = [replace(i, open_amount=usd(0), status=InvoiceStatus.PAID)
                                if i.invoice_id == "I2" else i
                                for i in uow.receivables.invoices]
    uow.commit()
    audited = len(uow.audit.entries)
    job = CollectionsJob(day)
    assert [job.run().settled for _ in range(2)] == [0, 0]
    assert len(uow.audit.entries) == audited and uow.outbox.messages[-1].kind != (
        "collections.dispute_settled")


def test_a_resolved_dispute_lets_dunning_count_its_invoices_again(
        day: CollectorsDay, uow: FakeUnitOfWork, clock: list[datetime]) -> None:
    opened = day.dispute(MEI, "C1", ["I2"], "wrong price", "sales", "U0SALES001")
    clock[0] = NOW + timedelta(days=4)
    day.resolve_dispute(Member("U0SALES001", roles=frozenset({"sales"})), opened.id, "C1",
                        "credit note issued")
    item = next(it for it in day.worklist(MEI).page.items if it.customer_id == "C1")
    assert item.level is not None and item.level.step is Step.LEGAL
    assert (item.status, item.open_disputes) == ("open", 0)
    assert uow.audit.entries[-1].details == {"dispute_id": opened.id,
                                             "outcome": "credit note issued", "days_open": 4}
    with pytest.raises(DomainError) as again:
        day.resolve_dispute(MEI, opened.id, "C1", "twice")
    assert str(again.value) == ("That dispute was resolved already, by <@U0SALES001> on "
                                "2026-12-04: “credit note issued”.")
    # Someone it is not for hears that, not what became of it.
    with pytest.raises(DomainError) as outsider:
        day.resolve_dispute(Member("U0OTHER001", roles=frozenset({"collector"})),
                            opened.id, "C1", "twice")
    assert str(outsider.value) == (
        "Only the sales department, the dispute's owner, the account's collector or the "
        "collections lead (U0SALES001, U0MEI0001, U0LEAD0001) can resolve this dispute of "
        "Customer C1 (C1).")
    # A dispute id this customer never had (a forged press) is not "already resolved".
    entries = len(uow.audit.entries)
    for dispute_id, customer in ((77_777, "C1"), (opened.id, "C2")):
        with pytest.raises(DomainError) as unknown:
            day.resolve_dispute(MEI, dispute_id, customer, "made up")
        assert str(unknown.value) == ("That dispute is not on record for this customer: "
                                      "nothing was changed.")
    assert len(uow.audit.entries) == entries


def test_the_worklist_and_the_legal_case_escape_what_the_erp_and_people_wrote() -> None:
    from handlers.collections.blocks import line
    from handlers.collections.blocks_notices import CollectionNotices
    from handlers.i18n import translator
    from tests.fakes import FakeOutbox

    tr = translator("en-US")
    item = WorkItem(customer_id="C1", name="<!channel> *Bold*", overdue=(("1-30", usd(5)),),
                    weight=Decimal(5), status="open",
                    last_action=LastAction("call", "<@U0ALL00001> said <!here>", "U0MEI0001",
                                           TODAY))
    assert line(item, tr).splitlines()[0] == (
        "*&lt;!channel&gt; ∗Bold∗* (C1) · open · no dunning level")
    assert line(item, tr).splitlines()[2] == (
        "Last action: call on Nov 30, 2026 by <@U0MEI0001>: &lt;@U0ALL00001&gt; said "
        "&lt;!here&gt;")
    outbox = FakeOutbox()
    hostile = replace(customer("C1"), name="<!channel>")
    assignment = Assignment("C1", MEI.user_id, AssignmentStatus.OPEN, "rules", NOW)
    CollectionNotices(lambda _: "en-US", UTC).legal_case(
        outbox, LegalCase("C1", MEI.user_id, NOW, "<!everyone>"),
        History(hostile, (), (), (), (), assignment), "C0LEGAL001")
    outbox.commit()
    [posted] = outbox.messages
    assert posted.text == "Legal case: &lt;!channel&gt;"
    assert "<!everyone>" not in str(posted.blocks) and "<!channel>" in str(posted.blocks[0])


def test_a_promise_in_another_currency_is_not_kept_while_its_invoice_is_open(
        day: CollectorsDay, uow: FakeUnitOfWork, clock: list[datetime]) -> None:
    # Recorded before the form refused other currencies: the USD invoice is still open.
    uow.collections.add_promise(Promise("C2", Money(Decimal(5000), "EUR"), TODAY, ("I3",),
                                        PromiseState.OPEN, MEI.user_id, NOW))
    uow.commit()
    assert CollectionsJob(day).run().kept == 0
    assert uow.collections.promises("C2")[0].state is PromiseState.OPEN


def test_a_promise_above_the_open_amount_or_in_another_currency_is_refused(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    with pytest.raises(DomainError) as wrong:
        day.promise(MEI, "C1", Money(Decimal(100), "EUR"), TODAY, [])
    assert (wrong.value.template, wrong.value.params["currencies"]) == (
        "{customer} is billed in {currencies}, not {currency}: write the amount in "
        "{currencies}, e.g. {example}.", ("USD",))
    with pytest.raises(DomainError) as wrong:
        day.promise(MEI, "C1", usd(1501), TODAY, [])
    assert str(wrong.value.params["open"]) == "USD 1,500.00"
    assert uow.collections.committed["promises"] == {}


def test_record_outcome_is_refused_before_the_form_to_whoever_may_not(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    day.escalate_to_legal(MEI, "C2", "no payment")
    with pytest.raises(NotYourAccount):
        day.may_record_legal_outcome(OTHER, "C2")
    day.may_record_legal_outcome(Member("U0LAWYER02", departments=frozenset({"legal"})), "C2")
    day.may_record_legal_outcome(LEAD, "C2")


def test_a_closed_cases_outcome_is_told_only_to_whoever_may_record_one(
        day: CollectorsDay) -> None:
    day.escalate_to_legal(MEI, "C2", "no payment")
    day.record_legal_outcome(LEAD, "C2", "settled for 80%")
    with pytest.raises(NotYourAccount):
        day.may_record_legal_outcome(OTHER, "C2")
    for member in (MEI, LEAD):
        with pytest.raises(DomainError) as told:
            day.may_record_legal_outcome(member, "C2")
        assert not isinstance(told.value, NotYourAccount)
        assert told.value.params["outcome"] == "settled for 80%"


def test_the_lead_and_the_assigners_see_a_collectors_list_and_only_the_lead_acts(
        day: CollectorsDay) -> None:
    assigner = Member("U0ASSIGN01", roles=frozenset({"credit_manager"}))
    overseen = dataclasses.replace(day, overseers=frozenset({LEAD.user_id, assigner.user_id}))
    mine = overseen.worklist(MEI)
    assert (mine.collector, mine.may_act) == (MEI.user_id, True)
    by_lead = overseen.worklist(LEAD, collector=MEI.user_id)
    by_assigner = overseen.worklist(assigner, collector=MEI.user_id)
    assert by_lead.page == by_assigner.page == mine.page
    assert (by_lead.collector, by_lead.may_act) == (MEI.user_id, True)
    assert (by_assigner.collector, by_assigner.may_act) == (MEI.user_id, False)
    other = Member("U0OTHER001", roles=frozenset({"collector"}))
    with pytest.raises(NotAnOverseer) as refused:
        overseen.worklist(other, collector=MEI.user_id)
    assert refused.value.overseers == ("U0ASSIGN01", "U0LEAD0001")


def test_an_action_without_a_date_keeps_the_one_in_force(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    def next_on(cid: str) -> date | None:
        [found] = [a for a in uow.collections.open_assignments() if a.customer_id == cid]
        return found.next_action_on

    day.log_action(MEI, "C1", ActionKind.CALL, "call back", TODAY + timedelta(days=2))
    kept = day.log_action(MEI, "C1", ActionKind.CALL, "voicemail", None)
    assert kept.next_action_on == next_on("C1") == TODAY + timedelta(days=2)
    assert [a.next_action_on for a in uow.collections.actions("C1")] == [
        TODAY + timedelta(days=2)] * 2
    # With none in force, none is made up.
    assert next_on("C3") is None
    assert day.log_action(MEI, "C3", ActionKind.EMAIL, "sent statement", None
                          ).next_action_on is None


def test_the_collector_is_told_when_the_lead_records_on_their_account(
        day: CollectorsDay, notices: Notices) -> None:
    day.log_action(MEI, "C1", ActionKind.CALL, "mine", None)
    assert [c for c in notices.calls if c[0] == "recorded_for"] == []
    day.log_action(LEAD, "C1", ActionKind.CALL, "spoke to their CFO", None)
    day.promise(LEAD, "C1", usd(500), TODAY, [])
    assert [c for c in notices.calls if c[0] == "recorded_for"] == [
        ("recorded_for", (MEI.user_id, LEAD.user_id, "C1", "CollectionAction")),
        ("recorded_for", (MEI.user_id, LEAD.user_id, "C1", "Promise"))]


def test_a_promise_keeps_an_earlier_next_step_still_to_come(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    # A call planned for the 5th, then a promise to pay by the 10th: the call's day and
    # its reminder gave way to the promise's, silently.
    day.log_action(MEI, "C2", ActionKind.CALL, "AP away", TODAY + timedelta(days=3))
    day.promise(MEI, "C2", usd(2_000), TODAY + timedelta(days=8), ["I3"])
    with uow:
        assert uow.collections.open_assignment("C2").next_action_on == TODAY + timedelta(
            days=3)
    # A step already due (the promise is its outcome) gives way to the promise's day.
    day.log_action(MEI, "C1", ActionKind.CALL, "will call back", TODAY)
    day.promise(MEI, "C1", usd(1_000), TODAY + timedelta(days=8), [])
    with uow:
        assert uow.collections.open_assignment("C1").next_action_on == TODAY + timedelta(
            days=8)


def test_a_promise_replaces_the_open_ones_for_the_same_money_only(
        day: CollectorsDay, uow: FakeUnitOfWork, clock: list[datetime]) -> None:
    first = day.promise(MEI, "C1", usd(1000), TODAY + timedelta(days=3), ["I1"]).promise
    other = day.promise(MEI, "C1", usd(500), TODAY + timedelta(days=3), ["I2"])
    assert other.replaced == ()  # another invoice: money of its own
    again = day.promise(MEI, "C1", usd(900), TODAY + timedelta(days=9), ["I1"])
    assert [p.id for p in again.replaced] == [first.id]
    # Naming no invoice, a promise is for the account: it replaces every open one.
    whole = day.promise(MEI, "C1", usd(1200), TODAY + timedelta(days=10), [])
    assert sorted(p.id for p in whole.replaced) == sorted((other.promise.id,
                                                            again.promise.id))
    states = {p.id: p.state for p in uow.collections.promises("C1")}
    assert states == {first.id: PromiseState.REPLACED, other.promise.id: PromiseState.REPLACED,
                      again.promise.id: PromiseState.REPLACED,
                      whole.promise.id: PromiseState.OPEN}
    # And a promise for some invoices replaces the open one for the account.
    last = day.promise(MEI, "C1", usd(1000), TODAY + timedelta(days=10), ["I1"])
    assert [p.id for p in last.replaced] == [whole.promise.id]
    # Replaced promises are never checked: one broken, not five.
    clock[0] = NOW + timedelta(days=20)
    assert CollectionsJob(day).run().broken == 1
    assert [e.details["replaces"] for e in uow.audit.entries
            if e.action == "collections.promised"] == [
        [], [], [first.id], [again.promise.id, other.promise.id], [whole.promise.id]]


def test_invoice_ids_typed_in_another_case_or_width_name_the_open_invoice(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    # "inv-0021-006 is not an open invoice of C0021": it was, in capitals.
    uow.receivables.invoices.append(invoice("INV-7", "C1", 10, 300))
    made = day.promise(MEI, "C1", usd(300), TODAY + timedelta(days=3), ["inv-7"]).promise
    assert made.invoice_ids == ("INV-7",)
    opened = day.dispute(MEI, "C1", ["ＩＮＶ-７", "i1"], "wrong price", "sales", "U0SALES001")
    assert opened.invoice_ids == ("INV-7", "I1")
    # Two open invoices that differ only in case: the typed one must be exact.
    uow.receivables.invoices.append(invoice("inv-7", "C1", 10, 50))
    with pytest.raises(FormRefused) as refused:
        day.dispute(MEI, "C1", ["Inv-7"], "wrong price", "sales", "U0SALES001")
    [problem] = refused.value.problems
    assert (problem.template, problem.params["invoice"], problem.params["matches"]) == (
        "{invoice} reads as more than one open invoice of {customer} ({matches}): write it "
        "exactly as the one you mean.", "Inv-7", ("INV-7", "inv-7"))


def test_invoice_ids_with_commas_or_double_spaces_can_be_named_as_the_form_lists_them(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    # The import takes them; the form cut "INV,77" at its comma ("INV, 77 are not open
    # invoices"), and listed "INV  78" as `INV 78`, which was then not found.
    from handlers.collections.modals import _invoices

    for invoice_id in ("INV,77", "发票，77", "INV  78", "X,,Y", "Z,", "A,B", "A", "B"):
        uow.receivables.invoices.append(invoice(invoice_id, "C1", 10, 100))
    typed = _invoices("INV,77, 发票，77,INV 78, i1, X,,Y, Z,, inv,77")
    opened = day.dispute(MEI, "C1", typed, "wrong price", "sales", "U0SALES001")
    assert opened.invoice_ids == ("INV,77", "发票，77", "INV  78", "I1", "X,,Y", "Z,")
    # A and B are open on their own beside A,B: "A, B" names them, "A,B" the one id.
    both = day.dispute(MEI, "C1", _invoices("A, B"), "wrong price", "sales", "U0SALES001")
    assert both.invoice_ids == ("A", "B")
    with pytest.raises(FormRefused) as refused:
        day.dispute(MEI, "C1", _invoices("INV,79"), "wrong price", "sales", "U0SALES001")
    [problem] = refused.value.problems
    assert problem.params["invoices"] == ("INV", "79")  # no such id: two pieces, as typed


def test_ids_with_spaces_between_them_are_split_only_when_each_names_an_invoice() -> None:
    from domain.collections.day import named_invoices
    from handlers.collections.modals import _invoices

    named, problem = named_invoices("C1", _invoices("A X"), ("A", "B"))
    assert named == ["A X"] and problem is not None
    assert problem.params["invoices"] == "A X"  # said as typed: X is no invoice


def test_an_id_matched_by_case_is_not_made_ambiguous_by_ignoring_spaces(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    # "inv 1" named INV 1 by its case alone; ignoring spaces too found INV1 as well.
    for invoice_id in ("INV 1", "INV1"):
        uow.receivables.invoices.append(invoice(invoice_id, "C1", 10, 100))
    opened = day.dispute(MEI, "C1", ["inv 1"], "wrong price", "sales", "U0SALES001")
    assert opened.invoice_ids == ("INV 1",)


@pytest.mark.parametrize(("open_ids", "typed", "named"), [
    # The whole text is one open invoice's id, copied from the form's list: that one.
    (("A", "A,"), "A,", ["A,"]),
    (("INV,77", "INV, 77"), "INV, 77", ["INV, 77"]),
    (("A,B", "A"), "A,B", ["A,B"]),
    (("A,,B", "A", "B"), "A,,B", ["A,,B"]),
    # Else pieces on their own first, joined only where that leaves fewer unnamed.
    (("A,B", "A", "B"), "A, B", ["A", "B"]),
    (("A,B", "A", "B", "C"), "A,B,C", ["A", "B", "C"]),
    (("A,1", "A,2"), "A,1, A,2", ["A,1", "A,2"]),
    (("X", "INV, 77"), "X, INV, 77", ["X", "INV, 77"]),
    # Ids listed with spaces, as people list them: "INV-0021-006 INV-0021-019 is not an
    # open invoice". An id with a space in it stays one.
    (("INV-0021-006", "INV-0021-019"), "INV-0021-006 INV-0021-019",
     ["INV-0021-006", "INV-0021-019"]),
    (("A", "B", "C"), "A B, C", ["A", "B", "C"]),
    (("INV 1", "INV", "1"), "INV 1", ["INV 1"]),
])
def test_ids_with_commas_are_read_the_way_that_names_open_invoices(
        open_ids: tuple[str, ...], typed: str, named: list[str]) -> None:
    # "A," typed exactly went onto A; "A,B" copied from the list was refused when A was
    # open too ("B is not an open invoice").
    from domain.collections.day import named_invoices
    from handlers.collections.modals import _invoices

    assert named_invoices("C1", _invoices(typed), open_ids) == (named, None)


def test_a_replaced_promises_day_leaves_the_next_step_with_it(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    # "Next step: Dec 10 · promise to pay due Dec 20": the day of the promise replaced.
    day.promise(MEI, "C1", usd(1000), TODAY + timedelta(days=3), [])
    assert uow.collections.open_assignment("C1").next_action_on == TODAY + timedelta(days=3)
    day.promise(MEI, "C1", usd(1200), TODAY + timedelta(days=9), [])
    assert uow.collections.open_assignment("C1").next_action_on == TODAY + timedelta(days=9)
    # A step the collector planned before the promise's day still stays.
    day.log_action(MEI, "C1", ActionKind.CALL, "AP says Friday", TODAY + timedelta(days=2))
    day.promise(MEI, "C1", usd(1200), TODAY + timedelta(days=12), [])
    assert uow.collections.open_assignment("C1").next_action_on == TODAY + timedelta(days=2)


def test_an_invoice_typed_twice_counts_once(day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    # "I1, i1": one invoice, its 1,000 open once, not 2,000.
    with pytest.raises(FormRefused) as refused:
        day.promise(MEI, "C1", usd(1500), TODAY + timedelta(days=3), ["I1", "i1"])
    assert [str(p) for p in refused.value.problems] == [
        "USD 1,500.00 is more than I1 has open (USD 1,000.00): promise at most that, or name "
        "more invoices."]
    made = day.promise(MEI, "C1", usd(1000), TODAY + timedelta(days=3), ["I1", "ｉ１", "I1"])
    assert made.promise.invoice_ids == ("I1",)
    opened = day.dispute(MEI, "C1", ["I2", "i2"], "short", "sales", "U0SALES001")
    assert opened.invoice_ids == ("I2",)


def state_of(uow: FakeUnitOfWork, promise: Promise) -> PromiseState:
    return next(p.state for p in uow.collections.promises(promise.customer_id)
                if p.id == promise.id)


def test_only_a_pending_promise_is_replaced(day: CollectorsDay, uow: FakeUnitOfWork,
                                            clock: list[datetime]) -> None:
    # Broken past its grace days (the job had not run yet, a weekend): left for the job to
    # record broken, not hidden behind the new one.
    late = day.promise(MEI, "C1", usd(1000), TODAY + timedelta(days=1), ["I1"]).promise
    clock[0] = NOW + timedelta(days=5)
    again = day.promise(MEI, "C1", usd(1000), TODAY + timedelta(days=9), ["I1"])
    assert again.replaced == ()
    assert CollectionsJob(day).run().broken == 1
    assert state_of(uow, late) is PromiseState.BROKEN
    # Paid already: left for the job to record kept.
    paid = day.promise(MEI, "C2", usd(300), TODAY + timedelta(days=12), ["I3"]).promise
    uow.receivables.payments.append(("C2", clock[0].date(), usd(300), "I3"))
    assert day.promise(MEI, "C2", usd(200), TODAY + timedelta(days=14), ["I3"]).replaced == ()
    clock[0] = NOW + timedelta(days=12)  # checked from its day on
    assert CollectionsJob(day).run().kept == 1
    assert state_of(uow, paid) is PromiseState.KEPT


def add_euro_invoice(uow: FakeUnitOfWork) -> None:
    """E1: C1's one invoice in euros (€800, ten days overdue) beside its dollar ones."""
    uow.receivables.invoices.append(Invoice("E1", "C1", TODAY - timedelta(days=40),
                                            TODAY - timedelta(days=10),
                                            Money(Decimal(800), "EUR"),
                                            Money(Decimal(800), "EUR")))


def test_a_promise_in_another_currency_replaces_nothing(day: CollectorsDay,
                                                        uow: FakeUnitOfWork) -> None:
    add_euro_invoice(uow)
    euros = day.promise(MEI, "C1", Money(Decimal(500), "EUR"), TODAY + timedelta(days=3), [])
    dollars = day.promise(MEI, "C1", usd(500), TODAY + timedelta(days=3), [])
    assert dollars.replaced == ()
    assert {p.id: p.state for p in uow.collections.promises("C1")} == {
        euros.promise.id: PromiseState.OPEN, dollars.promise.id: PromiseState.OPEN}


def test_the_collector_hears_which_of_their_promises_the_lead_replaced(
        day: CollectorsDay, notices: Notices) -> None:
    mine = day.promise(MEI, "C1", usd(1000), TODAY + timedelta(days=3), ["I1"]).promise
    leads = day.promise(LEAD, "C1", usd(900), TODAY + timedelta(days=5), ["I1"]).promise
    assert ("recorded_for", ("U0MEI0001", "U0LEAD0001", "C1", "Promise", mine.id)) in \
        notices.calls
    assert leads.state is PromiseState.OPEN


def test_a_promise_on_an_account_with_nothing_open_is_refused(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    uow.receivables.invoices = [i for i in uow.receivables.invoices if i.customer_id != "C3"]
    with pytest.raises(FormRefused) as refused:
        day.promise(MEI, "C3", Money(Decimal("9999999999999"), "JPY"), TODAY, [])
    assert [str(p) for p in refused.value.problems] == [
        "C3 has no open invoice in the latest import, so there is nothing to promise: log "
        "the call with Log action instead."]
    assert uow.collections.promises("C3") == []


def test_a_dispute_resolved_while_legal_holds_the_account_resumes_nothing(
        day: CollectorsDay, notices: Notices) -> None:
    opened = day.dispute(MEI, "C1", ["I2"], "wrong price", "sales", "U0SALES001")
    day.escalate_to_legal(MEI, "C1", "three promises broken")
    day.resolve_dispute(Member("U0SALES001", departments=frozenset({"sales"})), opened.id,
                        "C1", "credit note")
    assert ("resolved_with_legal", opened.id) in notices.calls


def test_a_dispute_resolved_after_legal_closed_the_account_resumes_nothing(
        day: CollectorsDay, notices: Notices) -> None:
    opened = day.dispute(MEI, "C1", ["I2"], "wrong price", "sales", "U0SALES001")
    day.escalate_to_legal(MEI, "C1", "three promises broken")
    day.record_legal_outcome(Member("U0LAWYER01", departments=frozenset({"legal"})), "C1",
                             "settled")
    day.resolve_dispute(Member("U0SALES001", departments=frozenset({"sales"})), opened.id,
                        "C1", "credit note")
    assert ("resolved_uncollected", opened.id) in notices.calls
    assert ("resolved_with_legal", opened.id) not in notices.calls


def test_invoices_in_two_currencies_make_no_one_promise(day: CollectorsDay,
                                                        uow: FakeUnitOfWork) -> None:
    add_euro_invoice(uow)
    with pytest.raises(FormRefused) as refused:
        day.promise(MEI, "C1", Money(Decimal(500), "EUR"), TODAY, ["E1", "I1"])
    assert [(p.where, str(p)) for p in refused.value.problems] == [
        ("invoices", "These invoices are billed in EUR, USD: a promise is in one currency, "
                     "so name the invoices of one of them (a promise for each currency, if "
                     "need be).")]
    assert day.promise(MEI, "C1", Money(Decimal(500), "EUR"), TODAY, ["E1"]).promise


@pytest.mark.parametrize(("last", "english", "chinese"), [
    (LastAction("promise_kept", "", "U0MEI0001", TODAY, promised=usd(20_000), due=TODAY),
     "Last action: the promise to pay $20,000.00 by Nov 30, 2026 was kept (seen paid on "
     "Nov 30, 2026)", "最近行动：于 2026年11月30日前支付 US$20,000.00 的承诺已履行（"
     "2026年11月30日确认到账）"),
    (LastAction("promise", "", "U0MEI0001", TODAY, promised=usd(9_000), due=TODAY,
                broken_on=TODAY + timedelta(days=4), paid=usd(5_000)),
     "Last action: promise to pay $9,000.00 by Nov 30, 2026, recorded on Nov 30, 2026 by "
     "<@U0MEI0001>, broken on Dec 4, 2026 (only $5,000.00 of it paid)",
     "最近行动：承诺在 2026年11月30日前支付 US$9,000.00，由 <@U0MEI0001> 于 2026年11月30日"
     "记录，已于 2026年12月4日违约（仅付 US$5,000.00）"),
    (LastAction("promise", "", "U0MEI0001", TODAY, promised=usd(9_000), due=TODAY,
                broken_on=TODAY + timedelta(days=4), paid=usd(0)),
     "Last action: promise to pay $9,000.00 by Nov 30, 2026, recorded on Nov 30, 2026 by "
     "<@U0MEI0001>, broken on Dec 4, 2026 (nothing of it paid)",
     "最近行动：承诺在 2026年11月30日前支付 US$9,000.00，由 <@U0MEI0001> 于 2026年11月30日"
     "记录，已于 2026年12月4日违约（分文未付）"),
    (LastAction("escalated", "three promises broken", "U0MEI0001", TODAY),
     "Last action: escalated to legal on Nov 30, 2026 by <@U0MEI0001>: three promises "
     "broken", "最近行动：<@U0MEI0001> 于 2026年11月30日移交法务：three promises broken"),
    (LastAction("dispute_opened", "<!here> wrong price", "U0MEI0001", TODAY,
                invoices=("I1", "I2")),
     "Last action: dispute over I1, I2 opened on Nov 30, 2026 by <@U0MEI0001>: "
     "&lt;!here&gt; wrong price",
     "最近行动：2026年11月30日 <@U0MEI0001> 对 I1、I2 提出争议：&lt;!here&gt; wrong price"),
    (LastAction("dispute_resolved", "", "U0SALES001", TODAY, invoices=("I2",)),
     "Last action: dispute over I2 resolved on Nov 30, 2026 by <@U0SALES001>: no note",
     "最近行动：2026年11月30日 <@U0SALES001> 解决了 I2 的争议：无说明"),
])
def test_the_last_thing_done_reads_whole_in_each_language(last, english, chinese) -> None:
    from handlers.collections.blocks import line
    from handlers.i18n import translator

    item = WorkItem(customer_id="C1", name="Acme", overdue=(("1-30", usd(5)),),
                    weight=Decimal(5), status="open", last_action=last)
    for language, expected in (("en-US", english), ("zh-CN", chinese)):
        shown = line(item, translator(language)).splitlines()
        assert expected in shown, shown


@pytest.mark.parametrize(("next_on", "promise_due", "english", "chinese"), [
    # The promise's day is the step: not "stop supply on Dec 2 · promise to pay due Dec
    # 2", read as stopping supply on the day they promised to pay.
    (TODAY + timedelta(days=2), TODAY + timedelta(days=2),
     "Next step: see the promise to pay kept, due Dec 2, 2026",
     "下一步：确认付款承诺已兑现，到期日 2026年12月2日"),
    # A step long past says how late it is.
    (TODAY - timedelta(days=25), None, "Next step: stop supply on Nov 5, 2026 (25 days late)",
     "下一步：2026年11月5日 停止供货（已晚 25 天）"),
    (TODAY - timedelta(days=1), TODAY + timedelta(days=3),
     "Next step: stop supply on Nov 29, 2026 (1 day late) · promise to pay due Dec 3, 2026",
     "下一步：2026年11月29日 停止供货（已晚 1 天） · 付款承诺 2026年12月3日到期")])
def test_the_next_step_says_a_promises_day_and_how_late_a_past_step_is(
        next_on, promise_due, english, chinese) -> None:
    from handlers.collections.blocks import line
    from handlers.i18n import translator

    item = WorkItem(customer_id="C1", name="Acme", overdue=(("1-30", usd(5)),),
                    weight=Decimal(5), status="open", next_action_on=next_on,
                    promise_due=promise_due, level=DunningLevel(3, 30, Step.STOP_SUPPLY))
    for language, expected in (("en-US", english), ("zh-CN", chinese)):
        assert line(item, translator(language), TODAY).splitlines()[-1] == expected


def test_a_bucket_owed_in_two_currencies_is_named_once() -> None:
    from handlers.collections.blocks import line
    from handlers.i18n import translator

    item = WorkItem(customer_id="C1", name="Acme", weight=Decimal(5), status="open",
                    overdue=(("1-30", usd("4282.51")), ("31-60", Money(Decimal(5_000), "EUR")),
                             ("31-60", usd("4439.47"))))
    assert line(item, translator("en-US")).splitlines()[1] == (
        "Overdue: 1-30 days: $4,282.51 · 31-60 days: €5,000.00 + $4,439.47")


def test_the_disputed_part_is_said_beside_its_own_bucket() -> None:
    # "61-90 days: $162,150.13 ($94,013.29 of it disputed)": the disputed invoice was 19
    # days overdue, its amount put after whichever bucket came last.
    from handlers.collections.blocks import line
    from handlers.i18n import translator

    item = WorkItem(customer_id="C1", name="Acme", weight=Decimal(5), status="disputed",
                    overdue=(("1-30", usd("4282.51")), ("31-60", Money(Decimal(5_000), "EUR")),
                             ("31-60", usd("4439.47")), ("61-90", usd("900"))),
                    disputed=(("1-30", usd("1000")), ("31-60", Money(Decimal(200), "EUR"))))
    assert line(item, translator("en-US")).splitlines()[1] == (
        "Overdue: 1-30 days: $4,282.51 ($1,000.00 of it disputed) · 31-60 days: €5,000.00 + "
        "$4,439.47 (€200.00 of it disputed) · 61-90 days: $900.00")


def test_one_payment_keeps_one_promise_not_the_one_recorded_after_it(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices,
        clock: list[datetime]) -> None:
    first = day.promise(MEI, "C2", usd(10_000), TODAY + timedelta(days=10), []).promise
    uow.receivables.payments = [("C2", TODAY, usd(10_700), None)]
    # Recorded once that payment is in the ERP: the first, paid, is not replaced, and
    # the second is for money still to come.
    promised = day.promise(MEI, "C2", usd(9_000), TODAY + timedelta(days=11), [])
    second = promised.promise
    assert promised.replaced == () and second.paid_before == (usd(10_700),)
    job = CollectionsJob(day)
    clock[0] = NOW + timedelta(days=11)  # both are due: only the first is paid
    assert (job.run().kept, job.run().broken) == (1, 0)
    states = {p.id: p.state for p in uow.collections.promises("C2")}
    assert states == {first.id: PromiseState.KEPT, second.id: PromiseState.OPEN}
    # A further 9k paid within the grace days: now it is kept.
    uow.receivables.payments.append(("C2", TODAY + timedelta(days=12), usd(9_000), None))
    clock[0] = NOW + timedelta(days=12)
    assert job.run().kept == 1
    assert uow.collections.promises("C2")[0].state is PromiseState.KEPT


def test_money_paid_after_the_last_day_or_dated_ahead_keeps_no_promise(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices,
        clock: list[datetime]) -> None:
    late = day.promise(MEI, "C2", usd(20_000), TODAY + timedelta(days=3), ["I3"]).promise
    ahead = day.promise(MEI, "C1", usd(1_000), TODAY + timedelta(days=3), []).promise
    uow.receivables.payments = [
        # After the due day plus two grace days: late, the promise was broken.
        ("C2", TODAY + timedelta(days=6), usd(20_000), "I3"),
        # Dated next year (a post-dated cheque): no money yet.
        ("C1", TODAY + timedelta(days=400), usd(1_000), None)]
    clock[0] = NOW + timedelta(days=3)
    assert CollectionsJob(day).run().kept == 0
    clock[0] = NOW + timedelta(days=7)
    counts = CollectionsJob(day).run()
    assert (counts.kept, counts.broken) == (0, 2)
    states = {p.id: p.state for p in [*uow.collections.promises("C1"),
                                      *uow.collections.promises("C2")]}
    assert states == {late.id: PromiseState.BROKEN, ahead.id: PromiseState.BROKEN}
    assert not [c for c in notices.calls if c[0] == "broken_paid"]  # nothing counted


def test_a_promise_paid_in_part_is_broken_and_says_how_much_came(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices,
        clock: list[datetime]) -> None:
    made = day.promise(MEI, "C1", usd(1_000), TODAY + timedelta(days=3), []).promise
    uow.receivables.payments = [("C1", TODAY + timedelta(days=1), usd(400), None)]
    clock[0] = NOW + timedelta(days=6)
    assert CollectionsJob(day).run().broken == 1
    assert ("broken_paid", (made.id, usd(400))) in notices.calls
    # Kept on the promise too, for its history to say (it said only "broken").
    [checked] = uow.collections.promises("C1")
    assert (checked.state, checked.paid_when_checked) == (PromiseState.BROKEN, Decimal(400))


def test_an_invoice_in_an_open_dispute_is_not_disputed_again(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices,
        clock: list[datetime]) -> None:
    first = day.dispute(MEI, "C1", ["I2"], "wrong price", "sales", "U0SALES001")
    clock[0] = NOW + timedelta(days=2)
    entries = len(uow.audit.entries)
    with pytest.raises(FormRefused) as again:
        day.dispute(MEI, "C1", ["i2"], "again", "sales", None)
    from handlers.errors import field_error
    from handlers.i18n import translator

    [problem] = again.value.problems
    assert problem.where == "invoices"
    assert field_error(problem, translator("en-US")) == (
        "I2 is already in an open dispute, opened on Nov 30, 2026: resolve that one first, "
        "or name other invoices.")
    assert len(uow.collections.open_disputes(["C1"])) == 1
    assert len(uow.audit.entries) == entries
    # Once resolved, the invoice may be disputed again.
    day.resolve_dispute(MEI, first.id, "C1", "credit note issued")
    assert day.dispute(MEI, "C1", ["I2"], "short delivery", "sales", None).invoice_ids == (
        "I2",)


def test_an_account_with_nothing_overdue_is_not_handed_to_legal(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices) -> None:
    # Its invoices paid since it was assigned, or not yet due.
    uow.receivables.invoices = [replace(i, due_date=TODAY) if i.customer_id == "C1" else i
                                for i in uow.receivables.invoices]
    entries = len(uow.audit.entries)
    with pytest.raises(DomainError) as refused:
        day.escalate_to_legal(MEI, "C1", "three broken promises")
    from handlers.errors import explain
    from handlers.i18n import translator

    assert explain(refused.value, translator("en-US")) == (
        "Customer C1 (C1) has nothing overdue in the latest import, so there is nothing for "
        "legal to collect: log what happened with Log action instead.")
    assert uow.collections.legal_cases("C1") == []
    assert len(uow.audit.entries) == entries
    assert not [c for c in notices.calls if c[0] == "legal"]
    # An account with overdue invoices goes to legal.
    day.escalate_to_legal(MEI, "C2", "three broken promises")
    assert len(uow.collections.legal_cases("C2")) == 1


def test_a_kept_or_broken_promise_names_its_invoices_or_none() -> None:
    from handlers.collections.blocks_notices import CollectionNotices
    from tests.fakes import FakeOutbox

    notices = CollectionNotices(lambda _: "en-US", UTC)
    outbox = FakeOutbox()
    whole = Promise("C1", usd(500), TODAY, (), PromiseState.KEPT, MEI.user_id, NOW, id=1)
    named = replace(whole, invoice_ids=("I1", "I2"), state=PromiseState.BROKEN, id=2)
    notices.promise_kept(outbox, whole, customer("C1"), MEI.user_id)
    notices.promise_broken(outbox, named, customer("C1"), MEI.user_id, None)
    notices.promise_broken(outbox, replace(whole, id=3), customer("C1"), MEI.user_id, None,
                           usd(300))
    outbox.commit()
    assert [m.text for m in outbox.messages][2] == (
        ":x: *Customer C1* (C1) broke its promise to pay $500.00 by Nov 30, 2026: only "
        "$300.00 of it was paid, grace days included. The broken promise is recorded "
        "against the customer.")
    assert [m.text for m in outbox.messages][:2] == [
        ":white_check_mark: *Customer C1* (C1) kept its promise to pay $500.00 by Nov 30, "
        "2026: the ERP shows it paid. The promise is closed and noted on the account.",
        ":x: *Customer C1* (C1) broke its promise to pay $500.00 by Nov 30, 2026 for I1, "
        "I2: it is not paid, grace days included. The broken promise is recorded against "
        "the customer."]


@pytest.mark.parametrize(("assigned", "after"), [
    (True, "<@U0MEI0001> collects the account: ask them what comes next."),
    # Unassigned since: whoever recorded it is told in the collector's place, and was
    # called the account's collector in the owner's note.
    (False, "Nobody collects the account now; <@U0MEI0001> recorded the promise."),
])
def test_the_owners_note_of_a_broken_promise_says_who_to_ask(assigned: bool,
                                                              after: str) -> None:
    from handlers.collections.blocks_notices import CollectionNotices
    from tests.fakes import FakeOutbox

    notices = CollectionNotices(lambda _: "en-US", UTC)
    outbox = FakeOutbox()
    broken = Promise("C1", usd(500), TODAY, (), PromiseState.BROKEN, MEI.user_id, NOW, id=1)
    notices.promise_broken(outbox, broken, customer("C1"), MEI.user_id, "U0OWNER001",
                           assigned=assigned)
    outbox.commit()
    said = (":x: *Customer C1* (C1) broke its promise to pay $500.00 by Nov 30, 2026: it is "
            "not paid, grace days included. The broken promise is recorded against the "
            "customer.")
    assert [(m.channel, m.text) for m in outbox.messages] == [
        (MEI.user_id, said), ("U0OWNER001", f"{said} {after}")]


def test_what_was_paid_towards_a_replaced_promise_is_said_and_not_counted_again(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    from handlers.collections.blocks import replaced_text
    from handlers.i18n import translator

    first = day.promise(MEI, "C2", usd(5_000), TODAY + timedelta(days=10), []).promise
    uow.receivables.payments = [("C2", TODAY, usd(3_000), None)]
    again = day.promise(MEI, "C2", usd(5_000), TODAY + timedelta(days=10), [])
    assert [p.id for p in again.replaced] == [first.id]
    assert again.paid_towards_replaced == usd(3_000)
    assert again.promise.paid_before == (usd(3_000),)
    assert replaced_text(again.replaced, translator("en-US"), lambda at: at.date(),
                         again.paid_towards_replaced) == (
        "It replaces the open promise of $5,000.00 by Dec 10, 2026 (recorded by "
        "<@U0MEI0001> on Nov 30, 2026): only the new one is checked and counted. $3,000.00 "
        "was paid towards it already; the new promise counts only money still to come: if "
        "the amount recorded includes that, record the promise again for the balance.")
    # Recorded again for the balance: the earlier payment still counts for none of them,
    # and nothing more was paid towards the one replaced.
    balance = day.promise(MEI, "C2", usd(2_000), TODAY + timedelta(days=10), [])
    assert [p.id for p in balance.replaced] == [again.promise.id]
    assert balance.paid_towards_replaced is None


def test_a_promise_kept_leaves_a_next_step_only_while_money_is_overdue(
        day: CollectorsDay, uow: FakeUnitOfWork, notices: Notices,
        clock: list[datetime]) -> None:
    due = TODAY + timedelta(days=3)
    day.promise(MEI, "C2", usd(20_000), due, ["I3"])
    day.promise(MEI, "C1", usd(100), due, ["I2"])
    # C2's one invoice is paid; C1's I2 is, but not the rest of the account.
    uow.receivables.invoices = [i for i in uow.receivables.invoices
                                if i.invoice_id not in ("I3", "I2")]
    clock[0] = NOW + timedelta(days=3)
    counts = CollectionsJob(day).run()
    assert (counts.kept, counts.nudged) == (2, 1)
    steps = {a.customer_id: a.next_action_on for a in uow.collections.open_assignments()}
    assert (steps["C2"], steps["C1"]) == (None, due)
    assert [c for c in notices.calls if c[0] == "nudge"] == [("nudge", ("C1",))]


def test_the_collector_hears_of_a_part_payment_when_the_lead_replaces_the_promise() -> None:
    from handlers.collections.blocks_notices import CollectionNotices
    from tests.fakes import FakeOutbox

    outbox = FakeOutbox()
    earlier = Promise("C1", usd(10_000), TODAY, (), PromiseState.REPLACED, MEI.user_id, NOW,
                      id=1)
    made = replace(earlier, state=PromiseState.OPEN, due_on=TODAY + timedelta(days=7),
                   made_by=LEAD.user_id, id=2)
    CollectionNotices(lambda _: "en-US", UTC).recorded_for(
        outbox, MEI.user_id, LEAD.user_id, customer("C1"), made, (earlier,), usd(3_000))
    outbox.commit()
    assert [m.text for m in outbox.messages] == [
        ":information_source: <@U0LEAD0001> recorded on *Customer C1* (C1), which you "
        "collect: a promise to pay $10,000.00 by Dec 7, 2026. It replaces the open promise "
        "of $10,000.00 by Nov 30, 2026 (recorded by <@U0MEI0001> on Nov 30, 2026): only "
        "the new one is checked and counted. $3,000.00 was paid towards it already; the new "
        "promise counts only money still to come: if the amount recorded includes that, "
        "record the promise again for the balance."]


def test_a_collector_app_yaml_let_go_is_neither_nudged_nor_told_of_promises(
        day: CollectorsDay, notices: Notices, clock: list[datetime],
        caplog: pytest.LogCaptureFixture) -> None:
    # Mei was removed from app.yaml: her DMs went on (next steps, a broken promise with
    # the account's figures) though she may no longer see credit data.
    made = day.promise(MEI, "C2", usd(20_000), TODAY + timedelta(days=3), ["I3"]).promise
    gone = replace(day, people=lambda user: Member(user) if user == MEI.user_id else (
        STAFF.get(user) or Member(user, departments=frozenset({"sales"}))))
    clock[0] = NOW + timedelta(days=6)
    notices.calls.clear()
    with caplog.at_level("WARNING"):
        counts = CollectionsJob(gone).run()
    assert (counts.broken, counts.nudged) == (1, 0)
    # The owner still hears of the broken promise; Mei does not.
    assert [c for c in notices.calls if c[0] in ("broken", "nudge", "kept")] == [
        ("broken", (made.id, None, "U0OWNER001"))]
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "1 account(s) of U0MEI0001 not nudged: they may no longer see credit data "
        "(app.yaml's access.credit_data); the alerts job gives their accounts to another "
        "collector"]


def test_a_paid_invoice_named_is_said_to_be_paid(day: CollectorsDay,
                                                 uow: FakeUnitOfWork) -> None:
    # "P1 is not an open invoice of C1" read as a typo in an id the collector had copied
    # from the account's statement: the invoice was paid.
    paid = Invoice("P1", "C1", TODAY - timedelta(days=60), TODAY - timedelta(days=30),
                   usd(700), usd(0), InvoiceStatus.PAID)
    uow.receivables.invoices += [paid, dataclasses.replace(paid, invoice_id="P2")]
    with pytest.raises(FormRefused) as one:
        day.dispute(MEI, "C1", ["P1"], "short", "sales", "U0SALES001")
    assert [(p.where, str(p)) for p in one.value.problems] == [
        ("invoices", "P1 is paid already: name invoices from the account's open ones, "
                     "separated by commas.")]
    with pytest.raises(FormRefused) as two:
        day.promise(MEI, "C1", usd(100), TODAY + timedelta(days=3), ["P1", "P2"])
    assert [(p.where, str(p)) for p in two.value.problems] == [
        ("invoices", "P1, P2 are paid already: name invoices from the account's open "
                     "ones, separated by commas.")]
    # Named as open ones are: in another case or width, listed with spaces.
    with pytest.raises(FormRefused) as loosely:
        day.promise(MEI, "C1", usd(100), TODAY + timedelta(days=3), ["ｐ1 p2"])
    assert [str(p) for p in loosely.value.problems] == [
        "P1, P2 are paid already: name invoices from the account's open ones, separated by "
        "commas."]
    # An id that names nothing of the account's is said first: the paid one after it.
    with pytest.raises(FormRefused) as mixed:
        day.dispute(MEI, "C1", ["P1", "I9"], "short", "sales", "U0SALES001")
    assert [(p.where, str(p)) for p in mixed.value.problems] == [
        ("invoices", "I9 is not an open invoice of C1: name invoices from the account's "
                     "open ones, separated by commas.")]
    with pytest.raises(FormRefused) as theirs:
        day.dispute(MEI, "C2", ["P1"], "short", "sales", "U0SALES001")
    assert [(p.where, str(p)) for p in theirs.value.problems] == [
        ("invoices", "P1 is not an open invoice of C2: name invoices from the account's "
                     "open ones, separated by commas.")]
    assert uow.collections.committed["disputes"] == {}


def test_a_resolved_dispute_nobody_owned_does_not_say_it_waits_for_an_owner() -> None:
    # "Owner: nobody yet." stood above "✅ Resolved by …", as if someone were still to
    # take it on.
    from handlers.collections.blocks_notices import CollectionNotices
    from tests.fakes import FakeOutbox

    outbox = FakeOutbox()
    notices = CollectionNotices(lambda _: "en-US", UTC)
    dispute = Dispute("C1", ("I2",), "short delivery", "logistics", None, MEI.user_id, NOW,
                      id=4)
    notices.dispute_opened(outbox, dispute, customer("C1"), "C0LOGIST01")
    outbox.commit()
    notices.dispute_resolved(outbox, replace(dispute, resolved_at=NOW, resolved_by=MEI.user_id,
                                             outcome="cartons found"),
                             customer("C1"), "C0LOGIST01")
    outbox.commit()
    opened, resolved = outbox.messages
    assert opened.text.splitlines()[1] == (
        "Owner: nobody yet. Raised by <@U0MEI0001> on Nov 30, 2026. Reminders for these "
        "invoices are paused until the dispute is resolved.")
    assert [b["text"]["text"] for b in resolved.blocks] == [
        ":warning: *Customer C1* (C1) disputes I2: short delivery\n"
        "Raised by <@U0MEI0001> on Nov 30, 2026.",
        ":white_check_mark: Resolved by <@U0MEI0001> on Nov 30, 2026: cartons found\n"
        "Reminders for these invoices resume."]


def test_a_dispute_of_many_invoices_names_twenty_and_keeps_its_owner_and_last_words() -> None:
    # 170 ids (the form takes 3,000 characters of them) and a long reason: the post was
    # cut at 3,000 characters, the owner's mention and "Reminders … paused" with it.
    from handlers.collections.blocks_notices import CollectionNotices
    from tests.fakes import FakeOutbox

    ids = tuple(f"INV-2026-{n:06d}" for n in range(170))
    reason = "Goods damaged on delivery. " * 10  # quoted whole up to 300 characters
    outbox = FakeOutbox()
    CollectionNotices(lambda _: "en-US", UTC).dispute_opened(outbox, Dispute(
        "C1", ids, reason.strip(), "logistics", "U01SALESAMY", MEI.user_id, NOW, id=1),
        customer("C1"), "C0LOGISTIC1")
    outbox.commit()
    [posted] = outbox.messages
    text = posted.blocks[0]["text"]["text"]
    assert text == (
        f":warning: *Customer C1* (C1) disputes {', '.join(ids[:20])}, and 150 more: "
        f"{reason.strip()}\nOwner: <@U01SALESAMY>. Raised by <@{MEI.user_id}> on Nov 30, "
        "2026. Reminders for these invoices are paused until the dispute is resolved.")
    assert len(text) <= 3000
