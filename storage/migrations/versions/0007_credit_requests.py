"""Credit requests, their decisions, delegations and the limits creditbot approved.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from storage.types import Amount, UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

AMOUNT = Amount(precision=18, scale=4)


def upgrade() -> None:
    op.create_table(
        "credit_requests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("filed_at", UtcDateTime(), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("current_limit", AMOUNT, nullable=True),
        sa.Column("new_limit", AMOUNT, nullable=True),
        sa.Column("increase", AMOUNT, nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("order_amount", AMOUNT, nullable=True),
        sa.Column("order_currency", sa.String(length=3), nullable=True),
        sa.Column("current_terms_days", sa.Integer(), nullable=True),
        sa.Column("terms_days", sa.Integer(), nullable=True),
        sa.Column("measured", AMOUNT, nullable=False),
        sa.Column("measured_currency", sa.String(length=3), nullable=False),
        sa.Column("route", sa.JSON(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("level_since", UtcDateTime(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("open_key", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_credit_requests_customer", "credit_requests", ["customer_id", "id"])
    op.create_index("ix_credit_requests_requested_by", "credit_requests",
                    ["requested_by", "id"])
    op.create_index("ix_credit_requests_state", "credit_requests", ["state"])
    op.create_index("ix_credit_requests_open_key", "credit_requests", ["open_key"],
                    unique=True)
    op.create_table(
        "request_decisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("credit_requests.id"),
                  nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=False),
        sa.Column("on_behalf_of", sa.String(length=32), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        sa.Column("comment", sa.String(length=2000), nullable=True),
    )
    op.create_index("ix_request_decisions_request_level", "request_decisions",
                    ["request_id", "level"], unique=True)
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("delegator", sa.String(length=32), nullable=False),
        sa.Column("delegate", sa.String(length=32), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_delegations_delegator", "delegations", ["delegator"])
    op.create_index("ix_delegations_delegate", "delegations", ["delegate"])
    op.create_table(
        "limit_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("credit_requests.id"),
                  nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("credit_limit", AMOUNT, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("previous_limit", AMOUNT, nullable=True),
        sa.Column("previous_currency", sa.String(length=3), nullable=True),
        sa.Column("effective_at", UtcDateTime(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("approved_by", sa.String(length=32), nullable=False),
    )
    op.create_index("ix_limit_changes_customer", "limit_changes",
                    ["customer_id", "effective_at"])
    op.create_index("ix_limit_changes_request", "limit_changes", ["request_id"],
                    unique=True)


def downgrade() -> None:
    op.drop_table("limit_changes")
    op.drop_table("delegations")
    op.drop_table("request_decisions")
    op.drop_table("credit_requests")
