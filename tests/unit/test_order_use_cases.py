"""Order review on the in-memory unit of work: the rules with their figures, an order
placed and held (audit, event, owner told), a check that records nothing, ERP orders
reviewed once, held orders released by a re-check or by an approved release request."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.access import AccessDenied, CreditDataAccess, Member
from domain.aging import AgingBuckets
from domain.amounts import AmountError
from domain.model import Customer, Invoice, InvoiceStatus, Order, OrderStatus
from domain.money import Money
from domain.orders.context import OrderRefused
from domain.orders.model import Contract, OrderRules, OrderSource, OrderState, Rule
from domain.orders.ports import OrderChange, OrderHappened
from domain.orders.typed import NoCustomer
from domain.orders.use_cases import OrderChecks, RepeatedOrder
from domain.ports import Outbox
from domain.positions import CreditPolicyContext
from handlers.errors import explain
from handlers.i18n import translator
from handlers.orders.blocks import failure_text
from tests.fakes import FakeUnitOfWork

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
REP, OWNER = "U0REP00001", "U0OWNER001"
REP_MEMBER = Member(REP, frozenset({"sales"}))


class Notices:
    def __init__(self) -> None:
        self.changes: list[OrderChange] = []

    def queue(self, outbox: Outbox, change: OrderChange) -> None:
        self.changes.append(change)


def cny(amount: str) -> Money:
    return Money(Decimal(amount), "CNY")


def invoice(iid: str, amount: str, due: date, cid: str = "C1") -> Invoice:
    return Invoice(iid, cid, due - timedelta(days=30), due, cny(amount), cny(amount))


RULES = OrderRules(Decimal(5), 30)


def world(rules: OrderRules = RULES, invoices: tuple[Invoice, ...] = (),
          orders: tuple[Order, ...] = (), contracts: tuple[Contract, ...] = (),
          usd: str = "7") -> tuple[OrderChecks, FakeUnitOfWork, Notices]:
    customers = [Customer("C1", "Huaxia Logistics", cny("1000000"), 60,
                          owner_slack_id=OWNER)]
    uow = FakeUnitOfWork(customers, invoices or (invoice("I1", "950000", TODAY),),
                         orders, rates={"USD": Decimal(usd)})
    uow.orders.contract_rows = list(contracts)
    notices = Notices()
    checks = OrderChecks(uow, CreditDataAccess(),
                         CreditPolicyContext("CNY", AgingBuckets((30, 60, 90))), rules,
                         lambda: NOW, ZONE, notices)
    return checks, uow, notices


def test_an_order_within_the_limit_passes_with_the_headroom_left():
    checks, uow, notices = world()
    answer = checks.place(REP_MEMBER, "huaxia", "20k", reference="PO-7")
    assert answer.verdict.passed
    assert answer.verdict.headroom == cny("30000.00")
    assert answer.check is not None and answer.check.order_id == "CB-1"
    assert answer.check.state is OrderState.PASSED and answer.check.reference == "PO-7"
    assert [e.action for e in uow.audit.entries] == ["orders.placed"]
    assert notices.changes == []


def test_the_tolerance_is_the_edge():
    checks, _, _ = world()
    assert checks.check(REP_MEMBER, "C1", "100000").verdict.passed
    held = checks.place(REP_MEMBER, "C1", "100000.01")
    [failure] = held.verdict.failures
    assert dict(failure.figures) == {
        "exposure": cny("950000.00"), "order": cny("100000.01"),
        "total": cny("1050000.01"), "limit": cny("1000000.00"), "tolerance": "5",
        "ceiling": cny("1050000.00"), "over": cny("0.01")}
    assert held.check is not None and held.check.state is OrderState.HELD


def test_an_order_converted_to_a_fraction_of_a_cent_is_compared_as_shown():
    # $8,000 at 6.2500005 is CN¥50,000.004: the answer shows CN¥50,000.00, exactly the
    # headroom, and said "CN¥1,000,000.00 is above the limit CN¥1,000,000.00".
    checks, _, _ = world(OrderRules(Decimal(0), 30), usd="6.2500005")
    answer = checks.check(REP_MEMBER, "C1", "USD 8000")
    assert answer.verdict.passed and answer.verdict.headroom == cny("0.00")
    over = checks.check(REP_MEMBER, "C1", "USD 8000.01").verdict
    [failure] = over.failures
    assert dict(failure.figures) == {
        "exposure": cny("950000.00"), "order": cny("50000.07"), "total": cny("1000000.07"),
        "limit": cny("1000000.00"), "tolerance": "0", "ceiling": cny("1000000.00"),
        "over": cny("0.07")}
    # A contract's limit alike.
    contract = Contract("K2", "C1", date(2026, 1, 1), date(2026, 12, 31), cny("100000"))
    on_contract = Order("E1", "C1", TODAY, cny("50000"), contract_id="K2")
    checks, _, _ = world(OrderRules(Decimal(50), 30), usd="6.2500005",
                         contracts=(contract,), orders=(on_contract,))
    at_edge = checks.check(REP_MEMBER, "C1", "USD 8000").verdict
    assert at_edge.passed and at_edge.contract_left == cny("0.00")


def test_a_held_order_is_audited_and_its_owner_told():
    checks, uow, notices = world()
    answer = checks.place(REP_MEMBER, "C1", "USD 20k")
    assert answer.verdict.order == cny("140000.00")
    assert [e.action for e in uow.audit.entries] == ["orders.placed", "orders.held"]
    assert uow.audit.entries[1].actor == REP
    assert [e.name for e in uow.events.recorded] == ["orders.held"]
    [change] = notices.changes
    # The rep saw the answer; the owner is told.
    assert (change.happened, change.recipients) == (OrderHappened.HELD, (OWNER,))
    assert change.check.amount == Money(Decimal("20000"), "USD")


def test_overdue_and_earlier_holds_fail_with_their_figures():
    checks, _, _ = world(invoices=(invoice("I1", "50000", TODAY - timedelta(days=45)),))
    first = checks.place(REP_MEMBER, "C1", "1000")
    assert [(f.rule, dict(f.figures)) for f in first.verdict.failures] == [
        (Rule.OVERDUE, {"days": "45", "max_days": "30", "overdue": cny("50000.00")})]
    second = checks.check(REP_MEMBER, "C1", "1000")
    assert [(f.rule, dict(f.figures)) for f in second.verdict.failures] == [
        (Rule.OVERDUE, {"days": "45", "max_days": "30", "overdue": cny("50000.00")}),
        (Rule.ON_HOLD, {"orders": ("CB-1",), "count": "1"})]


def test_contracts_must_be_valid_and_within_their_limit():
    expired = Contract("K1", "C1", date(2025, 1, 1), date(2026, 6, 30), cny("500000"))
    checks, _, _ = world(contracts=(expired,))
    [failure] = checks.check(REP_MEMBER, "C1", "1000").verdict.failures
    # The contract that ended is named: "no contract is valid" left the rep to find it.
    assert (failure.rule, dict(failure.figures)) == (Rule.CONTRACT_NOT_VALID, {
        "contract": "K1", "date": date(2026, 11, 30), "start": date(2025, 1, 1),
        "end": date(2026, 6, 30), "later": ""})
    assert failure_text(failure, translator("en")) == (
        "Contract K1 runs from Jan 1, 2025 to Jun 30, 2026, so it does not cover the order "
        "date Nov 30, 2026.")
    # The one nearest the order date, ended or to come: K1 ended 153 days before, K3
    # starts 32 days after (one that ended years ago sent the rep to renew it).
    older = Contract("K0", "C1", date(2024, 1, 1), date(2024, 12, 31), cny("500000"))
    next_year = Contract("K3", "C1", date(2027, 1, 1), date(2027, 12, 31), cny("500000"))
    later = Contract("K4", "C1", date(2027, 3, 1), date(2027, 12, 31), cny("500000"))
    checks, _, _ = world(contracts=(older, expired))
    [failure] = checks.check(REP_MEMBER, "C1", "1000").verdict.failures
    assert failure.figures["contract"] == "K1"
    checks, _, _ = world(contracts=(older, expired, later, next_year))
    [failure] = checks.check(REP_MEMBER, "C1", "1000").verdict.failures
    assert (failure.figures["contract"], failure.figures["later"]) == ("K3", "yes")
    current = Contract("K2", "C1", date(2026, 1, 1), date(2026, 12, 31), cny("60000"))
    on_contract = Order("E1", "C1", TODAY, cny("50000"), contract_id="K2")
    checks, _, _ = world(contracts=(expired, current), orders=(on_contract,))
    [failure] = checks.check(REP_MEMBER, "C1", "20000").verdict.failures
    assert (failure.rule, dict(failure.figures)) == (Rule.CONTRACT_LIMIT, {
        "contract": "K2", "used": cny("50000.00"), "order": cny("20000.00"),
        "total": cny("70000.00"), "limit": cny("60000.00")})


@pytest.mark.parametrize("typed", ["-5", "1e9999", "abc", "0", "99999999999999999999", ""])
def test_bad_amounts_are_refused_and_nothing_is_recorded(typed: str):
    checks, uow, _ = world()
    with pytest.raises(AmountError):
        checks.place(REP_MEMBER, "C1", typed)
    assert uow.orders.checks == {} and uow.audit.entries == []


def test_no_customer_is_refused_naming_the_command_asked():
    # Both commands share the look-up: an order said "e.g. `/credit check acme 120k`".
    checks, uow, _ = world()
    for call, command in ((checks.place, "order"), (checks.check, "check")):
        with pytest.raises(NoCustomer) as refused:
            call(REP_MEMBER, "  ", "5k")
        assert explain(refused.value, translator("en")) == (
            f"Name the customer, e.g. `/credit {command} acme 120k`.")
    assert uow.orders.checks == {}


@pytest.mark.parametrize("typed, refusal", [
    ("100.001", "“100.001” has more decimals than CNY has: write it like 100.00."),
    ("5.5 JPY", "“5.5 JPY” has more decimals than JPY has: write it like 5 or 6."),
    ("5.4 JPY", "“5.4 JPY” has more decimals than JPY has: write it like 5."),
    # Cut short, it would be nothing: only the amount rounded is offered.
    ("0.5 JPY", "“0.5 JPY” has more decimals than JPY has: write it like 1."),
    ("0.005", "“0.005” has more decimals than CNY has: write it like 0.01."),
    ("0.001", "“0.001” is less than the smallest amount in CNY: write it like 120000, "
              "120,000, 120000.50, 120k, 1.2m, USD 120k or 120k EUR.")])
def test_an_amount_finer_than_its_currency_is_refused_not_rounded(typed: str, refusal: str):
    checks, uow, _ = world()
    uow.rates.rates.update(JPY=Decimal("0.05"), KWD=Decimal("23"))
    with pytest.raises(AmountError) as refused:
        checks.place(REP_MEMBER, "C1", typed)
    assert str(refused.value) == refusal
    assert uow.orders.checks == {} and uow.audit.entries == []
    # Three decimals are fine where the currency has them.
    assert checks.place(REP_MEMBER, "C1", "1.125 KWD").check is not None


def test_a_reference_loses_control_characters_and_is_bounded():
    checks, _, _ = world()
    answer = checks.place(REP_MEMBER, "C1", "10", reference="PO\x00-1\u202e\n<@U1>")
    assert answer.check is not None and answer.check.reference == "PO -1 <@U1>"
    with pytest.raises(OrderRefused):
        checks.place(REP_MEMBER, "C1", "10", reference="x" * 101)


def test_a_second_order_under_the_same_reference_is_refused_and_nothing_recorded():
    checks, uow, _ = world()
    checks.place(REP_MEMBER, "C1", "20k", reference="PO-7")
    # The line retyped, spaces and all: the reference is compared as it is kept.
    with pytest.raises(RepeatedOrder) as refused:
        checks.place(REP_MEMBER, "huaxia", "20k", reference=" PO-7 ")
    assert refused.value.params == {"reference": "PO-7", "order": "CB-1",
                                    "customer": "Huaxia Logistics", "amount": cny("20000"),
                                    "day": TODAY}
    assert "OK to ship" in refused.value.template
    assert [c.order_id for c in uow.orders.checks.values()] == ["CB-1"]
    assert [e.action for e in uow.audit.entries] == ["orders.placed"]
    # Retyped in other case, full width, or pasted with invisible characters in it: the
    # same order.
    for retyped in ("po-7", "ＰＯ-７", "PO\u200b-7", "PO-7\u00ad", "\ufeffPO-7", "PO\u2060-7"):
        with pytest.raises(RepeatedOrder):
            checks.place(REP_MEMBER, "C1", "20k", reference=retyped)
    # Another reference, or none, is another order.
    assert checks.place(REP_MEMBER, "C1", "20k", reference="PO-7b").check is not None
    assert checks.place(REP_MEMBER, "C1", "20k").check is not None
    assert checks.place(REP_MEMBER, "C1", "20k").check is not None


def test_a_reference_held_before_says_to_ask_for_the_release_instead():
    checks, uow, _ = world()
    held = checks.place(REP_MEMBER, "C1", "USD 20k", reference="PO-8")
    assert held.check is not None and held.check.is_held
    with pytest.raises(RepeatedOrder) as refused:
        checks.place(REP_MEMBER, "C1", "1k", reference="PO-8")
    assert refused.value.template == (
        "“{reference}” is already order {order} of {customer} ({amount}, {day}), which is "
        "held. Ask for its release with the button below, or give a new order a reference "
        "of its own.")
    assert refused.value.placed.order_id == "CB-1"
    assert refused.value.params["amount"] == Money(Decimal("20000"), "USD")
    assert [c.order_id for c in uow.orders.checks.values()] == ["CB-1"]
    # Released since: said so, not "OK to ship", nor "held".
    with uow:
        checks.release_approved(uow, "C1", "CB-1", 7, "U0CM000001", NOW)
        uow.commit()
    with pytest.raises(RepeatedOrder) as again:
        checks.place(REP_MEMBER, "C1", "1k", reference="PO-8")
    assert "held and since released" in again.value.template


def test_who_may_not_see_credit_data_is_refused_and_recorded():
    checks, uow, _ = world()
    with pytest.raises(AccessDenied):
        checks.place(Member("U0NOBODY01"), "C1", "10")
    assert [e.action for e in uow.audit.entries] == ["orders.place_refused"]
    assert uow.orders.checks == {}


def test_erp_orders_are_reviewed_once_and_counted_as_the_last_one_in():
    ok = Order("E1", "C1", TODAY, cny("40000"))
    too_much = Order("E2", "C1", TODAY, cny("70000"), owner_slack_id="U0ERPOWNER")
    checks, uow, notices = world(orders=(ok, too_much))
    assert checks.review_imported() == {"reviewed": 2, "held": 1}
    assert checks.review_imported() == {"reviewed": 0, "held": 0}
    states = {c.order_id: c.state for c in uow.orders.checks.values()}
    assert states == {"E1": OrderState.PASSED, "E2": OrderState.HELD}
    [change] = notices.changes
    assert change.recipients == (OWNER, "U0ERPOWNER")
    [held] = [e for e in uow.audit.entries if e.action == "orders.held"]
    assert held.actor == "creditbot"
    # E2 alone: invoices 950,000 + both orders 110,000 → E2 as the last one in.
    assert dict(change.check.failures[0].figures)["total"] == Money(Decimal("1060000.00"), "CNY")


def test_an_erp_order_naming_a_contract_not_on_file_is_not_pointed_at_another():
    # K-9 unknown, K2 valid: it was answered with K1, which ended in June.
    expired = Contract("K1", "C1", date(2025, 1, 1), date(2026, 6, 30), cny("500000"))
    current = Contract("K2", "C1", date(2026, 1, 1), date(2026, 12, 31), cny("500000"))
    named = Order("E9", "C1", TODAY, cny("1000"), contract_id="K-9")
    checks, uow, _ = world(contracts=(expired, current), orders=(named,))
    assert checks.review_imported() == {"reviewed": 1, "held": 1}
    [check] = uow.orders.checks.values()
    assert [(f.rule, dict(f.figures)) for f in check.failures] == [
        (Rule.CONTRACT_NOT_VALID, {"contract": "", "date": TODAY, "start": "", "end": "",
                                   "later": ""})]


def test_an_erp_order_is_not_held_behind_an_order_placed_after_its_date():
    # A rep's order held this morning held every ERP order of last week reviewed after
    # it: "on hold: earlier orders are held (CB-1)", of an order placed after them.
    checks, uow, _ = world(orders=(Order("E1", "C1", TODAY - timedelta(days=8),
                                         cny("10000")),))
    assert checks.place(REP_MEMBER, "C1", "200k").verdict.failures[0].rule is Rule.LIMIT
    assert checks.review_imported() == {"reviewed": 1, "held": 0}
    assert {c.order_id: c.state for c in uow.orders.checks.values()} == {
        "CB-1": OrderState.HELD, "E1": OrderState.PASSED}


def test_a_recheck_releases_the_oldest_order_first_by_its_date():
    checks, uow, _ = world(orders=(Order("E1", "C1", TODAY - timedelta(days=8),
                                         cny("150000")),))
    checks.place(REP_MEMBER, "C1", "200k")
    assert checks.review_imported() == {"reviewed": 1, "held": 1}
    uow.receivables.invoices = [dataclasses.replace(
        invoice("I1", "950000", TODAY), open_amount=cny("800000"))]
    # 800,000 + E1's 150,000 fit the 1,050,000 ceiling; CB-1's 200,000 more do not. By
    # id, CB-1 came first, stayed held, and held E1 behind it.
    assert [c.order_id for c in checks.recheck()] == ["E1"]
    assert {c.order_id: c.state for c in uow.orders.checks.values()} == {
        "CB-1": OrderState.HELD, "E1": OrderState.RELEASED}


def _locks_taken(uow: FakeUnitOfWork, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    locks: list[str] = []
    monkeypatch.setattr(uow.orders, "lock_customer", locks.append)
    return locks


def test_a_hold_new_since_the_first_read_is_left_to_the_next_recheck(monkeypatch):
    # The re-check read the holds, locked their customers and read them again: a hold
    # placed in between was checked (and could be released) without its customer's lock,
    # while another order for that customer took the same headroom.
    checks, uow, _ = world()
    checks.place(REP_MEMBER, "C1", "200k")
    uow.receivables.invoices = [dataclasses.replace(
        invoice("I1", "950000", TODAY), open_amount=cny("0"), status=InvoiceStatus.PAID)]
    locks = _locks_taken(uow, monkeypatch)
    reads = [[]]  # the first read, before the hold's transaction committed
    held = uow.orders.held
    monkeypatch.setattr(uow.orders, "held", lambda ids=None: reads.pop() if reads else held(ids))
    assert checks.recheck() == []
    assert locks == [] and uow.orders.checks[1].state is OrderState.HELD
    [released] = checks.recheck()
    assert (released.order_id, locks) == ("CB-1", ["C1"])


def test_a_hold_the_erp_moved_is_checked_under_the_new_customers_lock(monkeypatch):
    # An ERP order re-imported under another customer moved its hold there, and was
    # checked against that customer's headroom without that customer's lock.
    checks, uow, notices = world(orders=(Order("E1", "C1", TODAY, cny("150000"),
                                               owner_slack_id="U0ERPOWN01"),))
    assert checks.review_imported() == {"reviewed": 1, "held": 1}
    assert notices.changes[-1].recipients == (OWNER, "U0ERPOWN01")
    uow.customers.rows["C2"] = Customer("C2", "Huaxia Freight", cny("1000000"), 60,
                                        owner_slack_id="U0NEWOWN01")
    uow.orders.erp["E1"] = Order("E1", "C2", TODAY, cny("150000"),
                                 owner_slack_id="U0ERPOWN01")
    locks = _locks_taken(uow, monkeypatch)
    [released] = checks.recheck()
    assert (released.customer_id, locks) == ("C2", ["C1", "C2"])
    # Those told of the hold hear of its release: the order's owner, and the owner of the
    # customer it was held under (told only the new customer's owner, 215).
    assert notices.changes[-1].recipients == ("U0NEWOWN01", "U0ERPOWN01", OWNER)


def test_a_recheck_releases_what_passes_now_and_tells_the_owner():
    checks, uow, notices = world()
    held = checks.place(REP_MEMBER, "C1", "200k").check
    assert held is not None and held.is_held
    assert checks.recheck() == []
    uow.receivables.invoices = [dataclasses.replace(
        invoice("I1", "950000", TODAY), open_amount=cny("0"), status=InvoiceStatus.PAID)]
    [released] = checks.recheck(["C1"])
    assert (released.state, released.released_by, released.release_note) == (
        OrderState.RELEASED, "creditbot", "recheck")
    assert uow.audit.entries[-1].action == "orders.released"
    assert uow.audit.entries[-1].actor == "creditbot"
    # What held it is kept as such, beside what it passed with: read as "failures", a
    # release said the order failed and went anyway.
    details = uow.audit.entries[-1].details
    assert "failures" not in details
    assert details["held_for"] == [f.as_json() for f in held.failures] != []
    assert details["passed_with"] == {
        "currency": "CNY", "exposure": "0.00", "order": "200000.00", "limit": "1000000.00",
        "ceiling": "1050000.00", "headroom": "800000.00"}  # tolerance 5 %
    assert notices.changes[-1].happened is OrderHappened.PASSED_NOW
    assert notices.changes[-1].recipients == (OWNER, REP)
    assert checks.recheck() == []


def test_an_approved_release_releases_the_hold_and_rechecks_the_orders_after_it():
    checks, uow, notices = world()
    first = checks.place(REP_MEMBER, "C1", "200k").check
    second = checks.place(REP_MEMBER, "C1", "10").check
    assert first is not None and second is not None
    assert [f.rule for f in second.failures] == [Rule.ON_HOLD]
    # Paid down meanwhile: with CB-1 released (it counts in the exposure then) CB-2
    # passes the limit too.
    uow.receivables.invoices = [dataclasses.replace(
        invoice("I1", "950000", TODAY), open_amount=cny("0"), status=InvoiceStatus.PAID)]
    with uow:
        released = checks.release_approved(uow, "C1", first.order_id, 7, "U0CM000001", NOW)
        uow.commit()
    assert released is not None and released.release_note == "request:7"
    states = {c.order_id: (c.state, c.release_note) for c in uow.orders.checks.values()}
    assert states == {"CB-1": (OrderState.RELEASED, "request:7"),
                      "CB-2": (OrderState.RELEASED, "recheck")}
    # The approval tells the owner of CB-1; CB-2, released by the re-check, is told here.
    assert [(c.happened, c.check.order_id) for c in notices.changes[-1:]] == [
        (OrderHappened.PASSED_NOW, "CB-2")]


def test_an_erp_order_no_longer_open_is_released_quietly():
    order = Order("E2", "C1", TODAY, cny("110000"))
    checks, uow, notices = world(orders=(order,))
    assert checks.review_imported() == {"reviewed": 1, "held": 1}
    uow.orders.erp["E2"] = dataclasses.replace(order, status=order.status.SHIPPED)
    [released] = checks.recheck()
    assert released.release_note == "closed"
    assert notices.changes[-1].happened is OrderHappened.HELD
    assert released.source is OrderSource.ERP


def test_a_limit_raised_by_approval_releases_the_held_orders_it_covers():
    from domain.approvals.context import Roster
    from domain.approvals.filing import Filing
    from domain.approvals.model import Outcome, RequestKind
    from domain.approvals.policy import ApprovalPolicy
    from domain.approvals.use_cases import CreditRequests

    checks, uow, notices = world()
    held = checks.place(REP_MEMBER, "C1", "200k").check
    assert held is not None and held.is_held
    roster = Roster({"sales": [REP], "credit_manager": ["U0CM000001"],
                     "finance_director": ["U0FD000001"], "cfo": ["U0CFO00001"]})
    requests = CreditRequests(uow, CreditDataAccess(), ApprovalPolicy("CNY"), roster,
                              lambda: NOW, ZONE, held_orders=checks)
    request = requests.file(REP_MEMBER, Filing("C1", RequestKind.LIMIT_INCREASE,
                                               "bigger season", amount="+300k"))
    for level, step in enumerate(request.route, 1):
        [decider] = roster.roles[step.role]
        requests.decide(roster.member(decider), request.id, level, Outcome.APPROVED)
    [stored] = uow.orders.checks.values()
    assert (stored.state, stored.release_note) == (OrderState.RELEASED, "recheck")
    assert notices.changes[-1].happened is OrderHappened.PASSED_NOW


def test_a_passing_order_knows_what_its_contract_leaves_and_whether_that_binds():
    current = Contract("K2", "C1", date(2026, 1, 1), date(2026, 12, 31), cny("60000"))
    on_contract = Order("E1", "C1", TODAY, cny("50000"), contract_id="K2")
    small = (invoice("I1", "100000", TODAY),)
    checks, _, _ = world(invoices=small, contracts=(current,), orders=(on_contract,))
    verdict = checks.check(REP_MEMBER, "C1", "4000").verdict
    assert verdict.passed
    # 60,000 − 50,000 used − 4,000, beside the customer's 1,000,000 − 150,000 − 4,000.
    assert (verdict.contract_left, verdict.contract_limit, verdict.headroom) == (
        cny("6000.00"), cny("60000.00"), cny("846000.00"))
    assert verdict.contract_binds
    roomy = Contract("K3", "C1", date(2026, 1, 1), date(2026, 12, 31), cny("90000000"))
    checks, _, _ = world(invoices=small, contracts=(roomy,))
    verdict = checks.check(REP_MEMBER, "C1", "4000").verdict
    assert verdict.contract_left == cny("89996000.00") and not verdict.contract_binds
    in_dollars = Contract("K4", "C1", date(2026, 1, 1), date(2026, 12, 31),
                          Money(Decimal("90000000"), "USD"))
    checks, _, _ = world(invoices=small, contracts=(in_dollars,))
    # Two currencies cannot be compared here: both are said.
    assert checks.check(REP_MEMBER, "C1", "4000").verdict.contract_binds
    unlimited = Contract("K5", "C1", date(2026, 1, 1), date(2026, 12, 31))
    checks, _, _ = world(invoices=small, contracts=(unlimited,))
    verdict = checks.check(REP_MEMBER, "C1", "4000").verdict
    assert (verdict.contract_left, verdict.contract_binds) == (None, False)


def test_a_reference_in_creditbots_own_numbering_is_refused():
    # "/credit order lakeside 12k CB-1" was placed as CB-3 (CB-1); a release asked for by
    # "CB-1" then found the other order.
    checks, uow, _ = world()
    with pytest.raises(OrderRefused) as refused:
        checks.place(REP_MEMBER, "C1", "1k", reference="ｃｂ-1")
    assert refused.value.template == (
        "“{reference}” is how creditbot numbers its orders: give the order a reference of "
        "your own (your PO number, say), or none.")
    assert refused.value.params == {"reference": "cb-1"}
    assert uow.orders.checks == {}
    # A reference that only starts so is the rep's own.
    assert checks.place(REP_MEMBER, "C1", "1k", reference="CB-1A").check is not None


def test_a_held_order_is_found_by_its_reference_as_it_was_placed():
    # The rep's order, held, was exported by the ERP under her reference and passed
    # there. Asked for by "SO-1" the release found the ERP's order, not the held one.
    checks, uow, _ = world()
    placed = checks.place(REP_MEMBER, "C1", "200k", reference="SO-1").check
    assert placed is not None and placed.is_held
    exported = Order("SO-1", "C1", TODAY, cny("1000"))
    uow.orders.erp["SO-1"] = exported
    uow.receivables.orders = [exported]
    checks.review_imported()
    with uow:
        assert checks.find(uow, "C1", "SO-1").order_id == placed.order_id  # type: ignore[union-attr]
        # Width and invisible characters aside, as when the order was placed.
        assert checks.find(uow, "C1", "ＳＯ-\u200b１").order_id == placed.order_id  # type: ignore[union-attr]
        assert checks.find(uow, "C1", "SO-2") is None
        # creditbot's own id, typed any way.
        for typed in ("CB-1", "cb-1", "ＣＢ-１"):
            assert checks.find(uow, "C1", typed).order_id == "CB-1"  # type: ignore[union-attr]


def test_an_order_the_erp_exports_under_the_reps_reference_is_not_reviewed_again():
    # The ERP exported the rep's orders as its own PO-8 and PO-9. Reviewed afresh, the
    # one a credit manager had released was held again (behind the rep's later orders)
    # and the held one was held behind itself.
    checks, uow, notices = world()
    passed = checks.place(REP_MEMBER, "C1", "1k", reference="PO-8").check
    held = checks.place(REP_MEMBER, "C1", "200k", reference="PO-9").check
    assert passed is not None and held is not None and held.is_held
    exported = [Order("PO-8", "C1", TODAY, cny("1000")), Order("PO-9", "C1", TODAY,
                                                               cny("40000"))]
    uow.orders.erp.update({o.order_id: o for o in exported})
    uow.receivables.orders = exported
    told = len(notices.changes)
    assert checks.review_imported() == {"reviewed": 0, "held": 0}
    # CB-2's hold is checked as the ERP has the order: 40,000, counted once, and said
    # at that amount.
    [released] = checks.recheck()
    assert (released.order_id, released.release_note, released.amount) == (
        "CB-2", "recheck", cny("40000"))
    assert [c.order_id for c in uow.orders.checks.values()] == ["CB-1", "CB-2"]
    assert len(notices.changes) == told + 1  # CB-2's release, to its owner and rep


def test_a_held_order_the_erp_no_longer_has_open_is_released_quietly():
    checks, uow, _ = world()
    checks.place(REP_MEMBER, "C1", "200k", reference="PO-9")
    shipped = Order("PO-9", "C1", TODAY, cny("200000"), OrderStatus.SHIPPED)
    uow.orders.erp["PO-9"] = shipped
    [released] = checks.recheck()
    assert (released.order_id, released.release_note) == ("CB-1", "closed")


def test_a_held_erp_order_is_checked_again_as_the_erp_now_has_it():
    # Held at 2,000,000 dated next June; the ERP's next import corrected it to 1,000 of
    # last week. The re-check used the figures it was held at and kept it held for ever.
    big = Order("E1", "C1", date(2027, 6, 1), cny("2000000"))
    checks, uow, _ = world(orders=(big,))
    assert checks.review_imported() == {"reviewed": 1, "held": 1}
    fixed = dataclasses.replace(big, amount=cny("1000"), order_date=TODAY - timedelta(days=7))
    uow.orders.erp["E1"] = fixed
    uow.receivables.orders = [fixed]
    [released] = checks.recheck()
    assert (released.order_id, released.amount, released.order_date, released.state) == (
        "E1", cny("1000"), TODAY - timedelta(days=7), OrderState.RELEASED)


def test_an_order_placed_today_is_not_held_behind_an_order_dated_later():
    # "The customer is on hold: earlier orders are held (SO-F1)", of an ERP order dated
    # next June: placing an order took every hold as earlier, the review only those
    # dated before.
    checks, _, _ = world(orders=(Order("E1", "C1", date(2027, 6, 1), cny("2000000")),))
    assert checks.review_imported() == {"reviewed": 1, "held": 1}
    looked = checks.check(REP_MEMBER, "C1", "1k")
    assert Rule.ON_HOLD not in [f.rule for f in looked.verdict.failures]
    placed = checks.place(REP_MEMBER, "C1", "1k")
    assert Rule.ON_HOLD not in [f.rule for f in placed.verdict.failures]


def test_a_reference_that_is_already_the_customers_erp_order_is_refused():
    # Placed as CB-2 (SO-1) beside the ERP's own SO-1: a release asked for by "SO-1"
    # found the ERP's order.
    checks, uow, _ = world(orders=(Order("SO-1", "C1", TODAY, cny("1000")),))
    with pytest.raises(OrderRefused) as refused:
        checks.place(REP_MEMBER, "C1", "1k", reference="so 1")
    # The ERP's order named as the ERP writes it: "“so 1” is already the ERP's order"
    # left the rep looking for an order of that name.
    assert refused.value.template == (
        "“{reference}” is already the ERP's order {order} of {customer} ({amount}, {day}): "
        "creditbot checks the ERP's orders as they are imported. Give a new order a "
        "reference of its own.")
    assert refused.value.params == {"reference": "so 1", "order": "SO-1",
                                    "customer": "Huaxia Logistics", "amount": cny("1000"),
                                    "day": TODAY}
    assert uow.orders.checks == {}


def test_a_reference_and_an_erp_id_are_one_order_whatever_the_case_of_letters():
    # The rep typed po-777, the ERP exported PO-777: the order was refused as a repeat
    # only when typed alike, and the ERP's was reviewed (and held) beside hers.
    checks, uow, _ = world(orders=(Order("SO-9", "C1", TODAY, cny("1000")),))
    with pytest.raises(OrderRefused):
        checks.place(REP_MEMBER, "C1", "1k", reference="so-9")
    checks.place(REP_MEMBER, "C1", "200k", reference="po-777")
    exported = Order("PO-777", "C1", TODAY, cny("200000"))
    uow.orders.erp["PO-777"] = exported
    assert [o.order_id for o in uow.orders.unreviewed_erp_orders()] == ["SO-9"]


def test_an_erp_order_is_checked_without_the_orders_dated_after_it():
    # An ERP order of last week, imported today, was checked with a rep's order of this
    # morning in its exposure (README: "checked with the invoices and the orders before
    # it, not the ones after it").
    checks, uow, _ = world()
    assert checks.place(REP_MEMBER, "C1", "80k").verdict.passed  # 950k + 80k ≤ 1,050k
    last_week = Order("E1", "C1", TODAY - timedelta(days=7), cny("50000"))
    uow.orders.erp["E1"] = last_week
    uow.receivables.orders = [last_week]
    # 950k + 50k: within; with this morning's 80k it was 1,080k, held.
    assert checks.review_imported() == {"reviewed": 1, "held": 0}


def test_a_hold_is_checked_again_without_the_orders_dated_after_it():
    checks, uow, _ = world()
    checks.place(REP_MEMBER, "C1", "200k")
    next_month = Order("E2", "C1", TODAY + timedelta(days=30), cny("30000"))
    uow.orders.erp["E2"] = next_month
    uow.receivables.orders = [next_month]
    uow.receivables.invoices = [dataclasses.replace(
        invoice("I1", "950000", TODAY), open_amount=cny("840000"))]
    # 840k + 200k fit the 1,050k ceiling; next month's 30k on top did not.
    assert [c.order_id for c in checks.recheck()] == ["CB-1"]


def test_an_erp_copy_at_more_than_was_placed_is_reviewed():
    # OK to ship at 12,000; the ERP exported it at 20,000, and the 8,000 more was never
    # checked.
    checks, uow, _ = world()
    assert checks.place(REP_MEMBER, "C1", "12k", reference="PO-1").verdict.passed
    assert checks.place(REP_MEMBER, "C1", "5k", reference="PO-2").verdict.passed
    bigger = [Order("PO-1", "C1", TODAY, cny("20000")), Order("PO-2", "C1", TODAY,
                                                                cny("5000"))]
    uow.orders.erp.update({o.order_id: o for o in bigger})
    uow.receivables.orders = bigger
    assert [o.order_id for o in uow.orders.unreviewed_erp_orders()] == ["PO-1"]
    assert checks.review_imported()["reviewed"] == 1


def test_a_held_order_is_told_only_to_owners_who_may_see_credit_data(caplog):
    """The note shows the customer's exposure and limit: an ERP order's owner from the
    warehouse got it by direct message, with a Request release button."""
    import dataclasses
    import logging

    too_much = Order("E2", "C1", TODAY, cny("200000"), owner_slack_id="U0WAREHSE1")
    checks, _, notices = world(orders=(too_much,))
    members = {OWNER: Member(OWNER, departments=frozenset({"sales"})),
               "U0WAREHSE1": Member("U0WAREHSE1", departments=frozenset({"warehouse"}))}
    checks = dataclasses.replace(
        checks, access=CreditDataAccess(departments=frozenset({"sales"})),
        member=lambda user: members.get(user, Member(user)))
    with caplog.at_level(logging.WARNING, logger="creditbot.orders"):
        assert checks.review_imported() == {"reviewed": 1, "held": 1}
    [change] = notices.changes
    assert change.recipients == (OWNER,)
    assert [r.getMessage() for r in caplog.records] == [
        "order note about C1 not sent to U0WAREHSE1: an owner in the ERP named them, and "
        "credit data is not open to them (app.yaml's access.credit_data)"]


def test_a_dollar_sign_for_a_peso_customer_at_a_dollar_company_is_asked_about():
    # "$10k" was read as the customer's MX$10,000 (about $550): "OK to ship" on an order
    # the rep meant as US$10,000.
    customers = [Customer("C7", "Ferreteria del Norte", Money(Decimal(200000), "MXN"), 30)]
    uow = FakeUnitOfWork(customers, (), (), rates={"MXN": Decimal("0.05")})
    checks = OrderChecks(uow, CreditDataAccess(),
                         CreditPolicyContext("USD", AgingBuckets((30, 60, 90))), RULES,
                         lambda: NOW, ZONE, Notices())
    for typed in ("$10k", "10k$", "$ 10,000"):
        with pytest.raises(AmountError) as asked:
            checks.place(REP_MEMBER, "C7", typed, reference="PO-F1")
        assert explain(asked.value, translator("en")) == (
            f"“{typed}”: $ is both MXN (the customer's currency) and USD; write the "
            "currency's code after the amount instead, e.g. 10,000 MXN or 10,000 USD.")
    assert uow.audit.entries == []
    assert checks.place(REP_MEMBER, "C7", "$10k MXN", reference="PO-F1").verdict.order == \
        Money(Decimal("10000.00"), "MXN")
    assert checks.place(REP_MEMBER, "C7", "10k USD", reference="PO-F2").verdict.order == \
        Money(Decimal("200000.00"), "MXN")
    # No doubt where the sign is the customer's and the company's own: USD both.
    usd = [Customer("C8", "Great Lakes Hardware", Money(Decimal(500000), "USD"), 30)]
    dollars = OrderChecks(FakeUnitOfWork(usd, (), ()), CreditDataAccess(),
                          CreditPolicyContext("USD", AgingBuckets((30, 60, 90))), RULES,
                          lambda: NOW, ZONE, Notices())
    assert dollars.place(REP_MEMBER, "C8", "$10k", reference="PO-G1").verdict.order == \
        Money(Decimal("10000.00"), "USD")
