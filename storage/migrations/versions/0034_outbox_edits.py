"""An index of the outbox by the message a row edits: what an approval card shows now is
its latest edit, looked up when a later level's outcome is added to it.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05
"""

from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_update_of", "outbox", ["update_of"])


def downgrade() -> None:
    op.drop_index("ix_outbox_update_of", table_name="outbox")
