from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, and_, bindparam, case, exists, func, select
from sqlalchemy.orm import Session

from domain.aging import AgingBuckets
from domain.exposure import AgedBalance, OrderBalance
from domain.model import (
    INVOICE_STATUSES_IN_EXPOSURE,
    ORDER_STATUSES_IN_EXPOSURE,
    Invoice,
    InvoiceStatus,
)
from domain.money import Money
from domain.orders.model import REFERENCE_SEPARATORS
from storage.models import InvoiceRow, OrderCheckRow, OrderRow, PaymentRow

# "---" to "-" in three halvings: a run of up to eight separators reads as one, as
# domain.orders.model.reference_key reads them.
_HALVINGS = 3


def order_key(column: Any) -> Any:
    """``domain.orders.model.reference_key`` in SQL (ASCII case on SQLite, which is
    what order numbers are): lower case, the separators read as one "-", none at the
    ends (ltrim and rtrim take the characters to trim on both databases)."""
    key = func.lower(column)
    for separator in REFERENCE_SEPARATORS:
        key = func.replace(key, separator, "-")
    for _ in range(_HALVINGS):
        key = func.replace(key, "--", "-")
    return func.ltrim(func.rtrim(key, "-"), "-")


def order_key_sql(column: str) -> str:
    """``order_key`` for a statement written out (``storage.check_reads``)."""
    key = f"lower({column})"
    for separator in REFERENCE_SEPARATORS:
        key = f"replace({key}, '{separator}', '-')"
    for _ in range(_HALVINGS):
        key = f"replace({key}, '--', '-')"
    return f"ltrim(rtrim({key}, '-'), '-')"


def same_order(erp_id: Any, reference: Any) -> ColumnElement[bool]:
    """An ERP order id and a rep's reference name the same order: the rep typed
    po 2026/118, the ERP exports PO-2026-118. The same test wherever the two are
    matched, so an order counts once in the exposure and is checked once."""
    return order_key(erp_id) == order_key(reference)  # type: ignore[no-any-return]


_I: Table = InvoiceRow.__table__  # type: ignore[assignment]
_O: Table = OrderRow.__table__  # type: ignore[assignment]
_PAY: Table = PaymentRow.__table__  # type: ignore[assignment]
_K: Table = OrderCheckRow.__table__  # type: ignore[assignment]
_OPEN_INVOICE = [s.value for s in INVOICE_STATUSES_IN_EXPOSURE]
_OPEN_ORDER = [s.value for s in ORDER_STATUSES_IN_EXPOSURE]
_CHUNK = 500
_OPEN_INVOICES = (
    select(_I).where(_I.c.customer_id.in_(bindparam("ids", expanding=True)),
                     _I.c.status.in_(_OPEN_INVOICE), _I.c.open_amount > 0)
)

# An open credit note: an invoice the ERP exports with a negative amount, open between it
# and 0 (the aging and exposure read open_amount > 0 only).
_CREDIT_NOTES = (
    select(_I.c.currency, func.sum(_I.c.open_amount))
    .where(_I.c.customer_id == bindparam("id"), _I.c.status.in_(_OPEN_INVOICE),
           _I.c.open_amount < 0)
    .group_by(_I.c.currency).order_by(_I.c.currency)
)


@cache
def _aged_query(bucket_count: int, filtered: bool) -> Select[Any]:
    """One row per customer and currency, the buckets pivoted into columns (a portfolio
    of 20,000 customers comes back as ~80,000 rows, not ~300,000). Built once per shape,
    with the bucket dates as parameters, so a slash command does not rebuild it."""
    due = _I.c.due_date
    sums = []
    for i in range(bucket_count):
        bounds = []
        if i < bucket_count - 1:  # all but the oldest bucket have an earliest due date
            bounds.append(due >= bindparam(f"earliest_{i}"))
        if i > 0:  # all but "current" have a latest due date
            bounds.append(due <= bindparam(f"latest_{i}"))
        sums.append(func.sum(case((and_(*bounds), _I.c.open_amount), else_=0)))
    query = select(
        _I.c.customer_id,
        _I.c.currency,
        func.count(),
        func.min(case((due < bindparam("as_of"), due))),
        *sums,
    ).where(_I.c.status.in_(_OPEN_INVOICE), _I.c.open_amount > 0)
    if filtered:
        query = query.where(_I.c.customer_id.in_(bindparam("ids", expanding=True)))
    return query.group_by(_I.c.customer_id, _I.c.currency)


def _orders_query(filtered: bool) -> Select[Any]:
    query = select(_O.c.customer_id, _O.c.currency, func.sum(_O.c.amount), func.count()).where(
        _O.c.status.in_(_OPEN_ORDER))
    if filtered:
        query = query.where(_O.c.customer_id.in_(bindparam("ids", expanding=True)))
    return query.group_by(_O.c.customer_id, _O.c.currency)


