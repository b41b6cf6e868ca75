"""Named leases: a lock with an expiry, kept in the database so that every process of a
deployment sees it — one import at a time, and (later) one scheduler per deployment.

A lease is free when it has no row or its row has expired. Taking it is one statement,
``INSERT … ON CONFLICT (name) DO UPDATE … WHERE leases.expires_at <= now``: a new name
inserts, an expired lease is overwritten, a live one is left alone and nothing comes
back. The database serialises that statement (SQLite has one writer at a time;
PostgreSQL locks the row, and a waiting upsert re-checks the WHERE against the row the
winner wrote), so of any number of processes racing for a free lease exactly one wins.

Renewing and releasing name the lease by (name, holder, acquired_at): a holder whose
lease expired and was taken over cannot extend or drop the new holder's lease.

Times come from this machine's clock; hosts sharing a database need synchronised clocks
(NTP) to within a small part of the ttl. A row that runs out further ahead than any
holder renews to (``RENEWED_AT_MOST`` ahead: a date typed by hand, a host whose clock is
hours ahead) would shut everyone else out until then; it is taken over as if expired,
with a warning in the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, Table, delete, select, update

from storage.models import LeaseRow
from storage.stall_guard import STALL_SECONDS
from storage.write_gate import gate_for

# Under the 15 s `creditbot serve` gives its scheduler child to stop.
RENEW_WAIT_SECONDS = 10.0

_LEASES: Table = LeaseRow.__table__  # type: ignore[assignment]
log = logging.getLogger("creditbot.leases")
# Twice the longest lease app.yaml allows (an hour): no holder's row runs out further
# ahead than this, whatever ttl this process asks for (hosts may differ in theirs).
RENEWED_AT_MOST = timedelta(hours=2)


# The lease the one scheduler per deployment holds (bot.scheduler); `creditbot db
# upgrade` reads it to find a creditbot still running.
SCHEDULER_LEASE = "scheduler"


@dataclass(frozen=True)
class LeaseState:
    """Who holds a lease, since when and until when."""

    name: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


class Lease:
    """A lease this process holds. Renew it well before ``expires_at``; release it when
    done (also as a context manager). After expiry anyone may take it over."""

    def __init__(self, engine: Engine, name: str, holder: str, ttl: timedelta,
                 acquired_at: datetime, expires_at: datetime) -> None:
        self._engine = engine
        self.name = name
        self.holder = holder
        self.ttl = ttl
        self.acquired_at = acquired_at
        self.expires_at = expires_at

    def _mine(self) -> Any:
        return ((_LEASES.c.name == self.name) & (_LEASES.c.holder == self.holder)
                & (_LEASES.c.acquired_at == self.acquired_at))

    def renew(self, connection: Connection | None = None) -> bool:
        """Extends the lease to ``ttl`` from now. False if it is no longer ours (released,
        or expired and taken over): stop the work it guards.

        With ``connection``, the renewal runs in that connection's open transaction and
        takes effect when it commits; on SQLite it also takes the write lock there and
        then, so nothing can slip in between the transaction's reads and its writes."""
        expires = _now() + self.ttl
        statement = update(_LEASES).where(self._mine()).values(expires_at=expires)
        if connection is None:
            # SQLite: in turn with every writer, waiting behind an import's merge up to a
            # third of the lease, and at most RENEW_WAIT_SECONDS, which a stopping
            # scheduler may spend in it. In SQLite's busy handler it gave up after 1 s,
            # and the scheduler stepped down during every import.
            wait = min(self.ttl.total_seconds() / 3, RENEW_WAIT_SECONDS)
            with gate_for(self._engine, wait), self._engine.begin() as conn:
                # A renewal that cannot answer within the lease is as good as lost: the
                # stall guard (where there is one) cuts it then, and the holder stops.
                conn.execution_options(**{STALL_SECONDS: self.ttl.total_seconds()})
                renewed = conn.execute(statement).rowcount == 1
        else:
            renewed = connection.execute(statement).rowcount == 1
        if renewed:
            self.expires_at = expires
        return renewed

    def release(self) -> None:
        """Frees the lease at once (a no-op if it is no longer ours)."""
        with self._engine.begin() as conn:
            conn.execute(delete(_LEASES).where(self._mine()))

    @property
    def state(self) -> LeaseState:
        return LeaseState(self.name, self.holder, self.acquired_at, self.expires_at)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def _now() -> datetime:
    return datetime.now(UTC)


