"""A database's rows copied into another, new one at the same revision: the sandbox
works on a copy of a database of your own, so nothing done in it changes that database,
lands in its audit log or queues a message for its Slack."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, Table, func, insert, select

from storage.db import require_current_schema
from storage.import_warnings import Organisation
from storage.models import Base, CustomerRow

# Not data: who leads the deployment's jobs and imports, its scheduler's own state,
# the Slack requests it has answered, its messages (for its Slack, not the sandbox's),
# the digests that name those messages by their outbox ids (a resolved alert would
# edit a message the copy does not have, or the sandbox's own that took its number),
# and the copy's own data version.
NOT_COPIED = frozenset({"leases", "apscheduler_jobs", "processed_requests", "outbox",
                        "alert_digests", "check_marks"})
_CHUNK = 5_000


def copied_tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in NOT_COPIED]


def count_rows(source: Engine) -> int:
    """How many rows ``copy_rows`` would copy (for a person waiting on a large one)."""
    with source.connect() as reading:
        return sum(reading.execute(select(func.count()).select_from(t)).scalar_one()
                   for t in copied_tables())


def copy_rows(source: Engine, target: Engine,
              progress: Callable[[int], None] | None = None) -> int:
    """Copies every table's rows from ``source`` into the empty ``target`` (both
    migrated to this code's revision), parents before children, in one transaction;
    returns the number of rows copied."""
    require_current_schema(source)
    require_current_schema(target)
    copied = 0
    with source.connect() as reading, target.begin() as writing:
        for table in copied_tables():
            result = reading.execution_options(yield_per=_CHUNK).execute(select(table))
            for rows in result.partitions():
                writing.execute(insert(table), [row._asdict() for row in rows])
                copied += len(rows)
                if progress:
                    progress(copied)
    return copied


def strangers(engine: Engine, organisation: Organisation) -> tuple[int, int, int]:
    """How many customers there are, and how many name a department, or an owner, that
    ``organisation`` does not list: a database read with another organisation's
    app.yaml routes and converts by the wrong one without a word."""
    customers: Table = CustomerRow.__table__  # type: ignore[assignment]
    total = departments = owners = 0
    with engine.connect() as reading:
        for department, owner in reading.execute(
                select(customers.c.department, customers.c.owner_slack_id)):
            total += 1
            departments += department is not None and department not in organisation.departments
            owners += owner is not None and owner not in organisation.people
    return total, departments, owners
