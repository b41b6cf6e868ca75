"""``creditbot audit export``: the audit log as CSV, for auditors and spreadsheets.

Rows are streamed from the database to the file (a server-side cursor on PostgreSQL,
SQLite's own stepping), so a million entries take no more memory than a few thousand.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some a tab or
a carriage return) as a formula, and actors, subjects and details come from Slack users
and ERP files. Such a field is written with an apostrophe in front (``'=cmd|…``), which
spreadsheets show as text. A field that itself starts with an apostrophe gets one more,
so that the rule to read the file back is one: a field starting with an apostrophe had
one added; drop it.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import IO

import click
from sqlalchemy import Engine, select

from bot.cli.common import BadDay, Day, _services, friendly_errors
from storage.models import AuditRow

COLUMNS = ("time", "actor", "action", "subject", "details")
# What a spreadsheet may take for the start of a formula, and the apostrophe that marks
# a field we neutralised (doubled when the value had one of its own).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
# Rows fetched from the cursor at a time.
BATCH = 2000


# Full-width forms an input method types, which some spreadsheets read as the ASCII sign.
_WIDE_STARTS = ("＝", "＋", "－", "＠")


def neutralised(field: str) -> str:
    """``field`` as a spreadsheet will show it rather than run it: also one whose sign
    comes after spaces (an import that trims them would run " =HYPERLINK(…)") or is
    full-width."""
    bare = field.lstrip(" \u00a0\u3000\n")
    return "'" + field if field.startswith(_FORMULA_STARTS) or bare.startswith(
        _FORMULA_STARTS + _WIDE_STARTS) else field


def _start(day: date, zone: tzinfo) -> datetime:
    try:
        return datetime.combine(day, time(0), zone).astimezone(UTC)
    except OverflowError:  # 0001-01-01 east of UTC begins in year 0: everything is after it
        return datetime.min.replace(tzinfo=UTC)


def rows(engine: Engine, since: datetime, until: datetime | None) -> Iterator[list[str]]:
    """The CSV rows of the entries from ``since`` to before ``until``, oldest first."""
    table = AuditRow.__table__
    query = select(table.c.at, table.c.actor, table.c.action, table.c.subject,
                   table.c.details).where(table.c.at >= since)
    if until is not None:
        query = query.where(table.c.at < until)
    query = query.order_by(table.c.at, table.c.id)
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True,
                                              yield_per=BATCH).execute(query)
        for at, actor, action, subject, details in result:
            yield [at.astimezone(UTC).isoformat(), neutralised(actor), neutralised(action),
                   neutralised(subject),
                   neutralised(json.dumps(details or {}, ensure_ascii=False,
                                          sort_keys=True, default=str))]


@contextlib.contextmanager
def destination(output: str) -> Iterator[IO[str]]:
    """stdout for ``-``; else the file, which appears only once it is complete (a
    failure half-way leaves no half a file that looks whole)."""
    if output == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    path = Path(output)
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("w", encoding="utf-8", newline="") as file:
            yield file
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


@click.group()
def audit() -> None:
    """The audit log: who did what, when, and why."""


@audit.command("export", short_help="The audit log as CSV.")
@click.option("--since", required=True, type=Day(), metavar="YYYY-MM-DD",
              help="First day to export (from its midnight in the organisation's time "
                   "zone).")
@click.option("--until", default=None, type=Day(), metavar="YYYY-MM-DD",
              help="Last day to export, included (default: everything since).")
@click.option("--output", "-o", default="-", show_default=True, metavar="FILE",
              help="Where to write the CSV; - is standard output.")
@friendly_errors
def export(since: date, until: date | None, output: str) -> None:
    """Write the audit log from --since (through --until) as CSV: time (ISO 8601, UTC),
    actor, action, subject, details (JSON), oldest first, with a header row.

    A field starting with = + - @ (or a tab, a carriage return or an apostrophe) gets an
    apostrophe in front, so that a spreadsheet shows it instead of running it as a
    formula; drop one leading apostrophe to read the value as it was recorded."""
    first, last = since, until
    if last is not None and last < first:
        raise BadDay("'--until'", f"{until} is before --since {since}: the last day must "
                  "be on or after the first")
    services = _services()
    zone = services.config.organisation.zone
    start = _start(first, zone)
    # Through the last days of year 9999 nothing can be later: no upper bound (the next
    # day's midnight is beyond what a date can hold).
    end = None if last is None or last >= date.max - timedelta(days=1) else \
        _start(last + timedelta(days=1), zone)
    try:
        with destination(output) as file:
            writer = csv.writer(file)
            writer.writerow(COLUMNS)
            writer.writerows(rows(services.engine, start, end))
    except BrokenPipeError:
        raise  # the reader stopped early (`| head`): the command line's to end quietly
    except OSError as problem:
        raise click.ClickException(f"cannot write {output}: {problem.strerror or problem}"
                                   ) from None

