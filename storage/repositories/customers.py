from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, or_, select
from sqlalchemy.orm import Session

from domain.model import Customer, Financials
from domain.money import Money
from domain.refs import CustomerRef
from storage.models import CustomerRow

_FINANCIAL_FIELDS = tuple(Financials.__dataclass_fields__)
_T: Table = CustomerRow.__table__  # type: ignore[assignment]

# Built once: a slash command runs several of these, and building and hashing a
# statement costs more than SQLite takes to answer it.
# Lookups read whole rows (a handful at most) so that get() can answer from memory.
_ROWS = select(_T)
# Customers with one of these ids, and the members of groups with one of these ids: a
# person may name either, and one statement answers both.
_ROWS_BY_IDS = _ROWS.where(or_(_T.c.customer_id.in_(bindparam("ids", expanding=True)),
                               _T.c.group_id.in_(bindparam("ids", expanding=True))))
_BY_KEY = _ROWS.where(_T.c.name_key == bindparam("name_key"))
_ROW_BY_ID = select(_T).where(_T.c.customer_id == bindparam("customer_id"))
_ALL_KEYS = select(_T.c.customer_id, _T.c.name, _T.c.name_key)
# Prefix search that an index serves: name keys hold only letters, digits, "_" and
# spaces (domain.lookup.normalize_name), so GLOB needs no escaping on SQLite, where LIKE
# is case-insensitive and cannot use a plain index; PostgreSQL gets LIKE with "_"
# escaped and a text_pattern_ops index.
_BY_PREFIX = {
    "sqlite": _ROWS.where(_T.c.name_key.op("GLOB")(bindparam("pattern")))
    .order_by(_T.c.name_key).limit(bindparam("limit")),
    "postgresql": _ROWS.where(_T.c.name_key.like(bindparam("pattern"), escape="\\"))
    .order_by(_T.c.name_key).limit(bindparam("limit")),
}


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


def _prefix_pattern(dialect: str, key_prefix: str) -> str:
    if dialect == "sqlite":
        return key_prefix + "*"
    return key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class SqlCustomerRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        # Identity map for this unit of work: the lookup reads whole rows, so the
        # get() that follows it costs no second query.
        self._seen: dict[str, Any] = {}
        # Groups found by the last by_ids(), so that group_named() costs no query.
        self._groups: dict[str, list[Any]] = {}

    def _rows(self, query: Any, **params: Any) -> Any:
        # Core statements through the session's connection: no ORM bookkeeping per row.
        return self._session.connection().execute(query, params)

    def get(self, customer_id: str) -> Customer | None:
        row = self._seen.get(customer_id)
        if row is None:
            row = self._rows(_ROW_BY_ID, customer_id=customer_id).first()
        return None if row is None else to_customer(row)

    def fetch(self, customer_ids: Sequence[str] | None = None) -> list[Customer]:
        query = select(_T).order_by(_T.c.customer_id)
        if customer_ids is not None:
            query = query.where(_T.c.customer_id.in_(customer_ids))
        return [to_customer(r) for r in self._rows(query)]

    def group_members(self, group_id: str) -> list[Customer]:
        rows = self._groups.get(group_id)
        if rows is None:
            rows = list(self._rows(select(_T).where(_T.c.group_id == group_id)))
        return [to_customer(r) for r in sorted(rows, key=lambda r: r.name)]

    def group_named(self, group_ids: Sequence[str]) -> str | None:
        return next((g for g in group_ids if self._groups.get(g)), None)

    def _remember(self, rows: Any) -> list[CustomerRef]:
        refs = []
        for row in rows:
            self._seen[row.customer_id] = row
            refs.append(CustomerRef(row.customer_id, row.name))
        return refs

    def by_ids(self, customer_ids: Sequence[str]) -> list[CustomerRef]:
        wanted = list(customer_ids)
        rows = list(self._rows(_ROWS_BY_IDS, ids=wanted))
        self._groups = {g: [r for r in rows if r.group_id == g] for g in wanted}
        return self._remember(r for r in rows if r.customer_id in wanted)

    def by_name_key(self, name_key: str) -> list[CustomerRef]:
        return self._remember(self._rows(_BY_KEY, name_key=name_key))

    def by_name_prefix(self, key_prefix: str, limit: int) -> list[CustomerRef]:
        dialect = self._session.get_bind().dialect.name
        query = _BY_PREFIX.get(dialect, _BY_PREFIX["postgresql"])
        rows = self._rows(query, pattern=_prefix_pattern(dialect, key_prefix), limit=limit)
        return self._remember(rows)

    def all_name_keys(self) -> list[tuple[CustomerRef, str]]:
        return [(CustomerRef(cid, name), key) for cid, name, key in self._rows(_ALL_KEYS)]
