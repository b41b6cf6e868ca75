"""An order-release request keeps the rep's reference of its order (``PO-778``), so the
approvers' card and the notes name the order as the rep and the customer know it, beside
creditbot's ``CB-…``. Requests filed before show the id only.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("credit_requests", sa.Column("order_reference", sa.String(length=100),
                                               nullable=True))


def downgrade() -> None:
    op.drop_column("credit_requests", "order_reference")
