"""The reports' aggregates, computed by the database over the whole portfolio: a few
statements, each one pass over its table, grouped by collector and currency (a few dozen
rows come back, never a row per invoice). Definitions: ``domain.reports.metrics``.

A customer's collector is its open assignment (``collection_assignments``, one per
customer that is not closed); the invoices are summed per customer first and joined to
the assignments after, so the join costs a row per customer, not per invoice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    String,
    Table,
    and_,
    case,
    column,
    func,
    literal,
    select,
    table,
    type_coerce,
)
from sqlalchemy.orm import Session

from domain.aging import AgingBuckets
from domain.model import INVOICE_STATUSES_IN_EXPOSURE
from domain.reports.metrics import Period
from domain.reports.ports import (
    AllowanceRow,
    BucketTotals,
    CurrencySeries,
    PromiseCount,
    ResolvedDispute,
)
from storage.models import CustomerRow, InvoiceRow, PaymentRow
from storage.types import Amount, UtcDateTime

_I: Table = InvoiceRow.__table__  # type: ignore[assignment]
_P: Table = PaymentRow.__table__  # type: ignore[assignment]
_C: Table = CustomerRow.__table__  # type: ignore[assignment]
_OPEN = [s.value for s in INVOICE_STATUSES_IN_EXPOSURE]
# The collections tables are the collections capability's (storage.collections); only
# the columns read here.
_ASSIGNED = table("collection_assignments", column("customer_id", String),
                  column("collector", String), column("status", String))
_PROMISES = table("collection_promises", column("made_by", String), column("state", String),
                  column("due_on", Date))
_DISPUTES = table("collection_disputes", column("opened_by", String),
                  column("opened_at", UtcDateTime), column("resolved_at", UtcDateTime))


def _sum(condition: ColumnElement[bool], amount: ColumnElement[Any]) -> ColumnElement[Any]:
    return type_coerce(func.coalesce(func.sum(case((condition, amount), else_=0)), 0), Amount)


def _by_collector(per_customer: Any, columns: int) -> Any:
    """Sums ``per_customer`` (customer_id, currency, sums…) per collector and currency."""
    open_assignment = and_(_ASSIGNED.c.customer_id == per_customer.c.customer_id,
                           _ASSIGNED.c.status != "closed")
    sums = [type_coerce(func.sum(per_customer.c[f"s{i}"]), Amount) for i in range(columns)]
    return (select(_ASSIGNED.c.collector, per_customer.c.currency, *sums)
            .select_from(per_customer.outerjoin(_ASSIGNED, open_assignment))
            .group_by(_ASSIGNED.c.collector, per_customer.c.currency))


class SqlReportQueries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _rows(self, query: Any) -> list[Any]:
        return list(self._session.connection().execute(query))

    def series(self, periods: Sequence[Period], ar_points: int) -> list[CurrencySeries]:
        ends = [p.end for p in periods[len(periods) - ar_points:]]
        is_open = _I.c.status.in_(_OPEN)
        issued, due = _I.c.issue_date, _I.c.due_date
        invoice_sums = [_sum(issued.between(p.start, p.end), _I.c.amount) for p in periods]
        invoice_sums += [_sum(and_(is_open, issued <= e), _I.c.open_amount) for e in ends]
        invoice_sums += [_sum(and_(is_open, issued <= e, due >= e), _I.c.open_amount)
                         for e in ends]
        per_customer = (
            select(_I.c.customer_id, _I.c.currency,
                   *(s.label(f"s{i}") for i, s in enumerate(invoice_sums)))
            .where((issued >= periods[0].start) | (is_open & (_I.c.open_amount > 0)))
            .group_by(_I.c.customer_id, _I.c.currency).subquery())
        n = len(periods)
        found: dict[tuple[str | None, str], list[Decimal]] = {}
        for collector, currency, *sums in self._rows(
                _by_collector(per_customer, len(invoice_sums))):
            found[(collector, currency)] = [Decimal(s or 0) for s in sums]
        # What was paid after each end on invoices issued by then was still owed then.
        p_issued, p_due = _I.c.issue_date, _I.c.due_date
        paid_sums = [_sum(and_(_P.c.date > e, p_issued <= e), _P.c.amount) for e in ends]
        paid_sums += [_sum(and_(_P.c.date > e, p_issued <= e, p_due >= e), _P.c.amount)
                      for e in ends]
        paid_per_customer = (
            select(_I.c.customer_id, _P.c.currency,
                   *(s.label(f"s{i}") for i, s in enumerate(paid_sums)))
            .select_from(_P.join(_I, _I.c.invoice_id == _P.c.invoice_id))
            .where(_P.c.date > ends[0])
            .group_by(_I.c.customer_id, _P.c.currency).subquery())
        for collector, currency, *sums in self._rows(
                _by_collector(paid_per_customer, len(paid_sums))):
            into = found.setdefault((collector, currency), [Decimal(0)] * len(invoice_sums))
            for i, amount in enumerate(sums):
                into[n + i] += Decimal(amount or 0)
        return [CurrencySeries(collector, currency, tuple(s[:n]), tuple(s[n:n + ar_points]),
                               tuple(s[n + ar_points:]))
                for (collector, currency), s in sorted(found.items(),
                                                       key=lambda kv: (kv[0][0] or "", kv[0][1]))]

    def _bucket_of(self, as_of: date, buckets: AgingBuckets, values: Sequence[Any]
                   ) -> ColumnElement[Any]:
        """``values[i]`` for an invoice in bucket i (current first)."""
        due = _I.c.due_date
        whens = [(due >= r.earliest, values[i])
                 for i, r in enumerate(buckets.due_date_bounds(as_of)) if r.earliest is not None]
        return case(*whens, else_=values[-1])

    def open_by_bucket(self, as_of: date, buckets: AgingBuckets) -> list[BucketTotals]:
        ranges = buckets.due_date_bounds(as_of)
        due = _I.c.due_date
        sums = []
        for r in ranges:
            bounds = []
            if r.earliest is not None:
                bounds.append(due >= r.earliest)
            if r.latest is not None:
                bounds.append(due <= r.latest)
            sums.append(_sum(and_(*bounds), _I.c.open_amount))
        query = (select(_I.c.currency, *sums)
                 .where(_I.c.status.in_(_OPEN), _I.c.open_amount > 0)
                 .group_by(_I.c.currency).order_by(_I.c.currency))
        return [BucketTotals(currency, tuple(Decimal(s) for s in sums))
                for currency, *sums in self._rows(query)]

    def allowances(self, as_of: date, buckets: AgingBuckets, rates_bp: Sequence[int]
                   ) -> list[AllowanceRow]:
        # Amounts times whole basis points stay exact integers on SQLite (storage.types).
        rate = self._bucket_of(as_of, buckets, [literal(bp, Integer) for bp in rates_bp])
        weighted = type_coerce(func.sum(_I.c.open_amount * rate), Amount)
        per_customer = (
            select(_I.c.customer_id, _I.c.currency, weighted.label("weighted"))
            .where(_I.c.status.in_(_OPEN), _I.c.open_amount > 0)
            .group_by(_I.c.customer_id, _I.c.currency)
            .having(func.sum(_I.c.open_amount * rate) > 0).subquery())
        query = select(per_customer.c.customer_id, _C.c.name, per_customer.c.currency,
                       type_coerce(per_customer.c.weighted, Amount)).join(
            _C, _C.c.customer_id == per_customer.c.customer_id)
        return [AllowanceRow(customer_id, name, currency, Decimal(weighted))
                for customer_id, name, currency, weighted in self._rows(query)]

    def promises(self, due_from: date, due_to: date) -> list[PromiseCount]:
        query = (select(_PROMISES.c.made_by, _PROMISES.c.state, func.count())
                 .where(_PROMISES.c.state.in_(("kept", "broken")),
                        _PROMISES.c.due_on.between(due_from, due_to))
                 .group_by(_PROMISES.c.made_by, _PROMISES.c.state))
        return [PromiseCount(*row) for row in self._rows(query)]

    def resolved_disputes(self, since: datetime, until: datetime) -> list[ResolvedDispute]:
        # Disputes resolved in the window are a few hundred at most; the days between
        # two instants are worked out in Python, the same on both databases.
        query = (select(_DISPUTES.c.opened_by, _DISPUTES.c.opened_at, _DISPUTES.c.resolved_at)
                 .where(_DISPUTES.c.resolved_at >= since, _DISPUTES.c.resolved_at < until))
        return [ResolvedDispute(*row) for row in self._rows(query)]


def report_queries(uow: object) -> SqlReportQueries:
    """The queries in ``uow``'s own transaction (a ``SqlUnitOfWork``)."""
    from storage.unit_of_work import SqlUnitOfWork

    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError(f"report queries need a SqlUnitOfWork, got {type(uow).__name__}")
    return SqlReportQueries(uow.session)
