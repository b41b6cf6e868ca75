"""What collections need from storage (``uow.collections``).

Every ``add_*`` returns the record with its id (and version 1 where it has one); every
``save_*`` stores a changed record whose ``version`` is the one read, and raises
``CollectionChanged`` (writing nothing) when it is no longer the stored one. Lists come
in a stable order, stated per method.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from domain.collections.model import (
    Assignment,
    CollectionAction,
    Dispute,
    LegalCase,
    Promise,
)


class CollectionStore(Protocol):
    wrote: bool

    # Assignments: at most one not closed per customer.
    def add_assignment(self, assignment: Assignment) -> Assignment:
        """Raises ``CollectionChanged`` when the customer already has an open one."""
        ...

    def save_assignment(self, assignment: Assignment) -> Assignment: ...

    def open_assignment(self, customer_id: str) -> Assignment | None:
        """The customer's assignment that is not closed, if any."""
        ...

    def open_assignments(self, collector: str | None = None,
                         customer_ids: Sequence[str] | None = None) -> list[Assignment]:
        """Assignments not closed (of this collector, of these customers, or all), by
        customer id."""
        ...

    def last_closed(self) -> dict[str, datetime]:
        """Per customer without an open assignment, when its latest one was closed (by
        hand or through legal)."""
        ...

    def with_legal_case(self) -> set[str]:
        """The customers with a legal case, open or concluded."""
        ...

    # What collectors did.
    def add_action(self, action: CollectionAction) -> CollectionAction: ...

    def actions(self, customer_id: str, limit: int = 50) -> list[CollectionAction]:
        """The customer's latest actions, newest first."""
        ...

    def action_count(self, customer_id: str) -> int:
        """How many actions were recorded on the customer, all told."""
        ...

    # Promises to pay.
    def add_promise(self, promise: Promise) -> Promise: ...

    def save_promise(self, promise: Promise) -> Promise: ...

    def promises(self, customer_id: str) -> list[Promise]:
        """All the customer's promises, newest first."""
        ...

    def promises_due(self, on_or_before: date) -> list[Promise]:
        """Open promises due on or before the day (to check), oldest due first."""
        ...

    # Disputes.
    def add_dispute(self, dispute: Dispute) -> Dispute: ...

    def save_dispute(self, dispute: Dispute) -> Dispute: ...

    def disputes(self, customer_id: str) -> list[Dispute]:
        """All the customer's disputes, newest first."""
        ...

    def open_disputes(self, customer_ids: Sequence[str] | None = None) -> list[Dispute]:
        """Disputes not resolved (of these customers, or all), oldest first."""
        ...

    # Legal.
    def add_legal_case(self, case: LegalCase) -> LegalCase: ...

    def save_legal_case(self, case: LegalCase) -> LegalCase: ...

    def legal_cases(self, customer_id: str) -> list[LegalCase]:
        """All the customer's legal cases, newest first."""
        ...

    def claim_submission(self, key: str, at: datetime) -> bool:
        """True the first time ``key`` (a form's submission) is claimed in a committed
        transaction; False when it was already."""
        ...
