"""What order review needs from storage (``uow.orders``), and the port through which the
Slack side queues the notes a hold or a release sends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from domain.model import Order
from domain.money import Money
from domain.orders.model import Contract, OrderCheck, OrderSource
from domain.ports import Outbox, UnitOfWork


class OrderStore(Protocol):
    wrote: bool

    def add(self, check: OrderCheck) -> OrderCheck:
        """Stores a new check; it comes back with its id and version 1, and a Slack
        order with its order id (``CB-<id>``)."""
        ...

    def save(self, check: OrderCheck) -> OrderCheck:
        """Stores a changed check; a version that is no longer the stored one raises
        ``OrderChanged`` and writes nothing."""
        ...

    def find(self, customer_id: str, order_id: str,
             source: OrderSource | None = None) -> OrderCheck | None:
        """The check of the customer's order with this id (a Slack order's ``CB-…`` or
        an ERP id); when a Slack and an ERP order share it and no source is given, the
        Slack one only for an id with creditbot's prefix."""
        ...

    def held(self, customer_ids: Sequence[str] | None = None) -> list[OrderCheck]:
        """Held orders (of these customers, or all), oldest first."""
        ...

    def lock_customer(self, customer_id: str) -> None:
        """Until this unit of work ends, nobody else places an order for the customer
        (another waits here): the holds read next are the ones an order comes after."""
        ...

    def held_ids(self, customer_id: str, dated_by: date | None = None) -> list[str]:
        """The ids of the customer's held orders, oldest first (what a check needs); with
        ``dated_by``, those dated on or before it (the ones an order of that day comes
        after)."""
        ...

    def ever_held(self, customer_id: str, limit: int) -> list[OrderCheck]:
        """The customer's orders that were held (held still, released or refused),
        newest first: its history's."""
        ...

    def placed_by(self, user_id: str, limit: int) -> list[OrderCheck]:
        """The orders ``user_id`` placed in Slack, newest first."""
        ...

    def placed_with_reference(self, customer_id: str, reference: str) -> OrderCheck | None:
        """The customer's first order placed in creditbot under this reference, if any,
        the case of letters aside."""
        ...

    def unreviewed_erp_orders(self) -> list[Order]:
        """Open ERP orders no check was made of yet, oldest first: neither one of their
        own nor, for an order the ERP exported under a rep's reference, the check of the
        order she placed in creditbot (it is that order), unless the ERP has it at more
        than she placed."""
        ...

    def contracts(self, customer_id: str) -> list[Contract]:
        """The customer's contracts, latest end first."""
        ...

    def contract_orders(self, contract_id: str, placed_since: date | None = None
                        ) -> list[Order]:
        """The ERP's orders under this contract that count in exposure, and with
        ``placed_since`` creditbot's orders under it that count (as in
        ``ReceivablesQueries.order_balances``)."""
        ...

    def erp_order(self, order_id: str) -> Order | None: ...

    def exposure_orders(self, customer_id: str, placed_since: date) -> list[Order]:
        """The customer's orders the exposure counts, with their dates: the ERP's open
        and shipped ones, and creditbot's placed since ``placed_since`` and not yet in
        the ERP (as ``ReceivablesQueries.order_balances`` sums them)."""
        ...

    def erp_order_named(self, customer_id: str, name: str) -> Order | None:
        """The customer's ERP order a rep's reference names (its id, the case of letters
        aside; an exact match first)."""
        ...


class OrderHappened(StrEnum):
    HELD = "held"
    # Released because it passes now: no approval is needed any more.
    PASSED_NOW = "passed_now"
    # Released because an order-release request was approved.
    APPROVED = "approved"
    # Held, and withdrawn by the rep who placed it: told to whoever heard of the hold.
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class OrderChange:
    """What to tell: the order as it now is, and who is told (the customer's owner, and
    the rep who placed a Slack order)."""

    happened: OrderHappened
    check: OrderCheck
    recipients: tuple[str, ...]
    # The order's value in the limit's currency when it is in another (None: the same,
    # or no rate to tell it by).
    in_limit: Money | None = None


class OrderNotices(Protocol):
    """Queues the owner's notes in ``outbox``, inside the use case's transaction."""

    def queue(self, outbox: Outbox, change: OrderChange) -> None: ...


class NoOrderNotices:
    def queue(self, outbox: Outbox, change: OrderChange) -> None:
        return None


class HeldOrders(Protocol):
    """What approving a request does to held orders, in the approval's transaction: an
    order-release request releases its order's hold; a limit raised re-checks the
    customer's held orders (``OrderChecks`` implements it)."""

    def release_approved(self, uow: UnitOfWork, customer_id: str, order_id: str,
                         request_id: int, actor: str, now: datetime) -> OrderCheck | None:
        """The customer's order released, or ``None`` when it was not held (any more):
        nothing was released, so nothing is to be audited or told as released."""
        ...

    def refuse_rejected(self, uow: UnitOfWork, customer_id: str, order_id: str,
                        request_id: int, actor: str, now: datetime) -> OrderCheck | None:
        """The customer's held order refused (its release request was rejected), or
        ``None`` when it was not held (any more)."""
        ...

    def recheck_in(self, uow: UnitOfWork, customer_ids: Sequence[str] | None,
                   now: datetime) -> list[OrderCheck]: ...

    def named(self, uow: UnitOfWork, customer_id: str, order_id: str) -> OrderCheck | None:
        """The customer's order checked in creditbot that ``order_id`` names (its id or
        the rep's reference), held or not."""
        ...

    def find(self, uow: UnitOfWork, customer_id: str, order_id: str) -> Order | None:
        """The customer's held order as an order-release request names it (``CB-…``,
        the rep's reference it was placed under, or the ERP's id), as an order; ``None``
        when creditbot holds no such order."""
        ...
