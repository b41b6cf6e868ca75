"""The durable outbox: Slack messages queued with the change that caused them, and the
sender's side of delivering them.

Queueing (``SqlOutbox``) runs in the use case's own session, so a message exists only
if its transaction commits. Delivery (``OutboxStore``) claims due rows for a while —
``claimed_by``/``claimed_until``, a lease per row — so that several senders never work
on the same row at once and a crashed sender's rows come back when its claim expires:

- PostgreSQL: ``WITH due AS MATERIALIZED (SELECT … FOR UPDATE SKIP LOCKED) UPDATE …
  FROM due RETURNING``; a second sender skips the rows the first is claiming instead of
  waiting for them.
- SQLite: the same ``UPDATE … RETURNING`` without the locking clause. SQLite runs one
  writer at a time and the statement reads and writes under that one lock, so two
  processes cannot claim the same row.

Rows of one channel go out in the order they were queued: a row is not claimed while
an earlier row of its channel waits for a retry or is claimed by another sender, so a
thread reply or an edit never overtakes the message it refers to, and a channel's
rate limit holds back only that channel.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, exists, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from domain.messages import (
    UNCERTAIN,
    Attachment,
    MessageId,
    OutgoingMessage,
    PostedMessage,
    QueuedMessage,
)
from storage.models import OutboxRow
from storage.write_gate import gate_for

_OUTBOX: Table = OutboxRow.__table__  # type: ignore[assignment]
# Fits the column; the rest of a long Slack error is in the log.
_ERROR_LENGTH = 200


def _now() -> datetime:
    return datetime.now(UTC)


def _insert_for(dialect: str) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def _queue(conn: Connection | Session, dialect: str, message: OutgoingMessage,
           now: datetime) -> MessageId:
    added = _insert(conn, dialect, message, now)
    if added is not None:
        return added
    existing = _id_of(conn, message.dedup_key or "")
    assert existing is not None, "a dedup_key conflict names a row"
    return existing


def _insert(conn: Connection | Session, dialect: str, message: OutgoingMessage,
            now: datetime) -> MessageId | None:
    """The new row's id; None when a message with its dedup_key is queued already."""
    channel = message.channel
    referred = message.update_of or message.thread_of
    if referred is not None:
        found = conn.execute(select(_OUTBOX.c.channel).where(_OUTBOX.c.id == referred)).first()
        if found is None:
            raise ValueError(f"message {referred} is not in the outbox")
        # An edit or a reply goes where its message went; keeping it in that channel's
        # queue keeps it behind that message.
        channel = found.channel
    statement = _insert_for(dialect)(_OUTBOX).values(
        created_at=now, channel=channel, kind=message.kind, dedup_key=message.dedup_key,
        payload=message.payload(), update_of=message.update_of, attempts=0,
        next_attempt_at=now)
    if message.dedup_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=[_OUTBOX.c.dedup_key])
    row = conn.execute(statement.returning(_OUTBOX.c.id)).first()
    return None if row is None else int(row.id)


def _id_of(conn: Connection | Session, dedup_key: str) -> MessageId | None:
    found = conn.execute(select(_OUTBOX.c.id).where(_OUTBOX.c.dedup_key == dedup_key)).first()
    return None if found is None else int(found.id)


class SqlOutbox:
    """The ``Outbox`` port: rows go into the unit of work's session and commit with it."""

    def __init__(self, session: Session) -> None:
        self._session = session
        # The row is inserted at once (its id names it to later messages), so the unit
        # of work must commit this session's transaction as it is, not replay only its
        # pending appends in a new one.
        self.wrote = False

    def add(self, message: OutgoingMessage) -> MessageId:
        dialect = self._session.get_bind().dialect.name
        self.wrote = True
        return _queue(self._session, dialect, message, _now())

    def add_new(self, message: OutgoingMessage) -> MessageId | None:
        if message.dedup_key is None:
            raise ValueError("only a message with a dedup_key can be told apart as new")
        self.wrote = True
        return _insert(self._session, self._session.get_bind().dialect.name, message, _now())

    def id_of(self, dedup_key: str) -> MessageId | None:
        return _id_of(self._session, dedup_key)

    def keyed(self, key_prefix: str) -> list[tuple[str, MessageId]]:
        key = _OUTBOX.c.dedup_key
        escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        starts: ColumnElement[bool] = key.like(f"{escaped}%", escape="\\")
        if key_prefix and self._session.get_bind().dialect.name == "sqlite":
            # SQLite's LIKE ignores case and uses no index; in its binary collation the
            # keys that start so are a range of the unique index.
            after = key_prefix[:-1] + chr(ord(key_prefix[-1]) + 1)
            starts = and_(key >= key_prefix, key < after, starts)
        rows = self._session.execute(
            select(key, _OUTBOX.c.id).where(starts).order_by(_OUTBOX.c.id))
        return [(str(row.dedup_key), int(row.id)) for row in rows]

    def blocks_of(self, message_id: MessageId) -> list[dict[str, Any]]:
        payload = self._session.execute(
            select(_OUTBOX.c.payload).where(_OUTBOX.c.id == message_id)).scalar()
        return list(payload.get("blocks") or []) if isinstance(payload, dict) else []

    def shown_blocks(self, message_id: MessageId) -> list[dict[str, Any]]:
        payload = self._session.execute(
            select(_OUTBOX.c.payload)
            .where(or_(_OUTBOX.c.id == message_id, _OUTBOX.c.update_of == message_id))
            .order_by(_OUTBOX.c.id.desc()).limit(1)).scalar()
        return list(payload.get("blocks") or []) if isinstance(payload, dict) else []


