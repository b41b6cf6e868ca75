"""Who keeps this process's PostgreSQL sessions waiting on a lock: an import behind a
psql session's ``LOCK TABLE`` (or a long transaction) waited in silence until cron's
timeout killed it, and its operator read "interrupted" with no cause."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text

from storage.db import application_name

# This process's sessions waiting on a lock, each with who holds it and on what.
_WAITS = text("""
SELECT DISTINCT holder.pid, holder.application_name, holder.state,
       left(regexp_replace(holder.query, '\\s+', ' ', 'g'), 80) AS query,
       coalesce(waited.relation::regclass::text, waited.locktype) AS what
FROM pg_stat_activity waiting
JOIN pg_locks waited ON waited.pid = waiting.pid AND NOT waited.granted
CROSS JOIN LATERAL unnest(pg_blocking_pids(waiting.pid)) AS blocking(pid)
JOIN pg_stat_activity holder ON holder.pid = blocking.pid
WHERE waiting.application_name = :name AND waiting.wait_event_type = 'Lock'
ORDER BY holder.pid
""")


@dataclass(frozen=True)
class LockWait:
    """A session holding a lock one of ours waits for."""

    pid: int
    application: str
    state: str
    query: str
    what: str  # the table (or the kind of lock) waited for


def waits_are_seen(engine: Engine) -> bool:
    """Whether ``lock_waits`` can see anything: PostgreSQL's; SQLite's writers wait on
    its own busy timeout, which says so itself."""
    return engine.dialect.name == "postgresql"


def lock_waits(engine: Engine) -> list[LockWait]:
    """Who this process's sessions wait for now ([] where waits are not seen, and when
    nobody waits)."""
    if not waits_are_seen(engine):
        return []
    with engine.connect() as connection:
        rows = connection.execute(_WAITS, {"name": application_name()})
        return [LockWait(r.pid, r.application_name or "", r.state or "", r.query or "",
                         r.what or "") for r in rows]
