from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from domain.aging import AgingBuckets
from domain.exposure import BucketBalance, OrderBalance
from domain.model import INVOICE_STATUSES_IN_EXPOSURE, ORDER_STATUSES_IN_EXPOSURE
from storage.models import InvoiceRow, OrderRow


class SqlReceivablesQueries:
    """Sums and aging computed by the database: rows never travel to Python one by one."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def bucket_balances(
        self, customer_ids: Sequence[str] | None, as_of: date, buckets: AgingBuckets
    ) -> list[BucketBalance]:
        ranges = buckets.due_date_bounds(as_of)
        # Ranges run from "not yet due" to "oldest"; each bucket's earliest due date is
        # the lower bound that separates it from the next, older one.
        bucket = case(
            *((InvoiceRow.due_date >= r.earliest, i) for i, r in enumerate(ranges[:-1])),
            else_=len(ranges) - 1,
        )
        inner = select(
            InvoiceRow.customer_id,
            InvoiceRow.currency,
            bucket.label("bucket"),
            InvoiceRow.open_amount,
            InvoiceRow.due_date,
        ).where(
            InvoiceRow.status.in_([s.value for s in INVOICE_STATUSES_IN_EXPOSURE]),
            InvoiceRow.open_amount > 0,
        )
        if customer_ids is not None:
            inner = inner.where(InvoiceRow.customer_id.in_(customer_ids))
        sub = inner.subquery()
        query = select(
            sub.c.customer_id,
            sub.c.currency,
            sub.c.bucket,
            func.sum(sub.c.open_amount),
            func.count(),
            func.min(sub.c.due_date),
        ).group_by(sub.c.customer_id, sub.c.currency, sub.c.bucket)
        return [BucketBalance(*row) for row in self._session.execute(query)]

    def order_balances(self, customer_ids: Sequence[str] | None) -> list[OrderBalance]:
        query = select(
            OrderRow.customer_id, OrderRow.currency, func.sum(OrderRow.amount), func.count()
        ).where(OrderRow.status.in_([s.value for s in ORDER_STATUSES_IN_EXPOSURE]))
        if customer_ids is not None:
            query = query.where(OrderRow.customer_id.in_(customer_ids))
        query = query.group_by(OrderRow.customer_id, OrderRow.currency)
        return [OrderBalance(*row) for row in self._session.execute(query)]
