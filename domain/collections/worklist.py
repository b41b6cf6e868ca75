"""The collector's worklist and its order.

``/credit collect`` lists a collector's open accounts in this order:

1. accounts with a promise to pay due today or earlier and not yet found kept or broken
   (the money should be there: look now), earliest promise first;
2. accounts whose next action date is today or past, earliest date first;
3. the rest.

Within each group, the larger *overdue amount × days past due* comes first (the sum over
the account's overdue invoices outside open disputes, in the organisation's base
currency), so a large old debt beats a large new one and a small old one; ties go by
customer id, so the order never changes between two looks at the same data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.collections.dunning import DunningLevel
from domain.meetings.model import Task
from domain.money import Money

PAGE_SIZE = 10

PROMISE_DUE = 0
ACTION_DUE = 1
REST = 2


@dataclass(frozen=True)
class LastAction:
    kind: str
    outcome: str
    by: str
    on: date
    # kind "promise": what was promised, by when; once found broken, the day it was and
    # what of it had been paid then
    promised: Money | None = None
    due: date | None = None
    broken_on: date | None = None
    paid: Money | None = None
    # kinds "dispute_opened" and "dispute_resolved": the invoices disputed
    invoices: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkItem:
    """One account on a collector's worklist. ``overdue``: bucket label → amount, the
    overdue buckets only (in the account's currency), of which ``disputed`` (bucket
    label → amount, the same way) is in open disputes; ``weight``: overdue amount × days
    past due in the base currency, disputed invoices left out."""

    customer_id: str
    name: str
    overdue: tuple[tuple[str, Money], ...]
    weight: Decimal
    status: str
    level: DunningLevel | None = None
    last_action: LastAction | None = None
    next_action_on: date | None = None
    promise_due: date | None = None
    open_disputes: int = 0
    disputed: tuple[tuple[str, Money], ...] = ()
    # When the oldest open dispute was opened: its age is shown
    oldest_dispute_on: date | None = None
    # Promises the customer broke: on the record, and on the line
    broken_promises: int = 0
    # Currencies with no exchange rate to the base: ``weight`` leaves them out and the
    # account is ordered after every account weighed in full.
    unpriced: tuple[str, ...] = ()
    # Open action items about the account (from meetings' minutes), by due date.
    tasks: tuple[Task, ...] = ()
    # The legal name in the local script, when the ERP has one (a Chinese reader's name).
    name_local: str | None = None


def group_of(item: WorkItem, today: date) -> int:
    if item.promise_due is not None and item.promise_due <= today:
        return PROMISE_DUE
    if item.next_action_on is not None and item.next_action_on <= today:
        return ACTION_DUE
    return REST


def priority(item: WorkItem, today: date) -> tuple[bool, int, date, Decimal, str]:
    group = group_of(item, today)
    when = (
        item.promise_due if group == PROMISE_DUE
        else item.next_action_on if group == ACTION_DUE
        else None
    )
    return (bool(item.unpriced), group, when or date.min, -item.weight, item.customer_id)


def ordered(items: Iterable[WorkItem], today: date) -> list[WorkItem]:
    return sorted(items, key=lambda it: priority(it, today))


@dataclass(frozen=True)
class Page:
    items: tuple[WorkItem, ...]
    number: int        # 1-based
    pages: int
    total: int

    @property
    def has_more(self) -> bool:
        return self.number < self.pages


def page_of(items: Sequence[WorkItem], number: int, size: int = PAGE_SIZE) -> Page:
    """Page ``number`` (1-based; past the end gives the last page)."""
    pages = max(1, -(-len(items) // size))
    number = min(max(1, number), pages)
    start = (number - 1) * size
    return Page(tuple(items[start:start + size]), number, pages, len(items))
