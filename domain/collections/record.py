"""What collections recorded about one account, for its history (``/credit history``):
who collects it now, what was done, promised, disputed and taken to legal."""

from __future__ import annotations

from dataclasses import dataclass

from domain.approvals.model import CreditRequest
from domain.collections.model import Assignment, CollectionAction, Dispute, LegalCase, Promise
from domain.model import Customer, Invoice
from domain.money import Money
from domain.ports import UnitOfWork


@dataclass(frozen=True)
class CollectionRecord:
    # The open assignment: who collects the account now, if anyone.
    assignment: Assignment | None
    # Each newest first; actions the latest ``limit`` only (an account worked for years
    # has hundreds), the rest whole: a customer has few of them.
    actions: tuple[CollectionAction, ...]
    promises: tuple[Promise, ...]
    disputes: tuple[Dispute, ...]
    legal_cases: tuple[LegalCase, ...]
    # The actions recorded in all, those not read included.
    action_count: int = 0

    @property
    def unread(self) -> int:
        """The actions left out of ``actions``."""
        return max(self.action_count - len(self.actions), 0)

    def __bool__(self) -> bool:
        return bool(self.assignment or self.actions or self.promises or self.disputes
                    or self.legal_cases)


def collection_record(uow: UnitOfWork, customer_id: str, limit: int) -> CollectionRecord:
    store = uow.collections
    actions = tuple(store.actions(customer_id, limit))
    return CollectionRecord(store.open_assignment(customer_id), actions,
                            tuple(store.promises(customer_id)),
                            tuple(store.disputes(customer_id)),
                            tuple(store.legal_cases(customer_id)),
                            # Counted only when the read may have left some out.
                            store.action_count(customer_id) if len(actions) >= limit
                            else len(actions))


@dataclass(frozen=True)
class History:
    """Everything on record about an account, for a legal case."""

    customer: Customer
    invoices: tuple[Invoice, ...]
    actions: tuple[CollectionAction, ...]
    promises: tuple[Promise, ...]
    disputes: tuple[Dispute, ...]
    assignment: Assignment
    # The customer's credit requests and how they were decided, latest first.
    requests: tuple[CreditRequest, ...] = ()
    # Owed to the customer, per currency: legal must not sue for the invoices' whole sum.
    credit_notes: tuple[Money, ...] = ()
