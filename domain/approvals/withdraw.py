"""Order-release requests a re-check made pointless or wrong, closed in the re-check's
transaction (cancelled by creditbot, ``closed_note`` saying why), their cards edited to
say so:

* creditbot released the held order on its own (it passes the rules now): nobody is left
  deciding a release that already happened;
* the ERP changed the order since the request was filed (a larger amount, another
  currency or another customer): approving would release an order nobody asked about,
  so the requester is told, with the order as it is now and a button to ask again."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from domain.approvals.model import CreditRequest, RequestState, Withdrawn, release_key
from domain.approvals.ports import (
    Happened,
    RequestChange,
    RequestNotices,
    route_roles,
    stand_ins,
    unanswered,
)
from domain.approvals.standing import customer_standing
from domain.model import SYSTEM, AuditEntry
from domain.orders.model import OrderCheck
from domain.ports import UnitOfWork
from domain.positions import CreditPolicyContext


@dataclass(frozen=True)
class ReleaseWithdrawals:
    """``domain.orders.use_cases.ReleaseRequests``: what a re-check's release does to
    the order's open release request."""

    notices: RequestNotices
    # Role → holders and the organisation's zone: the copies stand-ins got are edited too.
    holders: Mapping[str, Sequence[str]] = field(default_factory=dict)
    zone: tzinfo = UTC
    # What the edited card's figures are computed with, as the approvals' own cards:
    # without it the card would say the customer's figures cannot be shown.
    positions: CreditPolicyContext | None = None

    def withdraw(self, uow: UnitOfWork, customer_id: str, order_id: str,
                 now: datetime) -> CreditRequest | None:
        """The order was released on its own: its open request has nothing to decide."""
        request = uow.credit_requests.find_open(release_key(customer_id, order_id))
        if request is None:
            return None
        return self._close(uow, request, Withdrawn.RELEASED, now)

    def order_changed(self, uow: UnitOfWork, customer_id: str, order: OrderCheck,
                      now: datetime) -> CreditRequest | None:
        """The ERP's latest import changed a held order (``order`` as it is now, filed
        under ``customer_id`` before): its open request is withdrawn when approving it
        would release more than was asked for (a larger amount, another currency), or an
        order of another customer. A smaller amount keeps the request: releasing less
        than the approvers are asked for needs no new decision."""
        request = uow.credit_requests.find_open(release_key(customer_id, order.order_id))
        if request is None:
            return None
        asked = request.order_amount
        if order.customer_id == customer_id and asked is not None \
                and asked.currency == order.amount.currency \
                and order.amount.amount <= asked.amount:
            return None
        return self._close(uow, request, Withdrawn.ORDER_CHANGED, now, order)

    def _close(self, uow: UnitOfWork, request: CreditRequest, why: Withdrawn,
               now: datetime, order: OrderCheck | None = None) -> CreditRequest:
        store = uow.credit_requests
        saved = store.save(dataclasses.replace(request, state=RequestState.CANCELLED,
                                               closed_at=now, closed_by=SYSTEM,
                                               closed_note=why))
        details: dict[str, object] = {"request": saved.id, "order": saved.order_id,
                                      "why": why.value}
        if order is not None:
            details.update(order_amount=str(order.amount.rounded().amount),
                           order_currency=order.amount.currency,
                           order_customer=order.customer_id)
        uow.audit.append(AuditEntry(now, SYSTEM, "requests.withdrawn", saved.customer_id,
                                    details))
        decisions = tuple(store.decisions([saved.id]).get(saved.id, []))
        today = now.astimezone(self.zone).date()
        self.notices.queue(uow.outbox, RequestChange(
            Happened.CANCELLED, saved, decisions,
            standing=customer_standing(uow, saved.customer_id, today, self.positions,
                                           saved.order_id),
            stand_ins=stand_ins(store, route_roles(saved), self.holders, today,
                                saved.requested_by),
            order_now=order, unanswered=unanswered(store, saved)))
        return saved
