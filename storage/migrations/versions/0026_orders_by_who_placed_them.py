"""``/credit orders`` lists the orders a person placed in Slack, newest first: an index
on (checked_by, id) reads them without scanning the ERP's reviewed orders.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03
"""

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_order_checks_checked_by", "order_checks", ["checked_by", "id"])


def downgrade() -> None:
    op.drop_index("ix_order_checks_checked_by", table_name="order_checks")
