"""Each credit request's current level keeps its deadline, worked out when the level
started by the approval policy's clock (every hour, or working time only). Requests
filed before keep theirs as it was: the level's start plus its hours.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("credit_requests", sa.Column("level_deadline", UtcDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("credit_requests", "level_deadline")
