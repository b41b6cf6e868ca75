"""An approved limit stands on the ERP limit it replaced (in-memory unit of work): the
last approval of a request the ERP has since overtaken is refused, not a lowering of the
limit; and once the ERP exports another limit, the ERP's is the record again."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from domain.approvals.filing import Filing
from domain.approvals.model import Outcome, RequestKind, RequestState
from domain.money import Money
from tests.unit.test_credit_request_use_cases import CM, FD, REP, member, refused, usd, world

TODAY = date(2026, 11, 30)


def erp_limit(uow, amount: Money) -> None:  # type: ignore[no-untyped-def]
    """The next customers import brings the ERP's new limit for C0001."""
    rows = uow.customers.rows
    rows["C0001"] = dataclasses.replace(rows["C0001"], credit_limit=amount)


def test_approving_a_request_the_erp_overtook_is_refused_and_changes_nothing():
    requests, uow, _, _ = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "Q1",
                                              "+100k"))
    requests.decide(member(CM), filed.id, 1, Outcome.APPROVED)
    erp_limit(uow, usd("1000000"))
    assert refused(requests.decide, member(FD), filed.id, 2, Outcome.APPROVED) == (
        "The limit is already USD 1,000,000.00, not below the USD 200,000.00 this request "
        "asks for: it can only be rejected or cancelled.")
    with uow:
        assert uow.credit_requests.get(filed.id).state is RequestState.OPEN  # type: ignore[union-attr]
        assert uow.credit_requests.effective_limits(["C0001"], TODAY) == {}
    assert [e.action for e in uow.audit.entries][-1] == "requests.approved"  # level 1 only
    # Rejecting it still works.
    record = requests.decide(member(FD), filed.id, 2, Outcome.REJECTED, "ERP is higher")
    assert record.request.state is RequestState.REJECTED


def test_approving_a_request_in_a_currency_the_erp_no_longer_uses_is_refused():
    # A USD limit stood on the EUR limit the ERP moved the customer to: every order of
    # the customer then failed on adding euros to dollars.
    requests, uow, _, _ = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "Q1",
                                              "+100k"))
    requests.decide(member(CM), filed.id, 1, Outcome.APPROVED)
    erp_limit(uow, Money(Decimal("100000"), "EUR"))
    assert refused(requests.decide, member(FD), filed.id, 2, Outcome.APPROVED) == (
        "The customer's limit is now EUR 100,000.00, in EUR, not in USD as this request "
        "asks: it can only be rejected or cancelled. File a new request in EUR.")
    with uow:
        assert uow.credit_requests.get(filed.id).state is RequestState.OPEN  # type: ignore[union-attr]
        assert uow.credit_requests.effective_limits(["C0001"], TODAY) == {}


def test_an_approved_limit_gives_way_to_the_next_limit_the_erp_exports():
    requests, uow, _, _ = world()
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "Q1",
                                              "+100k"))
    requests.decide(member(CM), filed.id, 1, Outcome.APPROVED)
    requests.decide(member(FD), filed.id, 2, Outcome.APPROVED)
    with uow:
        [change] = uow.credit_requests.effective_limits(["C0001"], TODAY).values()
    assert (change.limit, change.previous) == (usd("200000.00"), usd("100000"))
    # An import that brings the same ERP limit leaves the approval standing ...
    erp_limit(uow, usd("100000.0000"))
    with uow:
        assert list(uow.credit_requests.effective_limits(["C0001"], TODAY)) == ["C0001"]
    # ... one that brings another (lowered here) makes the ERP's the record again.
    erp_limit(uow, usd("10000"))
    with uow:
        assert uow.credit_requests.effective_limits(["C0001"], TODAY) == {}
    # A new request starts from the ERP's limit.
    again = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE, "Q2",
                                              "+5k"))
    assert (again.current_limit, again.new_limit) == (usd("10000"), usd("15000"))
