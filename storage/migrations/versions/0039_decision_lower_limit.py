"""``request_decisions.limit_amount`` and ``limit_currency``: the lower limit a level
approved instead of the one asked for (an approver's "yes, but to 150,000"); empty for a
level that approved as asked or rejected. ``credit_requests.asked_limit``: the limit the
requester asked for, kept once a level lowered ``new_limit`` (in the request's currency).

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from storage.types import Amount

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("request_decisions", sa.Column("limit_amount", Amount(precision=18, scale=4),
                                                 nullable=True))
    op.add_column("request_decisions", sa.Column("limit_currency", sa.String(3),
                                                 nullable=True))
    op.add_column("credit_requests", sa.Column("asked_limit", Amount(precision=18, scale=4),
                                               nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("credit_requests") as table:
        table.drop_column("asked_limit")
    with op.batch_alter_table("request_decisions") as table:
        table.drop_column("limit_currency")
        table.drop_column("limit_amount")
