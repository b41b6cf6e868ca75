"""Slack orders and ERP orders are told apart (in-memory unit of work): a Slack order's
id is creditbot's (CB-…, never the demo ERP's SO-…); a hold is found by customer, source
and id, so releasing the ERP's SO-1 of one customer leaves another's order alone; and
approving the release of an order that is no longer held changes nothing and says so."""

from __future__ import annotations

import dataclasses

import pytest

from domain.access import CreditDataAccess
from domain.approvals.context import Roster
from domain.approvals.filing import Filing
from domain.approvals.model import Outcome, RequestKind, RequestState
from domain.approvals.policy import ApprovalPolicy
from domain.approvals.use_cases import CreditRequests
from domain.errors import DomainError
from domain.model import Customer, InvoiceStatus, Order
from domain.orders.model import OrderSource, OrderState
from tests.unit.test_order_use_cases import (
    NOW,
    OWNER,
    REP,
    REP_MEMBER,
    TODAY,
    ZONE,
    cny,
    invoice,
    world,
)

ROSTER = Roster({"sales": [REP], "credit_manager": ["U0CM000001"],
                 "finance_director": ["U0FD000001"], "cfo": ["U0CFO00001"]})


def test_a_slack_order_id_is_creditbots_and_holds_are_found_by_customer_and_source():
    erp = (Order("CB-1", "C1", TODAY, cny("100")),   # an ERP id that looks like ours
           Order("SO-1", "C2", TODAY, cny("500000")))
    checks, uow, _ = world(orders=erp)
    uow.customers.rows["C2"] = Customer("C2", "Other", cny("1000"), 30, owner_slack_id=OWNER)
    uow.receivables.orders = list(erp)
    checks.review_imported()
    placed = checks.place(REP_MEMBER, "C1", "1000").check
    assert placed is not None and placed.order_id == "CB-3"
    with uow:
        assert uow.orders.find("C1", "CB-3").source is OrderSource.SLACK  # type: ignore[union-attr]
        assert uow.orders.find("C1", "CB-1").source is OrderSource.ERP  # type: ignore[union-attr]
        assert uow.orders.find("C2", "CB-1") is None
        erp_hold = uow.orders.find("C2", "SO-1")
        assert erp_hold is not None and erp_hold.is_held
        # Releasing SO-1 of C1 (which has none) releases nothing; C2's stays held.
        assert checks.release_approved(uow, "C1", "SO-1", 3, "U0CM000001", NOW) is None
        released = checks.release_approved(uow, "C2", "SO-1", 4, "U0CM000001", NOW)
        uow.commit()
    assert released is not None and released.state is OrderState.RELEASED
    assert {(c.customer_id, c.order_id): c.state for c in uow.orders.checks.values()
            if c.customer_id == "C2"} == {("C2", "SO-1"): OrderState.RELEASED}


def test_approving_the_release_of_an_order_no_longer_held_changes_nothing():
    checks, uow, _ = world()
    held = checks.place(REP_MEMBER, "C1", "200k").check
    assert held is not None and held.is_held
    requests = CreditRequests(uow, CreditDataAccess(), ApprovalPolicy("CNY"), ROSTER,
                              lambda: NOW, ZONE, held_orders=checks)
    request = requests.file(REP_MEMBER, Filing("C1", RequestKind.ORDER_RELEASE, "urgent",
                                               order_id=held.order_id))
    # Paid meanwhile: the re-check releases the order on its own.
    uow.receivables.invoices = [dataclasses.replace(
        invoice("I1", "950000", TODAY), open_amount=cny("0"), status=InvoiceStatus.PAID)]
    assert [r.order_id for r in checks.recheck(["C1"])] == [held.order_id]
    audit_before = list(uow.audit.entries)
    *earlier, last = request.route
    for level, step in enumerate(earlier, 1):
        [decider] = ROSTER.roles[step.role]
        requests.decide(ROSTER.member(decider), request.id, level, Outcome.APPROVED)
    [decider] = ROSTER.roles[last.role]
    with pytest.raises(DomainError) as refused:
        requests.decide(ROSTER.member(decider), request.id, len(request.route),
                        Outcome.APPROVED)
    assert str(refused.value) == (
        "Order CB-1 is not held any more: there is nothing to release. The request can "
        "only be rejected or cancelled.")
    assert "orders.released" not in [e.action for e in uow.audit.entries[len(audit_before):]]
    assert requests.get(REP_MEMBER, request.id).request.state is RequestState.OPEN
