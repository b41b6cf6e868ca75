"""The customer as an approval card shows it beside the request, read in the caller's
transaction: by the approvals use cases, and by a re-check that withdraws a release
request (its edited card keeps the figures the approvers saw)."""

from __future__ import annotations

from datetime import date

from domain.approvals.ports import Standing
from domain.check.reads import Collecting
from domain.collections.model import PromiseState
from domain.errors import DomainError
from domain.orders.model import OrderSource
from domain.ports import UnitOfWork
from domain.positions import CreditPolicyContext, customer_position


def customer_standing(uow: UnitOfWork, customer_id: str, today: date,
                      positions: CreditPolicyContext | None, order_id: str | None = None
                      ) -> Standing:
    """``positions``: what the figures are computed with (as /credit check computes
    them); ``None`` shows the request alone. ``order_id``: an order release's order,
    whose failed rules the card shows."""
    customer = uow.customers.get(customer_id)
    if customer is None:
        return Standing(None, None, None)
    position = None
    if positions is not None:
        try:
            _, position = customer_position(uow, customer_id, today, positions)
        except DomainError:
            # A missing rate spoils the figures, not the card: deciders still see the
            # request, and the figures say they are unavailable.
            position = None
    contracts = tuple(c for c in uow.orders.contracts(customer_id) if c.valid_on(today))
    approved = uow.credit_requests.effective_limits([customer_id], today).get(customer_id)
    assignment = uow.collections.open_assignment(customer_id)
    broken = sum(p.state is PromiseState.BROKEN for p in uow.collections.promises(customer_id))
    held = uow.orders.find(customer_id, order_id) if order_id is not None else None
    return Standing(position, customer.payment_terms_days, customer.owner_slack_id,
                    contracts, approved if approved and approved.expires_on else None,
                    Collecting(assignment.collector, assignment.status.value)
                    if assignment else None, broken, held.failures if held else (),
                    placed_by=held.checked_by
                    if held and held.source is OrderSource.SLACK else None,
                    customer_name=customer.name, customer_name_local=customer.name_local,
                    held_orders=tuple(c.named for c in uow.orders.held([customer_id])
                                      if c.order_id != order_id))
