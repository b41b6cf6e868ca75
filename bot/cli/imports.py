"""``creditbot import``: upsert ERP CSV exports."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import click
from sqlalchemy.exc import DatabaseError, DBAPIError, SQLAlchemyError

from bot.cli.common import (
    _fail,
    _services,
    database_problem,
    err,
    friendly_errors,
    out,
    sigterm_as_interrupt,
)
from bot.imports import (
    REJECTED_FILE,
    all_rejected,
    import_csv,
    orders_line,
    review_orders,
    summary_line,
    unlisted_line,
)
from bot.wiring import Services
from domain.errors import RecordsUnavailable
from domain.imports import KINDS, HeaderError
from storage.db import unavailable_reason
from storage.importer import ImportReport, after_interruption
from storage.lock_waits import lock_waits, waits_are_seen


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the good rows, report the bad ones.")
@click.option("--dry-run", is_flag=True, help="Check and count, then change nothing.")
@click.option("--show-errors", default=50, show_default=True, type=click.IntRange(min=0),
              help="How many problems to list (0: none, only their count).")
@click.option("--encoding", metavar="NAME", default=None,
              help="The file's text encoding, e.g. gb18030 or cp950 (Chinese), shift_jis or "
                   "euc_jp (Japanese), cp949 (Korean), cp1252 (default: UTF-8, with or "
                   "without a BOM).")
@click.option("--open-items", is_flag=True,
              help="Invoices only: the file is the ERP's whole list of open invoices; every "
                   "open invoice it leaves out is closed as paid.")
@click.option("--force-close", is_flag=True,
              help="With --open-items: close them even when they are most of the open "
                   "invoices (refused otherwise, as a file cut short).")
@friendly_errors
def import_file(kind: str, file: Path, skip_invalid: bool, dry_run: bool,
                show_errors: int, encoding: str | None, open_items: bool,
                force_close: bool) -> None:
    """Upsert an ERP CSV export of KIND from FILE (all or nothing unless --skip-invalid)."""
    services = _services()
    started = services.now()
    # psycopg's own "error ignored terminating <psycopg.Copy [BAD]>" when the server
    # restarted mid-copy: the line below says what happened.
    logging.getLogger("psycopg").setLevel(logging.ERROR)
    try:
        with sigterm_as_interrupt():
            _import_and_review(services, kind, file, skip_invalid, dry_run, show_errors,
                               encoding, open_items=open_items, force_close=force_close)
    except DatabaseError as problem:
        said = database_problem(problem)
        if said != unavailable_reason(problem):  # a refusal with its fix, not an outage
            _fail(f"cannot use the database: {said}")
        try:
            imported: bool | None = after_interruption(services.engine, kind, file.name,
                                                       started)
        except (DBAPIError, RecordsUnavailable):
            imported = None  # still not answering
        if imported:
            _fail(f"{file}: imported (its rows are in), then the database stopped answering "
                  f"({said}); its orders may not have been reviewed: `creditbot jobs run "
                  "orders` finishes that (the orders job does every 15 minutes)")
        # The driver's last sentence ends with its own full stop: "request.; nothing".
        _fail(f"{file}: cannot use the database: {said.rstrip('.')}; " + (
            "nothing was imported: run it again" if imported is False else
            "an import is all or nothing, and a file imported again changes nothing that is "
            "already in: run it again once the database answers"))
    except KeyboardInterrupt:
        # A SIGTERM (a cron's timeout, a container stopped) ended it with exit 143 and
        # not a word, its claim left for two minutes; said from what the database holds,
        # wherever the signal came.
        if after_interruption(services.engine, kind, file.name, started):
            _fail(f"{file}: interrupted after the file was imported (its rows are in); its "
                  "orders may not have been reviewed nor the held ones checked again: "
                  "`creditbot jobs run orders` finishes that (the orders job does every 15 "
                  "minutes)")
        _fail(f"{file}: the import was interrupted before it finished; nothing was "
              "imported: run it again")


def _import_and_review(services: Services, kind: str, file: Path, skip_invalid: bool,
                       dry_run: bool, show_errors: int, encoding: str | None, *,
                       open_items: bool = False, force_close: bool = False) -> None:
    try:
        report = run_import(services, kind, file, skip_invalid=skip_invalid,
                            dry_run=dry_run, encoding=encoding, open_items=open_items,
                            force_close=force_close)
    except HeaderError as header:  # the file's, as every other problem of it is said
        _fail(f"{file}: {header}")
    for problem in report.errors[:show_errors]:
        err.print(f"{file}: {problem}", soft_wrap=True, markup=False)
    unlisted = unlisted_line(report, show_errors)
    if unlisted:
        err.print(unlisted, markup=False)
    for warning in report.warnings:
        err.print(f"{file}: warning: {warning}", soft_wrap=True, markup=False)
    out.print(summary_line(report), markup=False, soft_wrap=True)
    if report.committed and not report.dry_run:
        reviewed = review_orders(services)
        if any(reviewed.values()):  # quiet when no order was concerned
            out.print(orders_line(reviewed), markup=False, soft_wrap=True)
    if report.rejected and not skip_invalid:
        _fail(REJECTED_FILE.format(rows=report.rejected))
    if (rejected := all_rejected(report, skip_invalid)) is not None:
        _fail(rejected)


# How often the import looks for a lock it waits on (PostgreSQL), and says who holds it.
LOCK_LOOK_SECONDS = 10.0
WAITING = ("waiting for a lock on {what} held by PostgreSQL session {pid} ({who}, {state}: "
           "{query}): the import goes on once that session commits or ends")


def _say_lock_waits(services: Services, done: threading.Event) -> None:
    """Each session that keeps the import waiting, said once on stderr (cron's mail)."""
    said: set[int] = set()
    while not done.wait(LOCK_LOOK_SECONDS):
        try:
            waits = lock_waits(services.engine)
        except SQLAlchemyError:
            continue  # the import says what is wrong with the database
        for wait in waits:
            if wait.pid not in said:
                said.add(wait.pid)
                err.print(WAITING.format(what=wait.what, pid=wait.pid,
                                         who=wait.application or "no application name",
                                         state=wait.state, query=wait.query),
                          markup=False, soft_wrap=True)


def run_import(services: Services, kind: str, file: Path, *, skip_invalid: bool = False,
               dry_run: bool = False, encoding: str | None = None, open_items: bool = False,
               force_close: bool = False) -> ImportReport:
    """The import with a progress bar on a terminal (and, on PostgreSQL, a word on whose
    lock keeps it waiting)."""
    done = threading.Event()
    if waits_are_seen(services.engine):  # no thread waking every ten seconds for nothing
        threading.Thread(target=_say_lock_waits, args=(services, done), daemon=True,
                         name="creditbot-lock-waits").start()
    try:
        return _run_import(services, kind, file, skip_invalid=skip_invalid,
                           dry_run=dry_run, encoding=encoding, open_items=open_items,
                           force_close=force_close)
    finally:
        done.set()


def _run_import(services: Services, kind: str, file: Path, *, skip_invalid: bool,
                dry_run: bool, encoding: str | None, open_items: bool,
                force_close: bool) -> ImportReport:
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}", BarColumn(), DownloadColumn(),
        TimeRemainingColumn(), console=err, transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task(f"{kind} ← {file.name}", total=None)
        return import_csv(
            services, kind, file, skip_invalid=skip_invalid, dry_run=dry_run,
            encoding=encoding, started=lambda size: bar.update(task, total=size),
            progress=lambda _rows, done: bar.update(task, completed=done),
            open_items=open_items, force_close=force_close)
