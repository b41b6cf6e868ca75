"""What the approvals deadlines job did once per request and level (reminded,
escalated, reminded as overdue on a day), keyed so that it is done once.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deadline_marks",
        sa.Column("key", sa.String(length=100), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("credit_requests.id"),
                  nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_deadline_marks_request_id", "deadline_marks", ["request_id"])


def downgrade() -> None:
    op.drop_table("deadline_marks")
