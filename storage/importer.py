"""Bulk upsert of ERP exports, all or nothing per file, in bounded memory.

Rows stream into a temporary staging table through the driver's bulk path
(``executemany`` on SQLite, ``COPY`` on PostgreSQL); a row that failed its own checks
is staged too, flagged, with its id and references, so that the file-wide and database
checks report its other problems in the same pass. Those checks — duplicate ids,
unknown customers, references to invoices or contracts that do not exist or belong to
another customer — are single SQL statements over the staging table, and the merge is
one UPDATE ... FROM for the changed rows and one INSERT ... SELECT for the new ones.
The file is never held in memory, only one batch of rows and the first ``error_cap``
complaints.

One import runs at a time: each holds the ``import`` lease (``storage.leases``) from
before it reads the first row until it has committed, renewing it while it streams.
"""

from __future__ import annotations

import contextlib
import operator
import os
import re
import socket
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
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
    case,
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

from domain.errors import DomainError
from domain.imports import KINDS, ImportContext, ImportKind, RowError, RowErrors, RowParser
from domain.model import INVOICE_STATUSES_IN_EXPOSURE
from domain.money import Money
from domain.text import reads_as
from storage.csv_source import CsvFile
from storage.leases import Lease, LeaseState, holder_of, try_acquire
from storage.models import (
    AuditRow,
    ContractRow,
    CustomerRow,
    ExchangeRateRow,
    InvoiceRow,
    OrderRow,
    PaymentRow,
)
from storage.repositories.rates import forget_cached_rates
from storage.types import AMOUNT_SCALE

_OPEN_STATUSES = [s.value for s in INVOICE_STATUSES_IN_EXPOSURE]
TABLES: dict[str, Table] = {
    "customers": CustomerRow.__table__,  # type: ignore[dict-item]
    "invoices": InvoiceRow.__table__,  # type: ignore[dict-item]
    "orders": OrderRow.__table__,  # type: ignore[dict-item]
    "payments": PaymentRow.__table__,  # type: ignore[dict-item]
    "contracts": ContractRow.__table__,  # type: ignore[dict-item]
    "rates": ExchangeRateRow.__table__,  # type: ignore[dict-item]
}
_AUDIT: Table = AuditRow.__table__  # type: ignore[assignment]
_RATES: Table = ExchangeRateRow.__table__  # type: ignore[assignment]

Progress = Callable[[int, int], None]  # (rows read, bytes read)

IMPORT_LEASE = "import"
# Long enough for any pause between two batches; short enough that a killed import
# stops blocking the next one within minutes.
IMPORT_LEASE_TTL = timedelta(minutes=2)
_HOLDER = re.compile(r"(?P<kind>\S+) import by (?P<who>.+)")


class ImportBusy(DomainError):
    """Another import is running."""


class ImportRefused(DomainError):
    """The file as a whole cannot be imported (nothing was); the message says why."""


class ImportInterrupted(DomainError):
    """This import lost its lease (it stalled past the ttl and another took over)."""


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
    # Things a person should know although nothing is wrong with any row.
    warnings: list[str] = field(default_factory=list)

    def note(self, errors: Sequence[RowError]) -> None:
        """Counts a row's problems; keeps them while fewer than ``error_cap`` are kept."""
        self.error_count += len(errors)
        room = self.error_cap - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def as_details(self) -> dict[str, Any]:
        return {"file": self.file, "rows": self.rows_read, "inserted": self.inserted,
                "updated": self.updated, "unchanged": self.unchanged, "rejected": self.rejected}


