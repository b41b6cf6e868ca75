"""Bulk upsert of ERP exports, all or nothing per file, in bounded memory.

Valid rows stream into a temporary staging table through the driver's bulk path
(``executemany`` on SQLite, ``COPY`` on PostgreSQL). The checks that need the whole
file or the database — duplicate ids, unknown customers — are then single SQL
statements over the staging table, and the merge is one UPDATE ... FROM for the
changed rows and one INSERT ... SELECT for the new ones. The file is never held in
memory, only one batch of rows and the first ``error_cap`` complaints.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Engine,
    Index,
    Integer,
    MetaData,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.exc import DBAPIError

from domain.imports import ImportKind, RowError, RowParser
from storage.csv_source import CsvFile
from storage.models import (
    AuditRow,
    ContractRow,
    CustomerRow,
    ExchangeRateRow,
    InvoiceRow,
    OrderRow,
    PaymentRow,
)

TABLES: dict[str, Table] = {
    "customers": CustomerRow.__table__,  # type: ignore[dict-item]
    "invoices": InvoiceRow.__table__,  # type: ignore[dict-item]
    "orders": OrderRow.__table__,  # type: ignore[dict-item]
    "payments": PaymentRow.__table__,  # type: ignore[dict-item]
    "contracts": ContractRow.__table__,  # type: ignore[dict-item]
    "rates": ExchangeRateRow.__table__,  # type: ignore[dict-item]
}
_CUSTOMERS: Table = CustomerRow.__table__  # type: ignore[assignment]
_AUDIT: Table = AuditRow.__table__  # type: ignore[assignment]

Progress = Callable[[int, int], None]  # (rows read, bytes read)


@dataclass
class ImportReport:
    kind: str
    file: str
    dry_run: bool = False
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    committed: bool = False
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    error_cap: int = 1000

    def reject(self, errors: Sequence[RowError], rows: int = 1) -> None:
        self.rejected += rows
        self.error_count += len(errors)
        room = self.error_cap - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def as_details(self) -> dict[str, Any]:
        return {"file": self.file, "rows": self.rows_read, "inserted": self.inserted,
                "updated": self.updated, "unchanged": self.unchanged, "rejected": self.rejected}


class CsvImporter:
    def __init__(self, engine: Engine, *, batch_size: int = 10_000, error_cap: int = 1000) -> None:
        self._engine = engine
        self._batch_size = batch_size
        self._error_cap = error_cap

    def run(
        self,
        kind: ImportKind,
        source: CsvFile,
        *,
        skip_invalid: bool = False,
        dry_run: bool = False,
        actor: str = "cli",
        progress: Progress | None = None,
    ) -> ImportReport:
        parser = RowParser(kind, source.header)  # a bad header stops us before any write
        report = ImportReport(kind.name, str(source.path), dry_run=dry_run,
                              error_cap=self._error_cap)
        target = TABLES[kind.name]
        with self._engine.connect() as conn:
            stage = _staging_table(target, parser.columns)
            transaction = conn.begin()
            try:
                stage.create(conn)
                self._stream(conn, stage, parser, source, report, progress)
                Index(f"ix_{stage.name}_key", *(stage.c[k] for k in kind.key)).create(conn)
                # Without fresh statistics PostgreSQL plans the checks and the merge for
                # empty tables: nested loops over a million rows (minutes, not seconds).
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql(f"ANALYZE {stage.name}")
                    conn.exec_driver_sql(f"ANALYZE {target.name}")
                checks = _StageChecks(stage, kind)
                checks.report_into(conn, report)
                if report.rejected and not skip_invalid:
                    transaction.rollback()
                    return report
                if checks.found_any:
                    conn.execute(checks.delete_bad())
                self._merge(conn, stage, target, kind, parser.columns, report)
                conn.execute(insert(_AUDIT).values(
                    at=datetime.now(UTC), actor=actor, action=f"import.{kind.name}",
                    subject=source.path.name, details=report.as_details()))
                if dry_run:
                    transaction.rollback()
                else:
                    transaction.commit()
                    report.committed = True
            except BaseException:
                transaction.rollback()
                raise
            finally:
                # A temp table dies with its connection anyway; a failure to drop it must
                # not hide the error that brought us here.
                with contextlib.suppress(DBAPIError):
                    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {stage.name}")
                    conn.commit()
        return report

    def _stream(self, conn: Connection, stage: Table, parser: RowParser, source: CsvFile,
                report: ImportReport, progress: Progress | None) -> None:
        # Parsing in a second thread was tried: on a million rows it gained nothing
        # measurable (the GIL serialises parsing and the driver's parameter binding).
        write = _stage_writer(conn, stage)
        batch: list[tuple[Any, ...]] = []
        for line, cells in source.rows():
            report.rows_read += 1
            parsed = parser.parse(line, cells)
            if isinstance(parsed, list):
                report.reject(parsed)
                continue
            batch.append((line, *parsed))
            if len(batch) >= self._batch_size:
                write(batch)
                batch = []
                if progress:
                    progress(report.rows_read, source.bytes_read)
        if batch:
            write(batch)
        if progress:
            progress(report.rows_read, source.bytes_read)

    @staticmethod
    def _merge(conn: Connection, stage: Table, target: Table, kind: ImportKind,
               columns: Sequence[str], report: ImportReport) -> None:
        same_key = and_(*(target.c[k] == stage.c[k] for k in kind.key))
        values = [c for c in columns if c not in kind.key]
        if values:
            changed = or_(*(target.c[c].is_distinct_from(stage.c[c]) for c in values))
            report.updated = conn.execute(
                update(target).values({c: stage.c[c] for c in values}).where(same_key, changed)
            ).rowcount
        # Counted rather than read from rowcount: PostgreSQL drivers report -1 for
        # INSERT ... SELECT through SQLAlchemy.
        staged, known = conn.execute(select(
            select(func.count()).select_from(stage).scalar_subquery(),
            select(func.count()).select_from(stage).where(exists().where(same_key))
            .scalar_subquery(),
        )).one()
        # ON CONFLICT rather than NOT EXISTS: an anti-join planned on stale statistics
        # (a table that was empty at its last ANALYZE) rescans the growing table per row.
        conn.execute(_insert_for(conn.dialect.name)(target).from_select(
            # "WHERE true": SQLite's documented fix for the ON CONFLICT / JOIN ... ON
            # parsing ambiguity of INSERT ... SELECT ... ON CONFLICT.
            list(columns), select(*(stage.c[c] for c in columns)).where(true()),
        ).on_conflict_do_nothing(index_elements=list(kind.key)))
        report.inserted = staged - known
        report.unchanged = known - report.updated


def _insert_for(dialect: str) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def _staging_table(target: Table, columns: Sequence[str]) -> Table:
    return Table(
        f"import_stage_{target.name}",
        MetaData(),
        Column("line_no", Integer, nullable=False),
        *(Column(c, target.c[c].type) for c in columns),
        prefixes=["TEMPORARY"],
    )


def _stage_writer(conn: Connection, stage: Table) -> Callable[[list[tuple[Any, ...]]], None]:
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
    return column_type.bind_processor(dialect)


class _StageChecks:
    """Whole-file rules, as SQL over the staging table."""

    def __init__(self, stage: Table, kind: ImportKind) -> None:
        self.stage = stage
        self.kind = kind
        keys = [stage.c[k] for k in kind.key]
        firsts = (
            select(*keys, func.min(stage.c.line_no).label("first_line"))
            .group_by(*keys)
            .having(func.count() > 1)
            .subquery()
        )
        self.duplicates = (
            select(stage.c.line_no, firsts.c.first_line, *keys)
            .join(firsts, and_(*(stage.c[k] == firsts.c[k] for k in kind.key)))
            .where(stage.c.line_no > firsts.c.first_line)
        )
        self.found_any = True
        self.orphan = None
        if kind.customer_column:
            ref = stage.c[kind.customer_column]
            self.orphan = ~exists().where(_CUSTOMERS.c.customer_id == ref)

    def _bad(self) -> Any:
        duplicate = self.stage.c.line_no.in_(select(self.duplicates.subquery().c.line_no))
        return duplicate if self.orphan is None else or_(duplicate, self.orphan)

    def report_into(self, conn: Connection, report: ImportReport) -> None:
        errors: list[RowError] = []
        room = max(report.error_cap - len(report.errors), 0)
        key_label = "/".join(self.kind.key)
        for line, first, *key in conn.execute(self.duplicates.order_by(self.stage.c.line_no)
                                              .limit(room)):
            shown = "/".join(str(k) for k in key)
            errors.append(RowError(line, self.kind.key[0],
                                   f"duplicate {key_label} {shown} (first on line {first})"))
        if self.orphan is not None:
            column = self.kind.customer_column
            query = (select(self.stage.c.line_no, self.stage.c[column])  # type: ignore[index]
                     .where(self.orphan).order_by(self.stage.c.line_no).limit(room))
            for line, customer_id in conn.execute(query):
                errors.append(RowError(line, column, f"“{customer_id}” is not a known customer "
                                                     "(import customers first)"))
        errors.sort(key=lambda e: e.line)
        self.found_any = bool(errors) or room == 0
        if not self.found_any:
            return
        bad_rows = conn.execute(
            select(func.count()).select_from(self.stage).where(self._bad())).scalar_one()
        if bad_rows:
            report.reject(errors, rows=bad_rows)
            report.error_count += max(bad_rows - len(errors), 0)
            report.errors.sort(key=lambda e: e.line)

    def delete_bad(self) -> Any:
        return delete(self.stage).where(self._bad())
