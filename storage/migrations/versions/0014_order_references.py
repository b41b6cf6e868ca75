"""Orders looked up by customer and reference: ``/credit order`` refuses a second order
under a reference the customer's earlier order has (a retyped line would count twice
in the exposure), and looks before every order it places.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_order_checks_customer_reference", "order_checks",
                    ["customer_id", "reference"])


def downgrade() -> None:
    op.drop_index("ix_order_checks_customer_reference", table_name="order_checks")