class CsvImporter:
    """Imports ERP files. With ``base_currency`` (the organisation's), rows priced in a
    currency with no exchange rate are warned about, and a rate for the base currency
    other than 1 is a bad row; without it, neither is checked."""

    def __init__(self, engine: Engine, *, base_currency: str | None = None,
                 batch_size: int = 10_000, error_cap: int = 1000,
                 lease_ttl: timedelta = IMPORT_LEASE_TTL) -> None:
        self._engine = engine
        self._base = base_currency.upper() if base_currency else None
        self._batch_size = batch_size
        self._error_cap = error_cap
        self._lease_ttl = lease_ttl

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
        # Before the first row: a second import would otherwise do all its work and then
        # fail on SQLite's lock, or interleave its writes with the first on PostgreSQL.
        lease = self._claim(kind)
        try:
            return self._run(lease, kind, source, skip_invalid=skip_invalid, dry_run=dry_run,
                             actor=actor, progress=progress)
        finally:
            # A lease that cannot be released expires; that must not hide the real error.
            with contextlib.suppress(DBAPIError):
                lease.release()

    def _claim(self, kind: ImportKind) -> Lease:
        holder = f"{kind.name} import by {socket.gethostname()}:{os.getpid()}"
        # A holder may finish between our failed attempt and our look at who it was.
        for _ in range(3):
            lease = try_acquire(self._engine, IMPORT_LEASE, holder, self._lease_ttl)
            if lease is not None:
                return lease
            current = holder_of(self._engine, IMPORT_LEASE)
            if current is not None:
                raise ImportBusy(_busy_message(current))
        raise ImportBusy("another import started and finished while this one waited to "
                         "start; try again")

    def _run(self, lease: Lease, kind: ImportKind, source: CsvFile, *, skip_invalid: bool,
             dry_run: bool, actor: str, progress: Progress | None) -> ImportReport:
        parser = RowParser(kind, source.header, ImportContext(self._base))
        # A row may stop after its last required column: a swallowed one may be as short.
        source.shortest_row = min(source.shortest_row, len(kind.required))
        report = ImportReport(kind.name, str(source.path), dry_run=dry_run,
                              error_cap=self._error_cap)
        target = TABLES[kind.name]
        with self._engine.connect() as conn:
            stage = _staging_table(target, parser.columns)
            try:
                # Staging touches only this connection's temporary table: the lease's
                # renewals, committed from other connections meanwhile, cannot conflict.
                with conn.begin():
                    stage.create(conn)
                    currencies = self._stream(conn, stage, parser, source, report, progress,
                                              lease)
                if report.rows_read == 0:
                    report.warnings.append(
                        f"{report.file} has a header but no data rows: nothing to import")
                if not lease.renew():
                    raise _lost(lease)
                # The checks only read. Only imports write these tables, and the lease
                # keeps other imports out until we are done, so what the checks find
                # still holds when the merge runs, in a transaction of its own.
                with conn.begin():
                    checks = self._check(conn, stage, target, parser, report)
                if report.rejected and not skip_invalid:
                    return report
                transaction = conn.begin()
                try:
                    # Renewing first takes SQLite's write lock first: a write committed
                    # elsewhere between this transaction's first read and its first write
                    # would otherwise fail the import at its last step ("database is
                    # locked"). The lock is held for the merge only, as before.
                    if not lease.renew(connection=conn):
                        raise _lost(lease)
                    if report.rejected:
                        conn.execute(checks.delete_bad())
                        currencies = None  # counted before some rows were dropped
                    report.warnings.extend(self._rate_warnings(conn, stage, kind, currencies))
                    if kind.name == "rates":
                        report.warnings.extend(_rate_jumps(conn, stage, self._base))
                    if kind.name == "payments":
                        report.warnings.extend(_overpayments(conn, stage))
                        report.warnings.extend(_ahead_of_invoices(conn, stage))
                        report.warnings.extend(_other_currency(conn, stage))
                    if kind.name == "invoices":
                        report.warnings.extend(_sign_flips(conn, stage))
                    if kind.name == "customers":
                        report.warnings.extend(_case_twins(conn, stage))
                    if kind.name == "contracts":
                        report.warnings.extend(_overlapping_contracts(conn, stage))
                    self._merge(conn, stage, target, kind, parser.columns, report)
                    _within_sqlite_sums(conn, stage, target, report.file)
                    conn.execute(insert(_AUDIT).values(
                        at=datetime.now(UTC), actor=actor, action=f"import.{kind.name}",
                        subject=source.path.name, details=report.as_details()))
                    if dry_run:
                        transaction.rollback()
                    else:
                        transaction.commit()
                        report.committed = True
                        if kind.name == "rates":
                            forget_cached_rates()
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

    @staticmethod
    def _check(conn: Connection, stage: Table, target: Table, parser: RowParser,
               report: ImportReport) -> _StageChecks:
        Index(f"ix_{stage.name}_key", *(stage.c[k] for k in parser.kind.key)).create(conn)
        # Without fresh statistics PostgreSQL plans the checks and the merge for
        # empty tables: nested loops over a million rows (minutes, not seconds).
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"ANALYZE {stage.name}")
            conn.exec_driver_sql(f"ANALYZE {target.name}")
        checks = _StageChecks(stage, parser)
        checks.report_into(conn, report)
        return checks

    def _stream(self, conn: Connection, stage: Table, parser: RowParser, source: CsvFile,
                report: ImportReport, progress: Progress | None, lease: Lease
                ) -> Counter[str | None] | None:
        """Stages every row; returns how many rows are in each currency, when the
        rate check needs it (counted here, batch by batch in C, because a GROUP BY over
        the staged rows afterwards costs ten times as much)."""
        # Parsing in a second thread was tried: on a million rows it gained nothing
        # measurable (the GIL serialises parsing and the driver's parameter binding).
        stage_write = _stage_writer(conn, stage)
        currency = parser.kind.currency_column
        currencies: Counter[str | None] | None = None
        if self._base is not None and currency in parser.columns:
            currencies = Counter()
            # Staged rows are (line_no, invalid, *columns); a bad row's currency is None.
            pick = operator.itemgetter(2 + parser.columns.index(currency))  # type: ignore[arg-type]

        def write(rows: list[tuple[Any, ...]]) -> None:
            stage_write(rows)
            if currencies is not None:
                currencies.update(map(pick, rows))

        batch: list[tuple[Any, ...]] = []
        blank = [None] * len(parser.columns)
        # A bad row is staged with only the columns the set-based checks read: its other
        # values may not fit their columns (that can be why it is bad).
        checked = {*parser.kind.key, *(r.column for r in parser.kind.references)}
        if parser.kind.customer_column:
            checked.add(parser.kind.customer_column)
        kept = [(i, c) for i, c in enumerate(parser.columns) if c in checked]
        renew_every = lease.ttl / 4
        renew_at = datetime.now(UTC) + renew_every
        for line, cells in source.rows():
            report.rows_read += 1
            parsed = parser.parse(line, cells)
            if isinstance(parsed, RowErrors):
                report.note(parsed)
                values = blank.copy()
                for i, column in kept:
                    values[i] = parsed.values.get(column)
                batch.append((line, 1, *values))
            else:
                batch.append((line, 0, *parsed))
            if len(batch) >= self._batch_size:
                write(batch)
                batch = []
                # Checked every batch, written a few times per ttl: a killed import's
                # lease then runs out within the ttl, a live one's never does.
                if datetime.now(UTC) >= renew_at:
                    if not lease.renew():
                        raise _lost(lease)
                    renew_at = datetime.now(UTC) + renew_every
                if progress:
                    progress(report.rows_read, source.bytes_read)
        if batch:
            write(batch)
        if progress:
            progress(report.rows_read, source.bytes_read)
        return currencies

    def _rate_warnings(self, conn: Connection, stage: Table, kind: ImportKind,
                       currencies: Counter[str | None] | None) -> list[str]:
        column = kind.currency_column
        if self._base is None or column is None or column not in stage.c:
            return []
        priced = {self._base, *conn.execute(select(_RATES.c.currency).distinct()).scalars()}
        if currencies is not None:
            missing = sorted((code, n) for code, n in currencies.items()
                             if code is not None and code not in priced)
        else:
            currency = stage.c[column]
            missing = [(code, n) for code, n in conn.execute(
                select(currency, func.count()).where(currency.is_not(None),
                                                     currency.not_in(priced))
                .group_by(currency).order_by(currency))]
        return [_no_rate_warning(kind, code, n, self._base) for code, n in missing]

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


