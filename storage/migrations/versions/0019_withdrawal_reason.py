"""An order-release request creditbot withdraws keeps why: the order was released on its
own (it passes the rules now), or the ERP changed the order since the request was filed
(a larger amount, another currency or customer), so the approvers' card and the
requester say which. Requests withdrawn before read as released, which all of them were.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("credit_requests", sa.Column("closed_note", sa.String(length=32),
                                               nullable=True))


def downgrade() -> None:
    op.drop_column("credit_requests", "closed_note")
