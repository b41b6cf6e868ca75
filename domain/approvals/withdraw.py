"""Order-release requests a re-check made pointless: when creditbot releases a held
order on its own (it passes the rules now), the open request to release it is closed in
the same transaction (cancelled by creditbot), its cards edited to say so: nobody is
left deciding a release that already happened."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from domain.approvals.model import CreditRequest, RequestState
from domain.approvals.ports import (
    Happened,
    RequestChange,
    RequestNotices,
    route_roles,
    stand_ins,
)
from domain.approvals.standing import customer_standing
from domain.model import AuditEntry
from domain.ports import UnitOfWork
from domain.positions import CreditPolicyContext

SYSTEM = "creditbot"


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
        store = uow.credit_requests
        # CreditRequest.open_key of an order release.
        request = store.find_open(f"{customer_id}:order:{order_id}")
        if request is None:
            return None
        saved = store.save(dataclasses.replace(request, state=RequestState.CANCELLED,
                                               closed_at=now, closed_by=SYSTEM))
        uow.audit.append(AuditEntry(now, SYSTEM, "requests.withdrawn", customer_id, {
            "request": saved.id, "order": order_id, "why": "released by re-check"}))
        decisions = tuple(store.decisions([saved.id]).get(saved.id, []))
        today = now.astimezone(self.zone).date()
        self.notices.queue(uow.outbox, RequestChange(
            Happened.CANCELLED, saved, decisions,
            standing=customer_standing(uow, customer_id, today, self.positions),
            stand_ins=stand_ins(store, route_roles(saved), self.holders, today,
                                saved.requested_by)))
        return saved
