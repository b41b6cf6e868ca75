"""The reports' aggregates, computed by the database over the whole portfolio: a few
statements, each one pass over its table, grouped by collector and currency (a few dozen
rows come back, never a row per invoice). Definitions: ``domain.reports.metrics``.

A customer's collector is its open assignment (``collection_assignments``, one per
customer that is not closed). The portfolio is summed per currency in one pass; the
collectors' books are read from the assignments' side (the invoices of the assigned
customers through the customer index), and the accounts nobody is assigned are the
difference, worked out by the use case.
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
    or_,
    select,
    table,
    text,
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
    SeriesRows,
)
from storage.models import CustomerRow, InvoiceRow, PaymentRow
from storage.stall_guard import GRACE_SECONDS, STALL_SECONDS
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


# A server's statements are cancelled after 5 s (storage.db): right for a check, too
# short for reading a million invoices on a busy server. A report may take this long;
# the person waits through the response_url, never on the request.
REPORT_STATEMENT_TIMEOUT = "60s"
REPORT_STALL_SECONDS = 60 + GRACE_SECONDS
# PostgreSQL's default work_mem (4 MB) makes the series' grouping of a million invoices
# sort them on disk, as it cannot tell that a few hundred groups come out of a grouping
# by computed periods; with this much it groups them in memory (0.47 → 0.20 s on the
# benchmark's portfolio). Only for those statements: a grouping per customer is slower
# hashed in memory than sorted in parallel (bench_reports).
GROUPING_WORK_MEM = "64MB"


def _paid() -> ColumnElement[Any]:
    """A payment's amount as it counts against its invoice (joined), in the invoice's
    currency: at most what the invoices export shows settled of it
    (``SqlReportQueries._paid_after`` says why). One in another currency cannot be
    weighed against the invoice without a rate: it counts as what the export shows
    settled (5,000 USD dated after the report on an unpaid invoice of 1,000 EUR added
    5,000 to that day's receivables and allowances)."""
    same = _P.c.currency == _I.c.currency
    settled = _I.c.amount - case((_I.c.status.in_(_OPEN), _I.c.open_amount), else_=0)
    return case((~same, settled),
                (and_(_I.c.amount < 0, _P.c.amount > -settled), settled),
                (_I.c.amount < 0, -_P.c.amount),
                (_P.c.amount > settled, settled),
                else_=_P.c.amount)


class SqlReportQueries:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._bounded = False
        self._posted_ahead = False
        self._paid_ahead = False
        # _paid_later's rows by report date: the series and the allowances both add them.
        self._later: dict[date, list[Any]] = {}

    def _rows(self, query: Any, few_groups: bool = False) -> list[Any]:
        """``few_groups``: a grouping by computed values that yields a few hundred rows
        (``GROUPING_WORK_MEM``)."""
        connection = self._session.connection()
        postgresql = connection.dialect.name == "postgresql"
        if not self._bounded and postgresql:
            # SET LOCAL: for this transaction only; the pooled connection keeps its own.
            connection.execute(text(f"SET LOCAL statement_timeout = '{REPORT_STATEMENT_TIMEOUT}'"))
            # The client's own bound on this transaction's statements goes up with it.
            connection.execution_options(**{STALL_SECONDS: REPORT_STALL_SECONDS})
            self._bounded = True
        if not (few_groups and postgresql):
            return list(connection.execute(query))
        # The setting as this transaction had it (a session's own, not the server's
        # default), to give back after.
        before = connection.execute(text("SELECT current_setting('work_mem')")).scalar()
        connection.execute(text("SELECT set_config('work_mem', :mem, true)"),
                           {"mem": GROUPING_WORK_MEM})
        rows = list(connection.execute(query))
        # Given back after a success only: a failed statement aborts the transaction,
        # whose rollback undoes the SET LOCAL, and a second statement there would hide
        # the first's error (a timeout must stay "the records are not answering").
        connection.execute(text("SELECT set_config('work_mem', :mem, true)"),
                           {"mem": before})
        return rows

    def series(self, periods: Sequence[Period], ar_points: int, aging: AgingBuckets
               ) -> SeriesRows:
        ends = [p.end for p in periods[len(periods) - ar_points:]]
        n = len(periods)
        # The portfolio in one pass over the invoices, grouped by currency only; the
        # collectors' books from their assignments' side (an index look-up per assigned
        # customer), so grouping never sorts the million invoices by customer. The
        # portfolio's pass ages today's open amounts too: a few more groups, not a pass.
        found, buckets = self._invoice_sums(periods, ends, assigned=False, aging=aging)
        mine, _ = self._invoice_sums(periods, ends, assigned=True)
        for (collector, currency), sums in self._paid_after(ends).items():
            for book, key in ((found, (None, currency)), (mine, (collector, currency))):
                if book is mine and collector is None:
                    continue  # nobody's: in the portfolio only
                into = book.setdefault(key, [Decimal(0)] * (n + 2 * len(ends)))
                for i, amount in enumerate(sums):
                    into[n + i] += amount

        if self._paid_ahead:
            width = len(aging.labels)
            for _, currency, in_bucket, paid in self._paid_later(ends[-1], aging):
                buckets.setdefault(currency, [Decimal(0)] * width)[in_bucket] += paid

        def rows(book: dict[tuple[str | None, str], list[Decimal]]) -> list[CurrencySeries]:
            return [CurrencySeries(collector, currency, tuple(s[:n]),
                                   tuple(s[n:n + ar_points]), tuple(s[n + ar_points:]))
                    for (collector, currency), s in sorted(
                        book.items(), key=lambda kv: (kv[0][0] or "", kv[0][1]))]

        return SeriesRows(rows(found), rows(mine),
                          [BucketTotals(currency, tuple(sums))
                           for currency, sums in sorted(buckets.items()) if any(sums)],
                          posted_ahead=self._posted_ahead, paid_ahead=self._paid_ahead)

    def _invoice_sums(self, periods: Sequence[Period], ends: Sequence[date], assigned: bool,
                      aging: AgingBuckets | None = None
                      ) -> tuple[dict[tuple[str | None, str], list[Decimal]],
                                 dict[str, list[Decimal]]]:
        """Sales per period, then the open amount at each end, then the current part of
        it: from two sums per (period issued in, ends due on or after), a few hundred
        groups, rather than a sum per figure over every invoice (a numeric addition per
        figure and invoice was most of the statement's time). With ``aging``, the open
        amounts of the invoices issued by the last end are also summed per aging bucket as
        of it, per currency."""
        n, m = len(periods), len(ends)
        issued, due = _I.c.issue_date, _I.c.due_date
        # The periods follow one another (domain.reports.metrics.periods): an invoice's
        # period is the first whose end it is issued by; -1 before the first, n after.
        issued_in = case((issued < periods[0].start, -1),
                         *[(issued <= p.end, i) for i, p in enumerate(periods)], else_=n)
        # How many of the ends (oldest first) it is due on or after: current at those. A
        # credit note is owed to the customer, never overdue: current at every end, as
        # in the aging (else the current AR could exceed the AR).
        credit = _I.c.open_amount < 0
        due_from = case((credit, m),
                        *[(due >= e, m - j) for j, e in enumerate(reversed(ends))], else_=0)
        is_open = _I.c.status.in_(_OPEN)
        open_amount = case((is_open, _I.c.open_amount), else_=0)
        collector = _ASSIGNED.c.collector if assigned else literal(None, String)
        bucket: ColumnElement[Any] = literal(0, Integer)
        if aging is not None:
            # Settled invoices all in the first bucket, adding no groups; a credit note
            # current, as in due_from.
            bucket = case((or_(~is_open, credit), 0), else_=self._bucket_of(
                ends[-1], aging, list(range(len(aging.labels)))))
        invoices = select(collector.label("collector"), _I.c.currency,
                          issued_in.label("issued_in"), due_from.label("due_from"),
                          bucket.label("bucket"), _I.c.amount,
                          open_amount.label("open_amount"))
        if assigned:
            invoices = (invoices.select_from(_ASSIGNED.join(
                _I, _I.c.customer_id == _ASSIGNED.c.customer_id))
                        .where(_ASSIGNED.c.status != "closed"))
        c = invoices.subquery().c
        query = (select(c.collector, c.currency, c.issued_in, c.due_from, c.bucket,
                        type_coerce(func.sum(c.amount), Amount),
                        type_coerce(func.sum(c.open_amount), Amount))
                 .group_by(c.collector, c.currency, c.issued_in, c.due_from, c.bucket))
        sums: dict[tuple[str | None, str], list[Decimal]] = {}
        aged: dict[str, list[Decimal]] = {}
        width = len(aging.labels) if aging is not None else 0
        for collector_id, currency, period, due_ends, in_bucket, amount, owed in self._rows(
                query, few_groups=True):
            owed = Decimal(owed or 0)
            into = sums.setdefault((collector_id, currency), [Decimal(0)] * (n + 2 * m))
            if 0 <= period < n:
                into[period] += Decimal(amount or 0)
            for k in range(m):  # the end of period n - m + k
                if period <= n - m + k:
                    into[n + k] += owed
                    if due_ends > k:
                        into[n + m + k] += owed
            if aging is None:
                continue
            if period < n:
                aged.setdefault(currency, [Decimal(0)] * width)[in_bucket] += owed
            elif owed:  # issued after the last end (the report date), still open
                self._posted_ahead = True
        return sums, aged

    def _paid_after(self, ends: Sequence[date]) -> dict[tuple[str | None, str], list[Decimal]]:
        """What was paid after each end on invoices issued by then (still owed then), per
        collector (None: nobody's) and currency. One pass for the portfolio and the
        collectors: the payments since the first end are a few hundred thousand rows at
        most, and the open assignments join them (two passes took 1.2–1.6× as long)."""
        issued, due = _I.c.issue_date, _I.c.due_date
        # A payment counts at most what the invoices export shows settled of its invoice
        # (its amount less what is open), in its currency: one with a digit too many in
        # the ERP, or one the invoices export does not show yet (older than the
        # payments'), would otherwise rebuild the invoice as owing more than it billed at
        # past month ends (and DSO, CEI with it); the import warns of both. Each payment is
        # capped on its own, so several payments missing from one invoice's export still
        # get past it. Capping their sum per invoice took this statement from 0.46 to
        # 2.0 s on the benchmark's PostgreSQL grouped per invoice, and to 1.0 s as a
        # running sum (a window over the join, which then runs in one process).
        # A payment on a credit note refunds it: the customer's credit was open before it
        # (negative), so it is taken away from what was open then, at most what the export
        # shows refunded.
        paid = _paid()
        sums = [_sum(and_(_P.c.date > e, issued <= e), paid) for e in ends]
        # A credit note is current at every end, as in the invoices' pass.
        sums += [_sum(and_(_P.c.date > e, issued <= e, or_(due >= e, _I.c.amount < 0)), paid)
                 for e in ends]
        joined = _P.join(_I, _I.c.invoice_id == _P.c.invoice_id).outerjoin(
            _ASSIGNED, and_(_ASSIGNED.c.customer_id == _P.c.customer_id,
                            _ASSIGNED.c.status != "closed"))
        query = (select(_ASSIGNED.c.collector, _I.c.currency, func.max(_P.c.date), *sums)
                 .select_from(joined).where(_P.c.date > ends[0])
                 .group_by(_ASSIGNED.c.collector, _I.c.currency))
        found: dict[tuple[str | None, str], list[Decimal]] = {}
        for collector, currency, latest, *values in self._rows(query):
            found[(collector, currency)] = [Decimal(x or 0) for x in values]
            if latest is not None and latest > ends[-1]:
                self._paid_ahead = True
        return found

    def _paid_later(self, as_of: date, aging: AgingBuckets) -> list[Any]:
        """What was paid after ``as_of`` on invoices issued by then, per customer,
        currency and aging bucket as of it: owed on that day, so in its aging and its
        allowances as in its AR. Read only when some payment is dated after the report
        date (a report for a past day, a payment the ERP dates ahead); read once per
        report date."""
        if as_of in self._later:
            return self._later[as_of]
        bucket = case((_I.c.amount < 0, 0), else_=self._bucket_of(
            as_of, aging, list(range(len(aging.labels)))))
        query = (select(_P.c.customer_id, _I.c.currency, bucket,
                        type_coerce(func.sum(_paid()), Amount))
                 .select_from(_P.join(_I, _I.c.invoice_id == _P.c.invoice_id))
                 .where(_P.c.date > as_of, _I.c.issue_date <= as_of)
                 .group_by(_P.c.customer_id, _I.c.currency, bucket))
        found = self._later[as_of] = [row for row in self._rows(query) if row[3]]
        return found

    def _bucket_of(self, as_of: date, buckets: AgingBuckets, values: Sequence[Any]
                   ) -> ColumnElement[Any]:
        """``values[i]`` for an invoice in bucket i (current first)."""
        due = _I.c.due_date
        whens = [(due >= r.earliest, values[i])
                 for i, r in enumerate(buckets.due_date_bounds(as_of)) if r.earliest is not None]
        return case(*whens, else_=values[-1])

    def allowances(self, as_of: date, buckets: AgingBuckets, rates_bp: Sequence[int],
                   posted_ahead: bool = True, paid_ahead: bool = False) -> list[AllowanceRow]:
        # Amounts times whole basis points stay exact integers on SQLite (storage.types).
        # A credit note at the current bucket's rate, as the series' aging counts it.
        rate = case((_I.c.open_amount < 0, literal(rates_bp[0], Integer)),
                    else_=self._bucket_of(as_of, buckets,
                                          [literal(bp, Integer) for bp in rates_bp]))
        query = (select(_I.c.customer_id, _I.c.currency,
                        type_coerce(func.sum(_I.c.open_amount * rate), Amount))
                 .where(_I.c.status.in_(_OPEN), _I.c.open_amount != 0)
                 .group_by(_I.c.customer_id, _I.c.currency))
        if posted_ahead:
            # An invoice issued after the report date is not owed by it: neither in the AR
            # nor in the aging, nor here. Only when there is one: the issue date is not in
            # the customers' covering index, and SQLite then reads every row (0.9 → 2 s).
            query = query.where(_I.c.issue_date <= as_of)
        # The Amount type gives Decimals already.
        rows = [AllowanceRow(customer_id, currency, weighted)
                for customer_id, currency, weighted in self._rows(query) if weighted]
        if not paid_ahead:
            return rows
        weighted_by: dict[tuple[str, str], Decimal] = {
            (row.customer_id, row.currency): row.weighted for row in rows}
        for customer_id, currency, in_bucket, paid in self._paid_later(as_of, buckets):
            key = (customer_id, currency)
            weighted_by[key] = weighted_by.get(key, Decimal(0)) + paid * rates_bp[in_bucket]
        return [AllowanceRow(c, currency, w) for (c, currency), w in weighted_by.items() if w]

    def names(self) -> dict[str, tuple[str, str | None]]:
        return {customer_id: (name, local) for customer_id, name, local in self._rows(
            select(_C.c.customer_id, _C.c.name, _C.c.name_local))}

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
