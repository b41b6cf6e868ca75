"""Orders placed in creditbot count in the customer's exposure (in-memory unit of work):
each order is checked against the headroom the ones before it left, a re-check
releases held orders oldest first against what the ones released before left, and the
position every other reader computes (the alerts' utilisation) counts them too."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from domain.aging import AgingBuckets
from domain.model import InvoiceStatus
from domain.orders.model import Contract, OrderState, Rule
from domain.positions import CreditPolicyContext, customer_position
from tests.unit.test_order_use_cases import NOW, REP_MEMBER, TODAY, cny, invoice, world

# Limit CNY 1,000,000 with 5% tolerance (ceiling 1,050,000); CNY 950,000 invoiced.


def test_each_order_takes_the_headroom_the_ones_before_left():
    checks, _, _ = world()
    first = checks.place(REP_MEMBER, "C1", "60k").check
    second = checks.place(REP_MEMBER, "C1", "60k").check
    assert first is not None and first.state is OrderState.PASSED
    assert second is not None and second.state is OrderState.HELD
    [failure] = second.failures
    assert failure.rule is Rule.LIMIT
    assert failure.figures["exposure"] == cny("1010000.00")
    assert failure.figures["over"] == cny("20000.00")
    # A check (recording nothing) sees the order placed before it too.
    rules = [[f.rule for f in checks.check(REP_MEMBER, "C1", amount).verdict.failures]
             for amount in ("50k", "40k")]
    assert rules == [[Rule.LIMIT, Rule.ON_HOLD], [Rule.ON_HOLD]]


def test_a_recheck_releases_held_orders_one_at_a_time_oldest_first():
    checks, uow, _ = world()
    holds = [checks.place(REP_MEMBER, "C1", "150k").check for _ in range(3)]
    assert all(h is not None and h.is_held for h in holds)
    # Paid down to 800k: the headroom (250k with the tolerance) takes one 150k order.
    uow.receivables.invoices = [dataclasses.replace(
        invoice("I1", "950000", TODAY), open_amount=cny("800000"),
        status=InvoiceStatus.OPEN)]
    released = checks.recheck(["C1"])
    assert [r.order_id for r in released] == ["CB-1"]
    states = {c.order_id: c.state for c in uow.orders.checks.values()}
    assert states == {"CB-1": OrderState.RELEASED, "CB-2": OrderState.HELD,
                      "CB-3": OrderState.HELD}
    assert checks.recheck(["C1"]) == []


def test_placed_orders_count_in_every_position_for_pending_days_only():
    checks, uow, _ = world()
    checks.place(REP_MEMBER, "C1", "60k")
    ctx = CreditPolicyContext("CNY", AgingBuckets((30, 60, 90)))
    with uow:
        _, position = customer_position(uow, "C1", TODAY, ctx)
    assert position.exposure == cny("1010000.00")
    assert position.placed_orders == cny("60000.00")
    assert position.over_limit
    # Thirty days on the ERP has still not exported it: it counts no more.
    later = TODAY + timedelta(days=31)
    with uow:
        _, position = customer_position(uow, "C1", later, ctx)
    assert position.placed_orders is None
    assert position.open_orders == cny("0.00")
    assert NOW.date() == TODAY


def test_a_placed_order_counts_in_its_contracts_use():
    current = Contract("K2", "C1", date(2026, 1, 1), date(2026, 12, 31), cny("60000"))
    checks, _, _ = world(contracts=(current,),
                         invoices=(invoice("I1", "100000", TODAY),))
    first = checks.place(REP_MEMBER, "C1", "50000").check
    assert first is not None and (first.state, first.contract_id) == (
        OrderState.PASSED, "K2")
    [failure] = checks.check(REP_MEMBER, "C1", "20000").verdict.failures
    assert (failure.rule, dict(failure.figures)) == (Rule.CONTRACT_LIMIT, {
        "contract": "K2", "used": cny("50000.00"), "order": cny("20000.00"),
        "total": cny("70000.00"), "limit": cny("60000.00")})
