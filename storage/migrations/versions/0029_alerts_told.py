"""``alert_states.told``: which destinations were told of a condition as it stands, each
with the digest that told it. A route added (a department's new channel) or a digest
Slack refused for good (the bot not invited yet) left a destination without the alert
until the condition got worse; the scan now tells it at the next run.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


# NULL for the states already kept: the scan takes them as told wherever their routes
# send them now, so an upgrade announces nothing again.
def upgrade() -> None:
    op.add_column("alert_states", sa.Column("told", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("alert_states", "told")
