"""A decision remembers that its decider's right came from the level's escalation (the
deadline had passed and they hold ``escalate_to``), so the history can say why a CFO
decided the finance director's level.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # False for the decisions before: the history says of them what it said.
    op.add_column("request_decisions", sa.Column("escalated", sa.Boolean(), nullable=False,
                                                 server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("request_decisions", "escalated")
