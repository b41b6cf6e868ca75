"""``request_questions.answer`` and ``answered_at``: the requester's answer to a
decider's question, given with the button under the question's direct message.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("request_questions", sa.Column("answer", sa.String(2000), nullable=True))
    op.add_column("request_questions", sa.Column("answered_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("request_questions") as table:
        table.drop_column("answered_at")
        table.drop_column("answer")
