"""Each person's Slack locale as the bot last learnt it, for the messages it queues
(approval cards, notes, held-order notes) in processes that cannot ask Slack.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_locales",
        sa.Column("user_id", sa.String(length=32), primary_key=True),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("slack_locales")
