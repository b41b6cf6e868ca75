"""``limit_changes.overtaken_at``: when a customers import first exported another limit
than the one an approved limit replaced. The change stood whenever the ERP exported
that limit, so an ERP going back to it (a limit lowered, then restored) brought back an
approval the ERP had overtaken in between; from the first other export on, the ERP's
limit is the record for good, as with approved terms (0027).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


# In place, not batch mode: batch copies the table, losing the check_marks triggers
# (0013). Changes already overtaken before this are left as they stand: whether the ERP
# moved away and back meanwhile is not known.
def upgrade() -> None:
    op.add_column("limit_changes", sa.Column("overtaken_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("limit_changes", "overtaken_at")
