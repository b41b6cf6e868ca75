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
import logging
import operator
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Index,
    Table,
    and_,
    case,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.exc import DBAPIError

from domain.errors import DomainError, RecordsUnavailable
from domain.imports import (
    ImportContext,
    ImportKind,
    Kept,
    RowError,
    RowErrors,
    RowParser,
    unread_warning,
)
from storage.credit_requests import overtake_changes
from storage.csv_source import CsvFile
from storage.host_processes import ended_here, this_host
from storage.import_checks import StageChecks
from storage.import_open_items import close_left_out
from storage.import_staging import TABLES, insert_for, stage_writer, staging_table
from storage.import_warnings import (
    Organisation,
    kind_warnings,
    left_out,
    missing_rates,
    money_text,
)
from storage.leases import Lease, LeaseState, give_back, holder_of, take_from, try_acquire
from storage.models import AuditRow
from storage.repositories.rates import forget_cached_rates
from storage.types import AMOUNT_SCALE
from storage.write_gate import BATCH_WAIT_SECONDS, gate_for

_AUDIT: Table = AuditRow.__table__  # type: ignore[assignment]

Progress = Callable[[int, int], None]  # (rows read, bytes read)

IMPORT_LEASE = "import"
# Long enough for any pause between two batches; short enough that a killed import
# stops blocking the next one within minutes.
IMPORT_LEASE_TTL = timedelta(minutes=2)
# Pauses before each try at giving the import's claim back (about 7 s in all): enough for
# a restarted PostgreSQL to answer again.
RELEASE_PAUSES = (0.0, 0.5, 1.0, 2.0, 4.0)
_HOLDER = re.compile(r"(?P<kind>\S+) import by (?P<who>.+)")
log = logging.getLogger("creditbot.imports")


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
    # The rows were merged: committed, or rolled back as a dry run asked.
    merged: bool = False
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    error_cap: int = 1000
    # Things a person should know although nothing is wrong with any row.
    warnings: list[str] = field(default_factory=list)
    # An invoices file imported as the ERP's whole list of open invoices: the open
    # invoices it left out, closed as paid.
    open_items: bool = False
    closed: int = 0

    def note(self, errors: Sequence[RowError]) -> None:
        """Counts a row's problems; keeps them while fewer than ``error_cap`` are kept."""
        self.error_count += len(errors)
        room = self.error_cap - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def as_details(self) -> dict[str, Any]:
        details = {"file": self.file, "rows": self.rows_read, "inserted": self.inserted,
                   "updated": self.updated, "unchanged": self.unchanged,
                   "rejected": self.rejected}
        if self.open_items:
            details |= {"open_items": True, "closed": self.closed}
        return details


