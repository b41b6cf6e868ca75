"""What collections recorded about one account, for its history (``/credit history``):
who collects it now, what was done, promised, disputed and taken to legal."""

from __future__ import annotations

from dataclasses import dataclass

from domain.collections.model import Assignment, CollectionAction, Dispute, LegalCase, Promise
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

    def __bool__(self) -> bool:
        return bool(self.assignment or self.actions or self.promises or self.disputes
                    or self.legal_cases)


def collection_record(uow: UnitOfWork, customer_id: str, limit: int) -> CollectionRecord:
    store = uow.collections
    return CollectionRecord(store.open_assignment(customer_id),
                            tuple(store.actions(customer_id, limit)),
                            tuple(store.promises(customer_id)),
                            tuple(store.disputes(customer_id)),
                            tuple(store.legal_cases(customer_id)))
