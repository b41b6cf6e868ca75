"""``creditbot import``: upsert ERP CSV exports."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import _fail, _services, err, friendly_errors, out
from bot.wiring import Services
from domain.imports import KINDS
from storage.csv_source import CsvFile
from storage.importer import CsvImporter, ImportReport


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the good rows, report the bad ones.")
@click.option("--dry-run", is_flag=True, help="Check and count, then change nothing.")
@click.option("--show-errors", default=50, show_default=True, help="How many bad rows to list.")
@click.option("--encoding", metavar="NAME", default=None,
              help="The file's text encoding, e.g. gb18030, cp1252, latin-1 (default: UTF-8, "
                   "with or without a BOM).")
@friendly_errors
def import_file(kind: str, file: Path, skip_invalid: bool, dry_run: bool,
                show_errors: int, encoding: str | None) -> None:
    """Upsert an ERP CSV export of KIND from FILE (all or nothing unless --skip-invalid)."""
    services = _services()
    report = run_import(services, kind, file, skip_invalid=skip_invalid, dry_run=dry_run,
                        encoding=encoding)
    for problem in report.errors[:show_errors]:
        err.print(f"{file}: {problem}", soft_wrap=True, markup=False)
    hidden = report.error_count - min(len(report.errors), show_errors)
    if hidden > 0:
        err.print(f"… and {hidden} more problem(s)", markup=False)
    for warning in report.warnings:
        err.print(f"{file}: warning: {warning}", soft_wrap=True, markup=False)
    out.print(summary_line(report), markup=False, soft_wrap=True)
    if report.committed and not report.dry_run:
        reviewed = review_orders(services)
        if any(reviewed.values()):  # quiet when no order was concerned
            out.print(orders_line(reviewed), markup=False, soft_wrap=True)
    if report.rejected and not skip_invalid:
        _fail(f"nothing was imported: {report.rejected} row(s) have problems. Fix them, or "
              "re-run with --skip-invalid to import the good rows.")


def run_import(services: Services, kind: str, file: Path, *, skip_invalid: bool = False,
               dry_run: bool = False, encoding: str | None = None) -> ImportReport:
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with CsvFile(file, encoding=encoding) as source, Progress(
        "[progress.description]{task.description}", BarColumn(), DownloadColumn(),
        TimeRemainingColumn(), console=err, transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task(f"{kind} ← {file.name}", total=source.size)
        importer = CsvImporter(services.engine,
                               base_currency=services.config.organisation.base_currency)
        return importer.run(
            KINDS[kind], source, skip_invalid=skip_invalid, dry_run=dry_run,
            progress=lambda _rows, done: bar.update(task, completed=done))


def review_orders(services: Services) -> dict[str, int]:
    """After an import committed: the ERP's new open orders are reviewed, and held
    orders checked again (invoices re-imported as paid may release them). Every held
    order is re-checked, not only the imported customers': held orders are few, and an
    exchange-rate or customers import moves any customer's figures."""
    counts = services.orders.review_imported()
    return {**counts, "released": len(services.orders.recheck())}


def orders_line(counts: dict[str, int]) -> str:
    return (f"orders: {counts['reviewed']:,} new open order(s) reviewed, {counts['held']:,} "
            f"held; {counts['released']:,} held order(s) released")


def summary_line(report: ImportReport) -> str:
    outcome = ("dry run, nothing changed" if report.dry_run and report.committed is False
               and not report.rejected else
               "committed" if report.committed else "nothing changed")
    warned = len(report.warnings)
    warnings = f", {warned} warning{'s' if warned > 1 else ''}" if warned else ""
    rows = "1 row" if report.rows_read == 1 else f"{report.rows_read:,} rows"
    return (f"{report.kind}: {rows} read — {report.inserted:,} inserted, "
            f"{report.updated:,} updated, {report.unchanged:,} unchanged, "
            f"{report.rejected:,} rejected ({outcome}{warnings})")