# SQLite sums integers (amounts are 1/10,000ths there) in 64 bits and fails past them:
# one currency's amounts adding up to more than about 922 trillion made every check,
# alerts scan and report of the portfolio fail, not only the rows that did it. A margin
# below it, since a sum may run over credit notes as well as invoices.
SQLITE_SUM_CAP = Decimal("900000000000000")


def _within_sqlite_sums(conn: Connection, stage: Table, target: Table, file: str) -> None:
    """On SQLite, refuses (before the import commits) amounts whose total in one currency
    SQLite could not add up; PostgreSQL's NUMERIC sums have no such bound."""
    if conn.dialect.name != "sqlite" or "amount" not in target.c or "amount" not in stage.c:
        return
    scaled = float(SQLITE_SUM_CAP * 10 ** AMOUNT_SCALE)
    # TOTAL() adds as a float, which never overflows: close enough to tell. All
    # currencies together first, in one pass without a sort (a GROUP BY sorted the
    # million rows, 30 MB more at the peak of an import); per currency only if over.
    everything = conn.execute(select(func.total(func.abs(target.c.amount)))).scalar_one()
    if everything < scaled:
        return
    over = conn.execute(select(target.c.currency).group_by(target.c.currency).having(
        func.total(func.abs(target.c.amount)) >= scaled)
        .order_by(target.c.currency)).scalars().all()
    if not over:
        return
    currency = over[0]
    largest = conn.execute(select(stage.c.line_no, stage.c.amount).where(
        stage.c.currency == currency).order_by(func.abs(stage.c.amount).desc(),
                                               stage.c.line_no).limit(3)).all()
    lines = ", ".join(f"line {line}: {_money(amount, currency)}" for line, amount in largest)
    raise ImportRefused(
        f"{file}: with this file, the {target.name}' amounts in {currency}, counted without "
        f"their sign, would add up to more than {SQLITE_SUM_CAP:,.0f} {currency}, more than "
        "SQLite can add exactly (credit notes cancel out only at the end of a sum); "
        f"nothing was imported. Check the file's largest amounts ({lines or 'none'}), or "
        "run creditbot on PostgreSQL for a portfolio that size.")


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
        # 1 for a row that failed its own checks: staged only for the file-wide ones.
        Column("invalid", Integer, nullable=False),
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
    # The dialect's own form of the type: a TypeDecorator's bind_processor alone runs its
    # generic impl's (Amount's Numeric turned SQLite's 1/10,000ths into a float, which
    # stored 90071992547409.93 as …099328).
    return column_type.dialect_impl(dialect).bind_processor(dialect)


