"""A legal case remembers who recorded its outcome, for the account's history (the
audit log had it; `/credit history` did not).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for the cases closed before: the history then names no one, as it did.
    op.add_column("legal_cases", sa.Column("closed_by", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("legal_cases", "closed_by")
