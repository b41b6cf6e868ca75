"""The sandbox's ``:audit [N]``: the audit log's latest entries, oldest first, in the
organisation's time zone: who did what, when, to which customer or request, and the
details recorded. What ``creditbot audit export`` writes as CSV for a real deployment,
here for the sandbox's own records (the copy it works on)."""

from __future__ import annotations

import csv
import json
import os
from datetime import UTC, datetime

from bot.cli.audit import COLUMNS, destination, rows
from bot.wiring import Services
from handlers.i18n import N_, Translator

SHOWN = 10
MOST = 200
# A line's details cut here: the export has them whole.
DETAILS = 300
USAGE = N_("Write :audit for the latest {shown} entries, :audit N for the latest N "
           "(1 to {most}), e.g. :audit 30, or :audit export FILE to write the whole log as "
           "CSV.")


def audit_lines(argument: str, services: Services, tr: Translator) -> tuple[bool, list[str]]:
    """(True, the lines to print) or (False, what is wrong with ``argument``)."""
    typed = argument.strip()
    word, _, path = typed.partition(" ")
    if word == "export" and path.strip():
        return _export(path.strip(), services, tr)
    if typed and not (typed.isdigit() and 0 < int(typed) <= MOST):
        return False, [tr._(USAGE, shown=SHOWN, most=MOST)]
    limit = int(typed) if typed else SHOWN
    services.views.flush()  # who looked at what is written in batches: see it now
    with services.uow() as uow:
        # By time: who looked at what is written a moment after, in batches.
        entries = sorted(uow.audit.recent(limit), key=lambda entry: entry.at)
    zone = services.config.organisation.zone
    if not entries:
        return True, [tr._("The audit log is empty.")]
    lines = [tr.ngettext("The audit log's latest entry (times in {zone}); :audit export "
                         "FILE writes the whole log as CSV:",
                         "The audit log's latest {n} entries, oldest first (times in "
                         "{zone}); :audit export FILE writes the whole log as CSV:",
                         len(entries), zone=zone)]
    for entry in entries:
        details = json.dumps(entry.details, ensure_ascii=False, sort_keys=True, default=str)
        if len(details) > DETAILS:
            details = details[:DETAILS - 1] + "…"
        at = entry.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"  {at}  {entry.actor}  {entry.action}  {entry.subject}  {details}")
    return True, lines


def _export(path: str, services: Services, tr: Translator) -> tuple[bool, list[str]]:
    """The sandbox's whole log as ``creditbot audit export`` writes a deployment's: that
    command reads the database, never the copy the sandbox works on (with
    ``--database``), so what was done here could not be exported."""
    services.views.flush()
    path = os.path.expanduser(path)  # typed at the sandbox's prompt, not in a shell
    try:
        with destination(path) as file:
            writer = csv.writer(file)
            writer.writerow(COLUMNS)
            count = 0
            for row in rows(services.engine, datetime.min.replace(tzinfo=UTC), None):
                writer.writerow(row)
                count += 1
    except OSError as problem:
        return False, [tr._("Cannot write {path}: {problem}", path=path,
                            problem=problem.strerror or str(problem))]
    return True, [tr.ngettext("Wrote {n} entry of the sandbox's audit log to {path}.",
                              "Wrote {n} entries of the sandbox's audit log to {path}.",
                              count, path=path)]
