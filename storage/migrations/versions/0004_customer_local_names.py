"""Customers' local-script names (e.g. 杭州红隼贸易有限公司) and their lookup keys.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty until the next customers import with a name_local column: nothing to fill.
    op.add_column("customers", sa.Column("name_local", sa.String(length=200), nullable=True))
    op.add_column("customers", sa.Column("name_local_key", sa.String(length=200),
                                         nullable=True))
    # Prefix search on the local name, as on the name (see ix_customers_name_key).
    op.create_index("ix_customers_name_local_key", "customers", ["name_local_key"],
                    postgresql_ops={"name_local_key": "text_pattern_ops"})


def downgrade() -> None:
    op.drop_index("ix_customers_name_local_key", table_name="customers")
    # In place (SQLite 3.35+), not batch mode: batch copies the table and drops the old
    # one, which SQLite's foreign keys refuse while invoices refer to its customers.
    op.drop_column("customers", "name_local_key")
    op.drop_column("customers", "name_local")