# What a claim writes into last_error of a row whose earlier claim ran out without an
# outcome: its sender died or hung, maybe after Slack had taken the message.
CLAIM_EXPIRED = f"{UNCERTAIN} the claim expired while it was being delivered"


# Under the 15 s `creditbot serve` gives its scheduler child to stop, whose sender is
# joined then (and the claims' 60 s lease): a pass fails, and is tried again, behind a
# longer merge.
SENDER_WAIT_SECONDS = 10.0


class OutboxStore:
    """The sender's side: claim due rows, record what Slack said. Each call is its own
    short transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        # SQLite: the sender's writes take their turn with the use cases' (a delivery
        # pass lost SQLite's lock to them under load and started over), and wait behind
        # an import's merge (SENDER_WAIT_SECONDS): given up after 2 s, every import failed
        # a pass and logged it as an error.
        self._gate = gate_for(engine, SENDER_WAIT_SECONDS)

    def claim(self, owner: str, limit: int, now: datetime, lease: timedelta) -> list[QueuedMessage]:
        """Up to ``limit`` due rows, oldest first, claimed by ``owner`` until now + lease."""
        earlier = _OUTBOX.alias("earlier")
        pending = and_(_OUTBOX.c.sent_at.is_(None), _OUTBOX.c.failed_at.is_(None))
        unclaimed = or_(_OUTBOX.c.claimed_until.is_(None), _OUTBOX.c.claimed_until <= now)
        held_back = exists().where(
            earlier.c.channel == _OUTBOX.c.channel, earlier.c.id < _OUTBOX.c.id,
            earlier.c.sent_at.is_(None), earlier.c.failed_at.is_(None),
            or_(earlier.c.next_attempt_at > now, earlier.c.claimed_until > now))
        due = (select(_OUTBOX.c.id)
               .where(pending, _OUTBOX.c.next_attempt_at <= now, unclaimed, ~held_back)
               .order_by(_OUTBOX.c.id).limit(limit))
        if self._dialect == "postgresql":
            # A materialised CTE runs the locking SELECT exactly once; as an IN (…)
            # subquery the planner may run it again and claim more than ``limit``.
            chosen = due.with_for_update(skip_locked=True).cte("due").prefix_with(
                "MATERIALIZED")
            where = _OUTBOX.c.id == chosen.c.id
        else:
            where = _OUTBOX.c.id.in_(due.scalar_subquery())
        claimed_before = _OUTBOX.c.claimed_until.is_not(None)
        statement = (
            update(_OUTBOX).where(where)
            .values(claimed_by=owner, claimed_until=now + lease,
                    # Read in the same statement, before the claim overwrites it.
                    last_error=_case_expired(claimed_before))
            .returning(_OUTBOX.c.id, _OUTBOX.c.created_at, _OUTBOX.c.channel, _OUTBOX.c.kind,
                       _OUTBOX.c.payload, _OUTBOX.c.update_of, _OUTBOX.c.attempts,
                       _OUTBOX.c.last_error))
        with self._gate, self._engine.begin() as conn:
            rows = conn.execute(statement).all()
        return sorted((QueuedMessage(
            id=r.id, created_at=r.created_at, channel=r.channel, kind=r.kind,
            text=str(r.payload.get("text", "")), blocks=list(r.payload.get("blocks") or []),
            thread_of=r.payload.get("thread_of"), update_of=r.update_of, attempts=r.attempts,
            last_error=r.last_error,
            files=tuple(Attachment.from_stored(f) for f in r.payload.get("files") or ()))
            for r in rows), key=lambda d: d.id)

    def posted(self, message_id: MessageId) -> PostedMessage | None:
        """Where the message ``message_id`` went (to edit it or reply under it)."""
        with self._engine.connect() as conn:
            row = conn.execute(select(
                _OUTBOX.c.id, _OUTBOX.c.channel, _OUTBOX.c.sent_channel, _OUTBOX.c.ts,
                _OUTBOX.c.failed_at).where(_OUTBOX.c.id == message_id)).first()
        if row is None:
            return None
        return PostedMessage(row.id, row.channel, row.sent_channel, row.ts,
                             row.failed_at is not None)

    def mark_sent(self, message_id: MessageId, sent_channel: str, ts: str,
                  now: datetime) -> bool:
        """Records that Slack took it. Whoever holds the claim: a message Slack took is
        sent, even if this sender's claim ran out meanwhile. False if already recorded."""
        statement = (update(_OUTBOX)
                     .where(_OUTBOX.c.id == message_id, _OUTBOX.c.sent_at.is_(None))
                     .values(sent_at=now, sent_channel=sent_channel, ts=ts, claimed_by=None,
                             claimed_until=None, failed_at=None,
                             attempts=_OUTBOX.c.attempts + 1))
        with self._gate, self._engine.begin() as conn:
            return conn.execute(statement).rowcount == 1

    def retry_at(self, message_id: MessageId, owner: str, at: datetime, error: str,
                 *, attempted: bool = True) -> bool:
        """Gives the row back, due again at ``at``. ``attempted``: Slack was asked (the
        attempt counts towards the backoff); False for a row put back unsent."""
        values: dict[str, Any] = {"next_attempt_at": at, "claimed_by": None,
                                  "claimed_until": None, "last_error": error[:_ERROR_LENGTH]}
        if attempted:
            values["attempts"] = _OUTBOX.c.attempts + 1
        with self._gate, self._engine.begin() as conn:
            return conn.execute(update(_OUTBOX).where(*self._mine(message_id, owner))
                                .values(**values)).rowcount == 1

    def confirm(self, message_id: MessageId, owner: str, now: datetime,
                until: datetime) -> bool:
        """Whether the row is still this sender's to send (claimed by ``owner``, the claim
        not run out, neither sent nor given up); if so its claim runs until ``until``."""
        with self._gate, self._engine.begin() as conn:
            return conn.execute(update(_OUTBOX).where(
                *self._mine(message_id, owner), _OUTBOX.c.claimed_until > now).values(
                claimed_until=until)).rowcount == 1

    def release(self, message_ids: list[MessageId], owner: str, at: datetime) -> None:
        """Gives back rows this sender claimed and did not try, due at ``at``."""
        if not message_ids:
            return
        with self._gate, self._engine.begin() as conn:
            conn.execute(update(_OUTBOX).where(
                _OUTBOX.c.id.in_(message_ids), _OUTBOX.c.claimed_by == owner,
                _OUTBOX.c.sent_at.is_(None)).values(
                next_attempt_at=at, claimed_by=None, claimed_until=None))

    def mark_failed(self, message_id: MessageId, owner: str, error: str, now: datetime,
                    report: OutgoingMessage | None = None) -> bool:
        """Gives up on the row for good and, in the same transaction, queues ``report``
        (its dedup_key keeps one report per cause)."""
        with self._gate, self._engine.begin() as conn:
            failed = conn.execute(update(_OUTBOX).where(*self._mine(message_id, owner)).values(
                failed_at=now, last_error=error[:_ERROR_LENGTH], claimed_by=None,
                claimed_until=None, attempts=_OUTBOX.c.attempts + 1)).rowcount == 1
            if failed and report is not None:
                _queue(conn, self._dialect, report, now)
        return failed

    def queue(self, message: OutgoingMessage, now: datetime | None = None) -> MessageId:
        """Queues a message outside any use case (tools, tests, the sender's reports)."""
        with self._gate, self._engine.begin() as conn:
            return _queue(conn, self._dialect, message, now or _now())

    @staticmethod
    def _mine(message_id: MessageId, owner: str) -> tuple[Any, ...]:
        # A row whose claim ran out and was taken by another sender is no longer ours
        # to reschedule or fail.
        return (_OUTBOX.c.id == message_id, _OUTBOX.c.claimed_by == owner,
                _OUTBOX.c.sent_at.is_(None), _OUTBOX.c.failed_at.is_(None))


def _case_expired(claimed_before: Any) -> Any:
    from sqlalchemy import case, literal

    return case((claimed_before, literal(CLAIM_EXPIRED)), else_=_OUTBOX.c.last_error)
