"""``exchange_rates.base_currency``: the base currency a rate was imported against (what
``rate_to_base`` is a price in). A rate imported against EUR read after app.yaml's base
became USD priced every converted figure wrongly, and nothing said so; rates against
another base are now not read. Empty for rates imported before it was recorded, which
are read against whatever base is configured, as before.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("exchange_rates", sa.Column("base_currency", sa.String(3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exchange_rates") as table:
        table.drop_column("base_currency")
