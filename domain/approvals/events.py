"""Domain events of credit requests (see ``domain.events``); the subject is the customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from domain.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class RequestFiled(DomainEvent):
    name: ClassVar[str] = "requests.filed"
    request_id: int
    kind: str
    levels: int


@dataclass(frozen=True, kw_only=True)
class LevelApproved(DomainEvent):
    """A level approved; ``final`` when it was the last."""

    name: ClassVar[str] = "requests.level_approved"
    request_id: int
    level: int
    final: bool
    on_behalf_of: str | None = None


@dataclass(frozen=True, kw_only=True)
class RequestRejected(DomainEvent):
    name: ClassVar[str] = "requests.rejected"
    request_id: int
    level: int
    on_behalf_of: str | None = None


@dataclass(frozen=True, kw_only=True)
class RequestCancelled(DomainEvent):
    name: ClassVar[str] = "requests.cancelled"
    request_id: int


@dataclass(frozen=True, kw_only=True)
class InfoAsked(DomainEvent):
    """A decider asked the requester something in the card's thread."""

    name: ClassVar[str] = "requests.info_asked"
    request_id: int
    level: int


@dataclass(frozen=True, kw_only=True)
class InfoAnswered(DomainEvent):
    """The requester answered a decider's question."""

    name: ClassVar[str] = "requests.info_answered"
    request_id: int
    level: int
    question_id: int


@dataclass(frozen=True, kw_only=True)
class LimitChanged(DomainEvent):
    name: ClassVar[str] = "limits.changed"
    request_id: int
    limit: Decimal
    currency: str
    previous: Decimal | None
    expires_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class OrderReleaseApproved(DomainEvent):
    name: ClassVar[str] = "orders.release_approved"
    request_id: int
    order_id: str


@dataclass(frozen=True, kw_only=True)
class TermsChangeApproved(DomainEvent):
    name: ClassVar[str] = "terms.change_approved"
    request_id: int
    terms_days: int
    previous: int | None


@dataclass(frozen=True, kw_only=True)
class DelegationGranted(DomainEvent):
    """Subject: the delegator."""

    name: ClassVar[str] = "delegations.granted"
    delegate: str
    starts_on: date
    until: date
