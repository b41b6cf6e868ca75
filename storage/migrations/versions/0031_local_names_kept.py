"""``credit_requests.customer_name_local`` and ``order_checks.customer_name_local``: the
customer's name in the local script, kept beside the name as each is. A Chinese reader
saw 深圳明亮电子有限公司 on the check card and the order's answer but the ERP's English
name on the approval card, in `/credit requests` and in the owner's note of a hold.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

TABLES = ("credit_requests", "order_checks")


# Those already kept take the customer's local name as the ERP has it now.
def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("customer_name_local", sa.String(200), nullable=True))
        op.execute(f"UPDATE {table} SET customer_name_local = (SELECT c.name_local FROM "
                   f"customers c WHERE c.customer_id = {table}.customer_id)")


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "customer_name_local")
