"""The collections records: who collects an account (``Assignment``), what they did
(``CollectionAction``), what the customer promised (``Promise``), what it disputes
(``Dispute``) and what went to legal (``LegalCase``). creditbot's own records, never
columns an ERP re-import overwrites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from domain.errors import TryAgain
from domain.money import Money
from domain.text import N_


class CollectionChanged(TryAgain):
    """A record was changed by someone else since it was read (a stale version), or a
    second open assignment was made for one customer: nothing was written."""

    def __init__(self, what: str) -> None:
        super().__init__(N_("Someone else changed this account's collection just now; "
                            "try again."))
        self.what = what


class AssignmentStatus(StrEnum):
    OPEN = "open"            # being worked: the collector's next step is due
    PROMISED = "promised"    # the customer promised to pay; waiting for the money
    DISPUTED = "disputed"    # the customer disputes invoices; another department looks
    ESCALATED = "escalated"  # handed to legal
    CLOSED = "closed"        # nothing left to collect, or taken off the collector

    @property
    def is_open(self) -> bool:
        return self is not AssignmentStatus.CLOSED


@dataclass(frozen=True)
class Assignment:
    """One person responsible for collecting one customer's overdue account. At most one
    assignment per customer is not closed; a reassignment changes ``collector`` in place
    (the audit log keeps the history). ``version``: optimistic locking."""

    customer_id: str
    collector: str
    status: AssignmentStatus
    assigned_by: str          # a user id, or "rules" when the alerts job assigned it
    assigned_at: datetime
    next_action_on: date | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    id: int = 0
    version: int = 0
    # The next-action date the collector was last reminded of (the collections job):
    # one reminder per date, however often the job runs.
    reminded_for: date | None = None
    # The first day of the stretch without action the collections lead was last told of.
    flagged_since: date | None = None


class ActionKind(StrEnum):
    CALL = "call"
    EMAIL = "email"
    VISIT = "visit"
    NOTE = "note"


@dataclass(frozen=True)
class CollectionAction:
    """Something a collector did about an account, what came of it, and when to follow
    up (``next_action_on``)."""

    customer_id: str
    kind: ActionKind
    outcome: str
    by: str
    at: datetime
    next_action_on: date | None = None
    id: int = 0


class PromiseState(StrEnum):
    OPEN = "open"      # not due yet, or due and not checked yet
    KEPT = "kept"
    BROKEN = "broken"
    # A later promise for the same money took its place (the customer asked for more
    # time, or the same promise was recorded twice): never checked, never counted.
    REPLACED = "replaced"


@dataclass(frozen=True)
class Promise:
    """A customer's promise to pay ``amount`` by ``due_on`` (against the named invoices,
    or the account as a whole when none are named). ``checked_at``: when it was found
    kept or broken. ``paid_before``: what the ERP already showed paid towards it on its
    day when it was made, each currency's total as paid: money the collector knew of
    when recording the promise is not the promised money, nor money an earlier promise
    was kept with. Kept as paid, not converted: a rate for the day imported later made
    the same payments worth more at the check, and the difference kept the promise."""

    customer_id: str
    amount: Money
    due_on: date
    invoice_ids: tuple[str, ...]
    state: PromiseState
    made_by: str
    made_at: datetime
    checked_at: datetime | None = None
    id: int = 0
    version: int = 0
    paid_before: tuple[Money, ...] = ()
    # What had come towards it when it was found kept or broken: a broken promise's
    # history says how much of it was paid (None: unchecked, or checked before that).
    paid_when_checked: Decimal | None = None
    # A promise made before what was paid was kept by currency: the figure it was kept
    # as then, in its own currency, taken off as it was (read by currency, it was taken
    # off that currency's payments only, and a morning's euros kept a dollar promise).
    paid_before_converted: Decimal = Decimal(0)


@dataclass(frozen=True)
class Dispute:
    """Invoices the customer disputes, the reason, the department that looks into it and
    the person who owns it there; ``resolved_at`` and ``outcome`` once settled."""

    customer_id: str
    invoice_ids: tuple[str, ...]
    reason: str
    department: str | None
    owner: str | None
    opened_by: str
    opened_at: datetime
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    outcome: str | None = None
    id: int = 0
    version: int = 0

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True)
class LegalCase:
    """An account escalated to legal; ``outcome`` and ``closed_at`` once it ends."""

    customer_id: str
    opened_by: str
    opened_at: datetime
    note: str = ""
    outcome: str | None = None
    closed_at: datetime | None = None
    id: int = 0
    version: int = 0
    # Who recorded the outcome (None for cases closed before migration 0022).
    closed_by: str | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