class _Check:
    """One whole-file or database rule over the staging table: ``bad`` tells a row that
    breaks it, ``listing`` gives (line, column, message) for the first ones."""

    def __init__(self, bad: Any, listing: Any,
                 describe: Callable[[Any], tuple[int, str, str]]) -> None:
        self.bad = bad
        self.listing = listing
        self.describe = describe


class _StageChecks:
    """The rules that need the whole file or the database, as SQL over the staging
    table. Bad rows of the file were staged too (flagged ``invalid``), so each of them
    gets these checks as well, and a person sees every problem of a row at once."""

    def __init__(self, stage: Table, parser: RowParser) -> None:
        self.stage = stage
        self.parser = parser
        kind = parser.kind
        self.checks = [self._duplicates(kind)]
        for reference in kind.references:
            if reference.column in stage.c:
                owned = kind.customer_column and KINDS[reference.kind].customer_column
                if owned and reference.column != kind.customer_column:
                    self.checks.append(self._owned_reference(reference))
                else:
                    self.checks.append(self._unknown(reference))

    def _duplicates(self, kind: ImportKind) -> _Check:
        stage = self.stage
        keys = [stage.c[k] for k in kind.key]
        firsts = (
            select(*keys, func.min(stage.c.line_no).label("first_line"))
            .group_by(*keys)
            .having(func.count() > 1)
            .subquery()
        )
        # A row the same as the first in every column read (an ERP that exported it
        # twice) is said to be so: deleting either is the whole fix.
        first_row = stage.alias("first_row")
        same = and_(stage.c.invalid == 0, first_row.c.invalid == 0,
                    *(column.is_not_distinct_from(first_row.c[column.name])
                      for column in stage.c if column.name not in ("line_no", "invalid")))
        listing = (
            select(stage.c.line_no, firsts.c.first_line, case((same, 1), else_=0), *keys)
            .join(firsts, and_(*(stage.c[k] == firsts.c[k] for k in kind.key)))
            .join(first_row, first_row.c.line_no == firsts.c.first_line)
            .where(stage.c.line_no > firsts.c.first_line)
        )
        key_label = "/".join(kind.key)

        def describe(row: Any) -> tuple[int, str, str]:
            line, first, identical, *key = row
            shown = "/".join(str(k) for k in key)
            # "In every column read": a column creditbot does not import may differ.
            where = (f"the same as line {first} in every column read: if it was exported "
                     "twice, delete one" if identical
                     else f"first on line {first}")
            return line, kind.key[0], f"duplicate {key_label} {shown} ({where})"

        return _Check(stage.c.line_no.in_(select(listing.subquery().c.line_no)), listing,
                      describe)

    def _unknown(self, reference: Any) -> _Check:
        stage = self.stage
        target = TABLES[reference.kind]
        target_key = target.c[KINDS[reference.kind].key[0]]
        ref = stage.c[reference.column]
        bad = and_(ref.is_not(None), ~exists().where(target_key == ref))

        def describe(row: Any) -> tuple[int, str, str]:
            return row[0], reference.column, (f"“{row[1]}” is not a known {reference.noun} "
                                              f"(import {reference.kind} first)")

        return _Check(bad, select(stage.c.line_no, ref).where(bad), describe)

    def _owned_reference(self, reference: Any) -> _Check:
        """The row named must exist and be this row's customer's: both answered by one
        outer join, so each reference is looked up once."""
        stage = self.stage
        target = TABLES[reference.kind]
        target_key = target.c[KINDS[reference.kind].key[0]]
        owner = target.c[KINDS[reference.kind].customer_column]  # type: ignore[index]
        ref = stage.c[reference.column]
        customer = stage.c[self.parser.kind.customer_column]  # type: ignore[index]
        bad = and_(ref.is_not(None), or_(~exists().where(target_key == ref),
                                         exists().where(target_key == ref, owner != customer)))
        listing = (select(stage.c.line_no, ref, owner, customer)
                   .select_from(stage.outerjoin(target, target_key == ref))
                   .where(ref.is_not(None), or_(target_key.is_(None), owner != customer)))

        def describe(row: Any) -> tuple[int, str, str]:
            line, ref_value, owner_id, customer_id = row
            if owner_id is None:
                return line, reference.column, (f"“{ref_value}” is not a known "
                                                f"{reference.noun} (import {reference.kind} "
                                                "first)")
            return line, reference.column, (f"{reference.noun} {ref_value} belongs to customer "
                                            f"{owner_id}, not {customer_id}")

        return _Check(bad, listing, describe)

    def report_into(self, conn: Connection, report: ImportReport) -> None:
        """Adds the checks' problems to those found row by row, keeps the first
        ``error_cap`` of them in line order, and counts the rows with any problem."""
        cap = report.error_cap
        found: list[RowError] = []
        any_bad = report.error_count > 0
        for check in self.checks:
            rows = conn.execute(check.listing.order_by(self.stage.c.line_no).limit(cap)).all()
            if not rows:
                continue
            any_bad = True
            found.extend(RowError(*check.describe(row)) for row in rows)
            report.error_count += len(rows) if len(rows) < cap else conn.execute(
                select(func.count()).select_from(self.stage).where(check.bad)).scalar_one()
        if not any_bad:
            return
        errors = report.errors + found
        errors.sort(key=self.parser.sort_key)
        report.errors = errors[:cap]
        report.rejected = conn.execute(
            select(func.count()).select_from(self.stage).where(self._bad())).scalar_one()

    def _bad(self) -> Any:
        return or_(self.stage.c.invalid == 1, *(check.bad for check in self.checks))

    def delete_bad(self) -> Any:
        return delete(self.stage).where(self._bad())


