"""What the collections job last told of each collection assignment: the next-action
date its collector was reminded of (``reminded_for``), and the first day of the
stretch without action the collections lead was told of (``flagged_since``). The job
tells each person once per run of every account, in one message, and marks each
account here instead of keying a message per account.

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
    # Empty: the job reads the per-account messages keyed before this (their outbox rows)
    # as sent, so nobody is told twice of one date or stretch across the upgrade.
    for column in ("reminded_for", "flagged_since"):
        op.add_column("collection_assignments", sa.Column(column, sa.Date(), nullable=True))


def downgrade() -> None:
    for column in ("flagged_since", "reminded_for"):
        op.drop_column("collection_assignments", column)
