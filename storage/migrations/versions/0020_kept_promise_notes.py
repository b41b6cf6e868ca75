"""A promise kept is shown from the promise itself (its state and when it was checked),
in the reader's language. Before, the collections job also wrote an English note on the
account ("promise 12 kept (GBP 20,000.00 by 2026-12-11)", by creditbot), which the
history, the worklist and meeting agendas showed as is: those notes are removed.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # "by" is a reserved word in PostgreSQL.
    op.execute(sa.text(
        """DELETE FROM collection_actions WHERE "by" = 'creditbot' AND kind = 'note' """
        """AND outcome LIKE 'promise % kept (%'"""))


def downgrade() -> None:
    pass  # the promises keep what the notes said
