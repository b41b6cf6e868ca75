"""What the domain needs from the outside world, declared as Protocols.

``storage`` implements these with SQLAlchemy; tests can implement them with dicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, Self

from domain.aging import AgingBuckets
from domain.events import DomainEvent
from domain.exposure import AgedBalance, OrderBalance
from domain.lookup import CustomerDirectory
from domain.messages import MessageId, OutgoingMessage
from domain.model import AuditEntry, Customer, Invoice
from domain.money import Money

if TYPE_CHECKING:  # the alerts port's own types need the positions, which need this
    from domain.alerts.ports import AlertStore
    from domain.approvals.ports import CreditRequestStore
    from domain.collections.ports import CollectionStore
    from domain.meetings.ports import MeetingStore
    from domain.orders.ports import OrderStore


class CustomerRepository(CustomerDirectory, Protocol):
    def get(self, customer_id: str) -> Customer | None: ...

    def fetch(self, customer_ids: Sequence[str] | None = None) -> list[Customer]:
        """The given customers, or all of them, ordered by id."""
        ...

    def group_members(self, group_id: str) -> list[Customer]: ...


class ReceivablesQueries(Protocol):
    """Aggregates computed where the rows live; ``None`` means the whole portfolio."""

    def aged_balances(
        self, customer_ids: Sequence[str] | None, as_of: date, buckets: AgingBuckets
    ) -> list[AgedBalance]: ...

    def order_balances(self, customer_ids: Sequence[str] | None,
                       placed_since: date | None = None) -> list[OrderBalance]:
        """The ERP's open orders; with ``placed_since``, also the orders placed in
        creditbot on or after that day that passed or were released and that no ERP
        order (its id the reference the rep typed, same customer) stands for yet."""
        ...

    def credit_notes(self, customer_id: str) -> list[Money]:
        """The customer's open credit notes (owed to it, left out of its exposure until
        the ERP applies them to an invoice), summed per currency: negative amounts."""
        ...


class InvoiceQueries(ReceivablesQueries, Protocol):
    """The receivables a unit of work reads, invoice by invoice (collections)."""

    def open_invoices(self, customer_ids: Sequence[str]) -> list[Invoice]:
        """These customers' invoices with something left to pay (open or disputed), by
        customer, due date and id."""
        ...

    def settled(self, customer_id: str, of: Sequence[str] | None = None) -> set[str]:
        """The ids of the customer's invoices with nothing left to pay (of those ``of``
        names, when given)."""
        ...

    def paid_since(self, customer_id: str, since: date, invoice_ids: Sequence[str] = (),
                   until: date | None = None) -> dict[tuple[str, date], Decimal]:
        """The customer's imported payments dated ``since`` or later, and ``until`` or
        earlier when given (of these invoices, when named): the total per currency and
        day."""
        ...


class RateRepository(Protocol):
    def latest(self, as_of: date, base: str) -> dict[str, Decimal]:
        """Per currency, the most recent rate to ``base`` dated on or before ``as_of``
        (rates imported against another base are not among them)."""
        ...


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> None: ...

    def recent(self, limit: int = 50) -> list[AuditEntry]: ...

    def latest(self, action: str) -> AuditEntry | None:
        """The last entry recorded with ``action``."""
        ...


class ViewLog(Protocol):
    """Who looked at what: append-only audit entries written in batches shortly after
    (a read must not wait for, or queue behind, a write of its own)."""

    def record(self, entry: AuditEntry) -> None: ...


class EventLog(Protocol):
    def record(self, event: DomainEvent) -> None:
        """Kept with this unit of work's changes: written on commit, dropped on rollback."""
        ...


class Outbox(Protocol):
    """Messages to Slack, queued with this unit of work's changes: written on commit,
    dropped on rollback, delivered afterwards by the sender."""

    def add(self, message: OutgoingMessage) -> MessageId:
        """Queues ``message``; its id lets later messages reply under it or edit it. A
        message whose ``dedup_key`` was queued before is ignored, and the earlier
        message's id comes back."""
        ...

    def add_new(self, message: OutgoingMessage) -> MessageId | None:
        """Queues ``message`` unless one with its ``dedup_key`` is queued, or is being
        queued by another transaction (which this waits for): None then. What a use case
        does only for the message it is the first to queue (count it, audit it)."""
        ...

    def id_of(self, dedup_key: str) -> MessageId | None:
        """The queued message with this key (e.g. to edit a card queued long ago)."""
        ...

    def keyed(self, key_prefix: str) -> list[tuple[str, MessageId]]:
        """(dedup key, id) of the queued messages whose key starts with ``key_prefix``:
        the cards of a level wherever they went, though app.yaml has since moved its
        channel or its deciders."""
        ...

    def blocks_of(self, message_id: MessageId) -> list[dict[str, Any]]:
        """The blocks the message was queued with (``[]`` for none): an edit that keeps
        what a card showed and changes only its end."""
        ...

    def shown_blocks(self, message_id: MessageId) -> list[dict[str, Any]]:
        """The blocks the message shows once its queue is sent: those of its latest
        edit queued, else its own (``[]`` for none). A card's figures as its level
        decided on them, to which a later line is added."""
        ...


class PositionSource(Protocol):
    """What a credit position is read from: a unit of work, or a check's own read."""

    # Read-only properties, not attributes: an implementation may hold narrower types.
    @property
    def customers(self) -> CustomerRepository: ...

    @property
    def receivables(self) -> ReceivablesQueries: ...

    @property
    def rates(self) -> RateRepository: ...


class UnitOfWork(PositionSource, Protocol):
    @property
    def receivables(self) -> InvoiceQueries: ...

    @property
    def alerts(self) -> AlertStore: ...

    @property
    def credit_requests(self) -> CreditRequestStore: ...

    @property
    def orders(self) -> OrderStore: ...

    @property
    def collections(self) -> CollectionStore: ...

    @property
    def meetings(self) -> MeetingStore: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def events(self) -> EventLog: ...

    @property
    def outbox(self) -> Outbox: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: object, /) -> None: ...

    def begin_write(self) -> None:
        """Declares, before the first read, that this unit of work writes what it reads.
        A database that locks whole files (SQLite) takes its write lock now, so that
        another writer cannot make the reads stale before the writes; others do
        nothing."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
