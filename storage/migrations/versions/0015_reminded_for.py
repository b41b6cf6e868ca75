"""The next-action date each collection assignment's collector was last reminded of:
the collections job reminds a collector once per run of every account that fell due,
in one message, and marks each account here instead of keying a message per account.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


# In place, not batch mode: batch copies the table, losing the check_marks triggers
# (0013) and the partial unique index of open assignments.
def upgrade() -> None:
    # Empty: the job reads the per-account reminders keyed before this (their outbox rows)
    # as reminded, so nobody is reminded twice of one date across the upgrade.
    op.add_column("collection_assignments", sa.Column("reminded_for", sa.Date(),
                                                      nullable=True))


def downgrade() -> None:
    op.drop_column("collection_assignments", "reminded_for")