def give_back(engine: Engine, name: str, holder: str) -> None:
    """Frees lease ``name`` if ``holder`` holds it: a claim whose ``Lease`` its process
    could not release itself (a signal inside the release)."""
    with engine.begin() as conn:
        conn.execute(delete(_LEASES).where((_LEASES.c.name == name)
                                           & (_LEASES.c.holder == holder)))


def holder_of(engine: Engine, name: str) -> LeaseState | None:
    """The live lease called ``name``, or None if it is free (never taken, released or
    expired). A plain read: it never waits for a writer."""
    found = _row(engine, name)
    return found if found is not None and found.expires_at > _now() else None


def try_acquire(engine: Engine, name: str, holder: str, ttl: timedelta) -> Lease | None:
    """Takes the lease ``name`` for ``ttl`` if it is free or expired (or runs out further
    ahead than ``RENEWED_AT_MOST``, which no holder writes); None if someone holds it.
    ``holder`` says who is asking (e.g. ``host:pid``); it is shown to whoever finds the
    lease taken."""
    if ttl <= timedelta(0):
        raise ValueError(f"a lease needs a positive ttl, got {ttl}")
    now = _now()
    beyond = now + max(RENEWED_AT_MOST, 2 * ttl)
    # Read first: when the lease is taken, say so without queueing for SQLite's write
    # lock behind the holder's own long transaction.
    current = _row(engine, name)
    if current is not None and now < current.expires_at <= beyond:
        return None
    expires = now + ttl
    upsert = _insert_for(engine.dialect.name)(_LEASES).values(
        name=name, holder=holder, acquired_at=now, expires_at=expires)
    upsert = upsert.on_conflict_do_update(
        index_elements=[_LEASES.c.name],
        set_={"holder": upsert.excluded.holder, "acquired_at": upsert.excluded.acquired_at,
              "expires_at": upsert.excluded.expires_at},
        where=(_LEASES.c.expires_at <= now) | (_LEASES.c.expires_at > beyond),
    ).returning(_LEASES.c.name)
    with engine.begin() as conn:
        won = conn.execute(upsert).first() is not None
    if not won:
        return None
    if current is not None and current.expires_at > beyond:
        log.warning("%s took the lease %s over from %s, which ran until %s: further ahead "
                    "than a holder renews to. A host's clock runs hours ahead of this "
                    "one's, or the row was edited; keep the hosts' clocks in step (NTP)",
                    holder, name, current.holder, current.expires_at.isoformat(
                        timespec="seconds"))
    return Lease(engine, name, holder, ttl, now, expires)


def take_from(engine: Engine, gone: LeaseState, holder: str, ttl: timedelta) -> Lease | None:
    """Takes the lease ``gone`` holds, live or not: for a holder known to have ended (a
    process of this host that no longer runs, killed before it could release). None if
    the lease changed hands meanwhile."""
    now = _now()
    expires = now + ttl
    with engine.begin() as conn:
        taken = conn.execute(update(_LEASES).where(
            (_LEASES.c.name == gone.name) & (_LEASES.c.holder == gone.holder)
            & (_LEASES.c.acquired_at == gone.acquired_at)).values(
                holder=holder, acquired_at=now, expires_at=expires)).rowcount == 1
    return Lease(engine, gone.name, holder, ttl, now, expires) if taken else None


def _row(engine: Engine, name: str) -> LeaseState | None:
    """The lease's row, expired or not."""
    with engine.connect() as conn:
        row = conn.execute(select(_LEASES).where(_LEASES.c.name == name)).first()
    return None if row is None else LeaseState(row.name, row.holder, row.acquired_at,
                                               row.expires_at)


def _insert_for(dialect: str) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
