"""Initial schema: customers, receivables, orders, payments, contracts, rates, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.types import Amount, ExactDecimal, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

AMOUNT = Amount(precision=18, scale=4)


def _id(name: str, **kw: Any) -> sa.Column:
    return sa.Column(name, sa.String(length=64), **kw)


def _customer_fk() -> sa.Column:
    return sa.Column("customer_id", sa.String(length=64),
                     sa.ForeignKey("customers.customer_id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "customers",
        _id("customer_id", primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("credit_limit", AMOUNT, nullable=False),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("industry", sa.String(length=100)),
        sa.Column("country", sa.String(length=60)),
        sa.Column("owner_slack_id", sa.String(length=32)),
        sa.Column("department", sa.String(length=60)),
        _id("group_id"),
        *(sa.Column(name, AMOUNT) for name in (
            "revenue", "total_assets", "total_liabilities", "current_assets",
            "current_liabilities", "retained_earnings", "ebit", "equity")),
        sa.Column("established_year", sa.Integer()),
    )
    op.create_index("ix_customers_group_id", "customers", ["group_id"])
    op.create_index("ix_customers_name_key", "customers", ["name_key"],
                    postgresql_ops={"name_key": "text_pattern_ops"})

    op.create_table(
        "invoices",
        _id("invoice_id", primary_key=True),
        _customer_fk(),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("open_amount", AMOUNT, nullable=False),
        sa.Column("status", sa.String(length=16), server_default=sa.text("'open'"),
                  nullable=False),
        _id("order_id"),
    )
    op.create_index("ix_invoices_open_by_customer", "invoices",
                    ["customer_id", "status", "due_date", "currency", "open_amount"])

    op.create_table(
        "orders",
        _id("order_id", primary_key=True),
        _customer_fk(),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), server_default=sa.text("'open'"),
                  nullable=False),
        _id("contract_id"),
        sa.Column("owner_slack_id", sa.String(length=32)),
    )
    op.create_index("ix_orders_customer_status", "orders", ["customer_id", "status"])

    op.create_table(
        "payments",
        _id("payment_id", primary_key=True),
        _customer_fk(),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        _id("invoice_id"),
    )
    op.create_index("ix_payments_customer_id", "payments", ["customer_id"])

    op.create_table(
        "contracts",
        _id("contract_id", primary_key=True),
        _customer_fk(),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("credit_limit", AMOUNT),
        sa.Column("currency", sa.String(length=3)),
    )
    op.create_index("ix_contracts_customer_id", "contracts", ["customer_id"])

    op.create_table(
        "exchange_rates",
        sa.Column("date", sa.Date(), primary_key=True),
        sa.Column("currency", sa.String(length=3), primary_key=True),
        sa.Column("rate_to_base", ExactDecimal(precision=24, scale=12), nullable=False),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    _make_audit_log_append_only()


def _make_audit_log_append_only() -> None:
    """The record of decisions must not be rewritten, even by a bug of ours."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    for table in ("audit_log", "exchange_rates", "contracts", "payments", "orders",
                  "invoices", "customers"):
        op.drop_table(table)
