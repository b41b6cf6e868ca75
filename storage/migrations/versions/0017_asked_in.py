"""A limit requested in another currency than the customer's limit keeps the amount as
typed (``+€100k`` on a USD limit), shown to the approvers beside the conversion they
decide on. Requests filed before show the conversion only.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from storage.types import Amount, ExactDecimal

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("credit_requests", sa.Column("asked_amount", Amount(precision=18, scale=4),
                                               nullable=True))
    op.add_column("credit_requests", sa.Column("asked_currency", sa.String(length=3),
                                               nullable=True))
    op.add_column("credit_requests", sa.Column("asked_increase", sa.Boolean(), nullable=True))
    op.add_column("credit_requests", sa.Column("asked_rate", ExactDecimal(precision=24,
                                                                          scale=12),
                                               nullable=True))


def downgrade() -> None:
    for column in ("asked_rate", "asked_increase", "asked_currency", "asked_amount"):
        op.drop_column("credit_requests", column)
