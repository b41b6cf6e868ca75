"""A promise remembers what the ERP already showed paid towards it when it was made, so
that a payment is not counted again for a later promise (one payment of $107k kept a
$100k promise and then the $90k one recorded after it).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from storage.types import Amount

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for the promises made before: nothing known paid then, as they were checked.
    op.add_column("collection_promises",
                  sa.Column("paid_before", Amount(precision=18, scale=4), nullable=True))


def downgrade() -> None:
    op.drop_column("collection_promises", "paid_before")