def _no_rate_warning(kind: ImportKind, currency: str, rows: int, base: str) -> str:
    # A customer's own figures in its own currency need no rate; only what is converted
    # into the base currency does.
    one = rows == 1
    return (f"{rows:,} {kind.noun if one else kind.noun + 's'} {'is' if one else 'are'} in "
            f"{currency}, which has no exchange rate to {base}: amounts in {currency} are "
            f"computed as they are, but converting them into {base} (portfolio totals, group "
            "positions, a customer whose limit is in another currency) needs one; import it, "
            "e.g. `creditbot import rates rates.csv`")


# A rate that moves by more than this factor from one import to the next is far more
# likely written the wrong way round (7.1 CNY per USD instead of 0.14 USD per CNY) than
# a real move.
RATE_JUMP_FACTOR = 5


def _rate_jumps(conn: Connection, stage: Table, base: str | None) -> list[str]:
    """A warning per currency whose latest rate in the file is more than
    RATE_JUMP_FACTOR times (or less than 1/RATE_JUMP_FACTOR of) the latest rate already
    stored before that date; read before the merge, so "stored" means "previous"."""
    latest: dict[str, tuple[Any, Decimal]] = {}
    for day, code, rate in conn.execute(
            select(stage.c.date, stage.c.currency, stage.c.rate_to_base)
            .where(stage.c.invalid == 0)):
        if code not in latest or day > latest[code][0]:
            latest[code] = (day, rate)
    warnings = []
    for code, (day, rate) in sorted(latest.items()):
        previous = conn.execute(
            select(_RATES.c.rate_to_base).where(_RATES.c.currency == code, _RATES.c.date < day)
            .order_by(_RATES.c.date.desc()).limit(1)).scalar_one_or_none()
        if previous is None or not previous or not rate:
            continue
        ratio = Decimal(rate) / Decimal(previous)
        if 1 / Decimal(RATE_JUMP_FACTOR) <= ratio <= RATE_JUMP_FACTOR:
            continue
        size = (f"{ratio:.0f}× the last one" if ratio > 1
                else f"1/{1 / ratio:.0f} of the last one")
        per = f"{base} per 1 {code}" if base else f"base currency per 1 {code}"
        warnings.append(f"the {code} rate {_plain(rate)} is {size} ({_plain(previous)}): "
                        f"rates are {per}")
    return warnings


