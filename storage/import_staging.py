"""Where an import's rows wait before the merge: a temporary staging table per file, with
each row's line number and whether it failed its own checks, filled through the driver's
own bulk path (``executemany`` on SQLite, ``COPY`` on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Column, Connection, Date, Integer, MetaData, Table

from storage.models import (
    ContractRow,
    CustomerRow,
    ExchangeRateRow,
    InvoiceRow,
    OrderRow,
    PaymentRow,
)

# What each kind of import writes.
TABLES: dict[str, Table] = {
    "customers": CustomerRow.__table__,  # type: ignore[dict-item]
    "invoices": InvoiceRow.__table__,  # type: ignore[dict-item]
    "orders": OrderRow.__table__,  # type: ignore[dict-item]
    "payments": PaymentRow.__table__,  # type: ignore[dict-item]
    "contracts": ContractRow.__table__,  # type: ignore[dict-item]
    "rates": ExchangeRateRow.__table__,  # type: ignore[dict-item]
}


def insert_for(dialect: str) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def staging_table(target: Table, columns: Sequence[str]) -> Table:
    return Table(
        f"import_stage_{target.name}",
        MetaData(),
        Column("line_no", Integer, nullable=False),
        # 1 for a row that failed its own checks: staged only for the file-wide ones.
        Column("invalid", Integer, nullable=False),
        *(Column(c, target.c[c].type) for c in columns),
        prefixes=["TEMPORARY"],
    )


def stage_writer(conn: Connection, stage: Table) -> Callable[[list[tuple[Any, ...]]], None]:
    """The driver's own bulk path, fed values already in the column types' storage form."""
    dialect = conn.dialect
    converting = [(i, p) for i, c in enumerate(stage.columns)
                  if (p := _fast_processor(c.type, dialect)) is not None]
    names = ", ".join(c.name for c in stage.columns)
    raw = conn.connection.driver_connection

    def storage_form(batch: list[tuple[Any, ...]]) -> list[Any]:
        if not converting:
            return batch
        rows: list[Any] = []
        for row in batch:
            values = list(row)
            for i, process in converting:
                if values[i] is not None:
                    values[i] = process(values[i])
            rows.append(values)
        return rows

    if dialect.name == "postgresql":
        sql = f"COPY {stage.name} ({names}) FROM STDIN"

        def copy_rows(batch: list[tuple[Any, ...]]) -> None:
            with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
                for row in storage_form(batch):
                    copy.write_row(row)

        return copy_rows

    placeholders = ", ".join("?" for _ in stage.columns)
    sql = f"INSERT INTO {stage.name} ({names}) VALUES ({placeholders})"

    def insert_rows(batch: list[tuple[Any, ...]]) -> None:
        raw.executemany(sql, storage_form(batch))  # type: ignore[union-attr]

    return insert_rows


def _fast_processor(column_type: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """The column type's own bind processor, except for SQLite dates, whose storage form
    is exactly ``date.isoformat()`` and which SQLAlchemy formats more slowly (a million
    dates per import make that visible)."""
    if dialect.name == "sqlite" and isinstance(column_type, Date):
        return date.isoformat
    # The dialect's own form of the type: a TypeDecorator's bind_processor alone runs its
    # generic impl's (Amount's Numeric turned SQLite's 1/10,000ths into a float, which
    # stored 90071992547409.93 as …099328).
    return column_type.dialect_impl(dialect).bind_processor(dialect)
