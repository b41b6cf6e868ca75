"""How far the outbox got with the messages queued after a point: what
``creditbot jobs run`` reports about the messages its job queued.

Outbox ids only grow, so the messages a job queued are those with an id above the
largest one before it started (with, at most, a few queued meanwhile by others, which
are delivered the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, case, func, select, type_coerce

from storage.models import OutboxRow
from storage.types import UtcDateTime


@dataclass(frozen=True)
class OutboxProgress:
    """The messages above an id: sent, given up, still to send, and the earliest time
    one still to send is due (``None`` when none is left)."""

    sent: int = 0
    failed: int = 0
    pending: int = 0
    next_due: datetime | None = None

    @property
    def queued(self) -> int:
        return self.sent + self.failed + self.pending


# Neither sent nor given up: still to send.
_PENDING = OutboxRow.sent_at.is_(None) & OutboxRow.failed_at.is_(None)


def last_message_id(engine: Engine) -> int:
    """The largest outbox id so far, 0 for an empty outbox."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(OutboxRow.id), 0))).scalar_one())


def progress_since(engine: Engine, after: int, upto: int | None = None) -> OutboxProgress:
    """How the messages with an id above ``after`` (and at most ``upto``) stand."""
    sent = OutboxRow.sent_at.is_not(None)
    failed = OutboxRow.failed_at.is_not(None) & OutboxRow.sent_at.is_(None)
    pending = _PENDING
    statement = select(
        func.count(case((sent, 1))), func.count(case((failed, 1))),
        func.count(case((pending, 1))),
        # Typed, so that SQLite's stored text comes back as an aware datetime.
        type_coerce(func.min(case((pending, OutboxRow.next_attempt_at))), UtcDateTime()),
    ).where(OutboxRow.id > after)
    if upto is not None:
        statement = statement.where(OutboxRow.id <= upto)
    with engine.connect() as conn:
        row = conn.execute(statement).one()
    return OutboxProgress(int(row[0]), int(row[1]), int(row[2]), row[3])


@dataclass(frozen=True)
class NextTry:
    """When the first of some messages can go at the earliest (a channel's messages go
    in order: behind an earlier one waiting for its retry too), and what Slack answered
    that one last."""

    at: datetime
    last_error: str | None


def next_try(engine: Engine, after: int, upto: int | None = None) -> NextTry | None:
    """For the messages still to send above ``after`` (at most ``upto``): the earliest
    retry among the first message still to send in each of their channels, earlier
    messages included. None when none is left."""
    pending = _PENDING
    ours = select(OutboxRow.channel).where(pending, OutboxRow.id > after)
    if upto is not None:
        ours = ours.where(OutboxRow.id <= upto)
    heads = (select(func.min(OutboxRow.id).label("id"))
             .where(pending, OutboxRow.channel.in_(ours.scalar_subquery()))
             .group_by(OutboxRow.channel).subquery())
    statement = (select(type_coerce(OutboxRow.next_attempt_at, UtcDateTime()),
                        OutboxRow.last_error)
                 .join(heads, heads.c.id == OutboxRow.id)
                 .order_by(OutboxRow.next_attempt_at).limit(1))
    with engine.connect() as conn:
        row = conn.execute(statement).first()
    return None if row is None else NextTry(row[0], row[1])