# Rows a warning names (the first in the file); the rest are counted.
NAMED_IN_WARNING = 3


def _named(found: Sequence[str], count: int | None = None) -> str:
    """The first NAMED_IN_WARNING of ``found`` (of ``count`` in all), for a warning."""
    shown = found[:NAMED_IN_WARNING]
    rest = (len(found) if count is None else count) - len(shown)
    return "; ".join(shown) + (f" and {rest} more" if rest else "")


def _overpayments(conn: Connection, stage: Table) -> list[str]:
    """A warning for payments above their invoice's amount (a credit note's refund above
    its size), in its currency: a digit too many in the ERP (99,999,999.00 against an
    invoice of 900,000.00) would otherwise pass unseen, and the report's past AR, rebuilt
    from payments, counts at most the invoice's amount of each (storage.reports)."""
    if "invoice_id" not in stage.c:  # an optional column: no payment names an invoice
        return []
    invoices: Table = TABLES["invoices"]
    over = _paying(stage, invoices.c.amount, and_(stage.c.currency == invoices.c.currency,
                                                  stage.c.amount > func.abs(invoices.c.amount)))
    return _rows_warning(
        conn, over, lambda line, payment, paid, code, invoice, billed: (
            f"line {line}, {payment} of {_money(paid, code)} {code} for {invoice} of "
            f"{_money(billed, code)} {code}"),
        "payment is more than the invoice it pays",
        "payments are more than the invoices they pay",
        "check them in the ERP; the collection metrics count each payment at most as its "
        "invoice's amount")


def _paying(stage: Table, shown: Any, where: Any) -> Any:
    """The file's good payments of an invoice for which ``where`` holds, in file order:
    (line, payment, amount, currency, invoice, ``shown`` of the invoice)."""
    invoices: Table = TABLES["invoices"]
    return (select(stage.c.line_no, stage.c.payment_id, stage.c.amount, stage.c.currency,
                   invoices.c.invoice_id, shown)
            .join(invoices, invoices.c.invoice_id == stage.c.invoice_id)
            .where(stage.c.invalid == 0, where).order_by(stage.c.line_no))


