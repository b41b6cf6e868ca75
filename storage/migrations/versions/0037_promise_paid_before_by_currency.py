"""``collection_promises.paid_before_by_currency``: what the ERP showed paid on a
promise's day when it was made, each currency's total as paid. Kept converted into the
promise's currency (``paid_before``), a rate for that day imported afterwards changed
what the same payments were worth at the check, and the difference counted as money
paid towards the promise.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for the promises made before: their ``paid_before`` is read as it was.
    op.add_column("collection_promises",
                  sa.Column("paid_before_by_currency", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("collection_promises") as table:
        table.drop_column("paid_before_by_currency")