_ORDERS = {True: _orders_query(True), False: _orders_query(False)}
# States of a creditbot order that ship: passed, or held and then released.
PLACED_STATES = ("passed", "released")


def _placed_query(filtered: bool) -> Select[Any]:
    """creditbot's orders that count in exposure (domain.ports.ReceivablesQueries):
    the ERP order the rep's reference names, once imported, counts instead."""
    in_erp = exists().where(_O.c.customer_id == _K.c.customer_id,
                            same_order(_O.c.order_id, _K.c.reference))
    query = select(_K.c.customer_id, _K.c.currency, func.sum(_K.c.amount), func.count()
                   ).where(_K.c.state.in_(PLACED_STATES), _K.c.source == "slack",
                           _K.c.order_date >= bindparam("since"), ~in_erp)
    if filtered:
        query = query.where(_K.c.customer_id.in_(bindparam("ids", expanding=True)))
    return query.group_by(_K.c.customer_id, _K.c.currency)


_PLACED = {True: _placed_query(True), False: _placed_query(False)}


class SqlReceivablesQueries:
    """Sums and aging computed by the database: rows never travel to Python one by one."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def aged_balances(
        self, customer_ids: Sequence[str] | None, as_of: date, buckets: AgingBuckets
    ) -> list[AgedBalance]:
        ranges = buckets.due_date_bounds(as_of)
        params: dict[str, Any] = {"as_of": as_of}
        for i, r in enumerate(ranges):
            if r.earliest is not None:
                params[f"earliest_{i}"] = r.earliest
            if r.latest is not None:
                params[f"latest_{i}"] = r.latest
        if customer_ids is not None:
            params["ids"] = list(customer_ids)
        query = _aged_query(len(ranges), customer_ids is not None)
        return [
            AgedBalance(customer_id, currency, tuple(sums), count, oldest)
            for customer_id, currency, count, oldest, *sums
            in self._session.connection().execute(query, params)
        ]

    def order_balances(self, customer_ids: Sequence[str] | None,
                       placed_since: date | None = None) -> list[OrderBalance]:
        params: dict[str, Any] = {} if customer_ids is None else {"ids": list(customer_ids)}
        connection = self._session.connection()
        found = [OrderBalance(*row)
                 for row in connection.execute(_ORDERS[customer_ids is not None], params)]
        if placed_since is not None:
            found += [OrderBalance(customer, currency, amount, count, placed=True)
                      for customer, currency, amount, count in connection.execute(
                          _PLACED[customer_ids is not None], {**params, "since": placed_since})]
        return found

    def credit_notes(self, customer_id: str) -> list[Money]:
        return [Money(total, currency) for currency, total in
                self._session.connection().execute(_CREDIT_NOTES, {"id": customer_id})]

    def open_invoices(self, customer_ids: Sequence[str]) -> list[Invoice]:
        rows: list[Any] = []
        ids = list(customer_ids)
        for start in range(0, len(ids), _CHUNK):
            rows += self._session.connection().execute(
                _OPEN_INVOICES, {"ids": ids[start:start + _CHUNK]})
        invoices = [
            Invoice(r.invoice_id, r.customer_id, r.issue_date, r.due_date,
                    Money(r.amount, r.currency), Money(r.open_amount, r.currency),
                    InvoiceStatus(r.status), r.order_id)
            for r in rows
        ]
        invoices.sort(key=lambda i: (i.customer_id, i.due_date, i.invoice_id))
        return invoices

    def settled(self, customer_id: str, of: Sequence[str] | None = None) -> set[str]:
        query = select(_I.c.invoice_id).where(
            _I.c.customer_id == customer_id,
            ~(_I.c.status.in_(_OPEN_INVOICE) & (_I.c.open_amount > 0)))
        if of is not None:
            query = query.where(_I.c.invoice_id.in_(list(of)))
        return set(self._session.connection().execute(query).scalars())

    def paid_since(self, customer_id: str, since: date, invoice_ids: Sequence[str] = (),
                   until: date | None = None) -> dict[tuple[str, date], Decimal]:
        query = select(_PAY.c.currency, _PAY.c.date, func.sum(_PAY.c.amount)).where(
            _PAY.c.customer_id == customer_id, _PAY.c.date >= since).group_by(
            _PAY.c.currency, _PAY.c.date)
        if until is not None:
            query = query.where(_PAY.c.date <= until)
        if invoice_ids:
            query = query.where(_PAY.c.invoice_id.in_(list(invoice_ids)))
        return {(currency, day): Decimal(total)
                for currency, day, total in self._session.connection().execute(query)}
