"""Order checks: orders placed through Slack and ERP orders reviewed, with their holds.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from storage.types import Amount, UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

AMOUNT = Amount(precision=18, scale=4)


def upgrade() -> None:
    op.create_table(
        "order_checks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("contract_id", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.Column("checked_at", UtcDateTime(), nullable=False),
        sa.Column("checked_by", sa.String(length=32), nullable=False),
        sa.Column("released_at", UtcDateTime(), nullable=True),
        sa.Column("released_by", sa.String(length=32), nullable=True),
        sa.Column("release_note", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_order_checks_order", "order_checks", ["source", "order_id"],
                    unique=True)
    op.create_index("ix_order_checks_state_customer", "order_checks",
                    ["state", "customer_id", "id"])


def downgrade() -> None:
    op.drop_table("order_checks")
