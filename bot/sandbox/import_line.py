"""The sandbox's ``:import KIND FILE``: what it was given (the kind, the file as a shell
reads it, the options ``creditbot import`` takes) or what is wrong with it, said in the
person's language; then the import, with what ``creditbot import`` prints."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.imports import (
    NOTHING_IMPORTED,
    REJECTED_FILE,
    all_rejected,
    import_csv,
    orders_line,
    review_orders,
    summary_line,
    unlisted_line,
)
from bot.wiring import Services
from domain.errors import DomainError
from domain.imports import KINDS
from handlers.i18n import N_, Translator

USAGE = N_("Write :import KIND FILE, KIND one of {kinds}: e.g. :import invoices "
           "invoices.csv.")
_FLAGS = ("--dry-run", "--skip-invalid", "--open-items", "--force-close")
# An import's bad rows listed at most (creditbot import's --show-errors default is 50).
ERRORS_SHOWN = 20


@dataclass(frozen=True)
class ImportLine:
    kind: str
    path: Path
    dry_run: bool = False
    skip_invalid: bool = False
    encoding: str | None = None
    show_errors: int = ERRORS_SHOWN
    open_items: bool = False
    force_close: bool = False


class BadImportLine(Exception):
    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(template)
        self.template, self.params = template, params


def read_import_line(argument: str) -> ImportLine:
    kinds = ", ".join(sorted(KINDS))
    try:
        # As a shell reads it: a quoted name is one word, spaces, tabs and dashes kept.
        words = shlex.split(argument)
    except ValueError:  # an unbalanced quote: taken as part of the name
        words = argument.split()
    if not words:
        raise BadImportLine(USAGE, kinds=kinds)
    kind = words[0]
    if kind not in KINDS:
        raise BadImportLine(N_("“{kind}” is not a kind of ERP file: write one of {kinds}, "
                               "e.g. :import invoices invoices.csv."), kind=kind, kinds=kinds)
    rest, flags, encoding, named = words[1:], set(), None, []
    show_errors = ERRORS_SHOWN
    at = 0
    while at < len(rest):
        word = rest[at]
        at += 1
        if not word.startswith("--"):
            named.append(word)
            continue
        # The command line's options, before or after the file.
        option, equals, value = word.partition("=")
        if option in _FLAGS and not equals:
            flags.add(option)
        elif option in ("--encoding", "--show-errors"):
            if not equals and at < len(rest):  # --encoding NAME
                value, at = rest[at], at + 1
            if option == "--show-errors":
                if not value.isascii() or not value.isdigit():
                    raise BadImportLine(N_("--show-errors needs how many problems to list, "
                                           "0 or more, e.g. --show-errors 5."))
                show_errors = int(value)
            elif not value:
                raise BadImportLine(N_("--encoding needs the encoding's name, e.g. "
                                       "--encoding gb18030."))
            else:
                encoding = value
        else:
            raise BadImportLine(N_("“{option}” is not an option of :import; it takes "
                                   "--dry-run, --skip-invalid, --encoding NAME, "
                                   "--show-errors N, --open-items and --force-close, as "
                                   "creditbot import does."), option=word)
    # A name with single spaces needs no quotes.
    file = " ".join(named)
    if not file:
        raise BadImportLine(N_("Name the file to import, e.g. :import {kind} {kind}.csv."),
                            kind=kind)
    return ImportLine(kind, Path(file).expanduser(), "--dry-run" in flags,
                      "--skip-invalid" in flags, encoding, show_errors,
                      "--open-items" in flags, "--force-close" in flags)


def imported(argument: str, services: Services, tr: Translator) -> list[tuple[str, bool]]:
    """The file imported into the sandbox's database, all or nothing; what to print, each
    line with whether it is a warning. The import's own lines are the command line's, in
    English."""
    try:
        line = read_import_line(argument)
    except BadImportLine as bad:
        return [(tr._(bad.template, **bad.params), True)]
    try:
        report = import_csv(services, line.kind, line.path, skip_invalid=line.skip_invalid,
                            dry_run=line.dry_run, encoding=line.encoding,
                            open_items=line.open_items, force_close=line.force_close)
    except DomainError as refused:
        said = str(refused)  # a file's refusal names it; a header's does not
        if not said.startswith(str(line.path)):
            said = f"{line.path}: {said}"
        if "nothing was imported" in said.casefold():  # said already (SQLite's sum cap)
            return [(said, True)]
        return [(f"{said.rstrip('.')}. {NOTHING_IMPORTED}", True)]
    shown = [(f"{line.path}: {problem}", True) for problem in [
        *report.errors[:line.show_errors], *(f"warning: {w}" for w in report.warnings)]]
    unlisted = unlisted_line(report, line.show_errors)
    if unlisted:
        shown.append((unlisted, True))
    shown.append((summary_line(report), False))
    if report.rejected and not line.skip_invalid:
        shown.append((REJECTED_FILE.format(rows=report.rejected), True))
    if (rejected := all_rejected(report, line.skip_invalid)) is not None:
        shown.append((rejected, True))
    if report.committed and not report.dry_run:
        reviewed = review_orders(services)
        if any(reviewed.values()):
            shown.append((orders_line(reviewed), False))
    return shown
