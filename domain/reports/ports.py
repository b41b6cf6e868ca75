"""What the reports read: aggregates the database computes over the whole portfolio,
per currency (the use case converts them to the base currency) and per collector."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple, Protocol

from domain.aging import AgingBuckets
from domain.reports.metrics import Period


@dataclass(frozen=True)
class CurrencySeries:
    """One collector's book (``None``: the whole portfolio) in one currency."""

    collector: str | None
    currency: str
    sales: tuple[Decimal, ...]  # per period asked for, oldest first
    ar: tuple[Decimal, ...]  # at the end of each of the last ``len(ar)`` periods
    current_ar: tuple[Decimal, ...]


@dataclass(frozen=True)
class BucketTotals:
    currency: str
    open_by_bucket: tuple[Decimal, ...]  # in the order of the buckets' labels


@dataclass(frozen=True)
class SeriesRows:
    """``portfolio``: every invoice, per currency (``collector`` None); ``collectors``:
    the invoices of customers with an open assignment, per collector and currency;
    ``open_by_bucket``: the portfolio's open amounts today per aging bucket, per currency
    (currencies with nothing open left out); ``posted_ahead``: whether some open invoice
    is issued after the last period's end (an ERP that posts ahead), left out of both;
    ``paid_ahead``: whether some payment is dated after it (a report for a past day),
    its amount owed on that day, so in the AR and in the open amounts per bucket."""

    portfolio: list[CurrencySeries]
    collectors: list[CurrencySeries]
    open_by_bucket: list[BucketTotals]
    posted_ahead: bool = False
    paid_ahead: bool = False


class AllowanceRow(NamedTuple):
    """``weighted``: Σ open amount × the basis points of its bucket's rate, in
    ``currency`` (÷ 10,000 gives the allowance). A tuple: one comes back per customer and
    currency (80,000 on the benchmark's portfolio), built three times faster than a
    frozen dataclass."""

    customer_id: str
    currency: str
    weighted: Decimal


@dataclass(frozen=True)
class PromiseCount:
    made_by: str
    state: str
    count: int


@dataclass(frozen=True)
class ResolvedDispute:
    opened_by: str
    opened_at: datetime
    resolved_at: datetime


class ReportQueries(Protocol):
    def series(self, periods: Sequence[Period], ar_points: int, aging: AgingBuckets
               ) -> SeriesRows:
        """Credit sales per period and AR (total, current) at the end of the last
        ``ar_points`` periods, of the portfolio and per collector, per currency; and the
        portfolio's open amounts per bucket of ``aging`` as of the last period's end (the
        report's date). A credit note is current, whatever its due date."""
        ...

    def allowances(self, as_of: date, buckets: AgingBuckets, rates_bp: Sequence[int],
                   posted_ahead: bool = True, paid_ahead: bool = False
                   ) -> list[AllowanceRow]:
        """Per customer and currency, the amounts open on ``as_of`` weighted by their
        bucket's rate in basis points; customers without an allowance left out. Invoices
        issued after ``as_of`` are left out; ``posted_ahead`` False says there are none
        (the series found none), sparing the look at every invoice's issue date.
        ``paid_ahead``: payments dated after ``as_of`` are added back (the series found
        some)."""
        ...

    def names(self) -> dict[str, tuple[str, str | None]]:
        """Every customer's name and its name in the local script, by id."""
        ...

    def promises(self, due_from: date, due_to: date) -> list[PromiseCount]:
        """Promises due in [due_from, due_to] that were checked (kept or broken)."""
        ...

    def resolved_disputes(self, since: datetime, until: datetime) -> list[ResolvedDispute]:
        ...
