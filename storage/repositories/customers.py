from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, and_, bindparam, func, or_, select, union
from sqlalchemy.orm import Session

from domain.model import FINANCIAL_FIELDS, Customer, Financials
from domain.money import Money
from domain.refs import CustomerRef
from storage.models import CustomerRow, TermsChangeRow

_T: Table = CustomerRow.__table__  # type: ignore[assignment]
_TERMS: Table = TermsChangeRow.__table__  # type: ignore[assignment]

# The payment terms creditbot approved last that still stand: on the ERP's terms they
# replaced, never overtaken by an import of others (credit_requests.overtake_changes).
# The same in storage.check_reads.
_APPROVED_TERMS = (
    select(_TERMS.c.terms_days)
    .where(_TERMS.c.customer_id == _T.c.customer_id, _TERMS.c.overtaken_at.is_(None),
           _TERMS.c.previous_terms_days == _T.c.payment_terms_days)
    .order_by(_TERMS.c.id.desc()).limit(1).scalar_subquery())
# Every column, the terms in force as payment_terms_days and the ERP's beside them.
_COLUMNS = [c for c in _T.c if c.name != "payment_terms_days"] + [
    func.coalesce(_APPROVED_TERMS, _T.c.payment_terms_days).label("payment_terms_days"),
    _T.c.payment_terms_days.label("erp_terms_days")]

# Built once: a slash command runs several of these, and building and hashing a
# statement costs more than SQLite takes to answer it.
# Lookups read whole rows (a handful at most) so that get() can answer from memory.
_ROWS = select(*_COLUMNS)
# Customers with one of these ids, and the members of groups with one of these ids: a
# person may name either, and one statement answers both.
_ROWS_BY_IDS = _ROWS.where(or_(_T.c.customer_id.in_(bindparam("ids", expanding=True)),
                               _T.c.group_id.in_(bindparam("ids", expanding=True))))
# A person may type either name, so each lookup asks both keys in one statement.
_BY_KEY = _ROWS.where(or_(_T.c.name_key == bindparam("name_key"),
                          _T.c.name_local_key == bindparam("name_key")))
_ROW_BY_ID = select(*_COLUMNS).where(_T.c.customer_id == bindparam("customer_id"))
_ALL_KEYS = select(_T.c.customer_id, _T.c.name, _T.c.name_local, _T.c.name_key,
                   _T.c.name_local_key)


def _prefix_on(key: Any, match: Any) -> Any:
    """The first ``limit`` customers whose ``key`` starts with the prefix, in key order:
    read from the key's index, which stops after ``limit`` rows."""
    return select(_ROWS.where(match(key)).order_by(key).limit(bindparam("limit")).subquery())


def _prefix_search(match: Any) -> Any:
    """Customers either of whose keys starts with the prefix, each once (UNION), the
    first ``limit`` by name key. Each side is limited on its own index: an OR of the two
    keys would read every match of a short prefix ("c") before sorting and cutting."""
    either = union(_prefix_on(_T.c.name_key, match), _prefix_on(_T.c.name_local_key, match))
    matches = either.subquery()
    return select(matches).order_by(matches.c.name_key).limit(bindparam("limit"))


# Prefix search that an index serves. SQLite: a range of keys rather than GLOB, whose
# index use depends on the pattern's value, so that SQLite prepares the statement again
# at every run when the pattern is a bound parameter (~20 µs, most of the lookup); a
# range is prepared once. Keys compare by their UTF-8 bytes, so every key that starts
# with the prefix sorts from the prefix up to the prefix followed by U+10FFFF, which no
# key holds (normalize_name makes it a space). PostgreSQL: LIKE with "_" escaped, on a
# text_pattern_ops index.
_BY_PREFIX = {
    "sqlite": _prefix_search(lambda key: and_(key >= bindparam("low"), key < bindparam("high"))),
    "postgresql": _prefix_search(lambda key: key.like(bindparam("pattern"), escape="\\")),
}
_PAST_EVERY_CHARACTER = "\U0010ffff"


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
        financials=Financials(**{f: getattr(row, f) for f in FINANCIAL_FIELDS}),
        name_local=row.name_local,
        erp_terms_days=_erp_terms(row),
    )


def _erp_terms(row: Any) -> int | None:
    """The ERP's terms when creditbot's differ (rows read with ``_COLUMNS``)."""
    erp = getattr(row, "erp_terms_days", None)
    return erp if erp is not None and erp != row.payment_terms_days else None


def _prefix_params(dialect: str, key_prefix: str) -> dict[str, str]:
    if dialect == "sqlite":
        return {"low": key_prefix, "high": key_prefix + _PAST_EVERY_CHARACTER}
    escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return {"pattern": escaped + "%"}


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
        query = select(*_COLUMNS).order_by(_T.c.customer_id)
        if customer_ids is not None:
            query = query.where(_T.c.customer_id.in_(customer_ids))
        return [to_customer(r) for r in self._rows(query)]

    def group_members(self, group_id: str) -> list[Customer]:
        rows = self._groups.get(group_id)
        if rows is None:
            rows = list(self._rows(select(*_COLUMNS).where(_T.c.group_id == group_id)))
        return [to_customer(r) for r in sorted(rows, key=lambda r: r.name)]

    def group_named(self, group_ids: Sequence[str]) -> str | None:
        return next((g for g in group_ids if self._groups.get(g)), None)

    def _remember(self, rows: Any) -> list[CustomerRef]:
        refs = []
        for row in rows:
            self._seen[row.customer_id] = row
            refs.append(CustomerRef(row.customer_id, row.name, row.name_local))
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
        rows = self._rows(query, **_prefix_params(dialect, key_prefix), limit=limit)
        return self._remember(rows)

    def all_name_keys(self) -> list[tuple[CustomerRef, str]]:
        keys = []
        for cid, name, name_local, key, local_key in self._rows(_ALL_KEYS):
            ref = CustomerRef(cid, name, name_local)
            keys.append((ref, key))
            if local_key is not None:
                keys.append((ref, local_key))
        return keys