def _ahead_of_invoices(conn: Connection, stage: Table) -> list[str]:
    """A warning for invoices the file's payments pay more of than the invoices export
    shows settled (``amount - open_amount``; a credit note's refunds, more than was
    refunded): the invoices export is older than the payments', or a payment names the
    wrong invoice. Only the invoices are the truth of what is owed, so a person who
    imports the payments alone would see nothing move and think them lost; the report
    counts them only up to what the invoices show settled (storage.reports). Invoices
    with a payment above their whole amount are ``_overpayments``' to name."""
    if "invoice_id" not in stage.c:
        return []
    invoices: Table = TABLES["invoices"]
    open_now = case((invoices.c.status.in_(_OPEN_STATUSES), invoices.c.open_amount), else_=0)
    paid = func.sum(stage.c.amount)
    ahead = (select(func.min(stage.c.line_no).label("line"), invoices.c.invoice_id,
                    invoices.c.amount, invoices.c.currency, open_now.label("open_now"),
                    paid.label("paid"))
             .join(invoices, invoices.c.invoice_id == stage.c.invoice_id)
             .where(stage.c.invalid == 0, stage.c.currency == invoices.c.currency)
             .group_by(invoices.c.invoice_id, invoices.c.amount, invoices.c.currency,
                       invoices.c.status, invoices.c.open_amount)
             .having(and_(paid > func.abs(invoices.c.amount - open_now),
                          func.max(stage.c.amount) <= func.abs(invoices.c.amount)))
             .order_by("line"))
    return _rows_warning(
        conn, ahead, lambda _, invoice, billed, code, owed, total: (
            f"{invoice} of {_money(billed, code)} {code} shows {_money(owed, code)} open, "
            f"the file pays {_money(total, code)} on it"),
        "invoice shows less settled than the file's payments on it",
        "invoices show less settled than the file's payments on them",
        "the invoices export is older than the payments, or a payment names the wrong "
        "invoice. Import the invoices exported after these payments: until then the check "
        "card, alerts and worklists show what the invoices show open, and the collection "
        "metrics count each payment at most as what its invoice shows settled")


def _other_currency(conn: Connection, stage: Table) -> list[str]:
    """A warning for payments in another currency than the invoice they pay: neither
    ``_overpayments`` nor ``_ahead_of_invoices`` can weigh them against the invoice (5,000
    EUR on an invoice of 2,000 USD passed unseen), and the collection metrics count them
    in their own currency, uncapped (storage.reports)."""
    if "invoice_id" not in stage.c:
        return []
    invoices: Table = TABLES["invoices"]
    other = _paying(stage, invoices.c.currency, stage.c.currency != invoices.c.currency)
    return _rows_warning(
        conn, other, lambda line, payment, paid, code, invoice, billed_in: (
            f"line {line}, {payment} of {_money(paid, code)} {code} for {invoice} in "
            f"{billed_in}"),
        "payment is in another currency than the invoice it pays",
        "payments are in another currency than the invoices they pay",
        "check them in the ERP; the collection metrics count them in their own currency, "
        "not weighed against their invoices")


def _rows_warning(conn: Connection, query: Any, name: Callable[..., str], one: str,
                  many: str, advice: str) -> list[str]:
    """A warning of the rows ``query`` finds, or none: how many, the first
    NAMED_IN_WARNING of them (``name`` says one row, given its columns), then what to do
    (``2 invoices change sign (line 2, …; line 5, …): …``)."""
    rows = list(conn.execute(query.limit(NAMED_IN_WARNING)).all())
    if not rows:
        return []
    # Counted only when there is one to name.
    count = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    named = _named([name(*row) for row in rows], count)
    return [f"{count} {one if count == 1 else many} ({named}): {advice}"]


def _money(amount: Any, currency: str) -> str:
    """An amount with its currency's decimals, as the file would write it (1000.10)."""
    return str(Money(Decimal(amount), currency).rounded().amount)


def _sign_flips(conn: Connection, stage: Table) -> list[str]:
    """A warning for invoices the file turns into credit notes or back (the sign of
    their amount changes): a typo in the ERP's export would otherwise pass unseen, and
    the payments already imported on it turn into refunds (or back) in the collection
    metrics."""
    invoices: Table = TABLES["invoices"]
    flipped = (select(stage.c.line_no, stage.c.invoice_id, invoices.c.amount,
                      stage.c.amount, stage.c.currency)
               .join(invoices, invoices.c.invoice_id == stage.c.invoice_id)
               .where(stage.c.invalid == 0,
                      or_(and_(invoices.c.amount > 0, stage.c.amount < 0),
                          and_(invoices.c.amount < 0, stage.c.amount > 0)))
               .order_by(stage.c.line_no))
    return _rows_warning(
        conn, flipped, lambda line, invoice, before, after, code: (
            f"line {line}, {invoice} from {_money(before, code)} to {_money(after, code)} "
            f"{code}"),
        "invoice changes sign", "invoices change sign",
        "an invoice became a credit note or the reverse, and the payments on it now count "
        "the other way in the collection metrics; check them in the ERP")


