"""A meeting's agenda, built from the data when the invitation goes out and again for
each reminder: what the meeting's kind puts before the people in the room."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.meetings.model import Meeting
from domain.money import Money
from domain.ports import UnitOfWork
from domain.positions import CreditPolicyContext


class Topic(StrEnum):
    """An agenda section; the meeting's kind decides which come, in this order."""

    PENDING_APPROVALS = "pending_approvals"
    OVER_LIMIT = "over_limit"
    OVERDUE_90 = "overdue_90"
    CONTRACTS_EXPIRING = "contracts_expiring"
    REVIEWS_DUE = "reviews_due"
    BROKEN_PROMISES = "broken_promises"
    OVERDUE_BY_COLLECTOR = "overdue_by_collector"
    OPEN_DISPUTES = "open_disputes"
    CUSTOMER = "customer"  # a customer review's customer: card, history, requests


@dataclass(frozen=True)
class AgendaItem:
    """One line: about a customer (linked to its card) or a person (a collector), with
    the figure that put it on the agenda and what it refers to (a request id, a
    dispute id…) so a renderer can link it."""

    topic: Topic
    customer_id: str | None
    label: str               # the customer's or person's name as shown (not escaped)
    amount: Money | None = None
    days: int | None = None  # days overdue, days until expiry, age of a dispute…
    ref: str | None = None   # e.g. "request:42", "dispute:7", "contract:K-1"
    detail: str = ""         # plain text (ERP data: escaped by the renderer)


@dataclass(frozen=True)
class Agenda:
    built_at: datetime
    items: tuple[AgendaItem, ...] = ()

    def of(self, topic: Topic) -> tuple[AgendaItem, ...]:
        return tuple(i for i in self.items if i.topic is topic)


def build_agenda(uow: UnitOfWork, meeting: Meeting, policy: CreditPolicyContext,
                 now: datetime) -> Agenda:
    """The agenda of ``meeting`` from the data as it is ``now`` (invitations build it,
    each reminder rebuilds it). Until the agenda work lands: empty."""
    return Agenda(built_at=now)
