"""Promises to pay, and whether they were kept.

A promise names an amount, a date and (optionally) the invoices it pays. It is checked
once its date plus ``grace_days`` has passed (the grace days are the last days to pay):

- **kept** when the ERP's payments dated from the day the promise was made through its
  date plus grace (and not after today), less those already imported when it was made,
  add up to the amount (payments of the named invoices, or of the customer when none
  are named; ``domain.collections.status.promise_verdict`` reads them), or
  when every named invoice is settled in the latest import (nothing left open, or gone
  from it);
- **broken** otherwise, once the date plus grace has passed;
- **pending** before that. A promise already covered is kept early: nobody needs
  chasing for money that has arrived.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    amount: Decimal
    due: date
    invoice_ids: Sequence[str] = ()


def check_date(due: date, grace_days: int) -> date:
    """The first day on which an unpaid promise counts as broken."""
    return due + timedelta(days=grace_days + 1)


def evaluate(
    terms: PromiseTerms,
    as_of: date,
    grace_days: int,
    open_now: Mapping[str, Decimal],
    paid: Decimal = Decimal(0),
) -> Verdict:
    """``open_now``: the named invoices' open amounts in the latest import (a missing one
    is settled); ``paid``: the payments since the promise, in its currency."""
    settled = bool(terms.invoice_ids) and all(
        open_now.get(inv, Decimal(0)) <= 0 for inv in terms.invoice_ids)
    if settled or paid >= terms.amount:
        return Verdict.KEPT
    if as_of >= check_date(terms.due, grace_days):
        return Verdict.BROKEN
    return Verdict.PENDING
