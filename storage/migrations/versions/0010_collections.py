"""Collections: assignments (one open per customer), actions, promises to pay, disputes
and legal cases.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from storage.types import Amount, UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

AMOUNT = Amount(precision=18, scale=4)
NOT_CLOSED = sa.text("status <> 'closed'")


def upgrade() -> None:
    op.create_table(
        "collection_assignments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("collector", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("next_action_on", sa.Date(), nullable=True),
        sa.Column("assigned_by", sa.String(length=32), nullable=False),
        sa.Column("assigned_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_collection_assignments_open", "collection_assignments",
                    ["customer_id"], unique=True, sqlite_where=NOT_CLOSED,
                    postgresql_where=NOT_CLOSED)
    op.create_index("ix_collection_assignments_collector", "collection_assignments",
                    ["collector", "status"])
    op.create_table(
        "collection_actions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=2000), nullable=False),
        sa.Column("next_action_on", sa.Date(), nullable=True),
        sa.Column("by", sa.String(length=32), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_collection_actions_customer", "collection_actions",
                    ["customer_id", "at"])
    op.create_table(
        "collection_promises",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("invoice_ids", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("made_by", sa.String(length=32), nullable=False),
        sa.Column("made_at", UtcDateTime(), nullable=False),
        sa.Column("checked_at", UtcDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_collection_promises_customer", "collection_promises",
                    ["customer_id", "made_at"])
    op.create_index("ix_collection_promises_state_due", "collection_promises",
                    ["state", "due_on"])
    op.create_table(
        "collection_disputes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("invoice_ids", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("department", sa.String(length=60), nullable=True),
        sa.Column("owner", sa.String(length=32), nullable=True),
        sa.Column("opened_by", sa.String(length=32), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("resolved_at", UtcDateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=32), nullable=True),
        sa.Column("outcome", sa.String(length=2000), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_collection_disputes_customer", "collection_disputes",
                    ["customer_id", "opened_at"])
    op.create_index("ix_collection_disputes_resolved", "collection_disputes",
                    ["resolved_at"])
    op.create_table(
        "legal_cases",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("opened_by", sa.String(length=32), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("outcome", sa.String(length=2000), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_legal_cases_customer", "legal_cases", ["customer_id", "opened_at"])


def downgrade() -> None:
    op.drop_table("legal_cases")
    op.drop_table("collection_disputes")
    op.drop_table("collection_promises")
    op.drop_table("collection_actions")
    op.drop_table("collection_assignments")
