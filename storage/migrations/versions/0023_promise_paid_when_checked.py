"""A promise remembers what had come towards it when it was found kept or broken, so that
its history can say "only $3,000.00 of it was paid" as the broken note did.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from storage.types import Amount

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for the promises checked before: what came then is not known here.
    op.add_column("collection_promises",
                  sa.Column("paid_when_checked", Amount(precision=18, scale=4), nullable=True))


def downgrade() -> None:
    op.drop_column("collection_promises", "paid_when_checked")
