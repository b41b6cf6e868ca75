"""Promises to pay, and whether they were kept.

A promise names an amount, a date and (optionally) the invoices it pays. It is checked
once its date plus ``grace_days`` has passed (the grace days are the last days to pay):

- **kept** when what was paid since the promise covers the amount: the promised
  invoices' open amounts fell by at least the amount in the latest import (an invoice
  gone from the import counts as paid), or, when payments are imported, the customer's
  payments dated from the promise on add up to it;
- **broken** otherwise, once the date plus grace has passed;
- **pending** before that. A promise already covered is kept early: nobody needs
  chasing for money that has arrived.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum


class Verdict(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    BROKEN = "broken"


@dataclass(frozen=True)
class PromiseTerms:
    """A promise as made: amount in ``currency``, due ``due``; ``open_then`` is each
    promised invoice's open amount when the promise was made."""

    amount: Decimal
    currency: str
    due: date
    open_then: Mapping[str, Decimal]


def check_date(due: date, grace_days: int) -> date:
    """The first day on which an unpaid promise counts as broken."""
    return due + timedelta(days=grace_days + 1)


def paid_since(terms: PromiseTerms, open_now: Mapping[str, Decimal]) -> Decimal:
    """How much the promised invoices' open amounts fell; a missing one is paid off."""
    return sum(
        (then - open_now.get(inv, Decimal(0)) for inv, then in terms.open_then.items()),
        Decimal(0),
    )


def evaluate(
    terms: PromiseTerms,
    as_of: date,
    grace_days: int,
    open_now: Mapping[str, Decimal],
    payments: Decimal | None = None,
) -> Verdict:
    """``open_now``: the promised invoices' open amounts in the latest import;
    ``payments``: the customer's payments in the promise's currency dated from the
    promise on, when payments are imported (``None`` otherwise)."""
    paid = paid_since(terms, open_now) if terms.open_then else Decimal(0)
    if payments is not None:
        paid = max(paid, payments)
    if paid >= terms.amount:
        return Verdict.KEPT
    if as_of >= check_date(terms.due, grace_days):
        return Verdict.BROKEN
    return Verdict.PENDING
