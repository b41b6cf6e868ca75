"""An in-memory unit of work implementing domain.ports, for fast use-case tests.

Like the real one, nothing it holds survives a unit of work that was not committed:
audit entries and events are staged and kept only on ``commit()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Self

from domain.aging import AgingBuckets
from domain.events import DomainEvent
from domain.exposure import AgedBalance, OrderBalance, aged_balances, order_balances
from domain.lookup import normalize_name
from domain.model import AuditEntry, Customer, Invoice, Order
from domain.refs import CustomerRef


class FakeCustomers:
    def __init__(self, customers: Sequence[Customer]) -> None:
        self.rows = {c.customer_id: c for c in customers}

    def _ref(self, c: Customer) -> CustomerRef:
        return CustomerRef(c.customer_id, c.name, c.name_local)

    @staticmethod
    def _keys(c: Customer) -> list[str]:
        # As the import derives them: a name_key, and a name_local_key when there is one.
        return [normalize_name(name) for name in (c.name, c.name_local) if name]

    def get(self, customer_id: str) -> Customer | None:
        return self.rows.get(customer_id)

    def fetch(self, customer_ids: Sequence[str] | None = None) -> list[Customer]:
        return [c for cid, c in sorted(self.rows.items())
                if customer_ids is None or cid in customer_ids]

    def group_members(self, group_id: str) -> list[Customer]:
        return sorted((c for c in self.rows.values() if c.group_id == group_id),
                      key=lambda c: c.name)

    def group_named(self, group_ids: Sequence[str]) -> str | None:
        return next((g for g in group_ids if self.group_members(g)), None)

    def by_ids(self, customer_ids: Sequence[str]) -> list[CustomerRef]:
        return [self._ref(c) for cid, c in self.rows.items() if cid in customer_ids]

    def by_name_key(self, name_key: str) -> list[CustomerRef]:
        return [self._ref(c) for c in self.rows.values() if name_key in self._keys(c)]

    def by_name_prefix(self, key_prefix: str, limit: int) -> list[CustomerRef]:
        return [self._ref(c) for c in self.rows.values()
                if any(key.startswith(key_prefix) for key in self._keys(c))][:limit]

    def all_name_keys(self) -> list[tuple[CustomerRef, str]]:
        return [(self._ref(c), key) for c in self.rows.values() for key in self._keys(c)]


class FakeReceivables:
    """The in-memory aging path of domain.exposure, which the storage tests hold equal
    to the SQL one."""

    def __init__(self, invoices: Sequence[Invoice], orders: Sequence[Order]) -> None:
        self.invoices = list(invoices)
        self.orders = list(orders)

    def aged_balances(self, customer_ids: Sequence[str] | None, as_of: date,
                      buckets: AgingBuckets) -> list[AgedBalance]:
        chosen = [i for i in self.invoices if customer_ids is None or i.customer_id in customer_ids]
        return aged_balances(chosen, as_of, buckets)

    def order_balances(self, customer_ids: Sequence[str] | None) -> list[OrderBalance]:
        return order_balances(o for o in self.orders
                              if customer_ids is None or o.customer_id in customer_ids)


class FakeRates:
    def __init__(self, rates: dict[str, Decimal]) -> None:
        self.rates = rates

    def latest(self, as_of: date) -> dict[str, Decimal]:
        return dict(self.rates)


class FakeAudit:
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []
        self.staged: list[AuditEntry] = []

    def append(self, entry: AuditEntry) -> None:
        self.staged.append(entry)

    def recent(self, limit: int = 50) -> list[AuditEntry]:
        return list(reversed(self.entries))[:limit]


class FakeEvents:
    def __init__(self) -> None:
        self.recorded: list[DomainEvent] = []
        self.staged: list[DomainEvent] = []

    def record(self, event: DomainEvent) -> None:
        self.staged.append(event)


class FakeUnitOfWork:
    def __init__(self, customers: Sequence[Customer], invoices: Sequence[Invoice] = (),
                 orders: Sequence[Order] = (), rates: dict[str, Decimal] | None = None) -> None:
        self.customers = FakeCustomers(customers)
        self.receivables = FakeReceivables(invoices, orders)
        self.rates = FakeRates(rates or {})
        self.audit = FakeAudit()
        self.events = FakeEvents()
        self.commits = 0

    def __call__(self) -> Self:
        """The unit of work is its own factory: use cases open it once per call."""
        return self

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.rollback()

    def commit(self) -> None:
        self.audit.entries.extend(self.audit.staged)
        self.events.recorded.extend(self.events.staged)
        self.rollback()
        self.commits += 1

    def rollback(self) -> None:
        self.audit.staged.clear()
        self.events.staged.clear()


from domain.messages import OutgoingMessage  # noqa: E402  (kept beside its only user)


class FakeOutbox:
    """Messages queued by use cases: ``sent`` holds the committed ones, in order."""

    def __init__(self) -> None:
        self.sent: dict[int, OutgoingMessage] = {}
        self.staged: dict[int, OutgoingMessage] = {}
        self._next_id = 1

    @property
    def messages(self) -> list[OutgoingMessage]:
        return list(self.sent.values())

    def add(self, message: OutgoingMessage) -> int:
        if message.dedup_key is not None:
            found = self.id_of(message.dedup_key)
            if found is not None:
                return found
        for referred in (message.update_of, message.thread_of):
            if referred is not None and referred not in self.sent and referred not in self.staged:
                raise ValueError(f"message {referred} is not in the outbox")
        message_id = self._next_id
        self._next_id += 1
        self.staged[message_id] = message
        return message_id

    def id_of(self, dedup_key: str) -> int | None:
        return next((i for i, m in (*self.sent.items(), *self.staged.items())
                     if m.dedup_key == dedup_key), None)

    def commit(self) -> None:
        self.sent.update(self.staged)
        self.staged.clear()

    def rollback(self) -> None:
        self.staged.clear()


def _with_outbox(cls: type[FakeUnitOfWork]) -> None:
    """FakeUnitOfWork gains an outbox that, like its audit and events, keeps what was
    queued only on commit (added here so the class above reads as it did)."""
    init, commit, rollback = cls.__init__, cls.commit, cls.rollback

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.outbox = FakeOutbox()
        init(self, *args, **kwargs)

    def commit_(self) -> None:  # type: ignore[no-untyped-def]
        self.outbox.commit()
        commit(self)

    def rollback_(self) -> None:  # type: ignore[no-untyped-def]
        self.outbox.rollback()
        rollback(self)

    cls.__init__ = __init__  # type: ignore[method-assign]
    cls.commit = commit_  # type: ignore[method-assign]
    cls.rollback = rollback_  # type: ignore[method-assign]


_with_outbox(FakeUnitOfWork)
