"""The sandbox's ``:audit [N]``: the audit log's latest entries, oldest first, in the
organisation's time zone: who did what, when, to which customer or request, and the
details recorded. What ``creditbot audit export`` writes as CSV for a real deployment,
here for the sandbox's own records (the copy it works on)."""

from __future__ import annotations

import json

from bot.wiring import Services
from handlers.i18n import N_, Translator

SHOWN = 10
MOST = 200
# A line's details cut here: the export has them whole.
DETAILS = 300
USAGE = N_("Write :audit for the latest {shown} entries, or :audit N for the latest N "
           "(1 to {most}): e.g. :audit 30.")


def audit_lines(argument: str, services: Services, tr: Translator) -> tuple[bool, list[str]]:
    """(True, the lines to print) or (False, what is wrong with ``argument``)."""
    typed = argument.strip()
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
    lines = [tr.ngettext("The audit log's latest entry (times in {zone}); creditbot audit "
                         "export writes the log as CSV:",
                         "The audit log's latest {n} entries, oldest first (times in "
                         "{zone}); creditbot audit export writes the log as CSV:",
                         len(entries), zone=zone)]
    for entry in entries:
        details = json.dumps(entry.details, ensure_ascii=False, sort_keys=True, default=str)
        if len(details) > DETAILS:
            details = details[:DETAILS - 1] + "…"
        at = entry.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"  {at}  {entry.actor}  {entry.action}  {entry.subject}  {details}")
    return True, lines
