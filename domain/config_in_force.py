"""The configuration a deployment runs under, on the audit record: which approval
thresholds, order rules and routes were in force on a given day is an auditor's first
question, and app.yaml lives outside the database. Each start of a serving or scheduling
process records the text it read when it differs from the one recorded last."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.model import CONFIG_IN_FORCE, SYSTEM, AuditEntry
from domain.ports import UnitOfWork


@dataclass(frozen=True)
class InForce:
    recorded: bool
    # The entry this start's text replaced, when another host had started under it: the
    # hosts of one deployment may now run two configurations (routes, approvals, rules),
    # which nothing else would say.
    other_host: AuditEntry | None = None


def record_in_force(unit_of_work: Callable[[], UnitOfWork], now: datetime, text: str, *,
                    path: str, host: str, started: str) -> InForce:
    """Records ``text`` (app.yaml as read from ``path``) unless it is the text recorded
    last; whether it did. ``started`` names the command that read it."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with unit_of_work() as uow:
        last = uow.audit.latest(CONFIG_IN_FORCE)
        previous = None if last is None else last.details.get("sha256")
        if previous == digest:
            return InForce(False)
        # Hosts that disagree show as entries taking turns, each naming its host.
        uow.audit.append(AuditEntry(now, SYSTEM, CONFIG_IN_FORCE, "app.yaml", {
            "sha256": digest, "previous_sha256": previous, "path": path, "host": host,
            "started": started, "text": text}))
        uow.commit()
    return InForce(True, last if last is not None and last.details.get("host") != host
                   else None)
