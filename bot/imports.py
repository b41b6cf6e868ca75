"""An ERP file imported as ``creditbot import`` and the sandbox's ``:import`` do it: the
import, then the orders it concerns reviewed, and the lines that say what happened."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.config import AppConfig
from bot.wiring import Services
from domain.errors import DomainError, RecordsUnavailable
from domain.imports import KINDS
from storage.csv_source import CsvFile
from storage.import_warnings import Organisation
from storage.importer import CsvImporter, ImportReport

# The command line's words (English, as the rest of its output).
NOTHING_IMPORTED = "Nothing was imported."
REVIEW_UNFINISHED = ("the file is imported, but the database did not answer while its orders "
                     "were reviewed and the held ones checked again; `creditbot jobs run "
                     "orders` finishes that (the orders job does every 15 minutes).")
REJECTED_FILE = ("nothing was imported: {rows} row(s) have problems. Fix them, or re-run "
                 "with --skip-invalid to import the good rows.")
# --skip-invalid with no good row: cron read "(committed)" and exit 0 as success when an
# ERP's new date format had every row rejected.
ALL_REJECTED = ("nothing was imported: all {rows} row(s) have problems, and --skip-invalid "
                "imports only the good rows. Fix them and import the file again.")
OPEN_ITEMS_ONLY = ("--open-items is for invoices files: it closes the open invoices the file "
                   "leaves out; nothing was imported.")
FORCE_WITHOUT_OPEN_ITEMS = ("--force-close goes with --open-items: it closes the open invoices "
                            "the file leaves out even when they are most of them; nothing was "
                            "imported.")


def import_csv(services: Services, kind: str, file: Path, *, skip_invalid: bool = False,
               dry_run: bool = False, encoding: str | None = None,
               progress: Callable[[int, int], None] | None = None,
               started: Callable[[int], None] | None = None, open_items: bool = False,
               force_close: bool = False) -> ImportReport:
    """``started`` is told the file's size before the first row; ``progress`` (rows,
    bytes read) as it streams. ``open_items``: the invoices file is the ERP's whole list
    of open invoices (storage.import_open_items)."""
    # Said before the file is opened: a mistyped line is no problem of the file's.
    if open_items and kind != "invoices":
        raise DomainError(OPEN_ITEMS_ONLY)
    if force_close and not open_items:
        raise DomainError(FORCE_WITHOUT_OPEN_ITEMS)
    with CsvFile(file, encoding=encoding) as source:
        if started is not None:
            started(source.size)
        config = services.config
        importer = CsvImporter(services.engine, base_currency=config.organisation.base_currency,
                               organisation=listed(config), clock=services.clock,
                               zone=config.organisation.zone)
        return importer.run(KINDS[kind], source, skip_invalid=skip_invalid, dry_run=dry_run,
                            progress=progress, open_items=open_items,
                            force_close=force_close)


def listed(config: AppConfig) -> Organisation:
    """The departments and people app.yaml lists, which the ERP's customers should name."""
    return Organisation(
        frozenset(config.departments),
        frozenset(user for d in config.departments.values() for user in d.members)
        | frozenset(user for _, users in config.roles.items() for user in users))


def all_rejected(report: ImportReport, skip_invalid: bool) -> str | None:
    """The line to end an import with when --skip-invalid left no good row to import."""
    if skip_invalid and report.rows_read and report.rejected == report.rows_read:
        return ALL_REJECTED.format(rows=f"{report.rejected:,}")
    return None


def review_orders(services: Services) -> dict[str, int]:
    """After an import committed: the ERP's new open orders are reviewed, and held
    orders checked again (invoices re-imported as paid may release them). Every held
    order is re-checked, not only the imported customers': held orders are few, and an
    exchange-rate or customers import moves any customer's figures."""
    try:
        counts = services.orders.review_imported()
        return {**counts, "released": len(services.orders.recheck())}
    except RecordsUnavailable:
        # Not "nothing was changed": the file's rows are in, only what follows them is not.
        raise DomainError(REVIEW_UNFINISHED) from None


def orders_line(counts: dict[str, int]) -> str:
    # "Of any customer": an import reviews every ERP order not reviewed before, not only
    # its own file's customers' (the first after an upgrade, all of them), and a person
    # who imported one customer's payments read the holds as that file's doing.
    return (f"orders: {counts['reviewed']:,} open ERP order(s) of any customer reviewed "
            f"for the first time, {counts['held']:,} held; {counts['released']:,} held "
            "order(s) released")


def unlisted_line(report: ImportReport, listed: int) -> str | None:
    """After the first ``listed`` problems of ``report``: how many more there are."""
    hidden = report.error_count - min(len(report.errors), listed)
    if hidden <= 0:
        return None
    if listed == 0:
        return f"{hidden} problem(s), not listed (--show-errors 0)"
    return f"… and {hidden} more problem(s)"


def summary_line(report: ImportReport) -> str:
    # A dry run with --skip-invalid merges its good rows as the import would: said as a
    # dry run too, or "1 inserted ... (nothing changed)" read as a contradiction.
    outcome = ("committed" if report.committed else
               "dry run, nothing changed" if report.dry_run and report.merged else
               "nothing changed")
    warned = len(report.warnings)
    warnings = f", {warned} warning{'s' if warned > 1 else ''}" if warned else ""
    rows = "1 row" if report.rows_read == 1 else f"{report.rows_read:,} rows"
    # Said even when none: the person asked for the closing, and 0 is its answer.
    closed = (f", {report.closed:,} closed: not in the open-items file"
              if report.open_items and report.merged else "")
    return (f"{report.kind}: {rows} read — {report.inserted:,} inserted, "
            f"{report.updated:,} updated, {report.unchanged:,} unchanged, "
            f"{report.rejected:,} rejected{closed} ({outcome}{warnings})")
