from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.model import Customer, Financials
from domain.money import Money
from domain.refs import CustomerRef
from storage.models import CustomerRow

_FINANCIAL_FIELDS = tuple(Financials.__dataclass_fields__)
_TABLE = CustomerRow.__table__


def to_customer(row: Any) -> Customer:
    """From an ORM entity or a plain result row: both expose the columns as attributes."""
    return Customer(
        customer_id=row.customer_id,
        name=row.name,
        credit_limit=Money(row.credit_limit, row.currency),
        payment_terms_days=row.payment_terms_days,
        industry=row.industry,
        country=row.country,
        owner_slack_id=row.owner_slack_id,
        department=row.department,
        group_id=row.group_id,
        established_year=row.established_year,
        financials=Financials(**{f: getattr(row, f) for f in _FINANCIAL_FIELDS}),
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqlCustomerRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, customer_id: str) -> Customer | None:
        row = self._session.get(CustomerRow, customer_id)
        return None if row is None else to_customer(row)

    def list(self, customer_ids: Sequence[str] | None = None) -> list[Customer]:
        # Plain rows, not ORM entities: the portfolio reads 20,000 of them at a time, and
        # identity-map bookkeeping would cost more than the query.
        query = select(_TABLE).order_by(_TABLE.c.customer_id)
        if customer_ids is not None:
            query = query.where(_TABLE.c.customer_id.in_(customer_ids))
        return [to_customer(r) for r in self._session.execute(query)]

    def group_members(self, group_id: str) -> list[Customer]:
        query = select(_TABLE).where(_TABLE.c.group_id == group_id).order_by(_TABLE.c.name)
        return [to_customer(r) for r in self._session.execute(query)]

    def _refs(self, query) -> list[CustomerRef]:  # type: ignore[no-untyped-def]
        return [CustomerRef(cid, name) for cid, name in self._session.execute(query)]

    def by_id(self, customer_id: str) -> CustomerRef | None:
        refs = self._refs(select(CustomerRow.customer_id, CustomerRow.name)
                          .where(CustomerRow.customer_id == customer_id))
        return refs[0] if refs else None

    def by_name_key(self, name_key: str) -> list[CustomerRef]:
        return self._refs(select(CustomerRow.customer_id, CustomerRow.name)
                          .where(CustomerRow.name_key == name_key))

    def by_name_prefix(self, key_prefix: str, limit: int) -> list[CustomerRef]:
        return self._refs(
            select(CustomerRow.customer_id, CustomerRow.name)
            .where(CustomerRow.name_key.like(_escape_like(key_prefix) + "%", escape="\\"))
            .order_by(CustomerRow.name_key)
            .limit(limit)
        )

    def all_name_keys(self) -> list[tuple[CustomerRef, str]]:
        query = select(CustomerRow.customer_id, CustomerRow.name, CustomerRow.name_key)
        return [(CustomerRef(cid, name), key) for cid, name, key in self._session.execute(query)]