class CsvImporter:
    """Imports ERP files. With ``base_currency`` (the organisation's), rows priced in a
    currency with no exchange rate are warned about, and a rate for the base currency
    other than 1 is a bad row; without it, neither is checked."""

    def __init__(self, engine: Engine, *, base_currency: str | None = None,
                 organisation: Organisation | None = None,
                 batch_size: int = 10_000, error_cap: int = 1000,
                 lease_ttl: timedelta = IMPORT_LEASE_TTL,
                 clock: Callable[[], datetime] | None = None, zone: tzinfo = UTC) -> None:
        self._engine = engine
        # The import's moment and day: its audit entry and the warnings about dates
        # "after today" read the day as the organisation's people live it, and the
        # sandbox's moved clock as its own.
        self._clock = clock or (lambda: datetime.now(UTC))
        self._zone = zone
        self._organisation = organisation
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
        open_items: bool = False,
        force_close: bool = False,
    ) -> ImportReport:
        """``open_items``: the file (of invoices) is the ERP's whole list of open invoices,
        and every open invoice it leaves out is closed as paid; refused when that is most
        of them, unless ``force_close``."""
        if open_items and kind.name != "invoices":
            raise ValueError(f"open items are invoices, not {kind.name}")
        # Before the first row: a second import would otherwise do all its work and then
        # fail on SQLite's lock, or interleave its writes with the first on PostgreSQL.
        lease = self._claim(kind)
        try:
            return self._run(lease, kind, source, skip_invalid=skip_invalid, dry_run=dry_run,
                             actor=actor, progress=progress, open_items=open_items,
                             force_close=force_close)
        finally:
            self._give_back(lease)

    def _give_back(self, lease: Lease) -> None:
        """Releases the claim, trying again for a few seconds: after PostgreSQL restarted
        under the import, the first try meets a dead pooled connection, and the claim
        kept another host's import out for two minutes ("another import is running")."""
        for pause in RELEASE_PAUSES:
            time.sleep(pause)
            # A lease that cannot be released expires; that must not hide the real error.
            with contextlib.suppress(DBAPIError, RecordsUnavailable):
                with self._turn():
                    lease.release()
                return
        log.warning("could not give back the import claim of %s; it runs out by itself",
                    lease.holder)

    def _turn(self) -> AbstractContextManager[object]:
        """On SQLite, the writers' turn (storage.write_gate), waited for patiently: every
        write of an import (its claim, its renewals, its merge) queues behind the others'
        as theirs do. Left to SQLite's busy handler, an import lost every race to a burst
        of approvals and failed "database is locked" after a second."""
        return gate_for(self._engine, BATCH_WAIT_SECONDS)

    def _renewed(self, lease: Lease) -> bool:
        with self._turn():
            return lease.renew()

    def _claim(self, kind: ImportKind) -> Lease:
        holder = _holder(kind.name)
        # A holder may finish between our failed attempt and our look at who it was.
        for _ in range(3):
            with self._turn():
                lease = try_acquire(self._engine, IMPORT_LEASE, holder, self._lease_ttl)
            if lease is not None:
                return lease
            current = holder_of(self._engine, IMPORT_LEASE)
            if current is not None and _ended_here(current):
                # Killed before it could give its claim back (kill -9, a crash): waiting
                # out the claim would keep every import out for minutes for nothing.
                with self._turn():
                    lease = take_from(self._engine, current, holder, self._lease_ttl)
                if lease is not None:
                    log.warning("took over the import claim of %s, which no longer runs",
                                current.holder)
                    return lease
                continue
            if current is not None:
                raise ImportBusy(_busy_message(current))
        raise ImportBusy("another import started and finished while this one waited to "
                         "start; try again")

    def _run(self, lease: Lease, kind: ImportKind, source: CsvFile, *, skip_invalid: bool,
             dry_run: bool, actor: str, progress: Progress | None, open_items: bool,
             force_close: bool) -> ImportReport:
        parser = RowParser(kind, source.header, ImportContext(self._base))
        # A line swallowed into a quoted value may have been cut short too (a row of
        # this file that is is refused by the parser): looked for down to the required
        # columns.
        source.shortest_row = min(source.shortest_row, len(kind.required))
        report = ImportReport(kind.name, str(source.path), dry_run=dry_run,
                              error_cap=self._error_cap, open_items=open_items)
        target = TABLES[kind.name]
        with self._engine.connect() as conn:
            stage = staging_table(target, parser.columns)
            try:
                # Staging touches only this connection's temporary table: the lease's
                # renewals, committed from other connections meanwhile, cannot conflict.
                with conn.begin():
                    stage.create(conn)
                    currencies = self._stream(conn, stage, parser, source, report, progress,
                                              lease)
                if parser.unread:
                    report.warnings.append(unread_warning(kind, source.header, parser.unread))
                if report.rows_read == 0:
                    # The CLI names the file before each warning.
                    report.warnings.append("the file has a header but no data rows: nothing "
                                           "to import")
                elif source.unterminated is not None:
                    # An export read while still being written ends mid-row: "30" cut
                    # to "3" reads as a value like any other.
                    report.warnings.append(
                        f"line {source.unterminated}: the file ends without a line break "
                        "after this row; if the export was still being written when it was "
                        "read, its last value may be cut short: check it")
                if not self._renewed(lease):
                    raise _lost(lease)
                # The checks only read. Only imports write these tables, and the lease
                # keeps other imports out until we are done, so what the checks find
                # still holds when the merge runs, in a transaction of its own.
                with conn.begin():
                    checks = self._check(conn, stage, target, parser, report)
                if report.rejected and not skip_invalid:
                    return report
                with self._turn():
                    transaction = conn.begin()
                    try:
                        # Renewing first takes SQLite's write lock first: a write committed
                        # elsewhere between this transaction's first read and its first write
                        # would otherwise fail the import at its last step ("database is
                        # locked"). The lock is held for the merge only, as before.
                        if not lease.renew(connection=conn):
                            raise _lost(lease)
                        # Before the bad rows go: a row with a bad value still lists its
                        # invoice, which is neither left out nor to be closed.
                        unlisted: list[str] = []
                        if open_items:
                            report.closed = close_left_out(conn, stage, report.file,
                                                           force=force_close).closed
                        elif kind.name == "invoices":
                            unlisted = left_out(conn, stage, report.rows_read)
                        if report.rejected:
                            conn.execute(checks.delete_bad())
                            currencies = None  # counted before some rows were dropped
                        report.warnings.extend(missing_rates(conn, stage, kind, self._base,
                                                             currencies))
                        now = self._clock()
                        report.warnings.extend(kind_warnings(
                            conn, stage, kind, self._base, now.astimezone(self._zone).date(),
                            self._organisation))
                        self._merge(conn, stage, target, kind, parser, report)
                        if report.unchanged:
                            # Only a file that lists invoices again as they were reads as
                            # a whole list: a delta export (new and changed rows) leaves
                            # out every other invoice of its customers, and was warned
                            # about them each day.
                            report.warnings.extend(unlisted)
                        if kind.name == "rates":
                            self._priced_in_base(conn, stage, target)
                        if kind.name == "customers":
                            overtake_changes(conn, now)
                        _within_sqlite_sums(conn, stage, target, report.file)
                        report.merged = True
                        conn.execute(insert(_AUDIT).values(
                            at=now, actor=actor, action=f"import.{kind.name}",
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
               report: ImportReport) -> StageChecks:
        Index(f"ix_{stage.name}_key", *(stage.c[k] for k in parser.kind.key)).create(conn)
        # Without fresh statistics PostgreSQL plans the checks and the merge for
        # empty tables: nested loops over a million rows (minutes, not seconds).
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"ANALYZE {stage.name}")
            conn.exec_driver_sql(f"ANALYZE {target.name}")
        checks = StageChecks(stage, parser)
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
        stage_write = stage_writer(conn, stage)
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
                    if not self._renewed(lease):
                        raise _lost(lease)
                    renew_at = datetime.now(UTC) + renew_every
                if progress:
                    progress(report.rows_read, source.bytes_read)
        if batch:
            write(batch)
        if progress:
            progress(report.rows_read, source.bytes_read)
        return currencies

    def _priced_in_base(self, conn: Connection, stage: Table, target: Table) -> None:
        """Labels the file's rates with the base they are prices in (app.yaml's now):
        after a change of base, the rates of the old one are not read."""
        if self._base is None:
            return
        conn.execute(update(target).values(base_currency=self._base).where(
            exists().where(stage.c.date == target.c.date,
                           stage.c.currency == target.c.currency),
            target.c.base_currency.is_distinct_from(self._base)))

    @staticmethod
    def _merge(conn: Connection, stage: Table, target: Table, kind: ImportKind,
               parser: RowParser, report: ImportReport) -> None:
        columns = parser.columns
        same_key = and_(*(target.c[k] == stage.c[k] for k in kind.key))
        # A default the file did not give stays out of known rows (see Kept).
        new_value: dict[str, Any] = {c: stage.c[c] for c in columns if c not in kind.key}
        for kept in parser.kept:
            new_value[kept.column] = _kept_value(kept, stage, target, parser.present)
        if new_value:
            changed = or_(*(target.c[c].is_distinct_from(v) for c, v in new_value.items()))
            report.updated = conn.execute(
                update(target).values(new_value).where(same_key, changed)
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
        conn.execute(insert_for(conn.dialect.name)(target).from_select(
            # "WHERE true": SQLite's documented fix for the ON CONFLICT / JOIN ... ON
            # parsing ambiguity of INSERT ... SELECT ... ON CONFLICT.
            list(columns), select(*(stage.c[c] for c in columns)).where(true()),
        ).on_conflict_do_nothing(index_elements=list(kind.key)))
        report.inserted = staged - known
        report.unchanged = known - report.updated


def _kept_value(kept: Kept, stage: Table, target: Table, present: frozenset[str]) -> Any:
    """The value an UPDATE writes for a column the file lacks: the stored one, or the
    default staged for it where the row's other columns say the stored one is wrong."""
    new, old = stage.c[kept.column], target.c[kept.column]
    default_when = []
    if kept.unless is not None and kept.unless in present:
        said, stored = stage.c[kept.unless], target.c[kept.unless]
        default_when += [said == kept.value, and_(stored == kept.value, said != kept.value)]
    if kept.within is not None:
        bound = stage.c[kept.within]
        # Between 0 and the bound, either sign: a credit note's balance is negative.
        fits = or_(and_(bound >= 0, old >= 0, old <= bound),
                   and_(bound < 0, old <= 0, old >= bound))
        default_when.append(~fits)
    if not default_when:
        return old
    return case((or_(*default_when), new), else_=old)


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
    lines = ", ".join(f"line {line}: {money_text(amount, currency)}" for line, amount in largest)
    raise ImportRefused(
        f"{file}: with this file, the {target.name}' amounts in {currency}, counted without "
        f"their sign, would add up to more than {SQLITE_SUM_CAP:,.0f} {currency}, more than "
        "SQLite can add exactly (credit notes cancel out only at the end of a sum); "
        f"nothing was imported. Check the file's largest amounts ({lines or 'none'}), or "
        "run creditbot on PostgreSQL for a portfolio that size.")


def _holder(kind: str) -> str:
    return f"{kind} import by {this_host()}:{os.getpid()}"


def after_interruption(engine: Engine, kind: str, file_name: str, since: datetime) -> bool:
    """What an import of ``kind`` this process ran from ``since`` left when a signal cut
    it short, wherever that came: its claim is given back (a signal inside the release
    left it for two minutes), and whether it had committed (its audit entry is written
    in the merge's own transaction; a signal just after the commit was said to have
    imported nothing)."""
    give_back(engine, IMPORT_LEASE, _holder(kind))
    with engine.connect() as conn:
        return conn.execute(select(_AUDIT.c.id).where(
            _AUDIT.c.action == f"import.{kind}", _AUDIT.c.subject == file_name,
            _AUDIT.c.at >= since).limit(1)).first() is not None


def _lost(lease: Lease) -> ImportInterrupted:
    return ImportInterrupted(
        f"this import stalled for longer than {lease.ttl} and lost its claim, so another "
        "import could start; nothing was imported. Run it again.")


def _ended_here(current: LeaseState) -> bool:
    """Whether the import holding ``current`` was a process of this host that has ended
    (its pid runs no more, or only a process started after the claim has it)."""
    match = _HOLDER.fullmatch(current.holder)
    return match is not None and ended_here(match["who"], current.acquired_at)


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
