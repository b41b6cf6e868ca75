"""The check's change count: one row that triggers move whenever something a remembered
`/credit check` shows changes: an ERP import committed (its ``import.<kind>`` audit
entry), a limit approved, an order placed or released, a collector assigned,
reassigned or closed.

A check reads the data version in one statement. It used to read the audit log's
newest entries (where the views it writes go, so on PostgreSQL every check queued for
the page those inserts held), count ``limit_changes`` and the released
``order_checks`` (counts that grow with the tables), and read the account's collector
in a statement of its own. Now it reads this row. The triggers make every writer move
the count, whatever code path writes (a job, an import's re-check, the CLI). On
PostgreSQL they run at commit (deferred constraint triggers), so the row is locked
only for the moment of the commit, and one row for all the tables means no two
transactions can take the locks in opposite orders.

The count never repeats for different data: it starts at the time of the migration in
microseconds and every change sets it to at least the time of the change. A database
restored from a backup, a replica promoted or this migration undone and done again
goes on from a number no process has seen (a plain count would start over, and a
process would take the old number's remembered cards for the new data); a backup's own
number names the very data it holds.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# The table, the changes to it that a check can show, and which rows count.
IMPORTS = "NEW.action LIKE 'import.%'"
WATCHED: dict[str, tuple[tuple[str, ...], str | None]] = {
    "audit_log": (("INSERT",), IMPORTS),
    "limit_changes": (("INSERT", "UPDATE", "DELETE"), None),
    "order_checks": (("INSERT", "UPDATE OF state", "DELETE"), None),
    "collection_assignments": (("INSERT", "UPDATE OF collector, status", "DELETE"), None),
}
# Microseconds since 1970 by the database's clock (bigint: good until the year 294,000).
_NOW_US = {
    "postgresql": "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint",
    "sqlite": "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)",
}


def _bump(dialect: str) -> str:
    greatest = "greatest" if dialect == "postgresql" else "max"
    return (f"UPDATE check_marks SET changes = {greatest}(changes + 1, {_NOW_US[dialect]}) "
            "WHERE id = 1")


def _sqlite_name(table: str, event: str) -> str:
    return f"{table}_marks_{event.split()[0].lower()}"


def upgrade() -> None:
    op.create_table(
        "check_marks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("changes", sa.BigInteger(), nullable=False),
    )
    dialect = op.get_bind().dialect.name
    op.execute(f"INSERT INTO check_marks (id, changes) VALUES (1, {_NOW_US[dialect]})")
    if dialect == "postgresql":
        # Once per transaction: a row trigger fires for every row changed, and updating
        # the one row again and again walks its growing chain of versions at each update
        # (20,000 rows: 2.8 s at commit, with the row locked). A setting local to the
        # transaction says it is done; set_config(…, true) ends with the transaction.
        op.execute("CREATE FUNCTION check_marks_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN IF current_setting('creditbot.check_marked', true) = "
                   "txid_current()::text THEN RETURN NULL; END IF; "
                   "PERFORM set_config('creditbot.check_marked', txid_current()::text, true); "
                   f"{_bump(dialect)}; RETURN NULL; END $$")
        for table, (events, which) in WATCHED.items():
            when = f"WHEN ({which}) " if which else ""
            op.execute(f"CREATE CONSTRAINT TRIGGER {table}_marks AFTER {' OR '.join(events)} "
                       f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW {when}"
                       "EXECUTE FUNCTION check_marks_bump()")
        return
    for table, (events, which) in WATCHED.items():
        when = f"WHEN {which} " if which else ""
        for event in events:
            op.execute(f"CREATE TRIGGER {_sqlite_name(table, event)} AFTER {event} ON {table} "
                       f"{when}BEGIN {_bump(dialect)}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER {table}_marks ON {table}")
        op.execute("DROP FUNCTION check_marks_bump()")
    else:
        for table, (events, _) in WATCHED.items():
            for event in events:
                op.execute(f"DROP TRIGGER {_sqlite_name(table, event)}")
    op.drop_table("check_marks")
