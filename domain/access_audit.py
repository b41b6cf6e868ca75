"""The access check of a use case that writes, with its refusal on record: someone who
may not see credit data is refused, and the audit log keeps who tried what (in a unit of
work of its own, since the refused act writes nothing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.access import CreditDataAccess, Member
from domain.model import AuditEntry
from domain.ports import UnitOfWork

# An audit subject is what the person typed at most this long (a pasted page is not).
SUBJECT_LENGTH = 200


def require_on_record(access: CreditDataAccess, unit_of_work: Callable[[], UnitOfWork],
                      now: Callable[[], datetime], actor: Member, refused: str,
                      subject: str, details: dict[str, Any] | None = None) -> None:
    """Returns when ``actor`` may see credit data; else records ``refused`` (the audit
    action, e.g. ``requests.file_refused``) about ``subject``, with ``details`` when
    given, and raises ``AccessDenied``."""
    if access.allows(actor):
        return
    on_record(unit_of_work, AuditEntry(now(), actor.user_id, refused,
                                       subject[:SUBJECT_LENGTH], details or {}))
    access.require(actor)


def on_record(unit_of_work: Callable[[], UnitOfWork], refusal: AuditEntry) -> None:
    """Writes ``refusal`` in a unit of work of its own: the act refused writes nothing,
    and its own transaction was rolled back."""
    with unit_of_work() as uow:
        uow.audit.append(refusal)
        uow.commit()