def _case_twins(conn: Connection, stage: Table) -> list[str]:
    """A warning for new customer ids that read as another, but for letter case, width or
    look-alike letters of another alphabet (c0001, Ｃ0001, С0001 with a Cyrillic Es beside
    C0001): ids are exact, so they become two customers, which an ERP rarely means, and
    every card shows them alike (a person typing either reaches only one of them, since
    what people type is read case- and width-blind). Customers are a few thousand rows:
    compared in Python."""
    customers: Table = TABLES["customers"]
    known = set(conn.execute(select(customers.c.customer_id)).scalars())
    seen = {reads_as(customer_id): customer_id for customer_id in sorted(known)}
    twins: list[str] = []
    for line, customer_id in conn.execute(
            select(stage.c.line_no, stage.c.customer_id)
            .where(stage.c.invalid == 0).order_by(stage.c.line_no)):
        if customer_id in known:
            continue
        other = seen.setdefault(reads_as(customer_id), customer_id)
        if other != customer_id:
            twins.append(f"line {line}, {customer_id} beside {other}")
        known.add(customer_id)
    if not twins:
        return []
    what = ("customer id differs" if len(twins) == 1 else "customer ids differ")
    return [f"{len(twins)} new {what} from another only in letter case, width or "
            "look-alike letters "
            f"({_named(twins)}): "
            "creditbot keeps them as separate customers; if they are one, correct the id "
            "in the ERP"]


def _overlapping_contracts(conn: Connection, stage: Table) -> list[str]:
    """A warning for contracts of the file that overlap another of the same customer: an
    order that names none is checked against one of them only (the one ending last), so
    two in force at once are worth a look in the ERP. Contracts are few: in Python."""
    contracts: Table = TABLES["contracts"]
    staged = {row.contract_id: row for row in conn.execute(
        select(stage.c.line_no, stage.c.contract_id, stage.c.customer_id,
               stage.c.start_date, stage.c.end_date).where(stage.c.invalid == 0))}
    if not staged:
        return []
    # The contracts as they will stand, grouped by customer: each compared with its own.
    after = {row.contract_id: row for row in conn.execute(
        select(contracts.c.contract_id, contracts.c.customer_id, contracts.c.start_date,
               contracts.c.end_date))}
    after.update(staged)
    by_customer: dict[str, list[Any]] = {}
    for row in after.values():
        by_customer.setdefault(row.customer_id, []).append(row)
    overlaps: list[str] = []
    for row in sorted(staged.values(), key=lambda r: r.line_no):
        overlaps += [f"line {row.line_no}, {row.contract_id} with {other.contract_id}"
                     for other in by_customer[row.customer_id]
                     if other.contract_id != row.contract_id
                     and other.start_date <= row.end_date and row.start_date <= other.end_date
                     # A pair within the file is named once, from its first contract id.
                     and (other.contract_id not in staged
                          or other.contract_id > row.contract_id)]
    if not overlaps:
        return []
    what = "contract overlaps" if len(overlaps) == 1 else "contracts overlap"
    return [f"{len(overlaps)} {what} another of the same customer ({_named(overlaps)}): an order "
            "that names no contract is checked against the one valid on its date that ends "
            "last; check the dates in the ERP"]


def _plain(value: Any) -> str:
    return format(Decimal(value).normalize(), "f")


def _lost(lease: Lease) -> ImportInterrupted:
    return ImportInterrupted(
        f"this import stalled for longer than {lease.ttl} and lost its claim, so another "
        "import could start; nothing was imported. Run it again.")


def _busy_message(current: LeaseState) -> str:
    match = _HOLDER.fullmatch(current.holder)
    what, who = (match["kind"], match["who"]) if match else ("", current.holder)
    today = datetime.now(UTC).date()

    def at(moment: datetime) -> str:
        moment = moment.astimezone(UTC)
        return f"{moment:%H:%M:%S} UTC" if moment.date() == today else \
            f"{moment:%Y-%m-%d %H:%M:%S} UTC"

    return (f"another import is running ({what + ', ' if what else ''}started "
            f"{at(current.acquired_at)} by {who}); wait for it to finish and try again "
            f"(if it was stopped, its claim runs out at {at(current.expires_at)})")
