"""Payment terms creditbot approved (``terms_changes``). An approved terms change used
to be only an audit entry: the card went on showing the ERP's terms, and the same
change could be asked for and approved again. Like a limit, approved terms stand while
the ERP still exports the terms they replaced, and only until it exports others
(``overtaken_at``, set by the customers import: terms come in a few round values, and
an ERP going back to the old ones must not bring back a change it had overtaken). A
change moves the check's count (0013), so a remembered card shows the new terms at once.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_EVENTS = ("INSERT", "UPDATE", "DELETE")
# As 0013's: microseconds by the database's clock, never less than the count plus one.
_BUMP = {
    "postgresql": "UPDATE check_marks SET changes = greatest(changes + 1, "
                  "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint) WHERE id = 1",
    "sqlite": "UPDATE check_marks SET changes = max(changes + 1, "
              "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)) WHERE id = 1",
}


def upgrade() -> None:
    op.create_table(
        "terms_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("credit_requests.id"),
                  nullable=False),
        sa.Column("terms_days", sa.Integer(), nullable=False),
        sa.Column("previous_terms_days", sa.Integer(), nullable=False),
        sa.Column("effective_at", UtcDateTime(), nullable=False),
        sa.Column("approved_by", sa.String(length=32), nullable=False),
        sa.Column("overtaken_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_terms_changes_customer", "terms_changes", ["customer_id", "id"])
    op.create_index("ix_terms_changes_request", "terms_changes", ["request_id"], unique=True)
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # check_marks_bump() is 0013's: once per transaction, at its commit.
        op.execute(f"CREATE CONSTRAINT TRIGGER terms_changes_marks AFTER "
                   f"{' OR '.join(_EVENTS)} ON terms_changes DEFERRABLE INITIALLY DEFERRED "
                   "FOR EACH ROW EXECUTE FUNCTION check_marks_bump()")
        return
    for event in _EVENTS:
        op.execute(f"CREATE TRIGGER terms_changes_marks_{event.lower()} AFTER {event} "
                   f"ON terms_changes BEGIN {_BUMP[dialect]}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER terms_changes_marks ON terms_changes")
    else:
        for event in _EVENTS:
            op.execute(f"DROP TRIGGER terms_changes_marks_{event.lower()}")
    op.drop_table("terms_changes")
